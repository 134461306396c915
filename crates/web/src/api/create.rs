//! `POST /bookings`: book a slot. The fields are checked by core's
//! `ApplicantForm`, which words every refusal in Japanese.

use super::error::{ApiError, ApiJson};
use super::refusals::{SLOT_NOT_FOUND, no_room};
use super::wire::{BookingBody, BookingRequest, ErrorBody, Invalid, NoRoom};
use crate::idempotency::IdempotencyKey;
use crate::limits::ClientIp;
use crate::{AppError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use madoguchi_core::booking::{ApplicantForm, Channel};
use madoguchi_core::ids::SlotId;
use madoguchi_store::{Actor, BookingError, NewBooking};
use std::collections::BTreeMap;

/// Book a slot
#[utoipa::path(
    post,
    path = "/bookings",
    operation_id = "createBooking",
    tag = "bookings",
    params(
        ("Idempotency-Key" = Option<String>, Header, max_length = 100,
         description = "Optional. A retried request with the same key returns the booking made the first time (201 with the same body) instead of booking again."),
    ),
    request_body(content = BookingRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Booked.", body = BookingBody),
        (status = 400, description = "Malformed JSON or wrong content type.", body = ErrorBody),
        (status = 409, description = "No room in that slot (or its day no longer bookable); alternatives offered.", body = NoRoom),
        (status = 422, description = "Invalid fields, each with a Japanese message.", body = Invalid),
        (status = 429, description = "Too many requests from this client, or too many failed look-ups.", body = ErrorBody),
    )
)]
pub(super) async fn create_booking(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: axum::http::HeaderMap,
    ApiJson(request): ApiJson<BookingRequest>,
) -> Result<Response, ApiError> {
    let idempotency_key = IdempotencyKey::from_headers(&headers)?;
    let form = ApplicantForm {
        party_size: request.party_size.0,
        name: request.name.0,
        name_kana: request.name_kana.0,
        birth_date: request.birth_date.0,
        phone: request.phone.0,
        email: request.email.0,
        notify: request.notify.0,
    };
    let validated = form.validate(state.clock.today());
    let slot_id = request.slot_id.0;
    let slot = match slot_id {
        Some(id) => state.store.find_slot(SlotId(id)).await?,
        None => None,
    };
    let mut errors: BTreeMap<String, String> = match &validated {
        Ok(_) => BTreeMap::new(),
        Err(field_errors) => field_errors
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    };
    if slot.is_none() {
        let message = if slot_id.is_none() {
            "予約する枠（slot_id）を指定してください。"
        } else {
            SLOT_NOT_FOUND
        };
        errors.insert("slot_id".to_owned(), message.to_owned());
    }
    let (Ok(applicant), Some(slot)) = (validated, slot) else {
        return Err(ApiError::Invalid(errors));
    };
    let party = applicant.party_size.seats();
    let new = NewBooking {
        slot_id: slot.id,
        applicant,
        channel: Channel::Web,
        request_key: idempotency_key.as_ref().map(IdempotencyKey::request_key),
    };
    let logged = crate::access::stamp("api", "booking.create", ip);
    match state
        .store
        .book_recorded(&new, &Actor::Citizen, Some(&logged), state.clock.now())
        .await
    {
        Ok(booking) => {
            if idempotency_key.is_some() {
                crate::idempotency::check_answer(slot.id, &new.applicant, &booking)?;
            }
            tracing::info!(booking = %booking.id, slot = %slot.id, "booked through the API");
            let venue = state.store.find_venue(booking.venue_id).await?;
            let body = BookingBody::new(&booking, venue.as_ref().map(|v| v.name.as_str()));
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        Err(BookingError::Full | BookingError::NotBookable(_)) => {
            Err(no_room(&state, &slot, party).await?)
        }
        Err(BookingError::SlotNotFound) => Err(ApiError::field("slot_id", SLOT_NOT_FOUND)),
        Err(other) => Err(AppError::from(other).into()),
    }
}
