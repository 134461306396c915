//! `POST /bookings/{reservation_no}/change`: move a booking to another
//! slot; the old seats are released only once the new ones are secured.

use super::error::{ApiError, ApiJson};
use super::lookup::{booking_body, identify};
use super::refusals::{SLOT_NOT_FOUND, no_room, refusal};
use super::wire::{BookingBody, ChangeRequest, ErrorBody, Invalid, NoRoom};
use crate::AppState;
use crate::limits::ClientIp;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use madoguchi_core::booking::Channel;
use madoguchi_core::ids::SlotId;
use madoguchi_store::{Actor, BookingError};

/// Move a booking to another slot
#[utoipa::path(
    post,
    path = "/bookings/{reservation_no}/change",
    operation_id = "changeBooking",
    tag = "bookings",
    params(("reservation_no" = String, Path)),
    request_body(content = ChangeRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Moved. The old seats are released only once the new ones are secured.", body = BookingBody),
        (status = 400, description = "Malformed JSON or wrong content type.", body = ErrorBody),
        (status = 404, description = "Not found.", body = ErrorBody),
        (status = 409, description = "No room in the new slot (alternatives offered), too late, or cancelled.", body = NoRoom),
        (status = 422, description = "Missing or unknown slot_id.", body = Invalid),
        (status = 429, description = "Too many requests from this client, or too many failed look-ups.", body = ErrorBody),
    )
)]
pub(super) async fn change_booking(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(number): Path<String>,
    ApiJson(request): ApiJson<ChangeRequest>,
) -> Result<Json<BookingBody>, ApiError> {
    let booking = identify(&state, ip, &number, &request.phone.0).await?;
    let Some(slot_id) = request.slot_id.0 else {
        return Err(ApiError::field(
            "slot_id",
            "変更先の枠（slot_id）を指定してください。",
        ));
    };
    let Some(slot) = state.store.find_slot(SlotId(slot_id)).await? else {
        return Err(ApiError::field("slot_id", SLOT_NOT_FOUND));
    };
    let result = state
        .store
        .change(
            &booking.reservation_no,
            &booking.applicant.phone,
            slot.id,
            &Actor::Citizen,
            Channel::Web,
            state.clock.now(),
        )
        .await;
    match result {
        Ok(moved) => {
            tracing::info!(booking = %moved.id, slot = %slot.id, "changed through the API");
            crate::access::api(
                &state,
                ip,
                "booking.change",
                &format!("booking:{}", moved.id),
                madoguchi_store::AccessResult::Ok,
            )
            .await;
            Ok(Json(booking_body(&state, &moved).await?))
        }
        Err(BookingError::Full | BookingError::NotBookable(_)) => {
            let party = booking.applicant.party_size.seats();
            Err(no_room(&state, &slot, party).await?)
        }
        Err(BookingError::SlotNotFound) => Err(ApiError::field("slot_id", SLOT_NOT_FOUND)),
        Err(other) => Err(refusal(other)),
    }
}
