//! `GET /admin/reports/phone`: real calls per day and outcome, call length
//! (median, 90th percentile), the share the agent finished without a
//! person, and abandoned calls by the step where they ended (C4, C6).
//! Calls have no venue (many end before one is named), so the venue
//! filter does not apply here. CSV: one row per day, or per hour of the
//! day with `by=hour`.

use super::chart::BarChart;
use super::{Filter, FilterQuery, SECTION, VenueOption, csv_download, labels, log, percent};
use crate::AppState;
use crate::admin::ops::csv::Csv;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use madoguchi_core::staff::Role;
use madoguchi_store::{CALL_OUTCOMES, CallReport};
use std::collections::BTreeMap;

/// Outcome columns: the known outcomes, then calls not recorded as ended.
fn outcome_keys() -> impl Iterator<Item = &'static str> {
    CALL_OUTCOMES.iter().copied().chain([""])
}

pub(crate) struct OutcomeRow {
    pub label: &'static str,
    pub calls: i64,
    pub share: String,
}

pub(crate) struct DayRow {
    pub day: String,
    /// The day without its year, for the chart.
    pub short: String,
    pub calls: i64,
    /// In the order of `outcome_keys`.
    pub outcomes: Vec<i64>,
}

pub(crate) struct HourRow {
    pub label: String,
    pub calls: i64,
}

/// Calls per hour of the day, every hour from the first to the last with
/// calls (quiet hours in between show as 0).
fn hour_rows(report: &CallReport) -> Vec<HourRow> {
    let hours = report.by_hour();
    let (Some(first), Some(last)) = (hours.keys().next(), hours.keys().next_back()) else {
        return Vec::new();
    };
    (*first..=*last)
        .map(|h| HourRow {
            label: format!("{h}時台"),
            calls: hours.get(&h).copied().unwrap_or(0),
        })
        .collect()
}

pub(crate) struct StepRow {
    pub step: String,
    pub reason: String,
    pub calls: i64,
}

#[derive(Template)]
#[template(path = "admin/reports/phone.html")]
struct Page {
    layout: AdminLayout,
    filter: Filter,
    action: &'static str,
    show_venue: bool,
    venues: Vec<VenueOption>,
    query: String,
    s: Summary,
    outcome_labels: Vec<&'static str>,
    days: Vec<DayRow>,
    hours: Vec<HourRow>,
    /// Whether the dialog log may be exported (職員 and above), and with
    /// what was said (管理者).
    dialog_export: bool,
    dialog_words: bool,
    day_chart: BarChart,
    hour_chart: BarChart,
    outcome_chart: BarChart,
}

/// What the phone report and the monthly report show of calls.
pub(crate) struct Summary {
    pub calls: i64,
    pub finished: i64,
    pub ended: i64,
    pub finished_share: String,
    /// Calls measured, median and p90 as text; empty without ended calls.
    pub measured: usize,
    pub median: String,
    pub p90: String,
    pub outcomes: Vec<OutcomeRow>,
    pub abandoned: Vec<StepRow>,
}

pub(crate) fn summary(report: &CallReport) -> Summary {
    let calls = report.calls();
    let by_outcome = report.by_outcome();
    let (finished, ended) = report.finished_by_agent();
    let durations = report.durations();
    Summary {
        calls,
        finished,
        ended,
        finished_share: percent(finished, ended),
        measured: durations.map(|d| d.calls).unwrap_or(0),
        median: durations
            .map(|d| super::minutes_seconds(d.median))
            .unwrap_or_default(),
        p90: durations
            .map(|d| super::minutes_seconds(d.p90))
            .unwrap_or_default(),
        outcomes: outcome_keys()
            .map(|k| {
                let n = by_outcome.get(k).copied().unwrap_or(0);
                OutcomeRow {
                    label: labels::outcome(k),
                    calls: n,
                    share: percent(n, calls),
                }
            })
            .collect(),
        abandoned: report
            .abandoned_by_step()
            .into_iter()
            .map(|(state, reason, calls)| StepRow {
                step: labels::step(&state),
                reason: labels::reason(&reason).to_owned(),
                calls,
            })
            .collect(),
    }
}

pub(crate) fn outcome_chart(summary: &Summary) -> BarChart {
    BarChart::new(
        "calls-by-outcome",
        "結果別の通話数",
        summary
            .outcomes
            .iter()
            .map(|o| {
                (
                    o.label.to_owned(),
                    o.calls as f64,
                    format!("{}件（{}）", o.calls, o.share),
                )
            })
            .collect(),
    )
}

fn day_rows(report: &CallReport) -> Vec<DayRow> {
    report
        .by_day()
        .into_iter()
        .map(|(day, counts): (_, BTreeMap<String, i64>)| DayRow {
            day: madoguchi_core::clock::date_ja_with_year(day),
            short: madoguchi_core::clock::date_ja(day),
            calls: counts.values().sum(),
            outcomes: outcome_keys()
                .map(|k| counts.get(k).copied().unwrap_or(0))
                .collect(),
        })
        .collect()
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let filter = Filter {
        venue: None,
        ..Filter::parse(&state, &q)?
    };
    let report = state.store.call_report(filter.first, filter.last).await?;
    log(&state, &staff, "report.view", "phone").await;
    let summary = summary(&report);
    let days = day_rows(&report);
    let day_chart = BarChart::new(
        "calls-per-day",
        "日別の通話数",
        days.iter()
            .map(|d| (d.short.clone(), d.calls as f64, format!("{}件", d.calls)))
            .collect(),
    );
    let hours = hour_rows(&report);
    let hour_chart = BarChart::new(
        "calls-per-hour",
        "時間帯別の通話数（期間の合計）",
        hours
            .iter()
            .map(|h| (h.label.clone(), h.calls as f64, format!("{}件", h.calls)))
            .collect(),
    );
    let page = Page {
        layout: AdminLayout::new(&staff, "電話の集計", SECTION),
        action: "/admin/reports/phone",
        show_venue: false,
        venues: Vec::new(),
        query: filter.query(),
        filter,
        outcome_chart: outcome_chart(&summary),
        s: summary,
        outcome_labels: outcome_keys().map(labels::outcome).collect(),
        days,
        hours,
        dialog_export: staff.role.allows(Role::Staff),
        dialog_words: staff.role.allows(Role::Admin),
        day_chart,
        hour_chart,
    };
    Ok(render(&page))
}

/// One row per day: calls, each outcome, minutes.
pub(crate) async fn csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let filter = Filter::parse(&state, &q)?;
    let report = state.store.call_report(filter.first, filter.last).await?;
    log(&state, &staff, "report.csv", "phone").await;
    let mut csv = Csv::new();
    if q.by.as_deref() == Some("hour") {
        csv.row(["時間帯", "通話数"]);
        for h in hour_rows(&report) {
            csv.row([h.label, h.calls.to_string()]);
        }
        return Ok(csv_download(
            &format!("calls-by-hour-{}-{}.csv", filter.first, filter.last),
            csv.finish(),
        ));
    }
    let usage = report.usage_by_day();
    let mut head = vec!["日付".to_owned(), "通話数".to_owned()];
    head.extend(outcome_keys().map(|k| labels::outcome(k).to_owned()));
    head.push("通話分数".to_owned());
    csv.row(head);
    for (day, counts) in report.by_day() {
        let mut line = vec![day.to_string(), counts.values().sum::<i64>().to_string()];
        line.extend(outcome_keys().map(|k| counts.get(k).copied().unwrap_or(0).to_string()));
        line.push(usage.get(&day).map(|u| u.minutes).unwrap_or(0).to_string());
        csv.row(line);
    }
    Ok(csv_download(
        &format!("calls-{}-{}.csv", filter.first, filter.last),
        csv.finish(),
    ))
}
