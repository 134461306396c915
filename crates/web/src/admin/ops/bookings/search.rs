//! `GET /admin/bookings`: finding bookings by number, name, phone, venue or day.

use super::SECTION;
use crate::AppState;
use crate::admin::ops::{VenueOption, parse_date, venue_options};
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::{render, slot_label};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use madoguchi_core::booking::Booking;
use madoguchi_core::ids::VenueId;
use madoguchi_core::staff::Role;
use madoguchi_store::{AccessResult, BookingSearch};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    no: String,
    #[serde(default)]
    tel: String,
    #[serde(default)]
    kana: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    cancelled: String,
    #[serde(default)]
    msg: String,
}

pub(crate) struct Row {
    pub id: i64,
    pub number: String,
    pub when: String,
    pub venue: String,
    pub name: String,
    pub kana: String,
    pub party: u8,
    pub channel: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
}

fn row(b: &Booking, venues: &[madoguchi_core::venue::Venue]) -> Row {
    Row {
        id: b.id.0,
        number: b.reservation_no.as_str().to_owned(),
        when: slot_label(b.slot_date, b.start_min, b.end_min),
        venue: venues
            .iter()
            .find(|v| v.id == b.venue_id)
            .map(|v| v.name.clone())
            .unwrap_or_default(),
        name: b.applicant.name.as_str().to_owned(),
        kana: b.applicant.name_kana.as_str().to_owned(),
        party: b.applicant.party_size.get(),
        channel: b.channel.label_ja(),
        status: b.status.as_str(),
        status_label: b.status.label_ja(),
    }
}

#[derive(Template)]
#[template(path = "admin/ops/bookings.html")]
struct SearchPage {
    layout: AdminLayout,
    q: SearchQuery,
    venues: Vec<VenueOption>,
    searched: bool,
    rows: Vec<Row>,
    can_book: bool,
    limit: i64,
}

pub(crate) async fn search(
    staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let venue = q.venue.parse::<i64>().ok();
    let search = BookingSearch {
        reservation_no: Some(q.no.trim().to_owned()).filter(|s| !s.is_empty()),
        phone: Some(q.tel.trim().to_owned()).filter(|s| !s.is_empty()),
        kana: Some(q.kana.trim().to_owned()).filter(|s| !s.is_empty()),
        venue: venue.map(VenueId),
        date: parse_date(&q.date),
        include_cancelled: !q.cancelled.is_empty(),
    };
    let searched = !search.is_empty();
    let rows = if searched {
        let venues = state.store.venues(true).await?;
        let found = state.store.search_bookings(&search).await?;
        staff
            .log(
                &state,
                "booking.search",
                &format!("results:{}", found.len()),
                AccessResult::Ok,
            )
            .await;
        found.iter().map(|b| row(b, &venues)).collect()
    } else {
        Vec::new()
    };
    let page = SearchPage {
        layout: AdminLayout::new(&staff, "予約の検索", SECTION).with_flash(q.msg.clone()),
        venues: venue_options(&state, venue, true).await?,
        searched,
        rows,
        can_book: staff.role.allows(Role::Staff),
        limit: madoguchi_store::SEARCH_LIMIT,
        q,
    };
    Ok(render(&page))
}
