//! `GET /admin/reports/monthly?month=YYYY-MM`: one month's bookings, calls
//! and billing units on one page that prints on A4 (header, period, page
//! numbers) for the city's monthly report. By default the last full month.

use super::bookings::{self, Row};
use super::chart::BarChart;
use super::phone::{self, Summary};
use super::usage::{self, Units};
use super::{Filter, SECTION, log, venue_options};
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Months, NaiveDate};
use madoguchi_core::clock::JST;
use madoguchi_core::staff::Role;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct MonthQuery {
    #[serde(default)]
    month: Option<String>,
}

/// The first and last day of the asked month (`YYYY-MM`).
fn month(state: &AppState, q: &MonthQuery) -> Result<(NaiveDate, NaiveDate), AdminError> {
    let today = state.clock.today();
    let this_month = today.with_day(1).unwrap_or(today);
    let first = match q.month.as_deref().map(str::trim) {
        None | Some("") => this_month
            .checked_sub_months(Months::new(1))
            .unwrap_or(this_month),
        Some(text) => {
            NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").map_err(|_| {
                AdminError::App(AppError::BadRequest(
                    "月は YYYY-MM の形で指定してください。".to_owned(),
                ))
            })?
        }
    };
    let last = first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    Ok((first, last))
}

#[derive(Template)]
#[template(path = "admin/reports/monthly.html")]
struct Page {
    layout: AdminLayout,
    /// `YYYY-MM`, for the month field.
    month: String,
    month_label: String,
    period: String,
    made_at: String,
    total: Row,
    by_venue: Vec<Row>,
    by_channel: Vec<Row>,
    utilisation_chart: BarChart,
    s: Summary,
    outcome_chart: BarChart,
    units: Units,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<MonthQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let (first, last) = month(&state, &q)?;
    let filter = Filter {
        first,
        last,
        venue: None,
        by_month: true,
    };
    let venues = venue_options(&state, &filter).await?;
    let booking_report = bookings::report(&state, &filter).await?;
    let call_report = state.store.call_report(first, last).await?;
    let days = usage::per_day(&state, &filter).await?;
    log(&state, &staff, "report.view", "monthly").await;
    let by_venue = bookings::venue_rows(&booking_report, &venues);
    let utilisation_chart = BarChart::new(
        "utilisation",
        "会場別の利用率（予約席数÷提供席数）",
        by_venue
            .iter()
            .map(|r| (r.label.clone(), r.ratio, r.utilisation.clone()))
            .collect(),
    );
    let s = phone::summary(&call_report);
    let outcome_chart = phone::outcome_chart(&s);
    let mut units = Units::default();
    for u in days.values() {
        units.add(u);
    }
    let month_label = format!("{}年{}月", first.year(), first.month());
    let page = Page {
        layout: AdminLayout::new(&staff, format!("月次報告 {month_label}"), SECTION),
        month: first.format("%Y-%m").to_string(),
        month_label,
        period: filter.period(),
        made_at: state
            .clock
            .now()
            .with_timezone(&JST)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        total: bookings::total_row(&booking_report),
        by_venue,
        by_channel: bookings::channel_rows(&booking_report),
        utilisation_chart,
        s,
        outcome_chart,
        units,
    };
    Ok(render(&page))
}

/// The monthly report's own stylesheet (A4 page, margins, page numbers).
pub(crate) async fn print_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/admin-report.css"),
    )
        .into_response()
}
