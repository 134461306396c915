//! Bookings as staff handle them in the admin console (issue 3): search,
//! corrections, party size, visits, cancellation, and the daily list.
//!
//! Each change runs in one transaction with its entry in `booking_events`
//! (who, when, old → new). The entries hold personal data (a corrected name)
//! and are deleted with the booking (see `retention.rs`); logs carry ids only.

use crate::rows::{BOOKING_COLUMNS, BookingRow};
use crate::slots::Slot;
use crate::{Actor, BookingError, Result, Store, read, write_tx};
use chrono::{DateTime, NaiveDate, Utc};
use madoguchi_core::booking::{Booking, BookingStatus, Channel, PartySize};
use madoguchi_core::ids::{BookingId, SlotId, VenueId};
use madoguchi_core::name::{NameKana, PersonName};
use madoguchi_core::operations::kana_search_key;

/// What staff search bookings by; empty fields do not narrow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingSearch {
    /// Reservation number, digits only (partial is not matched).
    pub reservation_no: Option<String>,
    /// Phone number digits; matches numbers that start with them.
    pub phone: Option<String>,
    /// Part of the reading, hiragana or katakana, spaces ignored.
    pub kana: Option<String>,
    pub venue: Option<VenueId>,
    pub date: Option<NaiveDate>,
    /// Also list cancelled bookings.
    pub include_cancelled: bool,
}

impl BookingSearch {
    pub fn is_empty(&self) -> bool {
        self.reservation_no.is_none()
            && self.phone.is_none()
            && self.kana.is_none()
            && self.venue.is_none()
            && self.date.is_none()
    }
}

/// At most this many search results.
pub const SEARCH_LIMIT: i64 = 200;

fn digits(s: &str) -> String {
    madoguchi_core::text::digits_only(s)
}

/// Appends to a booking's history inside the current transaction (a macro
/// to keep the futures `Send` on both backends).
macro_rules! event {
    ($tx:expr, $booking:expr, $at:expr, $actor:expr, $action:expr, $detail:expr) => {
        sqlx::query(
            "INSERT INTO booking_events (booking_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($booking)
        .bind($at)
        .bind($actor.as_string())
        .bind($action)
        .bind($detail.to_string())
        .execute($tx)
        .await
    };
}

impl Store {
    /// Bookings matching every given field, by appointment time.
    pub async fn search_bookings(&self, search: &BookingSearch) -> Result<Vec<Booking>> {
        let number = search
            .reservation_no
            .as_deref()
            .map(digits)
            .unwrap_or_default();
        let phone = search.phone.as_deref().map(digits).unwrap_or_default();
        let kana = search
            .kana
            .as_deref()
            .map(kana_search_key)
            .unwrap_or_default();
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings b JOIN slots s ON s.id = b.slot_id
             WHERE ($1 = '' OR b.reservation_no = $1)
               AND ($2 = '' OR b.phone LIKE $2 || '%')
               AND ($3 = '' OR REPLACE(REPLACE(b.name_kana, ' ', ''), '\u{3000}', '') LIKE '%' || $3 || '%')
               AND ($4 = 0 OR b.venue_id = $4)
               AND ($5 OR s.day = $6)
               AND ($7 OR b.status <> 'cancelled')
             ORDER BY s.day, s.start_min, b.id
             LIMIT $8"
        );
        let day = search
            .date
            .unwrap_or(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default());
        let rows: Vec<BookingRow> = read!(self, pool => {
            sqlx::query_as(&sql)
                .bind(&number)
                .bind(&phone)
                .bind(&kana)
                .bind(search.venue.map_or(0, |v| v.0))
                .bind(search.date.is_none())
                .bind(day)
                .bind(search.include_cancelled)
                .bind(SEARCH_LIMIT)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(BookingRow::into_booking).collect()
    }

    /// Corrects the name and reading of a booking.
    pub async fn correct_name(
        &self,
        id: BookingId,
        name: &PersonName,
        kana: &NameKana,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Booking, BookingError> {
        let booking = self.get_booking(id).await?;
        if booking.status == BookingStatus::Cancelled {
            return Err(BookingError::NotActive);
        }
        if booking.applicant.name == *name && booking.applicant.name_kana == *kana {
            return Ok(booking);
        }
        let at = now.timestamp();
        write_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE bookings SET name = $1, name_kana = $2, updated_at = $3
                 WHERE id = $4 AND name = $5 AND name_kana = $6 AND status <> 'cancelled'",
            )
            .bind(name.as_str())
            .bind(kana.as_str())
            .bind(at)
            .bind(id.0)
            .bind(booking.applicant.name.as_str())
            .bind(booking.applicant.name_kana.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done != 1 {
                return Err(BookingError::NotActive);
            }
            let detail = serde_json::json!({
                "name": [booking.applicant.name.as_str(), name.as_str()],
                "name_kana": [booking.applicant.name_kana.as_str(), kana.as_str()],
            });
            event!(&mut *tx, id.0, at, actor, "name_corrected", detail)?;
        });
        tracing::info!(booking = id.0, "name corrected by staff");
        self.get_booking(id).await
    }

    /// Changes the party size of an active booking: more people take seats
    /// only if the slot has room (kept-back seats count, as for staff
    /// bookings); fewer release them. One transaction.
    pub async fn change_party_size(
        &self,
        id: BookingId,
        party: PartySize,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Booking, BookingError> {
        let booking = self.get_booking(id).await?;
        if booking.status != BookingStatus::Booked {
            return Err(BookingError::NotActive);
        }
        let old = booking.applicant.party_size.seats();
        let new = party.seats();
        if old == new {
            return Ok(booking);
        }
        let at = now.timestamp();
        // Staff bookings may use kept-back seats: nothing is withheld.
        let release_after = now.timestamp();
        write_tx!(self, tx => {
            // Lock order as in `change`: the booking row first, then the slot.
            let done = sqlx::query(
                "UPDATE bookings SET party_size = $1, updated_at = $2
                 WHERE id = $3 AND party_size = $4 AND slot_id = $5 AND status = 'booked'",
            )
            .bind(new)
            .bind(at)
            .bind(id.0)
            .bind(old)
            .bind(booking.slot_id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done != 1 {
                return Err(BookingError::NotActive);
            }
            if new > old {
                if !crate::bookings::claim_seats!(&mut *tx, new - old, false, release_after, booking.slot_id.0, at)? {
                    return Err(BookingError::Full);
                }
            } else {
                sqlx::query("UPDATE slots SET booked = booked - $1 WHERE id = $2")
                    .bind(old - new)
                    .bind(booking.slot_id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            event!(&mut *tx, id.0, at, actor, "party_size_changed", serde_json::json!({ "party_size": [old, new] }))?;
        });
        tracing::info!(booking = id.0, old, new, "party size changed by staff");
        self.get_booking(id).await
    }

    /// Moves a booking to another slot for the caller, with the citizen
    /// rules (reception window, change cut-off, room in the new slot).
    pub async fn staff_move(
        &self,
        id: BookingId,
        to: SlotId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Booking, BookingError> {
        let booking = self.get_booking(id).await?;
        self.change(
            &booking.reservation_no,
            &booking.applicant.phone,
            to,
            actor,
            Channel::Staff,
            now,
        )
        .await
    }

    /// Cancels an active booking for the caller and frees its seats. Staff
    /// may cancel after the citizens' cut-off (a call on the morning of the
    /// visit).
    pub async fn staff_cancel(
        &self,
        id: BookingId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Booking, BookingError> {
        let booking = self.get_booking(id).await?;
        let at = now.timestamp();
        write_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE bookings SET status = 'cancelled', updated_at = $1 WHERE id = $2 AND status = 'booked'",
            )
            .bind(at)
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done != 1 {
                return Err(BookingError::NotActive);
            }
            sqlx::query("UPDATE slots SET booked = booked - $1 WHERE id = (SELECT slot_id FROM bookings WHERE id = $2)")
                .bind(booking.applicant.party_size.seats())
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            event!(&mut *tx, id.0, at, actor, "cancelled", serde_json::json!({ "status": ["booked", "cancelled"] }))?;
        });
        tracing::info!(booking = id.0, "cancelled by staff");
        self.get_booking(id).await
    }

    /// Records whether the resident came: attended or no-show, or back to
    /// booked to undo a mistake. Seats stay taken (the visit used the slot).
    pub async fn set_visit_status(
        &self,
        id: BookingId,
        status: BookingStatus,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Booking, BookingError> {
        if status == BookingStatus::Cancelled {
            return Err(BookingError::NotActive);
        }
        let booking = self.get_booking(id).await?;
        if booking.status == BookingStatus::Cancelled {
            return Err(BookingError::NotActive);
        }
        if booking.status == status {
            return Ok(booking);
        }
        let at = now.timestamp();
        write_tx!(self, tx => {
            let done = sqlx::query("UPDATE bookings SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
                .bind(status.as_str())
                .bind(at)
                .bind(id.0)
                .bind(booking.status.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done != 1 {
                return Err(BookingError::NotActive);
            }
            let action = if status == BookingStatus::Booked { "visit_undone" } else { status.as_str() };
            event!(&mut *tx, id.0, at, actor, action, serde_json::json!({ "status": [booking.status.as_str(), status.as_str()] }))?;
        });
        tracing::info!(booking = id.0, status = status.as_str(), "visit recorded");
        self.get_booking(id).await
    }

    /// The day's list of a venue: every slot in time order with its
    /// bookings that are not cancelled.
    pub async fn daily_list(
        &self,
        venue: VenueId,
        date: NaiveDate,
    ) -> Result<Vec<(Slot, Vec<Booking>)>> {
        let slots = self.slots_between(venue, date, date).await?;
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings b JOIN slots s ON s.id = b.slot_id
             WHERE s.venue_id = $1 AND s.day = $2 AND b.status <> 'cancelled'
             ORDER BY s.start_min, b.id"
        );
        let rows: Vec<BookingRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(venue.0).bind(date).fetch_all(pool).await?
        });
        let bookings = rows
            .into_iter()
            .map(BookingRow::into_booking)
            .collect::<Result<Vec<_>>>()?;
        Ok(slots
            .into_iter()
            .map(|slot| {
                let here = bookings
                    .iter()
                    .filter(|b| b.slot_id == slot.id)
                    .cloned()
                    .collect();
                (slot, here)
            })
            .collect())
    }
}
