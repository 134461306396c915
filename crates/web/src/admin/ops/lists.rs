//! The daily list of a venue: bookings by 30-minute slot, for the counter
//! and for printing on A4; and the same list as CSV for Excel.

use super::csv::Csv;
use super::{VenueOption, done, parse_date, today, venue_options};
use crate::AppState;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use madoguchi_core::clock::{date_ja_with_year, hhmm};
use madoguchi_core::ids::VenueId;
use madoguchi_core::staff::Role;
use madoguchi_core::venue::Venue;
use madoguchi_store::AccessResult;
use serde::Deserialize;

const SECTION: &str = "/admin/lists";

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    venue: String,
    #[serde(default)]
    date: String,
}

pub(crate) struct ListRow {
    pub id: i64,
    pub number: String,
    pub kana: String,
    pub name: String,
    pub party: u8,
    pub channel: &'static str,
    pub status_label: &'static str,
    pub attended: bool,
    /// The phone agent could not hear the name for sure.
    pub name_to_check: bool,
}

pub(crate) struct ListSlot {
    pub time: String,
    pub capacity: i64,
    pub booked: i64,
    pub rows: Vec<ListRow>,
}

#[derive(Template)]
#[template(path = "admin/ops/list.html")]
struct ListPage {
    layout: AdminLayout,
    venues: Vec<VenueOption>,
    date: String,
    venue_id: i64,
    venue_name: String,
    date_label: String,
    slots: Vec<ListSlot>,
    bookings: usize,
    people: i64,
    can_export: bool,
}

async fn selection(
    state: &AppState,
    q: &ListQuery,
) -> Result<(Option<Venue>, NaiveDate), AdminError> {
    let date = parse_date(&q.date).unwrap_or_else(|| today(state));
    let venue = match q.venue.parse().map(VenueId) {
        Ok(id) => state.store.find_venue(id).await?,
        Err(_) => None,
    };
    Ok((venue, date))
}

async fn list_of(
    state: &AppState,
    venue: &Venue,
    date: NaiveDate,
) -> Result<Vec<ListSlot>, AdminError> {
    let list = state.store.daily_list(venue.id, date).await?;
    let ids: Vec<_> = list
        .iter()
        .flat_map(|(_, bookings)| bookings.iter().map(|b| b.id))
        .collect();
    let to_check = state.store.names_to_check(&ids).await?;
    Ok(list
        .into_iter()
        .map(|(slot, bookings)| ListSlot {
            time: format!("{}〜{}", hhmm(slot.start_min), hhmm(slot.end_min)),
            capacity: slot.capacity,
            booked: slot.booked,
            rows: bookings
                .iter()
                .map(|b| ListRow {
                    id: b.id.0,
                    number: b.reservation_no.as_str().to_owned(),
                    kana: b.applicant.name_kana.as_str().to_owned(),
                    name: b.applicant.name.as_str().to_owned(),
                    party: b.applicant.party_size.get(),
                    channel: b.channel.label_ja(),
                    status_label: b.status.label_ja(),
                    attended: b.status == madoguchi_core::booking::BookingStatus::Attended,
                    name_to_check: to_check.contains(&b.id),
                })
                .collect(),
        })
        .collect())
}

pub(crate) async fn page(
    staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let (venue, date) = selection(&state, &q).await?;
    let slots = match &venue {
        Some(v) => {
            staff
                .log(
                    &state,
                    "list.view",
                    &format!("venue:{} date:{date}", v.id.0),
                    AccessResult::Ok,
                )
                .await;
            list_of(&state, v, date).await?
        }
        None => Vec::new(),
    };
    let bookings = slots.iter().map(|s| s.rows.len()).sum();
    let people = slots
        .iter()
        .flat_map(|s| s.rows.iter())
        .map(|r| i64::from(r.party))
        .sum();
    let title = match &venue {
        Some(v) => format!("予約者一覧 {} {}", v.name, date_ja_with_year(date)),
        None => "予約者一覧".to_owned(),
    };
    let page = ListPage {
        layout: AdminLayout::new(&staff, title, SECTION),
        venues: venue_options(&state, venue.as_ref().map(|v| v.id.0), true).await?,
        date: date.format("%Y-%m-%d").to_string(),
        venue_id: venue.as_ref().map_or(0, |v| v.id.0),
        venue_name: venue.as_ref().map(|v| v.name.clone()).unwrap_or_default(),
        date_label: date_ja_with_year(date),
        slots,
        bookings,
        people,
        can_export: staff.role.allows(Role::Admin),
    };
    Ok(render(&page))
}

/// The list as CSV: UTF-8 with BOM, CRLF, quoted where needed.
pub(crate) async fn csv(
    staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    let (venue, date) = selection(&state, &q).await?;
    let Some(venue) = venue else {
        return Ok(done(&state, "/admin/lists", "会場を選んでください。"));
    };
    let slots = list_of(&state, &venue, date).await?;
    let mut csv = Csv::new();
    csv.row([
        "会場",
        "日付",
        "時間",
        "予約番号",
        "フリガナ",
        "氏名",
        "人数",
        "受付",
        "状態",
    ]);
    let day = date.format("%Y-%m-%d").to_string();
    for slot in &slots {
        for r in &slot.rows {
            let party = r.party.to_string();
            csv.row([
                venue.name.as_str(),
                day.as_str(),
                slot.time.as_str(),
                r.number.as_str(),
                r.kana.as_str(),
                r.name.as_str(),
                party.as_str(),
                r.channel,
                r.status_label,
            ]);
        }
    }
    staff
        .log(
            &state,
            "export.csv",
            &format!("list venue:{} date:{day}", venue.id.0),
            AccessResult::Ok,
        )
        .await;
    let filename = format!("list-{}-{day}.csv", venue.code);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv.finish(),
    )
        .into_response())
}

/// Print layout of the daily list (A4, page numbers, header on each page).
pub(crate) async fn print_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/admin-list.css"),
    )
        .into_response()
}
