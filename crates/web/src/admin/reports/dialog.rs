//! `GET /admin/reports/dialog.csv?from=…&to=…`: the dialog log of real calls
//! for disclosure (C3), one row per turn. 職員 get the flow of each call
//! (steps, prompt ids, outcomes); only 管理者 get what was said (the
//! agent's words read back names and numbers, the caller's words are
//! theirs). Every export is written to the access log with its period and
//! whether it held what was said.

use super::{Filter, FilterQuery, csv_download};
use crate::AppState;
use crate::admin::ops::csv::Csv;
use crate::admin::{AdminError, Staff};
use axum::extract::{Query, State};
use axum::response::Response;
use madoguchi_core::clock::JST;
use madoguchi_core::staff::Role;
use madoguchi_store::AccessResult;

fn jst(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&JST)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

pub(crate) async fn csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    let filter = Filter::parse(&state, &q)?;
    let words = staff.role.allows(Role::Admin);
    let turns = state.store.dialog_turns(filter.first, filter.last).await?;
    let target = format!(
        "dialog:{}:{}:{}",
        filter.first,
        filter.last,
        if words { "full" } else { "without-words" }
    );
    staff
        .log(&state, "export.csv", &target, AccessResult::Ok)
        .await;
    let mut csv = Csv::new();
    let mut head = vec![
        "通話ID",
        "通話開始",
        "通話の結果",
        "ターン",
        "時刻",
        "段階",
        "案内ID",
    ];
    if words {
        head.extend(["案内文", "発信者の発話", "理解した内容"]);
    }
    head.push("ターンの結果");
    csv.row(head);
    for t in turns {
        let mut row = vec![
            t.call.0.to_string(),
            jst(t.call_started),
            t.call_outcome,
            t.turn.seq.to_string(),
            jst(t.turn.at),
            t.turn.state,
            t.turn.prompt_id,
        ];
        if words {
            row.extend([t.turn.prompt_text, t.turn.caller_input, t.turn.understood]);
        }
        row.push(t.turn.outcome);
        csv.row(row);
    }
    let kind = if words { "full" } else { "steps" };
    Ok(csv_download(
        &format!("dialog-{kind}-{}-{}.csv", filter.first, filter.last),
        csv.finish(),
    ))
}
