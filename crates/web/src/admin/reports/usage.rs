//! `GET /admin/reports/usage`: what the per-use charges are billed on (D3)
//! — calls, call minutes (each call rounded up to a minute), minutes of
//! calls handed to staff, SMS messages and segments, emails — per month
//! and day. CSV per day, or per month with `by=month`.

use super::chart::BarChart;
use super::{Filter, FilterQuery, SECTION, VenueOption, csv_download, log};
use crate::AppState;
use crate::admin::ops::csv::Csv;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use madoguchi_core::staff::Role;
use madoguchi_store::NoticeChannel;
use std::collections::BTreeMap;

/// Billing units of a day or a month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Units {
    pub calls: i64,
    pub call_minutes: i64,
    pub transferred_minutes: i64,
    pub sms_messages: i64,
    pub sms_segments: i64,
    pub emails: i64,
}

impl Units {
    pub fn add(&mut self, other: &Units) {
        self.calls += other.calls;
        self.call_minutes += other.call_minutes;
        self.transferred_minutes += other.transferred_minutes;
        self.sms_messages += other.sms_messages;
        self.sms_segments += other.sms_segments;
        self.emails += other.emails;
    }

    fn cells(&self) -> [String; 6] {
        [
            self.calls.to_string(),
            self.call_minutes.to_string(),
            self.transferred_minutes.to_string(),
            self.sms_messages.to_string(),
            self.sms_segments.to_string(),
            self.emails.to_string(),
        ]
    }
}

pub(crate) struct Line {
    pub period: String,
    pub units: Units,
}

/// Units per day of the filter's period, days without any use left out.
pub(crate) async fn per_day(
    state: &AppState,
    filter: &Filter,
) -> Result<BTreeMap<NaiveDate, Units>, AdminError> {
    let calls = state.store.call_report(filter.first, filter.last).await?;
    let notices = state.store.notify_usage(filter.first, filter.last).await?;
    let mut days: BTreeMap<NaiveDate, Units> = BTreeMap::new();
    for (day, u) in calls.usage_by_day() {
        let units = days.entry(day).or_default();
        units.calls += u.calls;
        units.call_minutes += u.minutes;
        units.transferred_minutes += u.transferred_minutes;
    }
    for row in notices {
        let units = days.entry(row.day).or_default();
        match row.channel {
            NoticeChannel::Sms => {
                units.sms_messages += row.messages;
                units.sms_segments += row.segments;
            }
            NoticeChannel::Email => units.emails += row.messages,
        }
    }
    Ok(days)
}

fn per_month(days: &BTreeMap<NaiveDate, Units>) -> Vec<Line> {
    let mut months: BTreeMap<String, Units> = BTreeMap::new();
    for (day, units) in days {
        months
            .entry(day.format("%Y-%m").to_string())
            .or_default()
            .add(units);
    }
    months
        .into_iter()
        .map(|(period, units)| Line { period, units })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/reports/usage.html")]
struct Page {
    layout: AdminLayout,
    filter: Filter,
    action: &'static str,
    show_venue: bool,
    venues: Vec<VenueOption>,
    query: String,
    total: Units,
    months: Vec<Line>,
    days: Vec<Line>,
    minutes_chart: BarChart,
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
    let days = per_day(&state, &filter).await?;
    log(&state, &staff, "report.view", "usage").await;
    let mut total = Units::default();
    for units in days.values() {
        total.add(units);
    }
    let months = per_month(&days);
    let minutes_chart = BarChart::new(
        "minutes-per-month",
        "月別の通話分数",
        months
            .iter()
            .map(|m| {
                (
                    m.period.clone(),
                    m.units.call_minutes as f64,
                    format!("{}分", m.units.call_minutes),
                )
            })
            .collect(),
    );
    let page = Page {
        layout: AdminLayout::new(&staff, "利用量（請求用）", SECTION),
        action: "/admin/reports/usage",
        show_venue: false,
        venues: Vec::new(),
        query: filter.query(),
        filter,
        total,
        months,
        days: days
            .into_iter()
            .map(|(day, units)| Line {
                period: madoguchi_core::clock::date_ja_with_year(day),
                units,
            })
            .collect(),
        minutes_chart,
    };
    Ok(render(&page))
}

pub(crate) async fn csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let filter = Filter::parse(&state, &q)?;
    let days = per_day(&state, &filter).await?;
    log(&state, &staff, "report.csv", "usage").await;
    let lines: Vec<Line> = if filter.by_month {
        per_month(&days)
    } else {
        days.into_iter()
            .map(|(day, units)| Line {
                period: day.to_string(),
                units,
            })
            .collect()
    };
    let mut csv = Csv::new();
    csv.row([
        if filter.by_month { "月" } else { "日付" },
        "通話数",
        "通話分数",
        "転送した通話の分数",
        "SMS通数",
        "SMS分割通数",
        "メール通数",
    ]);
    for line in lines {
        let mut row = vec![line.period];
        row.extend(line.units.cells());
        csv.row(row);
    }
    let unit = if filter.by_month { "monthly" } else { "daily" };
    Ok(csv_download(
        &format!("usage-{unit}-{}-{}.csv", filter.first, filter.last),
        csv.finish(),
    ))
}
