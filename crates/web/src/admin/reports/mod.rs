//! Reports for the city (issue 15): bookings, phone calls and billing
//! usage, each with a period and venue filter, a table, a chart drawn on
//! the server (no JavaScript) and a CSV that opens in Excel. Figures come
//! from `madoguchi_store::{BookingReport, CallReport}`, which count purged
//! bookings and calls too. Every report is aggregate, without personal
//! data: 閲覧 and above may see and download them.
//!
//! # How to add a report
//!
//! One file per report with its page and CSV handlers; route them in
//! [`routes`] and list the page in [`REPORTS`] (the index shows it). Parse
//! the query with [`Filter::parse`], draw charts with [`chart::BarChart`],
//! answer CSV with [`csv_download`], log `report.view` / `report.csv`, and
//! add the paths to `ROUTES` in `crates/web/tests/web/admin.rs`.

mod bookings;
mod chart;
mod dialog;
mod labels;
mod monthly;
mod phone;
mod usage;

use super::{AdminError, AdminLayout, Staff};
use crate::views::render;
use crate::{AppError, AppState};
use askama::Template;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, Months, NaiveDate};
use madoguchi_core::ids::VenueId;
use madoguchi_core::staff::Role;
use madoguchi_store::AccessResult;
use serde::Deserialize;

/// The NAV section of every report page.
pub(crate) const SECTION: &str = "/admin/reports";

/// The longest period one report covers: a service year and some.
const MAX_DAYS: i64 = 400;

/// (path, title, what it answers) for the index.
const REPORTS: &[(&str, &str, &str)] = &[
    (
        "/admin/reports/bookings",
        "予約の集計",
        "会場・受付経路・日ごとの予約、変更、取消、来庁、利用率、リードタイム",
    ),
    (
        "/admin/reports/phone",
        "電話の集計",
        "日ごとの通話数、結果、通話時間、職員につながずに終わった割合、途中で切れた段階",
    ),
    (
        "/admin/reports/usage",
        "利用量（請求用）",
        "日・月ごとの通話数と通話分数、SMS、メール",
    ),
    (
        "/admin/reports/monthly",
        "月次報告（A4印刷）",
        "1か月の予約・電話・利用量を1つにまとめた報告書",
    ),
];

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(index))
        .route("/reports/bookings", get(bookings::page))
        .route("/reports/bookings.csv", get(bookings::csv))
        .route("/reports/seats.csv", get(bookings::seats_csv))
        .route("/reports/phone", get(phone::page))
        .route("/reports/phone.csv", get(phone::csv))
        .route("/reports/dialog.csv", get(dialog::csv))
        .route("/reports/usage", get(usage::page))
        .route("/reports/usage.csv", get(usage::csv))
        .route("/reports/monthly", get(monthly::page))
        .route("/reports/print.css", get(monthly::print_css))
}

/// The query of every report: `from`, `to` (YYYY-MM-DD) and `venue`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct FilterQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    venue: Option<String>,
    /// How a CSV groups its rows: `month` (usage), `hour` (phone).
    #[serde(default)]
    pub by: Option<String>,
}

/// A checked report query.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub venue: Option<VenueId>,
    pub by_month: bool,
}

fn bad(message: &str) -> AdminError {
    AdminError::App(AppError::BadRequest(message.to_owned()))
}

impl Filter {
    /// The asked period, by default the current month (all of it: bookings
    /// are counted by visit day, and the month's later days are booked
    /// already).
    pub fn parse(state: &AppState, q: &FilterQuery) -> Result<Self, AdminError> {
        let today = state.clock.today();
        let month_start = today.with_day(1).unwrap_or(today);
        let month_end = month_start
            .checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(today);
        let date = |s: &Option<String>, default: NaiveDate| match s.as_deref().map(str::trim) {
            None | Some("") => Ok(default),
            Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| bad("日付は YYYY-MM-DD の形で指定してください。")),
        };
        let a = date(&q.from, month_start)?;
        let b = date(&q.to, month_end)?;
        let (first, last) = (a.min(b), a.max(b));
        if (last - first).num_days() >= MAX_DAYS {
            return Err(bad("期間は400日以内で指定してください。"));
        }
        let venue = match q.venue.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(VenueId(
                text.parse()
                    .map_err(|_| bad("会場の指定が正しくありません。"))?,
            )),
        };
        Ok(Self {
            first,
            last,
            venue,
            by_month: q.by.as_deref() == Some("month"),
        })
    }

    /// The query string that asks for the same period and venue.
    pub fn query(&self) -> String {
        let mut q = format!("from={}&to={}", self.first, self.last);
        if let Some(venue) = self.venue {
            q.push_str(&format!("&venue={}", venue.0));
        }
        q
    }

    /// The period as written in titles: 2026-12-01〜2026-12-31.
    pub fn period(&self) -> String {
        format!("{}〜{}", self.first, self.last)
    }
}

/// A venue in the filter's list.
pub(crate) struct VenueOption {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

/// Every venue (disabled ones too: their past bookings count), for the
/// filter and to name rows. Unknown ids in the filter are refused.
pub(crate) async fn venue_options(
    state: &AppState,
    filter: &Filter,
) -> Result<Vec<VenueOption>, AdminError> {
    let venues = state.store.venues(true).await?;
    if let Some(id) = filter.venue
        && !venues.iter().any(|v| v.id == id)
    {
        return Err(bad("その会場はありません。"));
    }
    Ok(venues
        .into_iter()
        .map(|v| VenueOption {
            id: v.id.0,
            selected: filter.venue == Some(v.id),
            name: v.name,
        })
        .collect())
}

/// The name of venue `id` among `venues` (its number when unknown).
pub(crate) fn venue_name(venues: &[VenueOption], id: VenueId) -> String {
    venues
        .iter()
        .find(|v| v.id == id.0)
        .map(|v| v.name.clone())
        .unwrap_or_else(|| format!("会場{}", id.0))
}

/// A CSV attachment named `name`.
pub(crate) fn csv_download(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `part` of `whole` in percent with one decimal ("82.5%"), or "－".
pub(crate) fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "－".to_owned();
    }
    format!("{}%", one_decimal(part as f64 * 100.0 / whole as f64))
}

/// One decimal, halves rounded up as Excel's ROUND does (8.25 → "8.3";
/// Rust's formatting alone would give "8.2").
pub(crate) fn one_decimal(x: f64) -> String {
    format!("{:.1}", (x * 10.0).round() / 10.0)
}

/// Seconds as "3分05秒".
pub(crate) fn minutes_seconds(seconds: i64) -> String {
    format!("{}分{:02}秒", seconds / 60, seconds % 60)
}

struct ReportLink {
    href: &'static str,
    title: &'static str,
    about: &'static str,
}

#[derive(Template)]
#[template(path = "admin/reports/index.html")]
struct IndexPage {
    layout: AdminLayout,
    reports: Vec<ReportLink>,
}

async fn index(staff: Staff) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let page = IndexPage {
        layout: AdminLayout::new(&staff, "集計・報告", SECTION),
        reports: REPORTS
            .iter()
            .map(|(href, title, about)| ReportLink { href, title, about })
            .collect(),
    };
    Ok(render(&page))
}

/// Logs a report page or download (aggregates only: ids, no names).
pub(crate) async fn log(state: &AppState, staff: &Staff, function: &str, report: &str) {
    staff
        .log(
            state,
            function,
            &format!("report:{report}"),
            AccessResult::Ok,
        )
        .await;
}
