//! Seat holds: while a phone caller confirms an offered slot, its seats are
//! held for a short time so that a web booking cannot take them between the
//! offer and "はい". The phone booking then consumes the hold.
//!
//! A hold adds to the slot's `held` count (migration 0004), which the claim
//! statement counts as taken, and the schema's `CHECK (booked + held <=
//! capacity)` backs that up, so holds can never oversell. Each hold also has
//! a row with its expiry. Nothing needs to run for holds to expire: whoever
//! finds a slot full releases the expired holds of that slot in its own
//! transaction and tries again (`release_expired!`, used by `claim_seats!`).
//!
//! Lock order on PostgreSQL: hold rows first, then the slot row.

use crate::rows::{BOOKING_COLUMNS, BookingRow};
use crate::seat_rule::free_seats;
use crate::{Result, Store, StoreError, read, write_tx};
use chrono::{DateTime, Utc};
use madoguchi_core::booking::{Booking, Channel};
use madoguchi_core::era::BirthDate;
use madoguchi_core::ids::SlotId;
use madoguchi_core::reservation_no::ReservationNo;

use crate::bookings::{Actor, BookingError, NewBooking};

/// A hold on seats of one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HoldId(pub i64);

/// A hold as taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatHold {
    pub id: HoldId,
    pub slot_id: SlotId,
    pub seats: i64,
    pub expires_at: DateTime<Utc>,
}

/// Releases the holds of slot `$slot_id` expired at `$now` (Unix seconds)
/// inside the current transaction; evaluates to whether any seat was freed.
macro_rules! release_expired {
    ($executor:expr, $slot_id:expr, $now:expr) => {
        async {
            let freed: Vec<(i64,)> = sqlx::query_as(
                "DELETE FROM seat_holds WHERE slot_id = $1 AND expires_at <= $2 RETURNING seats",
            )
            .bind($slot_id)
            .bind($now)
            .fetch_all($executor)
            .await?;
            let seats: i64 = freed.iter().map(|(n,)| *n).sum();
            if seats > 0 {
                sqlx::query("UPDATE slots SET held = held - $1 WHERE id = $2")
                    .bind(seats)
                    .bind($slot_id)
                    .execute($executor)
                    .await?;
            }
            Ok::<bool, sqlx::Error>(seats > 0)
        }
        .await
    };
}
pub(crate) use release_expired;

/// Holds seats for a caller if they are free for the phone (kept-back seats
/// included). Binds: seats, slot id.
static TAKE_HELD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "UPDATE slots SET held = held + $1 WHERE id = $2 AND {} >= $1",
        free_seats("", "FALSE", "0")
    )
});

/// Turns a caller's held seats into booked ones; a party larger than the
/// hold needs room for the difference. Binds: held seats, party, slot id.
static BOOK_HELD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "UPDATE slots SET held = held - $1, booked = booked + $2 WHERE id = $3 AND {} + $1 >= $2",
        free_seats("", "FALSE", "0")
    )
});

/// Takes `seats` in `slot` as held if they are free; evaluates to success.
macro_rules! take_held {
    ($executor:expr, $seats:expr, $slot_id:expr) => {
        sqlx::query(TAKE_HELD.as_str())
            .bind($seats)
            .bind($slot_id)
            .execute($executor)
            .await
            .map(|done| done.rows_affected() == 1)
    };
}

impl Store {
    /// Holds `seats` in `slot` for a phone caller until `now + ttl`, or
    /// `None` when the slot has no room for them. Seats kept back for phone
    /// and staff bookings may be held (the phone may book them).
    pub async fn hold_seats(
        &self,
        slot: SlotId,
        seats: i64,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<Option<SeatHold>> {
        let at = now.timestamp();
        let expires = now + ttl;
        let id: Option<i64> = write_tx!(self, tx => {
            let mut taken = take_held!(&mut *tx, seats, slot.0)?;
            if !taken && release_expired!(&mut *tx, slot.0, at)? {
                taken = take_held!(&mut *tx, seats, slot.0)?;
            }
            if taken {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO seat_holds (slot_id, seats, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(slot.0)
                .bind(seats)
                .bind(at)
                .bind(expires.timestamp())
                .fetch_one(&mut *tx)
                .await?;
                Some(id)
            } else {
                None
            }
        });
        Ok(id.map(|id| SeatHold {
            id: HoldId(id),
            slot_id: slot,
            seats,
            expires_at: expires,
        }))
    }

    /// Gives held seats back at once (the caller said no, or hung up).
    /// Releasing a hold that is gone already does nothing.
    pub async fn release_hold(&self, hold: HoldId) -> Result<()> {
        write_tx!(self, tx => {
            let gone: Option<(i64, i64)> =
                sqlx::query_as("DELETE FROM seat_holds WHERE id = $1 RETURNING slot_id, seats")
                    .bind(hold.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((slot_id, seats)) = gone {
                sqlx::query("UPDATE slots SET held = held - $1 WHERE id = $2")
                    .bind(seats)
                    .bind(slot_id)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    /// Seats currently counted as held in a slot (expired holds included
    /// until someone releases them).
    pub async fn held_seats(&self, slot: SlotId) -> Result<i64> {
        let (held,): (i64,) = read!(self, pool => {
            sqlx::query_as("SELECT held FROM slots WHERE id = $1").bind(slot.0).fetch_one(pool).await?
        });
        Ok(held)
    }

    /// Books with the seats of `hold` (consumed in the same transaction).
    /// If the hold is gone (expired and released), the seats are claimed as
    /// for any booking and the slot may turn out full. For phone and staff
    /// channels only: web bookings do not hold seats. `name_to_check`: the
    /// phone agent could not hear the name for sure; the mark for staff is
    /// written with the booking, never apart from it.
    pub async fn book_held(
        &self,
        hold: Option<HoldId>,
        new: &NewBooking,
        actor: &Actor,
        name_to_check: bool,
        now: DateTime<Utc>,
    ) -> Result<Booking, BookingError> {
        let settings = self.settings().await?;
        let slot = self.bookable_slot(new.slot_id, now, &settings).await?;
        let a = &new.applicant;
        let seats = a.party_size.seats();
        let at = now.timestamp();
        let withhold = new.channel == Channel::Web;
        let release_after = (now
            + chrono::Duration::minutes(settings.seats.release_reserved_minutes_before))
        .timestamp();
        let (id, number): (i64, ReservationNo) = write_tx!(self, tx => {
            let held: Option<(i64,)> = match hold {
                Some(h) => sqlx::query_as("DELETE FROM seat_holds WHERE id = $1 AND slot_id = $2 RETURNING seats")
                    .bind(h.0)
                    .bind(slot.id.0)
                    .fetch_optional(&mut *tx)
                    .await?,
                None => None,
            };
            let claimed = match held {
                // The held seats become booked ones; a party larger than the
                // hold needs room for the difference.
                Some((held,)) => sqlx::query(BOOK_HELD.as_str())
                .bind(held)
                .bind(seats)
                .bind(slot.id.0)
                .execute(&mut *tx)
                .await?
                .rows_affected() == 1,
                None => crate::bookings::claim_seats!(&mut *tx, seats, withhold, release_after, slot.id.0, at)?,
            };
            if !claimed {
                return Err(BookingError::Full);
            }
            let mut inserted = None;
            for _ in 0..10 {
                let number = ReservationNo::generate(&mut rand::rng());
                inserted = sqlx::query_as::<_, (i64,)>(
                    "INSERT INTO bookings (reservation_no, venue_id, slot_id, party_size, name, name_kana, birth_date,
                        phone, email, notify, channel, status, request_key, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'booked', $13, $12, $12)
                     ON CONFLICT (reservation_no) DO NOTHING
                     RETURNING id",
                )
                .bind(number.as_str())
                .bind(slot.venue_id.0)
                .bind(slot.id.0)
                .bind(seats)
                .bind(a.name.as_str())
                .bind(a.name_kana.as_str())
                .bind(a.birth_date.date())
                .bind(a.phone.as_str())
                .bind(a.email.as_ref().map(|e| e.as_str()))
                .bind(a.notify.as_str())
                .bind(new.channel.as_str())
                .bind(at)
                .bind(new.request_key.as_deref())
                .fetch_optional(&mut *tx)
                .await?
                .map(|(id,)| (id, number));
                if inserted.is_some() {
                    break;
                }
            }
            let Some((id, number)) = inserted else {
                return Err(StoreError::Corrupt("no free reservation number found".to_owned()).into());
            };
            sqlx::query("INSERT INTO booking_events (booking_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(at)
                .bind(actor.as_string())
                .bind("booked")
                .bind(serde_json::json!({ "slot_id": slot.id.0, "channel": new.channel.as_str(), "held": hold.is_some() }).to_string())
                .execute(&mut *tx)
                .await?;
            if name_to_check {
                crate::name_checks::insert_mark!(&mut *tx, id, at);
            }
            // The confirmation SMS/email is owed in the same transaction.
            crate::outbox::queue_notices!(&mut *tx, id, "booked", at)?;
            (id, number)
        });
        let _ = number;
        self.activity.booked(new.channel);
        self.get_booking(madoguchi_core::ids::BookingId(id)).await
    }

    /// The booking with this number, if the birth date matches too (the
    /// phone's second factor besides the phone number).
    pub async fn find_booking_by_birth_date(
        &self,
        number: &ReservationNo,
        birth_date: &BirthDate,
    ) -> Result<Option<Booking>, BookingError> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings b JOIN slots s ON s.id = b.slot_id
             WHERE b.reservation_no = $1 AND b.birth_date = $2"
        );
        let row: Option<BookingRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(number.as_str()).bind(birth_date.date()).fetch_optional(pool).await?
        });
        Ok(row.map(BookingRow::into_booking).transpose()?)
    }
}
