//! `GET /admin/bookings/{id}`: the booking page with its history and the
//! forms for corrections, moving, cancelling and visits.

use super::history::{HistoryRow, action_label, describe};
use super::{SECTION, load};
use crate::AppState;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::{BookingView, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use madoguchi_core::booking::{Booking, BookingStatus};
use madoguchi_core::staff::Role;
use madoguchi_store::AccessResult;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin/ops/booking.html")]
struct BookingPage {
    layout: AdminLayout,
    id: i64,
    b: BookingView,
    channel: &'static str,
    history: Vec<HistoryRow>,
    can_edit: bool,
    active: bool,
    visit_recorded: bool,
    name: String,
    kana: String,
    /// The phone agent could not hear the name for sure.
    name_to_check: bool,
    party: u8,
    error: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MsgQuery {
    #[serde(default)]
    msg: String,
}

pub(super) async fn booking_page(
    state: &AppState,
    staff: &Staff,
    booking: &Booking,
    flash: String,
    error: String,
) -> Result<Response, AdminError> {
    let settings = state.store.settings().await?;
    let venue = state.store.find_venue(booking.venue_id).await?;
    let mut history = Vec::new();
    for e in state.store.booking_events(booking.id).await? {
        history.push(HistoryRow {
            at: e
                .at
                .with_timezone(&madoguchi_core::JST)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            actor: match e.actor.split_once(':') {
                Some(("staff", who)) => format!("職員 {who}"),
                _ => match e.actor.as_str() {
                    "citizen" => "ご本人（ウェブ）".to_owned(),
                    "phone" => "電話（自動応答）".to_owned(),
                    "system" => "システム".to_owned(),
                    other => other.to_owned(),
                },
            },
            action: action_label(&e.action),
            detail: describe(state, &e.detail).await,
        });
    }
    let page = BookingPage {
        layout: AdminLayout::new(
            staff,
            format!("予約 {}", booking.reservation_no.display_grouped()),
            SECTION,
        )
        .with_flash(flash),
        id: booking.id.0,
        b: BookingView::new(booking, venue.as_ref(), &settings),
        channel: booking.channel.label_ja(),
        history,
        can_edit: staff.role.allows(Role::Staff),
        active: booking.status == BookingStatus::Booked,
        visit_recorded: matches!(
            booking.status,
            BookingStatus::Attended | BookingStatus::NoShow
        ),
        name: booking.applicant.name.as_str().to_owned(),
        kana: booking.applicant.name_kana.as_str().to_owned(),
        name_to_check: !state.store.names_to_check(&[booking.id]).await?.is_empty(),
        party: booking.applicant.party_size.get(),
        error,
    };
    Ok(render(&page))
}

pub(crate) async fn show(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<MsgQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let booking = load(&state, id).await?;
    staff
        .log(
            &state,
            "booking.view",
            &format!("booking:{}", booking.reservation_no.as_str()),
            AccessResult::Ok,
        )
        .await;
    booking_page(&state, &staff, &booking, q.msg, String::new()).await
}
