//! `GET /bookings/{reservation_no}`, and the look-up every verb on an
//! existing booking starts with: number and phone, rate-limited, logged.

use super::error::ApiError;
use super::refusals::NOT_FOUND;
use super::wire::{BookingBody, ErrorBody};
use crate::limits::{ClientIp, Guard};
use crate::{AppError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use madoguchi_core::booking::Booking;
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::reservation_no::ReservationNo;
use serde::Deserialize;

/// Parses the number and phone of a look-up; anything unparsable is
/// answered exactly like "not found".
pub(super) async fn identify(
    state: &AppState,
    ip: std::net::IpAddr,
    number: &str,
    phone: &str,
) -> Result<Booking, ApiError> {
    let parsed = ReservationNo::parse(number);
    let target = parsed
        .as_ref()
        .map_or_else(|_| number.trim().to_owned(), |n| n.as_str().to_owned());
    let attempt = state.limits().begin(Guard::Lookup, ip, &target).await?;
    let found = match (parsed, PhoneNumber::parse(phone)) {
        (Ok(number), Ok(phone)) => state
            .store
            .find_booking(&number, &phone)
            .await
            .map_err(AppError::from)?,
        _ => None,
    };
    if let Some(booking) = &found {
        attempt.succeeded();
        crate::access::api(
            state,
            ip,
            "booking.lookup",
            &format!("booking:{}", booking.id),
            madoguchi_store::AccessResult::Ok,
        )
        .await;
    } else {
        crate::access::api(
            state,
            ip,
            "booking.lookup",
            "",
            madoguchi_store::AccessResult::Failed,
        )
        .await;
    }
    found.ok_or_else(|| ApiError::Status(StatusCode::NOT_FOUND, NOT_FOUND.to_owned()))
}

/// The booking as its holder sees it, with its venue's name.
pub(super) async fn booking_body(
    state: &AppState,
    booking: &Booking,
) -> Result<BookingBody, ApiError> {
    let venue = state.store.find_venue(booking.venue_id).await?;
    Ok(BookingBody::new(
        booking,
        venue.as_ref().map(|v| v.name.as_str()),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PhoneQuery {
    /// The phone number given at booking.
    #[serde(default)]
    #[param(required = true)]
    phone: String,
}

/// Look up a booking
#[utoipa::path(
    get,
    path = "/bookings/{reservation_no}",
    operation_id = "getBooking",
    tag = "bookings",
    params(("reservation_no" = String, Path), PhoneQuery),
    responses(
        (status = 200, description = "The booking.", body = BookingBody),
        (status = 404, description = "No booking with that number and phone (the two cases are not told apart).", body = ErrorBody),
        (status = 429, description = "Too many requests from this client, or too many failed look-ups.", body = ErrorBody),
    )
)]
pub(super) async fn get_booking(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(number): Path<String>,
    Query(query): Query<PhoneQuery>,
) -> Result<Json<BookingBody>, ApiError> {
    let booking = identify(&state, ip, &number, &query.phone).await?;
    Ok(Json(booking_body(&state, &booking).await?))
}
