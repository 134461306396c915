//! `/admin/calls/scenario`: the scenario editor (the draft and its versions).

use super::{SECTION, jst};
use crate::AppState;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use madoguchi_core::staff::Role;
use madoguchi_dialog::Scenario;
use madoguchi_store::AccessResult;

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

pub(super) async fn scenario_page(
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
