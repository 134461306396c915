//! `Idempotency-Key` for API writes, bound to the request it came with (as
//! Stripe does): a retry with the same key and the same request gets the
//! first answer; the same key with a different request is refused with 422
//! and learns nothing of the first.
//!
//! The binding costs nothing on the booking path: the store answers a
//! repeated key with the booking it made for it, and that booking is
//! compared here with the request, field by field as checked (the
//! fingerprint of both). A booking changed since (moved, renamed) no longer
//! matches its first request, so a late retry gets 422, never its data.

use axum::http::{HeaderMap, StatusCode};
use madoguchi_core::booking::{Applicant, Booking};
use madoguchi_core::ids::SlotId;
use sha2::{Digest, Sha256};

/// Why a key cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum IdempotencyError {
    #[error("malformed Idempotency-Key")]
    Malformed,
    #[error("Idempotency-Key reused with a different request")]
    Reused,
}

impl IdempotencyError {
    /// The status and the message for the client.
    pub(crate) fn status_and_message(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Malformed => (
                StatusCode::BAD_REQUEST,
                "Idempotency-Key は100文字以内の英数字記号で指定してください。",
            ),
            Self::Reused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "この Idempotency-Key は別の内容のリクエストに使われています。新しいキーで送信してください。",
            ),
        }
    }
}

/// A client's key, checked for shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The `Idempotency-Key` header, if sent.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, IdempotencyError> {
        let Some(value) = headers.get("idempotency-key") else {
            return Ok(None);
        };
        match value.to_str() {
            Ok(key)
                if !key.is_empty()
                    && key.len() <= 100
                    && key.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                Ok(Some(Self(key.to_owned())))
            }
            _ => Err(IdempotencyError::Malformed),
        }
    }

    /// The key the store books under (the API's own space of keys).
    pub(crate) fn request_key(&self) -> String {
        format!("api:{}", self.0)
    }
}

/// `Ok` when `booking`, the store's answer to a request for `slot` by
/// `applicant` sent with a key, is that request's booking; `Reused` when
/// the key belongs to a booking of another request.
pub(crate) fn check_answer(
    slot: SlotId,
    applicant: &Applicant,
    booking: &Booking,
) -> Result<(), IdempotencyError> {
    if booking_fingerprint(slot, applicant)
        == booking_fingerprint(booking.slot_id, &booking.applicant)
    {
        Ok(())
    } else {
        Err(IdempotencyError::Reused)
    }
}

/// What makes two booking requests the same: the slot and the checked
/// details (so `０９０…` and `090…` are the same request).
fn booking_fingerprint(slot: SlotId, applicant: &Applicant) -> String {
    let email = applicant.email.as_ref().map_or("", |e| e.as_str());
    let birth = applicant.birth_date.date().to_string();
    let seats = applicant.party_size.seats().to_string();
    let slot = slot.0.to_string();
    let fields = [
        slot.as_str(),
        seats.as_str(),
        applicant.name.as_str(),
        applicant.name_kana.as_str(),
        birth.as_str(),
        applicant.phone.as_str(),
        email,
        applicant.notify.as_str(),
    ];
    let mut hasher = Sha256::new();
    for field in fields {
        // Length-prefixed, so no two field lists hash alike.
        hasher.update((field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_key_must_be_short_printable_ascii() {
        let mut headers = HeaderMap::new();
        assert!(matches!(IdempotencyKey::from_headers(&headers), Ok(None)));
        headers.insert("idempotency-key", HeaderValue::from_static("abc-123"));
        assert!(matches!(
            IdempotencyKey::from_headers(&headers),
            Ok(Some(_))
        ));
        headers.insert("idempotency-key", HeaderValue::from_static("a b"));
        assert!(IdempotencyKey::from_headers(&headers).is_err());
        let long = "x".repeat(101);
        headers.insert("idempotency-key", HeaderValue::from_str(&long).unwrap());
        assert!(IdempotencyKey::from_headers(&headers).is_err());
    }
}
