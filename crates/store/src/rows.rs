//! Rows as read from the database, and their conversion into domain types.
//! Stored values are input too: each is parsed again on the way out.

use crate::slots::Slot;
use crate::{Result, StoreError, to_u32};
use chrono::{DateTime, NaiveDate, Utc};
use madoguchi_core::booking::{Applicant, Booking, BookingStatus, Channel, Notify, PartySize};
use madoguchi_core::contact::{Email, PhoneNumber};
use madoguchi_core::era::BirthDate;
use madoguchi_core::ids::{BookingId, SlotId, VenueId};
use madoguchi_core::name::{NameKana, PersonName};
use madoguchi_core::reservation_no::ReservationNo;
use madoguchi_core::venue::Venue;

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

pub(crate) fn instant(seconds: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0).ok_or_else(|| corrupt("timestamp", seconds))
}

#[derive(sqlx::FromRow)]
pub(crate) struct VenueRow {
    id: i64,
    code: String,
    name: String,
    kana: String,
    address: String,
    phone: String,
    note: String,
    display_order: i64,
    enabled: bool,
    window_json: Option<String>,
    map_url: String,
    access: String,
    parking: String,
}

impl VenueRow {
    pub(crate) fn into_venue(self) -> Result<Venue> {
        let window = self
            .window_json
            .map(|json| serde_json::from_str(&json).map_err(|e| corrupt("venue window", e)))
            .transpose()?;
        Ok(Venue {
            id: VenueId(self.id),
            code: self.code,
            name: self.name,
            kana: self.kana,
            address: self.address,
            phone: self.phone,
            note: self.note,
            display_order: self.display_order,
            enabled: self.enabled,
            window,
            guide: madoguchi_core::venue::VenueGuide {
                map_url: self.map_url,
                access: self.access,
                parking: self.parking,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SlotRow {
    id: i64,
    venue_id: i64,
    day: NaiveDate,
    start_min: i64,
    end_min: i64,
    starts_at: i64,
    capacity: i64,
    reserved: i64,
    booked: i64,
    held: i64,
}

impl SlotRow {
    pub(crate) fn into_slot(self) -> Result<Slot> {
        Ok(Slot {
            id: SlotId(self.id),
            venue_id: VenueId(self.venue_id),
            date: self.day,
            start_min: to_u32(self.start_min, "start_min")?,
            end_min: to_u32(self.end_min, "end_min")?,
            starts_at: instant(self.starts_at)?,
            capacity: self.capacity,
            reserved: self.reserved,
            booked: self.booked,
            held: self.held,
        })
    }
}

pub(crate) const BOOKING_COLUMNS: &str =
    "b.id, b.reservation_no, b.venue_id, b.slot_id, b.party_size, b.name, b.name_kana,
    b.birth_date, b.phone, b.email, b.notify, b.channel, b.status, b.created_at, b.updated_at,
    s.day, s.start_min, s.end_min";

#[derive(sqlx::FromRow)]
pub(crate) struct BookingRow {
    id: i64,
    reservation_no: String,
    venue_id: i64,
    slot_id: i64,
    party_size: i64,
    name: String,
    name_kana: String,
    birth_date: NaiveDate,
    phone: String,
    email: Option<String>,
    notify: String,
    channel: String,
    status: String,
    created_at: i64,
    updated_at: i64,
    day: NaiveDate,
    start_min: i64,
    end_min: i64,
}

impl BookingRow {
    pub(crate) fn into_booking(self) -> Result<Booking> {
        let created_at = instant(self.created_at)?;
        let created_day = created_at.with_timezone(&madoguchi_core::JST).date_naive();
        let applicant = Applicant {
            party_size: u8::try_from(self.party_size)
                .ok()
                .and_then(PartySize::new)
                .ok_or_else(|| corrupt("party_size", self.party_size))?,
            name: PersonName::parse(&self.name).map_err(|e| corrupt("name", e))?,
            name_kana: NameKana::parse(&self.name_kana).map_err(|e| corrupt("name_kana", e))?,
            birth_date: BirthDate::parse(
                &self.birth_date.format("%Y-%m-%d").to_string(),
                created_day,
            )
            .map_err(|e| corrupt("birth_date", e))?,
            phone: PhoneNumber::parse(&self.phone).map_err(|e| corrupt("phone", e))?,
            email: self
                .email
                .map(|e| Email::parse(&e).map_err(|err| corrupt("email", err)))
                .transpose()?,
            notify: Notify::parse(&self.notify).ok_or_else(|| corrupt("notify", &self.notify))?,
        };
        Ok(Booking {
            id: BookingId(self.id),
            reservation_no: ReservationNo::parse(&self.reservation_no)
                .map_err(|e| corrupt("reservation_no", e))?,
            venue_id: VenueId(self.venue_id),
            slot_id: SlotId(self.slot_id),
            slot_date: self.day,
            start_min: to_u32(self.start_min, "start_min")?,
            end_min: to_u32(self.end_min, "end_min")?,
            applicant,
            channel: Channel::parse(&self.channel)
                .ok_or_else(|| corrupt("channel", &self.channel))?,
            status: BookingStatus::parse(&self.status)
                .ok_or_else(|| corrupt("status", &self.status))?,
            created_at,
            updated_at: instant(self.updated_at)?,
        })
    }
}
