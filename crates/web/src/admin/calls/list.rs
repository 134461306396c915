//! `GET /admin/calls`: the call log with counts per outcome.

use super::{SECTION, jst};
use crate::AppState;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use madoguchi_core::staff::Role;
use madoguchi_store::AccessResult;

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
