//! What the booking verbs share when they are refused: where there is room
//! instead, and the Japanese words for a refusal.

use super::error::ApiError;
use super::wire::SlotBody;
use crate::AppState;
use axum::http::StatusCode;
use madoguchi_core::booking::Channel;
use madoguchi_store::{BookingError, Slot};

/// A 409 for a full (or no longer bookable) slot, offering the earliest
/// free slots for a party of `party`.
pub(super) async fn no_room(
    state: &AppState,
    slot: &Slot,
    party: i64,
) -> Result<ApiError, ApiError> {
    let offered = state
        .store
        .alternatives_to(slot, party, Channel::Web, state.clock.now())
        .await?;
    let alternatives: Vec<SlotBody> = offered
        .iter()
        .map(|(s, remaining)| SlotBody::new(s, *remaining))
        .collect();
    let message = if alternatives.is_empty() {
        "申し訳ありません。現在、予約できる空きがありません。"
    } else {
        "申し訳ありません。この時間は満席です。空いている時間をご案内します。"
    };
    Ok(ApiError::NoRoom(message.to_owned(), alternatives))
}

pub(super) const NOT_FOUND: &str = "予約が見つかりません。予約番号と電話番号をご確認ください。";
pub(super) const SLOT_NOT_FOUND: &str = "指定された枠が見つかりません。";

/// A change or cancellation the booking's state does not allow.
pub(super) fn refusal(e: BookingError) -> ApiError {
    match e {
        BookingError::TooLate => ApiError::Status(
            StatusCode::CONFLICT,
            "変更・取消の受付は終了しました（前日の締切を過ぎました）。".to_owned(),
        ),
        BookingError::NotActive => ApiError::Status(
            StatusCode::CONFLICT,
            "この予約はすでに取り消されています。".to_owned(),
        ),
        BookingError::NotFound => ApiError::Status(StatusCode::NOT_FOUND, NOT_FOUND.to_owned()),
        other => ApiError::App(other.into()),
    }
}
