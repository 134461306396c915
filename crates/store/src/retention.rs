//! Deleting personal data after the retention period (E2), leaving only
//! anonymous counts.

use crate::{Result, Store, background_tx, read};
use chrono::NaiveDate;
use madoguchi_core::ids::VenueId;

/// Anonymous counts of bookings whose personal data was deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingCount {
    pub venue_id: VenueId,
    pub day: NaiveDate,
    pub channel: String,
    pub status: String,
    pub bookings: i64,
    pub seats: i64,
}

impl Store {
    /// Deletes every booking (with its history) whose appointment day is
    /// before `day`, after adding it to the anonymous counts, in one
    /// transaction. Returns how many bookings were deleted.
    pub async fn purge_bookings_before(&self, day: NaiveDate) -> Result<u64> {
        let deleted = background_tx!(self, tx => {
            sqlx::query(
                // Changes and lead days as `booking_report` counts live
                // bookings (reports/bookings.rs), so a month reads the same
                // after the purge. A row from before lead days were kept
                // (NULL) stays unknown.
                "INSERT INTO booking_stats (venue_id, day, channel, status, bookings, seats, changes, lead_days)
                 SELECT s.venue_id, s.day, b.channel, b.status, COUNT(*), CAST(SUM(b.party_size) AS BIGINT),
                        CAST(COALESCE(SUM(c.n), 0) AS BIGINT),
                        CAST(SUM((s.starts_at + 32400) / 86400 - (b.created_at + 32400) / 86400) AS BIGINT)
                 FROM bookings b JOIN slots s ON s.id = b.slot_id
                 LEFT JOIN (SELECT booking_id, COUNT(*) AS n FROM booking_events
                            WHERE action IN ('changed', 'party_size_changed') GROUP BY booking_id) c
                   ON c.booking_id = b.id
                 WHERE s.day < $1
                 GROUP BY s.venue_id, s.day, b.channel, b.status
                 ON CONFLICT (venue_id, day, channel, status) DO UPDATE
                   SET bookings = booking_stats.bookings + excluded.bookings,
                       seats = booking_stats.seats + excluded.seats,
                       changes = COALESCE(booking_stats.changes, 0) + excluded.changes,
                       lead_days = booking_stats.lead_days + excluded.lead_days",
            )
            .bind(day)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM booking_events WHERE booking_id IN
                   (SELECT b.id FROM bookings b JOIN slots s ON s.id = b.slot_id WHERE s.day < $1)",
            )
            .bind(day)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM outbox WHERE booking_id IN
                   (SELECT b.id FROM bookings b JOIN slots s ON s.id = b.slot_id WHERE s.day < $1)",
            )
            .bind(day)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM bookings WHERE slot_id IN (SELECT id FROM slots WHERE day < $1)")
                .bind(day)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        self.scrub_deleted().await?;
        self.activity.purged(deleted);
        Ok(deleted)
    }

    /// The anonymous counts from `first` to `last` inclusive.
    pub async fn booking_counts(
        &self,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<BookingCount>> {
        let rows: Vec<(i64, NaiveDate, String, String, i64, i64)> = read!(self, pool => {
            sqlx::query_as(
                "SELECT venue_id, day, channel, status, bookings, seats FROM booking_stats
                 WHERE day >= $1 AND day <= $2 ORDER BY day, venue_id, channel, status",
            )
            .bind(first)
            .bind(last)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(venue, day, channel, status, bookings, seats)| BookingCount {
                    venue_id: VenueId(venue),
                    day,
                    channel,
                    status,
                    bookings,
                    seats,
                },
            )
            .collect())
    }
}
