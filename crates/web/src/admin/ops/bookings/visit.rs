//! `POST /admin/bookings/{id}/visit`: recording that the resident came (or not).

use super::{actor, finish, load};
use crate::AppState;
use crate::admin::{AdminError, Staff};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use madoguchi_core::booking::BookingStatus;
use madoguchi_core::staff::Role;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct VisitForm {
    csrf: String,
    status: String,
}

pub(crate) async fn visit(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<VisitForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let booking = load(&state, id).await?;
    let status = match form.status.as_str() {
        "attended" => BookingStatus::Attended,
        "no_show" => BookingStatus::NoShow,
        "booked" => BookingStatus::Booked,
        _ => {
            return Err(AdminError::App(crate::AppError::BadRequest(
                "status".into(),
            )));
        }
    };
    let result = state
        .store
        .set_visit_status(booking.id, status, &actor(&staff), state.clock.now())
        .await;
    let message = match status {
        BookingStatus::Attended => "来庁済みにしました。",
        BookingStatus::NoShow => "来庁なしにしました。",
        _ => "来庁の記録を取り消しました。",
    };
    finish(&state, &staff, "booking.visit", &booking, result, message).await
}
