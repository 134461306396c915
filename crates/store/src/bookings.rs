//! Booking, changing and cancelling: each one transaction that checks and
//! moves seats atomically.

use crate::group_commit::ClaimOutcome;
use crate::rows::{BOOKING_COLUMNS, BookingRow};
use crate::seat_rule::free_seats;
use crate::slots::Slot;
use crate::{AccessStamp, NewAccessEntry, Result, Store, StoreError, read, write_tx};
use chrono::{DateTime, Duration, Utc};
use madoguchi_core::booking::{Applicant, Booking, BookingStatus, Channel};
use madoguchi_core::capacity::SeatPolicy;
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::ids::{BookingId, SlotId};
use madoguchi_core::reservation_no::ReservationNo;
use madoguchi_core::window::DayClosedReason;

/// Appends to a booking's history inside the current transaction. A macro,
/// not a generic function: a generic executor bound makes the calling
/// futures lose `Send`.
macro_rules! record_event {
    ($tx:expr, $booking_id:expr, $at:expr, $actor:expr, $action:expr, $detail:expr) => {
        sqlx::query("INSERT INTO booking_events (booking_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind($booking_id)
            .bind($at)
            .bind($actor.as_string())
            .bind($action)
            .bind($detail.to_string())
            .execute($tx)
            .await
    };
}

/// A booking to be made.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub slot_id: SlotId,
    pub applicant: Applicant,
    pub channel: Channel,
    /// Makes the request idempotent: booking again with the same key returns
    /// the booking already made instead of taking more seats.
    pub request_key: Option<String>,
}

/// Who did something, for the booking's history. Never a name: staff are
/// recorded by account, residents by channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Citizen,
    Phone,
    Staff(String),
    System,
}

impl Actor {
    pub(crate) fn as_string(&self) -> String {
        match self {
            Actor::Citizen => "citizen".to_owned(),
            Actor::Phone => "phone".to_owned(),
            Actor::Staff(user) => format!("staff:{user}"),
            Actor::System => "system".to_owned(),
        }
    }
}

/// Why a booking operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("no such slot")]
    SlotNotFound,
    #[error("the day cannot be booked now: {0:?}")]
    NotBookable(DayClosedReason),
    #[error("the slot has no room")]
    Full,
    #[error("no booking with that number and phone")]
    NotFound,
    #[error("the booking can no longer be changed or cancelled")]
    TooLate,
    #[error("the booking is not active")]
    NotActive,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BookingError {
    fn from(e: sqlx::Error) -> Self {
        BookingError::Store(StoreError::Database(e))
    }
}

/// One entry of a booking's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub detail: serde_json::Value,
}

/// Attempts at drawing a reservation number not yet taken. With 9 million
/// numbers and tens of thousands of bookings a collision is rare; ten in a
/// row means something else is wrong.
const NUMBER_ATTEMPTS: usize = 10;

/// The statement that takes seats in a slot only if they are free: the
/// no-oversell rule, with the core seat rule as its condition
/// ([`free_seats`]). Binds: seats, withhold kept-back seats (web), release
/// instant, slot id.
pub(crate) static CLAIM_SEATS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "UPDATE slots SET booked = booked + $1 WHERE {} >= $1 AND id = $4",
        free_seats("", "$2", "$3")
    )
});

/// Runs [`CLAIM_SEATS`] on `$executor`; evaluates to whether the seats were
/// taken. A macro, like `record_event!`, to keep the calling futures `Send`.
///
/// Seat holds (holds.rs): when the slot looks full, holds of callers that
/// expired by `$now` (Unix seconds) are released in the same transaction
/// and the claim is tried once more, so an abandoned hold never blocks.
macro_rules! claim_seats {
    ($executor:expr, $seats:expr, $withhold:expr, $release_after:expr, $slot_id:expr, $now:expr) => {
        async {
            let claim = || {
                sqlx::query(crate::bookings::CLAIM_SEATS.as_str())
                    .bind($seats)
                    .bind($withhold)
                    .bind($release_after)
                    .bind($slot_id)
            };
            if claim().execute($executor).await?.rows_affected() == 1 {
                return Ok::<bool, sqlx::Error>(true);
            }
            if !crate::holds::release_expired!($executor, $slot_id, $now)? {
                return Ok(false);
            }
            Ok(claim().execute($executor).await?.rows_affected() == 1)
        }
        .await
    };
}
pub(crate) use claim_seats;

fn release_after(policy: &SeatPolicy, now: DateTime<Utc>) -> i64 {
    (now + Duration::minutes(policy.release_reserved_minutes_before)).timestamp()
}

impl Store {
    /// Books a seat for each person in the party, or refuses with the reason.
    /// A repeated request (same `request_key`) returns the first booking.
    pub async fn book(
        &self,
        new: &NewBooking,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Booking, BookingError> {
        self.book_recorded(new, actor, None, now).await
    }

    /// Books like [`Store::book`], and writes the request's access-log entry
    /// (`access`, target `booking:<id>`) in the booking's own transaction:
    /// a booking costs no write of its own for the log.
    pub async fn book_recorded(
        &self,
        new: &NewBooking,
        actor: &Actor,
        access: Option<&AccessStamp>,
        now: DateTime<Utc>,
    ) -> Result<Booking, BookingError> {
        // A repeated key is detected where it is stored (no look-up on the
        // hot path): the attempt fails and the first booking is returned.
        let access = access.map(|stamp| stamp.entry(now));
        let result = self.book_once(new, actor, access, now).await;
        match (&result, &new.request_key) {
            // Another copy of the same request won the race (its insert hit
            // the unique key, or its seats made this copy see a full slot):
            // answer with that booking.
            (Err(_), Some(key)) => match self.find_booking_by_request_key(key).await? {
                Some(existing) => Ok(existing),
                None => result,
            },
            _ => result,
        }
    }

    async fn find_booking_by_request_key(
        &self,
        key: &str,
    ) -> Result<Option<Booking>, BookingError> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings b JOIN slots s ON s.id = b.slot_id WHERE b.request_key = $1"
        );
        let row: Option<BookingRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(key).fetch_optional(pool).await?
        });
        Ok(row.map(BookingRow::into_booking).transpose()?)
    }

    async fn book_once(
        &self,
        new: &NewBooking,
        actor: &Actor,
        access: Option<NewAccessEntry>,
        now: DateTime<Utc>,
    ) -> Result<Booking, BookingError> {
        let settings = self.settings().await?;
        let slot = self.bookable_slot(new.slot_id, now, &settings).await?;
        let seats = new.applicant.party_size.seats();
        // Refuse a slot already seen full without queuing for the writer.
        // Only a shortcut: the conditional update below decides, and it
        // first releases holds that have expired, so a slot with holds
        // always goes to the writer.
        if slot.held == 0 && !settings.seats.fits(&slot.seats(), seats, new.channel, now) {
            return Err(BookingError::Full);
        }
        let a = &new.applicant;
        let at = now.timestamp();
        let (booking_id, number) = match &self.db {
            crate::Db::Sqlite { bookings, .. } => {
                let claim = crate::group_commit::Claim {
                    slot_id: slot.id.0,
                    venue_id: slot.venue_id.0,
                    seats,
                    withhold: new.channel == Channel::Web,
                    release_after: release_after(&settings.seats, now),
                    name: a.name.as_str().to_owned(),
                    name_kana: a.name_kana.as_str().to_owned(),
                    birth_date: a.birth_date.date(),
                    phone: a.phone.as_str().to_owned(),
                    email: a.email.as_ref().map(|e| e.as_str().to_owned()),
                    notify: a.notify.as_str(),
                    channel: new.channel.as_str(),
                    request_key: new.request_key.clone(),
                    at,
                    actor: actor.as_string(),
                    access,
                };
                match bookings.submit(claim).await? {
                    ClaimOutcome::Booked { id, number } => (id, number),
                    ClaimOutcome::Full => return Err(BookingError::Full),
                    // The outer `book` answers with the booking made first.
                    ClaimOutcome::Duplicate => return Err(BookingError::NotFound),
                }
            }
            crate::Db::Postgres(_) => {
                self.book_in_transaction(new, &slot, &settings, actor, access, now)
                    .await?
            }
        };
        self.activity.booked(new.channel);
        // Everything stored is known here; reading it back would cost the
        // hot path another query.
        let stored_at = crate::rows::instant(at)?;
        Ok(Booking {
            id: BookingId(booking_id),
            reservation_no: number,
            venue_id: slot.venue_id,
            slot_id: slot.id,
            slot_date: slot.date,
            start_min: slot.start_min,
            end_min: slot.end_min,
            applicant: new.applicant.clone(),
            channel: new.channel,
            status: BookingStatus::Booked,
            created_at: stored_at,
            updated_at: stored_at,
        })
    }

    /// One booking in its own transaction (PostgreSQL, where concurrent
    /// transactions commit in parallel).
    async fn book_in_transaction(
        &self,
        new: &NewBooking,
        slot: &Slot,
        settings: &madoguchi_core::settings::ServiceSettings,
        actor: &Actor,
        access: Option<NewAccessEntry>,
        now: DateTime<Utc>,
    ) -> Result<(i64, ReservationNo), BookingError> {
        let a = &new.applicant;
        let seats = a.party_size.seats();
        let at = now.timestamp();
        let made: (i64, ReservationNo) = write_tx!(self, tx => {
            if !claim_seats!(&mut *tx, seats, new.channel == Channel::Web, release_after(&settings.seats, now), slot.id.0, at)? {
                return Err(BookingError::Full);
            }
            let mut inserted = None;
            for _ in 0..NUMBER_ATTEMPTS {
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
            record_event!(&mut *tx, id, at, actor, "booked", serde_json::json!({ "slot_id": slot.id.0, "channel": new.channel.as_str() }))?;
            crate::outbox::queue_notices!(&mut *tx, id, "booked", at)?;
            let logged: Vec<NewAccessEntry> = access.iter().map(|e| e.for_booking(id)).collect();
            crate::access_log::append_access!(&mut *tx, &logged)?;
            (id, number)
        });
        Ok(made)
    }

    /// Moves a booking to another slot in one transaction: the old seats are
    /// released only together with the new ones secured; if the new slot has
    /// no room, nothing changes.
    pub async fn change(
        &self,
        number: &ReservationNo,
        phone: &PhoneNumber,
        new_slot: SlotId,
        actor: &Actor,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> Result<Booking, BookingError> {
        let settings = self.settings().await?;
        let booking = self
            .find_booking(number, phone)
            .await?
            .ok_or(BookingError::NotFound)?;
        self.check_changeable(&booking, now, &settings).await?;
        if booking.slot_id == new_slot {
            return Ok(booking);
        }
        let slot = self.bookable_slot(new_slot, now, &settings).await?;
        let seats = booking.applicant.party_size.seats();
        let at = now.timestamp();
        // Lock order, as in `cancel` and `book`: the booking row first, then
        // slot rows by ascending id. Two changes in opposite directions (or a
        // change beside a cancel) would otherwise deadlock on PostgreSQL.
        let old_slot = booking.slot_id;
        write_tx!(self, tx => {
            let moved = sqlx::query(
                "UPDATE bookings SET slot_id = $1, venue_id = $2, updated_at = $3
                 WHERE id = $4 AND slot_id = $5 AND status = 'booked'",
            )
            .bind(slot.id.0)
            .bind(slot.venue_id.0)
            .bind(at)
            .bind(booking.id.0)
            .bind(old_slot.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                // Cancelled or moved by someone else in the meantime.
                return Err(BookingError::NotActive);
            }
            for id in if old_slot.0 < slot.id.0 { [old_slot, slot.id] } else { [slot.id, old_slot] } {
                if id == old_slot {
                    sqlx::query("UPDATE slots SET booked = booked - $1 WHERE id = $2")
                        .bind(seats)
                        .bind(old_slot.0)
                        .execute(&mut *tx)
                        .await?;
                } else {
                    if !claim_seats!(&mut *tx, seats, channel == Channel::Web, release_after(&settings.seats, now), slot.id.0, at)? {
                        return Err(BookingError::Full);
                    }
                }
            }
            record_event!(
                &mut *tx,
                booking.id.0,
                at,
                actor,
                "changed",
                serde_json::json!({ "from_slot_id": booking.slot_id.0, "to_slot_id": slot.id.0 })
            )?;
            crate::outbox::queue_notices!(&mut *tx, booking.id.0, "changed", at)?;
        });
        self.get_booking(booking.id).await
    }

    /// Cancels a booking and frees its seats at once.
    pub async fn cancel(
        &self,
        number: &ReservationNo,
        phone: &PhoneNumber,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Booking, BookingError> {
        let settings = self.settings().await?;
        let booking = self
            .find_booking(number, phone)
            .await?
            .ok_or(BookingError::NotFound)?;
        self.check_changeable(&booking, now, &settings).await?;
        let at = now.timestamp();
        write_tx!(self, tx => {
            let cancelled = sqlx::query("UPDATE bookings SET status = 'cancelled', updated_at = $1 WHERE id = $2 AND status = 'booked'")
                .bind(at)
                .bind(booking.id.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if cancelled != 1 {
                return Err(BookingError::NotActive);
            }
            sqlx::query("UPDATE slots SET booked = booked - $1 WHERE id = (SELECT slot_id FROM bookings WHERE id = $2)")
                .bind(booking.applicant.party_size.seats())
                .bind(booking.id.0)
                .execute(&mut *tx)
                .await?;
            record_event!(&mut *tx, booking.id.0, at, actor, "cancelled", serde_json::json!({}))?;
            crate::outbox::queue_notices!(&mut *tx, booking.id.0, "cancelled", at)?;
        });
        self.get_booking(booking.id).await
    }

    /// The booking with this number, if the phone number matches too. An
    /// unknown number and a wrong phone look the same to the caller.
    pub async fn find_booking(
        &self,
        number: &ReservationNo,
        phone: &PhoneNumber,
    ) -> Result<Option<Booking>, BookingError> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings b JOIN slots s ON s.id = b.slot_id
             WHERE b.reservation_no = $1 AND b.phone = $2"
        );
        let row: Option<BookingRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(number.as_str()).bind(phone.as_str()).fetch_optional(pool).await?
        });
        Ok(row.map(BookingRow::into_booking).transpose()?)
    }

    /// A booking by its internal id.
    pub async fn get_booking(&self, id: BookingId) -> Result<Booking, BookingError> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings b JOIN slots s ON s.id = b.slot_id WHERE b.id = $1"
        );
        let row: Option<BookingRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await?
        });
        row.ok_or(BookingError::NotFound)?
            .into_booking()
            .map_err(Into::into)
    }

    /// Bookings in a slot, in booking order.
    pub async fn bookings_in_slot(&self, slot: SlotId) -> Result<Vec<Booking>> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings b JOIN slots s ON s.id = b.slot_id WHERE b.slot_id = $1 ORDER BY b.id"
        );
        let rows: Vec<BookingRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(slot.0).fetch_all(pool).await?
        });
        rows.into_iter().map(BookingRow::into_booking).collect()
    }

    /// A booking's history, oldest first.
    pub async fn booking_events(&self, id: BookingId) -> Result<Vec<BookingEvent>> {
        let rows: Vec<(i64, String, String, String)> = read!(self, pool => {
            sqlx::query_as("SELECT at, actor, action, detail FROM booking_events WHERE booking_id = $1 ORDER BY id")
                .bind(id.0)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(at, actor, action, detail)| {
                Ok(BookingEvent {
                    at: crate::rows::instant(at)?,
                    actor,
                    action,
                    detail: serde_json::from_str(&detail)
                        .map_err(|e| StoreError::Corrupt(format!("event detail: {e}")))?,
                })
            })
            .collect()
    }

    /// Seats taken per slot as the bookings say, for consistency checks:
    /// (slot, `slots.booked`, sum of active bookings' party sizes).
    pub async fn seat_audit(&self) -> Result<Vec<(SlotId, i64, i64)>> {
        let rows: Vec<(i64, i64, i64)> = read!(self, pool => {
            sqlx::query_as(
                "SELECT s.id, s.booked, CAST(COALESCE(SUM(CASE WHEN b.status <> 'cancelled' THEN b.party_size ELSE 0 END), 0) AS BIGINT)
                 FROM slots s LEFT JOIN bookings b ON b.slot_id = s.id
                 GROUP BY s.id, s.booked
                 HAVING s.booked > 0 OR COUNT(b.id) > 0",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, booked, sum)| (SlotId(id), booked, sum))
            .collect())
    }

    /// The slot, if a new booking may be taken for it at `now`.
    pub(crate) async fn bookable_slot(
        &self,
        id: SlotId,
        now: DateTime<Utc>,
        settings: &madoguchi_core::settings::ServiceSettings,
    ) -> Result<Slot, BookingError> {
        let slot = self
            .find_slot(id)
            .await?
            .ok_or(BookingError::SlotNotFound)?;
        let venue = self
            .find_venue(slot.venue_id)
            .await?
            .filter(|v| v.enabled)
            .ok_or(BookingError::SlotNotFound)?;
        venue
            .window_or(&settings.window)
            .check_booking(&settings.period, slot.date, now)
            .map_err(BookingError::NotBookable)?;
        Ok(slot)
    }

    /// Whether `booking` can still be changed or cancelled at `now`.
    pub async fn is_changeable(&self, booking: &Booking, now: DateTime<Utc>) -> Result<bool> {
        let settings = self.settings().await?;
        match self.check_changeable(booking, now, &settings).await {
            Ok(()) => Ok(true),
            Err(BookingError::NotActive | BookingError::TooLate) => Ok(false),
            Err(BookingError::Store(e)) => Err(e),
            Err(other) => Err(StoreError::Corrupt(other.to_string())),
        }
    }

    async fn check_changeable(
        &self,
        booking: &Booking,
        now: DateTime<Utc>,
        settings: &madoguchi_core::settings::ServiceSettings,
    ) -> Result<(), BookingError> {
        if booking.status != BookingStatus::Booked {
            return Err(BookingError::NotActive);
        }
        let venue = self.find_venue(booking.venue_id).await?;
        let window = venue
            .map(|v| v.window_or(&settings.window))
            .unwrap_or(settings.window);
        if !window.can_change(booking.slot_date, now) {
            return Err(BookingError::TooLate);
        }
        Ok(())
    }
}
