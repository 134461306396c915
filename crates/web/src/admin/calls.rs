//! The phone section of the console: call log and transcripts (C3, C6),
//! rehearsal (staff type as the caller against the draft or the published
//! scenario), the scenario editor (draft → test → publish → roll back,
//! C2), and venue aliases and recognition corrections.
//!
//! Transcripts hold what callers said: staff role and up, and every view is
//! written to the access log.

use super::{AdminError, AdminLayout, Staff};
use crate::AppState;
use crate::views::render;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_calls::{Call, CallKind, CallOptions, CallerInput, ScenarioChoice};
use madoguchi_core::staff::Role;
use madoguchi_dialog::Scenario;
use madoguchi_store::{AccessResult, CallId};
use std::collections::HashMap;
use std::sync::LazyLock;
use tokio::sync::Mutex;

const SECTION: &str = "/admin/calls";

/// Rehearsal calls in progress on this instance (a rehearsal stays on the
/// instance that started it). Oldest dropped beyond [`MAX_REHEARSALS`].
static REHEARSALS: LazyLock<Mutex<HashMap<i64, Call>>> = LazyLock::new(Default::default);
const MAX_REHEARSALS: usize = 50;

fn call_error(e: madoguchi_calls::CallError) -> AdminError {
    AdminError::App(crate::AppError::internal(e.to_string()))
}

fn jst(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&madoguchi_core::JST)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

pub(crate) struct CallRow {
    pub id: i64,
    pub started: String,
    pub kind: String,
    pub outcome: String,
    pub reason: String,
    pub state: String,
    pub seconds: i64,
    pub turns: i64,
    pub version: String,
}

pub(crate) struct CountRow {
    pub outcome: String,
    pub reason: String,
    pub calls: i64,
    pub average: String,
}

#[derive(Template)]
#[template(path = "admin/calls.html")]
struct ListPage {
    layout: AdminLayout,
    calls: Vec<CallRow>,
    counts: Vec<CountRow>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    let now = state.clock.now();
    let calls = state.store.calls(200, 0).await?;
    let counts = state
        .store
        .call_counts(
            now - chrono::Duration::days(30),
            now + chrono::Duration::days(1),
        )
        .await?;
    staff
        .log(&state, "call.list", "calls", AccessResult::Ok)
        .await;
    let page = ListPage {
        layout: AdminLayout::new(&staff, "電話の通話記録", SECTION),
        calls: calls
            .into_iter()
            .map(|c| CallRow {
                id: c.id.0,
                started: jst(c.started_at),
                seconds: c.duration_seconds().unwrap_or(0),
                kind: c.kind,
                outcome: c.outcome.unwrap_or_else(|| "通話中".to_owned()),
                reason: c.end_reason.unwrap_or_default(),
                state: c.end_state.unwrap_or_default(),
                turns: c.turns,
                version: c
                    .scenario_version
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "既定".to_owned()),
            })
            .collect(),
        counts: counts
            .into_iter()
            .map(|c| CountRow {
                outcome: c.outcome,
                reason: c.end_reason,
                calls: c.calls,
                average: format!("{:.0}", c.average_seconds),
            })
            .collect(),
    };
    Ok(render(&page))
}

pub(crate) struct TurnRow {
    pub seq: i64,
    pub at: String,
    pub state: String,
    pub caller: String,
    pub understood: String,
    pub agent: Vec<String>,
    pub outcome: String,
    /// The caller's recorded voice for this turn is stored (C7).
    pub audio: bool,
}

fn turn_rows(turns: Vec<madoguchi_store::CallTurn>, audio: &[i64]) -> Vec<TurnRow> {
    turns
        .into_iter()
        .map(|t| TurnRow {
            audio: audio.contains(&t.seq),
            seq: t.seq,
            at: jst(t.at),
            state: t.state,
            caller: t.caller_input,
            understood: t.understood,
            agent: t.prompt_text.lines().map(str::to_owned).collect(),
            outcome: t.outcome,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/call_transcript.html")]
struct TranscriptPage {
    layout: AdminLayout,
    call: CallRow,
    turns: Vec<TurnRow>,
    /// Rehearsal still running here: show the input form.
    live: bool,
}

async fn transcript(
    state: &AppState,
    staff: &Staff,
    id: i64,
    title: &str,
) -> Result<Response, AdminError> {
    let Some(c) = state.store.find_call(CallId(id)).await? else {
        return Err(AdminError::App(crate::AppError::NotFound));
    };
    let turns = state.store.call_turns(CallId(id)).await?;
    let audio = state.store.call_audio_turns(CallId(id)).await?;
    let live = REHEARSALS.lock().await.contains_key(&id);
    staff
        .log(state, "call.view", &format!("call:{id}"), AccessResult::Ok)
        .await;
    let page = TranscriptPage {
        layout: AdminLayout::new(staff, title, SECTION),
        call: CallRow {
            id: c.id.0,
            started: jst(c.started_at),
            seconds: c.duration_seconds().unwrap_or(0),
            kind: c.kind,
            outcome: c.outcome.unwrap_or_else(|| "通話中".to_owned()),
            reason: c.end_reason.unwrap_or_default(),
            state: c.end_state.unwrap_or_default(),
            turns: c.turns,
            version: c
                .scenario_version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "既定".to_owned()),
        },
        turns: turn_rows(turns, &audio),
        live,
    };
    Ok(render(&page))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    transcript(&state, &staff, id, &format!("通話 {id}")).await
}

/// One turn's recording (WAV): played in the transcript page, or
/// downloaded with `?download=1`. The caller's voice is personal data: the
/// same role as the transcript, and every fetch is access-logged.
pub(crate) async fn turn_audio(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, seq)): Path<(i64, i64)>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Result<Response, AdminError> {
    use axum::http::header;
    staff.require(Role::Staff)?;
    let target = format!("call:{id} turn:{seq}");
    let Some(wav) = state.store.call_audio(CallId(id), seq).await? else {
        staff
            .log(&state, "call.audio", &target, AccessResult::Failed)
            .await;
        return Err(AdminError::App(crate::AppError::NotFound));
    };
    staff
        .log(&state, "call.audio", &target, AccessResult::Ok)
        .await;
    let disposition = if query.contains_key("download") {
        format!("attachment; filename=\"call-{id}-turn-{seq}.wav\"")
    } else {
        "inline".to_owned()
    };
    Ok((
        [
            (header::CONTENT_TYPE, "audio/wav".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        wav,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "admin/call_rehearse.html")]
struct RehearsePage {
    layout: AdminLayout,
    has_draft: bool,
}

pub(crate) async fn rehearse_form(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    let page = RehearsePage {
        layout: AdminLayout::new(&staff, "通話のリハーサル", SECTION),
        has_draft: state.store.draft_scenario().await?.is_some(),
    };
    Ok(render(&page))
}

#[derive(serde::Deserialize)]
pub(crate) struct StartForm {
    csrf: String,
    #[serde(default)]
    scenario: String,
    #[serde(default)]
    caller_id: String,
    /// Present when staff ask for real bookings.
    #[serde(default)]
    real: Option<String>,
}

pub(crate) async fn rehearse_start(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<StartForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let caller_id = Some(form.caller_id.trim().to_owned()).filter(|c| !c.is_empty());
    let dry_run = form.real.is_none();
    let mut call = Call::open(
        state.store.clone(),
        state.clock.clone(),
        CallOptions {
            kind: CallKind::Rehearsal,
            caller_id,
            dry_run,
            scenario: if form.scenario == "draft" {
                ScenarioChoice::Draft
            } else {
                ScenarioChoice::Published
            },
        },
    )
    .await
    .map_err(call_error)?;
    call.start().await.map_err(call_error)?;
    let id = call.id().0;
    {
        let mut live = REHEARSALS.lock().await;
        if live.len() >= MAX_REHEARSALS
            && let Some(oldest) = live.keys().min().copied()
        {
            live.remove(&oldest);
        }
        live.insert(id, call);
    }
    staff
        .log(
            &state,
            "call.rehearse",
            &format!("call:{id}"),
            AccessResult::Ok,
        )
        .await;
    Ok(Redirect::to(&format!("/admin/calls/rehearse/{id}")).into_response())
}

pub(crate) async fn rehearse_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    transcript(&state, &staff, id, &format!("リハーサル（通話 {id}）")).await
}

#[derive(serde::Deserialize)]
pub(crate) struct InputForm {
    csrf: String,
    #[serde(default)]
    text: String,
}

pub(crate) async fn rehearse_input(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<InputForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let text = form.text.trim();
    let input = if let Some(keys) = text.strip_prefix("#dtmf") {
        CallerInput::Dtmf(keys.trim().to_owned())
    } else if text == "#silence" || text.is_empty() {
        CallerInput::Silence
    } else if text == "#hangup" {
        CallerInput::HangUp
    } else {
        CallerInput::Said(text.to_owned())
    };
    let mut live = REHEARSALS.lock().await;
    if let Some(call) = live.get_mut(&id) {
        call.input(input).await.map_err(call_error)?;
        if call.is_ended() {
            live.remove(&id);
        }
    }
    drop(live);
    staff
        .log(
            &state,
            "call.rehearse",
            &format!("call:{id}"),
            AccessResult::Ok,
        )
        .await;
    Ok(Redirect::to(&format!("/admin/calls/rehearse/{id}")).into_response())
}

pub(crate) struct VersionRow {
    pub id: i64,
    pub status: String,
    pub note: String,
    pub by: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "admin/call_scenario.html")]
struct ScenarioPage {
    layout: AdminLayout,
    body: String,
    error: String,
    has_draft: bool,
    versions: Vec<VersionRow>,
    can_edit: bool,
}

async fn scenario_page(
    state: &AppState,
    staff: &Staff,
    body: Option<String>,
    error: String,
    flash: &str,
) -> Result<Response, AdminError> {
    let draft = state.store.draft_scenario().await?;
    let body = match body {
        Some(body) => body,
        None => match draft
            .as_ref()
            .or(state.store.published_scenario().await?.as_ref())
        {
            Some(v) => v.body.clone(),
            None => Scenario::default().to_json(),
        },
    };
    let versions = state
        .store
        .scenario_versions()
        .await?
        .into_iter()
        .map(|v| VersionRow {
            id: v.id,
            status: match v.status.as_str() {
                "draft" => "下書き",
                "published" => "公開中",
                _ => "過去の版",
            }
            .to_owned(),
            note: v.note,
            by: v.created_by,
            at: jst(v.created_at),
        })
        .collect();
    let page = ScenarioPage {
        layout: AdminLayout::new(staff, "電話のシナリオ", SECTION).with_flash(flash),
        body,
        error,
        has_draft: draft.is_some(),
        versions,
        can_edit: staff.role.allows(Role::Admin),
    };
    Ok(render(&page))
}

pub(crate) async fn scenario(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    scenario_page(&state, &staff, None, String::new(), "").await
}

#[derive(serde::Deserialize)]
pub(crate) struct ScenarioForm {
    csrf: String,
    body: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn scenario_save(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<ScenarioForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&form.csrf)?;
    match Scenario::from_json(&form.body) {
        Ok(scenario) => {
            let id = state
                .store
                .save_scenario_draft(
                    &scenario.to_json(),
                    form.note.trim(),
                    &staff.login,
                    state.clock.now(),
                )
                .await?;
            staff
                .log(
                    &state,
                    "scenario.draft",
                    &format!("scenario:{id}"),
                    AccessResult::Ok,
                )
                .await;
            scenario_page(
                &state,
                &staff,
                None,
                String::new(),
                "下書きを保存しました。リハーサルで試してから公開してください。",
            )
            .await
        }
        Err(e) => scenario_page(&state, &staff, Some(form.body), e.to_string(), "").await,
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn scenario_publish(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&form.csrf)?;
    let published = state
        .store
        .publish_scenario_draft(state.clock.now())
        .await?;
    let target = published
        .map(|id| format!("scenario:{id}"))
        .unwrap_or_default();
    staff
        .log(&state, "scenario.publish", &target, AccessResult::Ok)
        .await;
    let flash = if published.is_some() {
        "下書きを公開しました。これからの通話で使われます。"
    } else {
        "公開する下書きがありません。"
    };
    scenario_page(&state, &staff, None, String::new(), flash).await
}

pub(crate) async fn scenario_rollback(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&form.csrf)?;
    let restored = state
        .store
        .rollback_scenario(id, &staff.login, state.clock.now())
        .await?;
    staff
        .log(
            &state,
            "scenario.rollback",
            &format!("scenario:{id}"),
            AccessResult::Ok,
        )
        .await;
    let flash = if restored.is_some() {
        "以前の版を公開し直しました。"
    } else {
        "その版はありません。"
    };
    scenario_page(&state, &staff, None, String::new(), flash).await
}

pub(crate) struct AliasRow {
    pub id: i64,
    pub venue: String,
    pub alias: String,
}

pub(crate) struct CorrectionRow {
    pub id: i64,
    pub from: String,
    pub to: String,
}

pub(crate) struct VenueOption {
    pub id: i64,
    pub name: String,
}

#[derive(Template)]
#[template(path = "admin/call_words.html")]
struct WordsPage {
    layout: AdminLayout,
    venues: Vec<VenueOption>,
    aliases: Vec<AliasRow>,
    corrections: Vec<CorrectionRow>,
}

pub(crate) async fn words(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    let venues = state.store.venues(true).await?;
    let name = |id: madoguchi_core::ids::VenueId| {
        venues
            .iter()
            .find(|v| v.id == id)
            .map(|v| v.name.clone())
            .unwrap_or_default()
    };
    let page = WordsPage {
        layout: AdminLayout::new(&staff, "会場の別名と認識の補正", SECTION),
        aliases: state
            .store
            .venue_aliases()
            .await?
            .into_iter()
            .map(|a| AliasRow {
                id: a.id,
                venue: name(a.venue_id),
                alias: a.alias,
            })
            .collect(),
        corrections: state
            .store
            .recognition_corrections()
            .await?
            .into_iter()
            .map(|c| CorrectionRow {
                id: c.id,
                from: c.from_text,
                to: c.to_text,
            })
            .collect(),
        venues: venues
            .iter()
            .map(|v| VenueOption {
                id: v.id.0,
                name: v.name.clone(),
            })
            .collect(),
    };
    Ok(render(&page))
}

#[derive(serde::Deserialize)]
pub(crate) struct WordForm {
    csrf: String,
    /// add_alias, delete_alias, add_correction, delete_correction
    action: String,
    #[serde(default)]
    id: i64,
    #[serde(default)]
    venue_id: i64,
    #[serde(default)]
    text: String,
    #[serde(default)]
    to: String,
}

pub(crate) async fn words_save(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<WordForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let store = &state.store;
    let text = form.text.trim();
    match form.action.as_str() {
        "add_alias" if !text.is_empty() => {
            store
                .add_venue_alias(madoguchi_core::ids::VenueId(form.venue_id), text)
                .await?
        }
        "delete_alias" => store.delete_venue_alias(form.id).await?,
        "add_correction" if !text.is_empty() => {
            store
                .set_recognition_correction(text, form.to.trim())
                .await?
        }
        "delete_correction" => store.delete_recognition_correction(form.id).await?,
        _ => {}
    }
    staff
        .log(&state, "call.words", &form.action, AccessResult::Ok)
        .await;
    Ok(Redirect::to("/admin/calls/words").into_response())
}
