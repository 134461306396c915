//! Staff operations on schedules and seats (issue 3): per-date exceptions,
//! regenerating a venue's slots with a preview, and bulk capacity changes.
//!
//! Nothing here ever removes or shrinks a slot below the seats booked in it:
//! every write repeats that condition, so a booking made between the preview
//! and the apply is protected as well.

use crate::{Result, Store, StoreError, read, to_u32, write_tx};
use chrono::NaiveDate;
use madoguchi_core::ids::{BookingId, VenueId};
use madoguchi_core::operations::{
    CapacityOp, Conflict, ConflictKind, DateException, ExistingSlot, SchedulePlan, SlotSelection,
    plan_changes, plan_slots,
};
use madoguchi_core::schedule::DayHours;

/// A booking affected by a refused change: what staff need to phone the
/// resident, without the personal data itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffectedBooking {
    pub booking_id: BookingId,
    pub reservation_no: String,
    pub date: NaiveDate,
    pub start_min: u32,
    pub party_size: i64,
}

/// What [`Store::apply_schedule`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleApplied {
    pub added: usize,
    pub removed: usize,
    pub updated: usize,
    /// Changes not made because of bookings, with those bookings.
    pub refused: Vec<Conflict>,
    pub refused_bookings: Vec<AffectedBooking>,
}

/// What [`Store::change_capacity`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapacityChanged {
    pub slots: usize,
    /// Seats over the changed slots afterwards.
    pub capacity: i64,
}

/// Why a bulk capacity change was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum CapacityError {
    #[error("no slots match")]
    NoSlots,
    #[error("{} bookings would lose their seats", .0.len())]
    BelowBooked(Vec<AffectedBooking>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CapacityError {
    fn from(e: sqlx::Error) -> Self {
        CapacityError::Store(StoreError::Database(e))
    }
}

type ExistingRow = (i64, NaiveDate, i64, i64, i64, i64, i64);

fn existing_slot(
    (id, day, start, end, capacity, reserved, booked): ExistingRow,
) -> Result<ExistingSlot> {
    Ok(ExistingSlot {
        slot_id: id,
        date: day,
        start_min: to_u32(start, "start_min")?,
        end_min: to_u32(end, "end_min")?,
        capacity,
        reserved,
        booked,
    })
}

const EXISTING_SQL: &str =
    "SELECT id, day, start_min, end_min, capacity, reserved, booked FROM slots
     WHERE venue_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, start_min";

const AFFECTED_SQL: &str = "SELECT b.id, b.reservation_no, s.day, s.start_min, b.party_size
     FROM bookings b JOIN slots s ON s.id = b.slot_id
     WHERE b.slot_id = $1 AND b.status <> 'cancelled' ORDER BY b.id";

fn affected(rows: Vec<(i64, String, NaiveDate, i64, i64)>) -> Result<Vec<AffectedBooking>> {
    rows.into_iter()
        .map(|(id, number, day, start, party)| {
            Ok(AffectedBooking {
                booking_id: BookingId(id),
                reservation_no: number,
                date: day,
                start_min: to_u32(start, "start_min")?,
                party_size: party,
            })
        })
        .collect()
}

fn parse_hours(json: &str) -> Result<Vec<DayHours>> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("venue exception: {e}")))
}

impl Store {
    /// The venue's date exceptions from `first` to `last`, in date order.
    pub async fn venue_exceptions(
        &self,
        venue: VenueId,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<DateException>> {
        let rows: Vec<(NaiveDate, String)> = read!(self, pool => {
            sqlx::query_as(
                "SELECT day, hours_json FROM venue_exceptions
                 WHERE venue_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
            )
            .bind(venue.0)
            .bind(first)
            .bind(last)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(date, json)| {
                Ok(DateException {
                    date,
                    hours: parse_hours(&json)?,
                })
            })
            .collect()
    }

    /// Sets (or replaces) the exception of one date. Slots change only when
    /// the schedule is applied.
    pub async fn set_venue_exception(
        &self,
        venue: VenueId,
        exception: &DateException,
    ) -> Result<()> {
        let json = serde_json::to_string(&exception.hours)
            .map_err(|e| StoreError::Corrupt(format!("venue exception: {e}")))?;
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO venue_exceptions (venue_id, day, hours_json) VALUES ($1, $2, $3)
                 ON CONFLICT (venue_id, day) DO UPDATE SET hours_json = excluded.hours_json",
            )
            .bind(venue.0)
            .bind(exception.date)
            .bind(json)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    pub async fn remove_venue_exception(&self, venue: VenueId, date: NaiveDate) -> Result<bool> {
        let removed = write_tx!(self, tx => {
            sqlx::query("DELETE FROM venue_exceptions WHERE venue_id = $1 AND day = $2")
                .bind(venue.0)
                .bind(date)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        Ok(removed > 0)
    }

    /// What [`Store::apply_schedule`] would do now for `venue` from `first`
    /// to `last`: slots added, removed, changed, and refused because of
    /// bookings.
    pub async fn schedule_preview(
        &self,
        venue: VenueId,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<SchedulePlan> {
        let template = self.weekly_template(venue).await?;
        let exceptions = self.venue_exceptions(venue, first, last).await?;
        let closed = self.settings().await?.closed_days.clone();
        let wanted = plan_slots(&template, &closed, &exceptions, first, last);
        let rows: Vec<ExistingRow> = read!(self, pool => {
            sqlx::query_as(EXISTING_SQL).bind(venue.0).bind(first).bind(last).fetch_all(pool).await?
        });
        let existing = rows
            .into_iter()
            .map(existing_slot)
            .collect::<Result<Vec<_>>>()?;
        Ok(plan_changes(&existing, &wanted))
    }

    /// The bookings that hold seats in the slots of `conflicts`.
    pub async fn bookings_in_conflict(
        &self,
        conflicts: &[Conflict],
    ) -> Result<Vec<AffectedBooking>> {
        let mut out = Vec::new();
        for conflict in conflicts {
            let rows: Vec<(i64, String, NaiveDate, i64, i64)> = read!(self, pool => {
                sqlx::query_as(AFFECTED_SQL).bind(conflict.slot.slot_id).fetch_all(pool).await?
            });
            out.extend(affected(rows)?);
        }
        Ok(out)
    }

    /// Generates or regenerates the slots of `venue` from `first` to `last`
    /// from its weekly template, date exceptions and the closed days, in one
    /// transaction. Slots with bookings are never removed, re-timed or
    /// shrunk below their bookings: those changes are refused and listed.
    /// A slot that cannot be deleted because cancelled bookings still refer
    /// to it is closed instead (capacity 0).
    pub async fn apply_schedule(
        &self,
        venue: VenueId,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<ScheduleApplied> {
        let template = self.weekly_template(venue).await?;
        let exceptions = self.venue_exceptions(venue, first, last).await?;
        let closed = self.settings().await?.closed_days.clone();
        let wanted = plan_slots(&template, &closed, &exceptions, first, last);
        let mut done = write_tx!(self, tx => {
            let rows: Vec<ExistingRow> = sqlx::query_as(EXISTING_SQL)
                .bind(venue.0)
                .bind(first)
                .bind(last)
                .fetch_all(&mut *tx)
                .await?;
            let existing = rows.into_iter().map(existing_slot).collect::<Result<Vec<_>>>()?;
            let plan = plan_changes(&existing, &wanted);
            let mut done = ScheduleApplied { refused: plan.conflicts.clone(), ..Default::default() };
            for spec in &plan.add {
                let starts_at = madoguchi_core::clock::jst_instant(spec.date, spec.start_min).timestamp();
                done.added += usize::try_from(
                    sqlx::query(
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
                    .rows_affected(),
                )
                .unwrap_or(0);
            }
            for slot in &plan.remove {
                let deleted = sqlx::query(
                    "DELETE FROM slots WHERE id = $1 AND booked = 0
                       AND NOT EXISTS (SELECT 1 FROM bookings WHERE slot_id = $1)",
                )
                .bind(slot.slot_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let closed = if deleted == 1 {
                    1
                } else {
                    sqlx::query("UPDATE slots SET capacity = 0, reserved = 0 WHERE id = $1 AND booked = 0")
                        .bind(slot.slot_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                };
                if closed == 1 {
                    done.removed += 1;
                } else {
                    done.refused.push(Conflict { slot: *slot, kind: ConflictKind::RemoveBooked });
                }
            }
            for update in &plan.update {
                let changed = sqlx::query(
                    "UPDATE slots SET end_min = $2, capacity = $3, reserved = $4
                     WHERE id = $1 AND booked <= $3 AND (booked = 0 OR end_min = $2)",
                )
                .bind(update.slot.slot_id)
                .bind(i64::from(update.end_min))
                .bind(update.capacity)
                .bind(update.reserved.min(update.capacity))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 1 {
                    done.updated += 1;
                } else {
                    done.refused.push(Conflict {
                        slot: update.slot,
                        kind: ConflictKind::ShrinkBelowBooked { capacity: update.capacity },
                    });
                }
            }
            done
        });
        done.refused_bookings = self.bookings_in_conflict(&done.refused).await?;
        tracing::info!(
            venue = venue.0,
            %first,
            %last,
            added = done.added,
            removed = done.removed,
            updated = done.updated,
            refused = done.refused.len(),
            "schedule applied"
        );
        Ok(done)
    }

    /// Changes the capacity of every slot of `venue` in `selection`, all or
    /// nothing: if any slot would fall below its booked seats, nothing
    /// changes and the bookings in those slots are returned.
    pub async fn change_capacity(
        &self,
        venue: VenueId,
        selection: SlotSelection,
        op: CapacityOp,
    ) -> Result<CapacityChanged, CapacityError> {
        let changed = write_tx!(self, tx => {
            let rows: Vec<ExistingRow> = sqlx::query_as(EXISTING_SQL)
                .bind(venue.0)
                .bind(selection.first)
                .bind(selection.last)
                .fetch_all(&mut *tx)
                .await?;
            let slots: Vec<ExistingSlot> = rows
                .into_iter()
                .map(existing_slot)
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .filter(|s| selection.contains(s.date, s.start_min))
                .collect();
            if slots.is_empty() {
                return Err(CapacityError::NoSlots);
            }
            let mut short = Vec::new();
            for slot in slots.iter().filter(|s| op.apply(s.capacity) < s.booked) {
                let rows: Vec<(i64, String, NaiveDate, i64, i64)> = sqlx::query_as(AFFECTED_SQL)
                    .bind(slot.slot_id)
                    .fetch_all(&mut *tx)
                    .await?;
                short.extend(affected(rows)?);
            }
            if !short.is_empty() {
                return Err(CapacityError::BelowBooked(short));
            }
            let mut total = 0;
            for slot in &slots {
                let capacity = op.apply(slot.capacity);
                let done = sqlx::query(
                    "UPDATE slots SET capacity = $1,
                       reserved = CASE WHEN reserved > $1 THEN $1 ELSE reserved END
                     WHERE id = $2 AND booked <= $1",
                )
                .bind(capacity)
                .bind(slot.slot_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done != 1 {
                    // Booked in the meantime: refuse the whole change.
                    let rows: Vec<(i64, String, NaiveDate, i64, i64)> = sqlx::query_as(AFFECTED_SQL)
                        .bind(slot.slot_id)
                        .fetch_all(&mut *tx)
                        .await?;
                    return Err(CapacityError::BelowBooked(affected(rows)?));
                }
                total += capacity;
            }
            CapacityChanged { slots: slots.len(), capacity: total }
        });
        tracing::info!(venue = venue.0, slots = changed.slots, "capacity changed");
        Ok(changed)
    }
}
