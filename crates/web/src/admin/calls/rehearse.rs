//! `/admin/calls/rehearse`: staff type as the caller against the draft or
//! the published scenario.

use super::transcript::transcript;
use super::{MAX_REHEARSALS, REHEARSALS, SECTION, call_error};
use crate::AppState;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_calls::{Call, CallKind, CallOptions, CallerInput, ScenarioChoice};
use madoguchi_core::staff::Role;
use madoguchi_store::AccessResult;

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
            reader: None,
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
