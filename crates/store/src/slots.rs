//! Slots: generating them from templates and reading what is left.

use crate::rows::SlotRow;
use crate::seat_rule::free_seats;
use crate::{Result, Store, read, write_tx};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use madoguchi_core::booking::Channel;
use madoguchi_core::capacity::{FreeSlot, SeatPolicy, SlotSeats};
use madoguchi_core::ids::{SlotId, VenueId};
use madoguchi_core::schedule::SlotSpec;

/// One slot as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub id: SlotId,
    pub venue_id: VenueId,
    pub date: NaiveDate,
    pub start_min: u32,
    pub end_min: u32,
    pub starts_at: DateTime<Utc>,
    pub capacity: i64,
    pub reserved: i64,
    pub booked: i64,
    /// Seats held for phone callers while they confirm (holds.rs).
    pub held: i64,
}

impl Slot {
    pub fn seats(&self) -> SlotSeats {
        SlotSeats {
            capacity: self.capacity,
            booked: self.booked,
            held: self.held,
            reserved: self.reserved,
            starts_at: self.starts_at,
        }
    }

    pub fn ends_at(&self) -> DateTime<Utc> {
        self.starts_at + Duration::minutes(i64::from(self.end_min) - i64::from(self.start_min))
    }
}

const SLOT_COLUMNS: &str =
    "id, venue_id, day, start_min, end_min, starts_at, capacity, reserved, booked, held";

impl Store {
    /// Creates the given slots of a venue; slots that already exist are left
    /// as they are (with their bookings). Returns how many were created.
    pub async fn create_slots(&self, venue: VenueId, specs: &[SlotSpec]) -> Result<u64> {
        let mut created = 0;
        for chunk in specs.chunks(500) {
            created += write_tx!(self, tx => {
                let mut n = 0;
                for spec in chunk {
                    let starts_at = madoguchi_core::clock::jst_instant(spec.date, spec.start_min).timestamp();
                    n += sqlx::query(
                        "INSERT INTO slots (venue_id, day, start_min, end_min, starts_at, capacity, reserved)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)
                         ON CONFLICT (venue_id, day, start_min) DO NOTHING",
                    )
                    .bind(venue.0)
                    .bind(spec.date)
                    .bind(i64::from(spec.start_min))
                    .bind(i64::from(spec.end_min))
                    .bind(starts_at)
                    .bind(i64::from(spec.capacity))
                    .bind(i64::from(spec.reserved))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                n
            });
        }
        Ok(created)
    }

    pub async fn find_slot(&self, id: SlotId) -> Result<Option<Slot>> {
        let sql = format!("SELECT {SLOT_COLUMNS} FROM slots WHERE id = $1");
        let row: Option<SlotRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await?
        });
        row.map(SlotRow::into_slot).transpose()
    }

    /// Every slot of a venue from `first` to `last` inclusive, in time order.
    pub async fn slots_between(
        &self,
        venue: VenueId,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<Slot>> {
        let sql = format!(
            "SELECT {SLOT_COLUMNS} FROM slots WHERE venue_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, start_min"
        );
        let rows: Vec<SlotRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(venue.0).bind(first).bind(last).fetch_all(pool).await?
        });
        rows.into_iter().map(SlotRow::into_slot).collect()
    }

    /// Seats left for `channel` per venue and day between `first` and `last`,
    /// for the venue list and the calendar. Days without slots are absent.
    pub async fn remaining_by_day(
        &self,
        first: NaiveDate,
        last: NaiveDate,
        policy: &SeatPolicy,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> Result<Vec<(VenueId, NaiveDate, i64)>> {
        let withhold = channel == Channel::Web;
        let release_after =
            (now + Duration::minutes(policy.release_reserved_minutes_before)).timestamp();
        let rows: Vec<(i64, NaiveDate, i64)> = read!(self, pool => {
            sqlx::query_as(
                &format!(
                    "SELECT venue_id, day, CAST(SUM(CASE WHEN free > 0 THEN free ELSE 0 END) AS BIGINT)
                     FROM (SELECT venue_id, day, {} AS free
                           FROM slots WHERE day >= $1 AND day <= $2) AS per_slot
                     GROUP BY venue_id, day ORDER BY venue_id, day",
                    free_seats("", "$3", "$4")
                ),
            )
            .bind(first)
            .bind(last)
            .bind(withhold)
            .bind(release_after)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(v, d, n)| (VenueId(v), d, n))
            .collect())
    }

    /// Slots of enabled venues between `first` and `last` that `channel` can
    /// book for `seats` people at `now`, earliest first. Seats held for phone
    /// callers (`held`, holds.rs) count as taken here and in
    /// `remaining_by_day`.
    ///
    /// `venue` narrows to one venue (`Some`) or to every other venue (`None`
    /// with `not_venue`); `from` keeps slots at or after a (day, minute).
    pub async fn free_slots(
        &self,
        query: FreeSlotQuery,
        policy: &SeatPolicy,
        channel: Channel,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Slot>> {
        let withhold = channel == Channel::Web;
        let release_after =
            (now + Duration::minutes(policy.release_reserved_minutes_before)).timestamp();
        let (venue_filter, venue_id) = match query.venue {
            VenueFilter::Only(v) => ("s.venue_id = $7", v.0),
            VenueFilter::Except(v) => ("s.venue_id <> $7", v.0),
        };
        let time_filter = match query.time {
            TimeFilter::From => "(s.day, s.start_min) >= ($8, $9)",
            TimeFilter::Before => "(s.day, s.start_min) < ($8, $9)",
        };
        let sql = format!(
            "SELECT s.id, s.venue_id, s.day, s.start_min, s.end_min, s.starts_at, s.capacity, s.reserved, s.booked, s.held
             FROM slots s JOIN venues v ON v.id = s.venue_id
             WHERE v.enabled AND s.booked < s.capacity AND s.day >= $1 AND s.day <= $2
               AND {free} >= $5
               AND {venue_filter} AND {time_filter}
             ORDER BY s.day, s.start_min, s.venue_id
             LIMIT $6",
            free = free_seats("s.", "$3", "$4")
        );
        let rows: Vec<SlotRow> = read!(self, pool => {
            sqlx::query_as(&sql)
                .bind(query.first)
                .bind(query.last)
                .bind(withhold)
                .bind(release_after)
                .bind(query.seats)
                .bind(limit)
                .bind(venue_id)
                .bind(query.at.0)
                .bind(i64::from(query.at.1))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(SlotRow::into_slot).collect()
    }
}

/// Which venues [`Store::free_slots`] searches.
#[derive(Debug, Clone, Copy)]
pub enum VenueFilter {
    Only(VenueId),
    Except(VenueId),
}

/// Whether [`Store::free_slots`] looks from a moment on, or before it.
#[derive(Debug, Clone, Copy)]
pub enum TimeFilter {
    From,
    Before,
}

#[derive(Debug, Clone, Copy)]
pub struct FreeSlotQuery {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub seats: i64,
    pub venue: VenueFilter,
    pub time: TimeFilter,
    /// (day, minute of day) that `time` is relative to.
    pub at: (NaiveDate, u32),
}

impl Store {
    /// The 3 free slots to offer instead of `slot` when it has no room for
    /// `seats` (A14), each with the seats `channel` can still book there.
    pub async fn alternatives_to(
        &self,
        slot: &Slot,
        seats: i64,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> Result<Vec<(Slot, i64)>> {
        let policy = self.settings().await?.seats;
        let offered = self
            .alternatives(
                slot.venue_id,
                (slot.date, slot.start_min),
                seats,
                channel,
                now,
                Some(slot.id),
                3,
            )
            .await?;
        Ok(offered
            .into_iter()
            .map(|s| {
                let remaining = policy.remaining(&s.seats(), channel, now);
                (s, remaining)
            })
            .collect())
    }

    /// Up to `count` free slots to offer instead of a full one (A14): the same
    /// venue from the requested time on, then other venues, then the same
    /// venue earlier. Only slots that `channel` can book now for `seats`.
    #[allow(clippy::too_many_arguments)]
    pub async fn alternatives(
        &self,
        venue: VenueId,
        requested: (NaiveDate, u32),
        seats: i64,
        channel: Channel,
        now: DateTime<Utc>,
        excluding: Option<SlotId>,
        count: usize,
    ) -> Result<Vec<Slot>> {
        let settings = self.settings().await?;
        let Some((first, last)) = settings.window.bookable_range(&settings.period, now) else {
            return Ok(Vec::new());
        };
        // Fetch a few more than needed: some may fall to a venue's own window.
        let limit = i64::try_from(count).unwrap_or(3) + 8;
        let base = FreeSlotQuery {
            first,
            last,
            seats,
            venue: VenueFilter::Only(venue),
            time: TimeFilter::From,
            at: requested,
        };
        let mut candidates = Vec::new();
        for query in [
            base,
            FreeSlotQuery {
                venue: VenueFilter::Except(venue),
                ..base
            },
            FreeSlotQuery {
                time: TimeFilter::Before,
                ..base
            },
        ] {
            candidates.extend(
                self.free_slots(query, &settings.seats, channel, now, limit)
                    .await?,
            );
        }
        let venues = self.venues(false).await?;
        candidates.retain(|slot| {
            venues
                .iter()
                .find(|v| v.id == slot.venue_id)
                .is_some_and(|v| {
                    v.window_or(&settings.window)
                        .is_bookable(&settings.period, slot.date, now)
                })
        });
        let free: Vec<FreeSlot> = candidates
            .iter()
            .map(|s| FreeSlot {
                slot_id: s.id,
                venue_id: s.venue_id,
                date: s.date,
                start_min: s.start_min,
                end_min: s.end_min,
                remaining: settings.seats.remaining(&s.seats(), channel, now),
            })
            .collect();
        let picked =
            madoguchi_core::capacity::alternatives(free, venue, requested, excluding, count);
        Ok(picked
            .iter()
            .filter_map(|p| candidates.iter().find(|s| s.id == p.slot_id).cloned())
            .collect())
    }
}
