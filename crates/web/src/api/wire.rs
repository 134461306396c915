//! The JSON bodies of the API: what clients send and what they get back.
//! The OpenAPI document is generated from these types (see `doc.rs`), so
//! the wire format and its description cannot drift apart.

use chrono::{DateTime, Utc};
use madoguchi_core::JST;
use madoguchi_core::booking::Booking;
use madoguchi_core::venue::Venue;
use madoguchi_store::Slot;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};

/// A form field given as a JSON string or number, read as the web form
/// would carry it. Anything else (null, true, a list) reads as empty, so
/// the field's own check refuses it with its Japanese message rather than
/// the whole body failing with a 400.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FormText(pub String);

impl<'de> Deserialize<'de> for FormText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(FormText(match Value::deserialize(deserializer)? {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        }))
    }
}

/// An id given as a JSON number or a string of digits; `None` when it is
/// neither, which the handler reports as a missing field.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LooseId(pub Option<i64>);

impl<'de> Deserialize<'de> for LooseId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(LooseId(match Value::deserialize(deserializer)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }))
    }
}

/// Ids are opaque: documented as an integer or a string so that clients do
/// not rely on them being numbers.
pub fn opaque_id() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Integer))
        .item(ObjectBuilder::new().schema_type(Type::String))
        .into()
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.with_timezone(&JST).to_rfc3339()
}

/// `POST /bookings`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = BookingRequest)]
pub struct BookingRequest {
    #[serde(default)]
    #[schema(schema_with = opaque_id, required = true)]
    pub slot_id: LooseId,
    /// Each person takes one seat.
    #[serde(default)]
    #[schema(value_type = i64, minimum = 1, maximum = 4, required = true)]
    pub party_size: FormText,
    #[serde(default)]
    #[schema(value_type = String, example = "一宮 太郎", required = true)]
    pub name: FormText,
    /// Katakana or hiragana.
    #[serde(default)]
    #[schema(value_type = String, example = "イチノミヤ タロウ", required = true)]
    pub name_kana: FormText,
    /// YYYY-MM-DD; Japanese-era forms such as 昭和35年4月1日 or S35.4.1 are accepted too.
    #[serde(default)]
    #[schema(value_type = String, example = "1960-04-01", required = true)]
    pub birth_date: FormText,
    /// A mobile number when notify includes sms. Full-width digits and hyphens are accepted.
    #[serde(default)]
    #[schema(value_type = String, example = "090-1234-5678", required = true)]
    pub phone: FormText,
    /// Required when notify includes email.
    #[serde(default)]
    #[schema(value_type = String, format = "email", required = false)]
    pub email: FormText,
    #[serde(default)]
    #[schema(value_type = Notify, required = true)]
    pub notify: FormText,
}

/// How the resident is told of the booking and reminded of it.
// Documentation only: the field is read as text and checked by core.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum Notify {
    Sms,
    Email,
    Both,
}

/// `POST /bookings/{reservation_no}/cancel`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CancelRequest {
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    pub phone: FormText,
}

/// `POST /bookings/{reservation_no}/change`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ChangeRequest {
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    pub phone: FormText,
    #[serde(default)]
    #[schema(schema_with = opaque_id, required = true)]
    pub slot_id: LooseId,
}

/// A venue as listed by `GET /venues`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Venue)]
pub struct VenueBody {
    #[schema(schema_with = opaque_id)]
    pub id: i64,
    #[schema(required = false)]
    pub code: String,
    pub name: String,
    /// Reading in hiragana.
    pub kana: String,
    #[schema(required = false)]
    pub address: String,
    #[schema(required = false)]
    pub phone: String,
    #[schema(required = false)]
    pub note: String,
}

impl From<&Venue> for VenueBody {
    fn from(v: &Venue) -> Self {
        VenueBody {
            id: v.id.0,
            code: v.code.clone(),
            name: v.name.clone(),
            kana: v.kana.clone(),
            address: v.address.clone(),
            phone: v.phone.clone(),
            note: v.note.clone(),
        }
    }
}

/// A bookable slot.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Slot)]
pub struct SlotBody {
    /// Opaque slot id (integer or string).
    #[schema(schema_with = opaque_id)]
    pub id: i64,
    /// Opaque venue id.
    #[schema(schema_with = opaque_id, required = false)]
    pub venue_id: i64,
    #[schema(format = DateTime, example = "2026-12-03T09:00:00+09:00")]
    pub start: String,
    #[schema(format = DateTime, example = "2026-12-03T09:30:00+09:00")]
    pub end: String,
    pub capacity: i64,
    /// Seats this client can still book.
    pub remaining: i64,
}

impl SlotBody {
    pub fn new(slot: &Slot, remaining: i64) -> Self {
        SlotBody {
            id: slot.id.0,
            venue_id: slot.venue_id.0,
            start: rfc3339(slot.starts_at),
            end: rfc3339(slot.ends_at()),
            capacity: slot.capacity,
            remaining,
        }
    }
}

/// `GET /venues/{venue_id}/availability`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Availability {
    #[schema(schema_with = opaque_id)]
    pub venue_id: i64,
    pub slots: Vec<SlotBody>,
}

/// What a booking looks like to its holder.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Booking)]
pub struct BookingBody {
    /// 8 digits, the last a Damm check digit.
    #[schema(pattern = "^[0-9]{8}$")]
    pub reservation_no: String,
    #[schema(value_type = Status)]
    pub status: &'static str,
    #[schema(schema_with = opaque_id)]
    pub venue_id: i64,
    #[schema(required = false)]
    pub venue_name: Option<String>,
    #[schema(schema_with = opaque_id)]
    pub slot_id: i64,
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
    #[schema(minimum = 1, maximum = 4)]
    pub party_size: i64,
}

/// Where a booking stands.
// Documentation only: the value is core's `BookingStatus::as_str`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum Status {
    Booked,
    Cancelled,
    Attended,
    NoShow,
}

impl BookingBody {
    pub fn new(booking: &Booking, venue_name: Option<&str>) -> Self {
        BookingBody {
            reservation_no: booking.reservation_no.as_str().to_owned(),
            status: booking.status.as_str(),
            venue_id: booking.venue_id.0,
            venue_name: venue_name.map(str::to_owned),
            slot_id: booking.slot_id.0,
            start: rfc3339(booking.starts_at()),
            end: rfc3339(booking.ends_at()),
            party_size: i64::from(booking.applicant.party_size.get()),
        }
    }
}

/// `{"error": message}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// A plain Japanese message.
    pub error: String,
}

/// `{"errors": {field: message}}` with a 422.
#[derive(Debug, Serialize, ToSchema)]
pub struct Invalid {
    /// Field name → Japanese message.
    pub errors: BTreeMap<String, String>,
}

/// A 409 for a full slot, with where there is room instead.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoRoom {
    pub error: String,
    /// The earliest free slots: same venue first, then others. Empty when everything is full.
    #[schema(max_items = 3)]
    pub alternatives: Vec<SlotBody>,
}
