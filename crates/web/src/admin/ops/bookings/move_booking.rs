//! `/admin/bookings/{id}/move`: moving a booking to another day, time or
//! venue.

use super::slot_choices::{SlotChoice, choices, slots_of_day};
use super::{SECTION, actor, load, refusal_ja};
use crate::AppState;
use crate::admin::ops::{VenueOption, done, parse_date, venue_options};
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::{BookingView, render, slot_label};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use madoguchi_core::booking::{Booking, Channel};
use madoguchi_core::ids::{SlotId, VenueId};
use madoguchi_core::staff::Role;
use madoguchi_store::{AccessResult, BookingError};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MoveQuery {
    #[serde(default)]
    venue: String,
    #[serde(default)]
    date: String,
}

#[derive(Template)]
#[template(path = "admin/ops/move.html")]
struct MovePage {
    layout: AdminLayout,
    id: i64,
    b: BookingView,
    venues: Vec<VenueOption>,
    date: String,
    slots: Vec<SlotChoice>,
    alternatives: Vec<SlotChoice>,
    error: String,
}

async fn move_page(
    state: &AppState,
    staff: &Staff,
    booking: &Booking,
    venue: VenueId,
    date: chrono::NaiveDate,
    alternatives: Vec<SlotChoice>,
    error: String,
) -> Result<Response, AdminError> {
    let settings = state.store.settings().await?;
    let v = state.store.find_venue(booking.venue_id).await?;
    let slots = slots_of_day(state, venue, date).await?;
    let page = MovePage {
        layout: AdminLayout::new(staff, "予約の日時・会場の変更", SECTION),
        id: booking.id.0,
        b: BookingView::new(booking, v.as_ref(), &settings),
        venues: venue_options(state, Some(venue.0), false).await?,
        date: date.format("%Y-%m-%d").to_string(),
        slots: choices(state, &slots).await?,
        alternatives,
        error,
    };
    Ok(render(&page))
}

pub(crate) async fn move_form(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<MoveQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    let booking = load(&state, id).await?;
    let venue = q.venue.parse().map(VenueId).unwrap_or(booking.venue_id);
    let date = parse_date(&q.date).unwrap_or(booking.slot_date);
    move_page(
        &state,
        &staff,
        &booking,
        venue,
        date,
        Vec::new(),
        String::new(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct MoveForm {
    csrf: String,
    slot: String,
}

pub(crate) async fn move_submit(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let booking = load(&state, id).await?;
    let Ok(slot_id) = form.slot.parse().map(SlotId) else {
        return move_page(
            &state,
            &staff,
            &booking,
            booking.venue_id,
            booking.slot_date,
            Vec::new(),
            "変更先の枠を選んでください。".to_owned(),
        )
        .await;
    };
    let now = state.clock.now();
    let result = state
        .store
        .staff_move(booking.id, slot_id, &actor(&staff), now)
        .await;
    let target = format!("booking:{}", booking.reservation_no.as_str());
    match result {
        Ok(b) => {
            staff
                .log(&state, "booking.move", &target, AccessResult::Ok)
                .await;
            let message = format!(
                "予約を{}に変更しました。",
                slot_label(b.slot_date, b.start_min, b.end_min)
            );
            Ok(done(
                &state,
                &format!("/admin/bookings/{}", b.id.0),
                &message,
            ))
        }
        Err(BookingError::Full) => {
            staff
                .log(&state, "booking.move", &target, AccessResult::Failed)
                .await;
            let slot = state.store.find_slot(slot_id).await?;
            let mut alternatives = Vec::new();
            if let Some(slot) = &slot {
                let alts = state
                    .store
                    .alternatives_to(
                        slot,
                        booking.applicant.party_size.seats(),
                        Channel::Staff,
                        now,
                    )
                    .await?;
                alternatives = choices(&state, &alts).await?;
            }
            let (venue, date) = slot.map_or((booking.venue_id, booking.slot_date), |s| {
                (s.venue_id, s.date)
            });
            move_page(
                &state,
                &staff,
                &booking,
                venue,
                date,
                alternatives,
                "その枠は満席になりました。空いている枠を選んでください。".to_owned(),
            )
            .await
        }
        Err(e) => match refusal_ja(&e) {
            Some(reason) => {
                staff
                    .log(&state, "booking.move", &target, AccessResult::Failed)
                    .await;
                move_page(
                    &state,
                    &staff,
                    &booking,
                    booking.venue_id,
                    booking.slot_date,
                    Vec::new(),
                    reason.to_owned(),
                )
                .await
            }
            None => Err(AdminError::App(e.into())),
        },
    }
}
