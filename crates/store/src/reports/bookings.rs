//! Bookings counted by venue, visit day and channel, and the seats offered
//! and taken on those days (D1, D2).

use crate::{Result, Store, StoreError, read};
use chrono::{Datelike, NaiveDate};
use madoguchi_core::booking::{BookingStatus, Channel};
use madoguchi_core::ids::VenueId;
use std::collections::BTreeMap;

/// Counts of some bookings. `made` counts every booking, cancelled ones
/// included; `seats`, `lead_days` and `lead_bookings` only those not
/// cancelled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub made: i64,
    /// Changes of date, time, venue or party size.
    pub changes: i64,
    pub cancelled: i64,
    /// Still booked (the visit is ahead, or not yet recorded).
    pub booked: i64,
    pub attended: i64,
    pub no_show: i64,
    pub seats: i64,
    /// Sum of the days between making the booking and the visit, over
    /// `lead_bookings` bookings (those whose lead time is known).
    pub lead_days: i64,
    pub lead_bookings: i64,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.made += other.made;
        self.changes += other.changes;
        self.cancelled += other.cancelled;
        self.booked += other.booked;
        self.attended += other.attended;
        self.no_show += other.no_show;
        self.seats += other.seats;
        self.lead_days += other.lead_days;
        self.lead_bookings += other.lead_bookings;
    }

    /// Average days between booking and visit, when any booking counts.
    pub fn average_lead_days(&self) -> Option<f64> {
        (self.lead_bookings > 0).then(|| self.lead_days as f64 / self.lead_bookings as f64)
    }

    /// Adds `bookings` of one status with their seats, changes and lead days.
    fn add_status(&mut self, status: BookingStatus, row: &StatusRow) {
        self.made += row.bookings;
        self.changes += row.changes;
        match status {
            BookingStatus::Cancelled => {
                self.cancelled += row.bookings;
                return;
            }
            BookingStatus::Booked => self.booked += row.bookings,
            BookingStatus::Attended => self.attended += row.bookings,
            BookingStatus::NoShow => self.no_show += row.bookings,
        }
        self.seats += row.seats;
        if let Some(lead_days) = row.lead_days {
            self.lead_days += lead_days;
            self.lead_bookings += row.bookings;
        }
    }
}

/// The bookings of one venue, visit day and channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingTally {
    pub venue_id: VenueId,
    pub day: NaiveDate,
    pub channel: Channel,
    pub tally: Tally,
}

/// Seats of one venue and day: offered (slot capacity) and taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatTally {
    pub venue_id: VenueId,
    pub day: NaiveDate,
    pub offered: i64,
    pub booked: i64,
}

/// Bookings whose visit day falls in a range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingReport {
    /// By day, venue and channel.
    pub tallies: Vec<BookingTally>,
    /// By day and venue.
    pub seats: Vec<SeatTally>,
}

impl BookingReport {
    pub fn total(&self) -> Tally {
        let mut total = Tally::default();
        for t in &self.tallies {
            total.add(&t.tally);
        }
        total
    }

    pub fn by_venue(&self) -> BTreeMap<VenueId, Tally> {
        let mut out: BTreeMap<VenueId, Tally> = BTreeMap::new();
        for t in &self.tallies {
            out.entry(t.venue_id).or_default().add(&t.tally);
        }
        out
    }

    pub fn by_channel(&self) -> BTreeMap<Channel, Tally> {
        let mut out: BTreeMap<Channel, Tally> = BTreeMap::new();
        for t in &self.tallies {
            out.entry(t.channel).or_default().add(&t.tally);
        }
        out
    }

    pub fn by_day(&self) -> BTreeMap<NaiveDate, Tally> {
        let mut out: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
        for t in &self.tallies {
            out.entry(t.day).or_default().add(&t.tally);
        }
        out
    }

    /// Seats (offered, booked) per venue over the whole range.
    pub fn seats_by_venue(&self) -> BTreeMap<VenueId, (i64, i64)> {
        let mut out: BTreeMap<VenueId, (i64, i64)> = BTreeMap::new();
        for s in &self.seats {
            let entry = out.entry(s.venue_id).or_default();
            entry.0 += s.offered;
            entry.1 += s.booked;
        }
        out
    }

    /// Seats (offered, booked) per week, keyed by the week's Monday.
    pub fn seats_by_week(&self) -> BTreeMap<NaiveDate, (i64, i64)> {
        let mut out: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
        for s in &self.seats {
            let monday =
                s.day - chrono::Days::new(u64::from(s.day.weekday().num_days_from_monday()));
            let entry = out.entry(monday).or_default();
            entry.0 += s.offered;
            entry.1 += s.booked;
        }
        out
    }

    /// Only what concerns `venue`.
    pub fn for_venue(mut self, venue: VenueId) -> Self {
        self.tallies.retain(|t| t.venue_id == venue);
        self.seats.retain(|s| s.venue_id == venue);
        self
    }
}

/// One group of bookings as read: same venue, day, channel and status.
struct StatusRow {
    bookings: i64,
    seats: i64,
    changes: i64,
    /// Unknown for counts purged before lead days were kept.
    lead_days: Option<i64>,
}

type Row = (i64, NaiveDate, String, String, i64, i64, i64, Option<i64>);

/// Live bookings grouped as `booking_stats` groups purged ones, then the
/// purged ones. Lead days compare Japan calendar days (+9 h, whole days).
const BOOKING_ROWS: &str = "
    SELECT s.venue_id, s.day, b.channel, b.status, COUNT(*),
           CAST(SUM(b.party_size) AS BIGINT),
           CAST(COALESCE(SUM(c.n), 0) AS BIGINT),
           CAST(SUM((s.starts_at + 32400) / 86400 - (b.created_at + 32400) / 86400) AS BIGINT)
    FROM bookings b
    JOIN slots s ON s.id = b.slot_id
    LEFT JOIN (SELECT booking_id, COUNT(*) AS n FROM booking_events
               WHERE action IN ('changed', 'party_size_changed') GROUP BY booking_id) c
      ON c.booking_id = b.id
    WHERE s.day >= $1 AND s.day <= $2
    GROUP BY s.venue_id, s.day, b.channel, b.status
    UNION ALL
    SELECT venue_id, day, channel, status, bookings, seats, COALESCE(changes, 0), lead_days
    FROM booking_stats WHERE day >= $1 AND day <= $2";

const SEAT_ROWS: &str = "
    SELECT venue_id, day, CAST(SUM(capacity) AS BIGINT), CAST(SUM(booked) AS BIGINT)
    FROM slots WHERE day >= $1 AND day <= $2
    GROUP BY venue_id, day ORDER BY day, venue_id";

impl Store {
    /// Bookings whose visit day is from `first` to `last` inclusive, live
    /// and purged alike, with the seats of those days.
    pub async fn booking_report(&self, first: NaiveDate, last: NaiveDate) -> Result<BookingReport> {
        let rows: Vec<Row> = read!(self, pool => {
            sqlx::query_as(BOOKING_ROWS).bind(first).bind(last).fetch_all(pool).await?
        });
        let seats: Vec<(i64, NaiveDate, i64, i64)> = read!(self, pool => {
            sqlx::query_as(SEAT_ROWS).bind(first).bind(last).fetch_all(pool).await?
        });
        let mut tallies: BTreeMap<(NaiveDate, VenueId, Channel), Tally> = BTreeMap::new();
        for (venue, day, channel, status, bookings, seats, changes, lead_days) in rows {
            let channel = Channel::parse(&channel)
                .ok_or_else(|| StoreError::Corrupt(format!("booking channel {channel:?}")))?;
            let status = BookingStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("booking status {status:?}")))?;
            let row = StatusRow {
                bookings,
                seats,
                changes,
                lead_days,
            };
            tallies
                .entry((day, VenueId(venue), channel))
                .or_default()
                .add_status(status, &row);
        }
        Ok(BookingReport {
            tallies: tallies
                .into_iter()
                .map(|((day, venue_id, channel), tally)| BookingTally {
                    venue_id,
                    day,
                    channel,
                    tally,
                })
                .collect(),
            seats: seats
                .into_iter()
                .map(|(venue, day, offered, booked)| SeatTally {
                    venue_id: VenueId(venue),
                    day,
                    offered,
                    booked,
                })
                .collect(),
        })
    }
}
