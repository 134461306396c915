//! The access log page (filters: date range, actor, function, result) and
//! its CSV export (UTF-8 with BOM, CRLF: opens in Excel). Admin only;
//! viewing and exporting are themselves logged.

use super::{AdminError, AdminLayout, Staff};
use crate::AppState;
use crate::views::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use madoguchi_core::JST;
use madoguchi_core::staff::Role;
use madoguchi_store::{AccessEntry, AccessFilter, AccessResult};
use serde::Deserialize;

const PAGE_ROWS: u32 = 200;
const CSV_ROWS: u32 = 100_000;

#[derive(Deserialize, Default)]
pub(crate) struct FilterQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    function: String,
    #[serde(default)]
    result: String,
}

struct Row {
    at: String,
    actor: String,
    function: String,
    target: String,
    client_ip: String,
    result: &'static str,
    result_label: &'static str,
}

#[derive(Template)]
#[template(path = "admin/access_log.html")]
struct AccessLogPage {
    layout: AdminLayout,
    from: String,
    to: String,
    actor: String,
    function: String,
    result: String,
    rows: Vec<Row>,
    csv_query: String,
    truncated: bool,
}

fn day(s: &str) -> Option<NaiveDate> {
    super::ops::parse_date(s)
}

fn start_of(date: NaiveDate) -> Option<DateTime<Utc>> {
    date.and_hms_opt(0, 0, 0)?
        .and_local_timezone(JST)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

fn filter(q: &FilterQuery, limit: u32) -> AccessFilter {
    let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    AccessFilter {
        from: day(&q.from).and_then(start_of),
        until: day(&q.to).and_then(|d| d.succ_opt()).and_then(start_of),
        actor: non_empty(&q.actor),
        function: non_empty(&q.function),
        result: AccessResult::parse(q.result.trim()),
        before_id: None,
        limit,
    }
}

fn when(at: DateTime<Utc>) -> String {
    at.with_timezone(&JST)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn row(e: AccessEntry) -> Row {
    Row {
        at: when(e.at),
        actor: e.actor,
        function: e.function,
        target: e.target,
        client_ip: e.client_ip,
        result: e.result.as_str(),
        result_label: e.result.label_ja(),
    }
}

fn query_string(q: &FilterQuery) -> String {
    [
        ("from", &q.from),
        ("to", &q.to),
        ("actor", &q.actor),
        ("function", &q.function),
        ("result", &q.result),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", super::urlencode(v.trim())))
    .collect::<Vec<_>>()
    .join("&")
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    let entries = state.store.access_log(&filter(&q, PAGE_ROWS)).await?;
    staff
        .log(&state, "accesslog.view", "", AccessResult::Ok)
        .await;
    let truncated = entries.len() == PAGE_ROWS as usize;
    let page = AccessLogPage {
        layout: AdminLayout::new(&staff, "アクセスログ", "/admin/access-log"),
        csv_query: query_string(&q),
        rows: entries.into_iter().map(row).collect(),
        truncated,
        from: q.from,
        to: q.to,
        actor: q.actor,
        function: q.function,
        result: q.result,
    };
    Ok(render(&page))
}

fn csv_field(s: &str) -> String {
    // Cells Excel would run as formulas start with a quote (CSV injection).
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub(crate) async fn csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    let entries = state.store.access_log(&filter(&q, CSV_ROWS)).await?;
    staff
        .log(&state, "accesslog.export", "", AccessResult::Ok)
        .await;
    let mut out = String::from("\u{feff}日時,操作者,機能,対象,接続元,結果\r\n");
    for e in entries {
        let r = row(e);
        let cells = [
            r.at.as_str(),
            r.actor.as_str(),
            r.function.as_str(),
            r.target.as_str(),
            r.client_ip.as_str(),
            r.result_label,
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    let name = format!(
        "attachment; filename=\"access-log-{}.csv\"",
        state.clock.now().with_timezone(&JST).format("%Y%m%d-%H%M")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        out,
    )
        .into_response())
}
