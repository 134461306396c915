//! `POST /admin/calls/scenario/publish` and `.../rollback`: publishing the
//! draft, or an earlier version again.

use super::scenario::scenario_page;
use crate::AppState;
use crate::admin::{AdminError, Staff};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use madoguchi_core::staff::Role;
use madoguchi_store::AccessResult;

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
