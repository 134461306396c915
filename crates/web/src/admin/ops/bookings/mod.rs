//! Bookings in the console: search, the booking page with its history and
//! corrections, moving, cancelling, visits, and booking on a caller's behalf.
//!
//! One file per page or verb; what they share (loading a booking, wording
//! a refusal, answering a change) is here.

mod cancel;
mod correct_name;
mod history;
mod move_booking;
mod new_booking;
mod page;
mod party_size;
mod search;
mod slot_choices;
mod visit;

pub(crate) use cancel::cancel;
pub(crate) use correct_name::correct_name;
pub(crate) use move_booking::{move_form, move_submit};
pub(crate) use new_booking::{new_form, new_submit};
pub(crate) use page::show;
pub(crate) use party_size::party_size;
pub(crate) use search::search;
pub(crate) use visit::visit;

use super::done;
use crate::AppState;
use crate::admin::{AdminError, Staff};
use axum::response::Response;
use madoguchi_core::booking::Booking;
use madoguchi_core::ids::BookingId;
use madoguchi_store::{AccessResult, Actor, BookingError};
use page::booking_page;

const SECTION: &str = "/admin/bookings";

fn actor(staff: &Staff) -> Actor {
    Actor::Staff(staff.login.clone())
}

async fn load(state: &AppState, id: i64) -> Result<Booking, AdminError> {
    state
        .store
        .get_booking(BookingId(id))
        .await
        .map_err(|e| AdminError::App(e.into()))
}

fn refusal_ja(e: &BookingError) -> Option<&'static str> {
    Some(match e {
        BookingError::Full => "空きが足りません。ほかの枠を選んでください。",
        BookingError::NotActive => "この予約は取消済みか、来庁の記録があるため変更できません。",
        BookingError::TooLate => "変更の締切を過ぎているため、日時の変更はできません。",
        BookingError::NotBookable(_) => "その日は受付期間外のため予約できません。",
        BookingError::SlotNotFound => "選んだ枠が見つかりません。",
        BookingError::NotFound => "予約が見つかりません。",
        BookingError::Store(_) => return None,
    })
}

/// Logs the outcome and answers: redirect with `message` on success, the
/// booking page with the reason on a refusal.
async fn finish(
    state: &AppState,
    staff: &Staff,
    function: &str,
    booking: &Booking,
    result: Result<Booking, BookingError>,
    message: &str,
) -> Result<Response, AdminError> {
    let target = format!("booking:{}", booking.reservation_no.as_str());
    match result {
        Ok(b) => {
            staff.log(state, function, &target, AccessResult::Ok).await;
            Ok(done(state, &format!("/admin/bookings/{}", b.id.0), message))
        }
        Err(e) => match refusal_ja(&e) {
            Some(reason) => {
                staff
                    .log(state, function, &target, AccessResult::Failed)
                    .await;
                let current = load(state, booking.id.0).await?;
                booking_page(state, staff, &current, String::new(), reason.to_owned()).await
            }
            None => {
                staff
                    .log(state, function, &target, AccessResult::Failed)
                    .await;
                Err(AdminError::App(e.into()))
            }
        },
    }
}
