//! `POST /bookings/{reservation_no}/cancel`.

use super::error::{ApiError, ApiJson};
use super::lookup::{booking_body, identify};
use super::refusals::refusal;
use super::wire::{BookingBody, CancelRequest, ErrorBody};
use crate::AppState;
use crate::limits::ClientIp;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use madoguchi_store::Actor;

/// Cancel a booking
#[utoipa::path(
    post,
    path = "/bookings/{reservation_no}/cancel",
    operation_id = "cancelBooking",
    tag = "bookings",
    params(("reservation_no" = String, Path)),
    request_body(content = CancelRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelled; status is cancelled.", body = BookingBody),
        (status = 400, description = "Malformed JSON or wrong content type.", body = ErrorBody),
        (status = 404, description = "Not found.", body = ErrorBody),
        (status = 409, description = "Too late to cancel, or already cancelled.", body = ErrorBody),
        (status = 429, description = "Too many requests from this client, or too many failed look-ups.", body = ErrorBody),
    )
)]
pub(super) async fn cancel_booking(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(number): Path<String>,
    ApiJson(request): ApiJson<CancelRequest>,
) -> Result<Json<BookingBody>, ApiError> {
    let booking = identify(&state, ip, &number, &request.phone.0).await?;
    let cancelled = state
        .store
        .cancel(
            &booking.reservation_no,
            &booking.applicant.phone,
            &Actor::Citizen,
            state.clock.now(),
        )
        .await
        .map_err(refusal)?;
    tracing::info!(booking = %cancelled.id, "cancelled through the API");
    crate::access::api(
        &state,
        ip,
        "booking.cancel",
        &format!("booking:{}", cancelled.id),
        madoguchi_store::AccessResult::Ok,
    )
    .await;
    Ok(Json(booking_body(&state, &cancelled).await?))
}
