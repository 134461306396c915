//! `GET /admin/calls/{id}`: one call's transcript, turn by turn.

use super::list::CallRow;
use super::{REHEARSALS, SECTION, jst};
use crate::AppState;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use madoguchi_core::staff::Role;
use madoguchi_store::{AccessResult, CallId};

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

pub(super) async fn transcript(
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
