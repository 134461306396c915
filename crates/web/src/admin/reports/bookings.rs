//! `GET /admin/reports/bookings`: bookings made, changed, cancelled,
//! attended and missed per venue, channel and day, seat use per venue and
//! lead time (D1, D2), counted by visit day. CSV: `bookings.csv` (one row
//! per day, venue and channel) and `seats.csv` (per day and venue).

use super::chart::BarChart;
use super::{
    Filter, FilterQuery, SECTION, VenueOption, csv_download, log, one_decimal, percent, venue_name,
    venue_options,
};
use crate::AppState;
use crate::admin::ops::csv::Csv;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use madoguchi_core::booking::Channel;
use madoguchi_core::ids::VenueId;
use madoguchi_core::staff::Role;
use madoguchi_store::{BookingReport, Tally};

/// One line of a table.
pub(crate) struct Row {
    pub label: String,
    pub tally: Tally,
    /// Seats offered and the share taken; "－" where seats do not apply
    /// (channels).
    pub offered: String,
    pub utilisation: String,
    /// Seats taken ÷ offered (0 without seats), for the chart.
    pub ratio: f64,
    pub lead: String,
}

fn lead(tally: &Tally) -> String {
    tally
        .average_lead_days()
        .map(|d| format!("{}日", one_decimal(d)))
        .unwrap_or_else(|| "－".to_owned())
}

fn row(label: String, tally: Tally, seats: Option<(i64, i64)>) -> Row {
    let ratio = match seats {
        Some((offered, taken)) if offered > 0 => taken as f64 / offered as f64,
        _ => 0.0,
    };
    let (offered, utilisation) = match seats {
        Some((offered, taken)) => (offered.to_string(), percent(taken, offered)),
        None => ("－".to_owned(), "－".to_owned()),
    };
    Row {
        label,
        lead: lead(&tally),
        tally,
        offered,
        utilisation,
        ratio,
    }
}

#[derive(Template)]
#[template(path = "admin/reports/bookings.html")]
struct Page {
    layout: AdminLayout,
    filter: Filter,
    action: &'static str,
    show_venue: bool,
    venues: Vec<VenueOption>,
    query: String,
    total: Row,
    by_venue: Vec<Row>,
    by_channel: Vec<Row>,
    by_day: Vec<Row>,
    by_week: Vec<WeekRow>,
    utilisation_chart: BarChart,
    day_chart: BarChart,
}

/// Seat use of one week (Monday to Sunday).
pub(crate) struct WeekRow {
    pub label: String,
    pub offered: i64,
    pub booked: i64,
    pub utilisation: String,
}

fn week_rows(report: &BookingReport) -> Vec<WeekRow> {
    report
        .seats_by_week()
        .into_iter()
        .map(|(monday, (offered, booked))| WeekRow {
            label: format!("{}の週", madoguchi_core::clock::date_ja_with_year(monday)),
            offered,
            booked,
            utilisation: percent(booked, offered),
        })
        .collect()
}

/// Venues in display order, those with bookings or seats in the period.
pub(crate) fn venue_rows(report: &BookingReport, venues: &[VenueOption]) -> Vec<Row> {
    let tallies = report.by_venue();
    let seats = report.seats_by_venue();
    venues
        .iter()
        .map(|v| VenueId(v.id))
        .filter(|id| tallies.contains_key(id) || seats.contains_key(id))
        .map(|id| {
            row(
                venue_name(venues, id),
                tallies.get(&id).copied().unwrap_or_default(),
                Some(seats.get(&id).copied().unwrap_or_default()),
            )
        })
        .collect()
}

/// Every channel, in a fixed order.
pub(crate) fn channel_rows(report: &BookingReport) -> Vec<Row> {
    let channels = report.by_channel();
    [Channel::Web, Channel::Phone, Channel::Staff]
        .into_iter()
        .map(|c| {
            row(
                c.label_ja().to_owned(),
                channels.get(&c).copied().unwrap_or_default(),
                None,
            )
        })
        .collect()
}

pub(crate) fn total_row(report: &BookingReport) -> Row {
    let seats = report
        .seats_by_venue()
        .values()
        .fold((0, 0), |acc, s| (acc.0 + s.0, acc.1 + s.1));
    row("合計".to_owned(), report.total(), Some(seats))
}

/// The report of `filter`'s period, narrowed to its venue.
pub(crate) async fn report(state: &AppState, filter: &Filter) -> Result<BookingReport, AdminError> {
    let report = state
        .store
        .booking_report(filter.first, filter.last)
        .await?;
    Ok(match filter.venue {
        Some(venue) => report.for_venue(venue),
        None => report,
    })
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let filter = Filter::parse(&state, &q)?;
    let venues = venue_options(&state, &filter).await?;
    let report = report(&state, &filter).await?;
    log(&state, &staff, "report.view", "bookings").await;

    let by_venue = venue_rows(&report, &venues);
    let by_channel = channel_rows(&report);
    let mut day_seats = std::collections::BTreeMap::new();
    for s in &report.seats {
        let entry: &mut (i64, i64) = day_seats.entry(s.day).or_default();
        entry.0 += s.offered;
        entry.1 += s.booked;
    }
    let days = report.by_day();
    let mut all_days: Vec<_> = days.keys().chain(day_seats.keys()).copied().collect();
    all_days.sort_unstable();
    all_days.dedup();
    let by_day: Vec<Row> = all_days
        .iter()
        .copied()
        .map(|day| {
            row(
                madoguchi_core::clock::date_ja_with_year(day),
                days.get(&day).copied().unwrap_or_default(),
                Some(day_seats.get(&day).copied().unwrap_or_default()),
            )
        })
        .collect();

    let utilisation_chart = BarChart::new(
        "utilisation",
        "会場別の利用率（予約席数÷提供席数）",
        by_venue
            .iter()
            .map(|r| (r.label.clone(), r.ratio, r.utilisation.clone()))
            .collect(),
    );
    let day_chart = BarChart::new(
        "per-day",
        "来庁日別の予約数（取消を含む）",
        all_days
            .iter()
            .map(|day| {
                let made = days.get(day).map(|t| t.made).unwrap_or(0);
                (
                    madoguchi_core::clock::date_ja(*day),
                    made as f64,
                    format!("{made}件"),
                )
            })
            .collect(),
    );
    let page = Page {
        layout: AdminLayout::new(&staff, "予約の集計", SECTION),
        action: "/admin/reports/bookings",
        show_venue: true,
        query: filter.query(),
        total: total_row(&report),
        filter,
        venues,
        by_venue,
        by_channel,
        by_day,
        by_week: week_rows(&report),
        utilisation_chart,
        day_chart,
    };
    Ok(render(&page))
}

/// One row per visit day, venue and channel.
pub(crate) async fn csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let filter = Filter::parse(&state, &q)?;
    let venues = venue_options(&state, &filter).await?;
    let report = report(&state, &filter).await?;
    log(&state, &staff, "report.csv", "bookings").await;
    let mut csv = Csv::new();
    csv.row([
        "来庁日",
        "会場",
        "受付経路",
        "予約",
        "変更",
        "取消",
        "来庁",
        "来庁なし",
        "予約中",
        "予約席数",
        "平均リードタイム（日）",
    ]);
    for t in &report.tallies {
        let n = &t.tally;
        csv.row([
            t.day.to_string(),
            venue_name(&venues, t.venue_id),
            t.channel.label_ja().to_owned(),
            n.made.to_string(),
            n.changes.to_string(),
            n.cancelled.to_string(),
            n.attended.to_string(),
            n.no_show.to_string(),
            n.booked.to_string(),
            n.seats.to_string(),
            n.average_lead_days().map(one_decimal).unwrap_or_default(),
        ]);
    }
    Ok(csv_download(
        &format!("bookings-{}-{}.csv", filter.first, filter.last),
        csv.finish(),
    ))
}

/// Seats offered and taken per day and venue.
pub(crate) async fn seats_csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let filter = Filter::parse(&state, &q)?;
    let venues = venue_options(&state, &filter).await?;
    let report = report(&state, &filter).await?;
    log(&state, &staff, "report.csv", "seats").await;
    let mut csv = Csv::new();
    csv.row(["日付", "会場", "提供席数", "予約席数", "利用率（%）"]);
    for s in &report.seats {
        csv.row([
            s.day.to_string(),
            venue_name(&venues, s.venue_id),
            s.offered.to_string(),
            s.booked.to_string(),
            percent(s.booked, s.offered)
                .trim_end_matches('%')
                .to_owned(),
        ]);
    }
    Ok(csv_download(
        &format!("seats-{}-{}.csv", filter.first, filter.last),
        csv.finish(),
    ))
}
