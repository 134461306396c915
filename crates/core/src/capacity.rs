//! Seats: how many are left in a slot for a channel, and which slots to
//! offer when the one asked for is full (A9, A14).

use crate::booking::Channel;
use crate::ids::{SlotId, VenueId};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Seats of one slot, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotSeats {
    pub capacity: i64,
    pub booked: i64,
    /// Seats held for phone callers while they confirm (taken until the
    /// hold is consumed by their booking, released, or expires).
    pub held: i64,
    /// Seats kept for phone and staff bookings until shortly before the slot.
    pub reserved: i64,
    pub starts_at: DateTime<Utc>,
}

/// When seats kept back for phone and staff are given to every channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatPolicy {
    /// Kept-back seats are released this many minutes before the slot starts.
    pub release_reserved_minutes_before: i64,
}

impl Default for SeatPolicy {
    fn default() -> Self {
        // Booking closes the day before, so by default kept-back seats are
        // released two days before: web users see them for a day.
        Self {
            release_reserved_minutes_before: 2 * 24 * 60,
        }
    }
}

impl SeatPolicy {
    /// The instant from which kept-back seats are open to every channel.
    pub fn release_at(&self, starts_at: DateTime<Utc>) -> DateTime<Utc> {
        starts_at - Duration::minutes(self.release_reserved_minutes_before)
    }

    /// Seats still kept back for `channel` at `now`.
    pub fn withheld(&self, seats: &SlotSeats, channel: Channel, now: DateTime<Utc>) -> i64 {
        match channel {
            Channel::Web if now < self.release_at(seats.starts_at) => seats.reserved,
            _ => 0,
        }
    }

    /// Seats a `channel` can still book: the one seat rule. Booked seats
    /// and seats held for callers are taken; seats kept back for phone and
    /// staff are not offered to the web until released. The store's atomic
    /// booking statement is tested against this rule
    /// (`store::bookings::tests`), and every page, the API and the phone
    /// show what it says.
    pub fn remaining(&self, seats: &SlotSeats, channel: Channel, now: DateTime<Utc>) -> i64 {
        (seats.capacity - seats.booked - seats.held - self.withheld(seats, channel, now)).max(0)
    }

    /// Whether a party of `party` seats fits for `channel` at `now`.
    pub fn fits(
        &self,
        seats: &SlotSeats,
        party: i64,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> bool {
        party > 0 && self.remaining(seats, channel, now) >= party
    }
}

/// A free slot that can be offered instead of a full one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeSlot {
    pub slot_id: SlotId,
    pub venue_id: VenueId,
    pub date: NaiveDate,
    pub start_min: u32,
    pub end_min: u32,
    pub remaining: i64,
}

impl FreeSlot {
    fn key(&self) -> (NaiveDate, u32, VenueId) {
        (self.date, self.start_min, self.venue_id)
    }
}

/// Picks the slots to offer when the one asked for has no room (A14):
/// the earliest free slots at the same venue from the requested time on,
/// then the earliest at other venues from that time on, then the same venue
/// before it. `candidates` are bookable slots with room for the party.
pub fn alternatives(
    mut candidates: Vec<FreeSlot>,
    venue: VenueId,
    requested: (NaiveDate, u32),
    excluding: Option<SlotId>,
    count: usize,
) -> Vec<FreeSlot> {
    candidates.retain(|c| Some(c.slot_id) != excluding && c.remaining > 0);
    candidates.sort_by_key(FreeSlot::key);
    let after = |c: &FreeSlot| (c.date, c.start_min) >= requested;
    let same_after = candidates
        .iter()
        .filter(|c| c.venue_id == venue && after(c));
    let other_after = candidates
        .iter()
        .filter(|c| c.venue_id != venue && after(c));
    let same_before = candidates
        .iter()
        .filter(|c| c.venue_id == venue && !after(c));
    same_after
        .chain(other_after)
        .chain(same_before)
        .take(count)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seats(capacity: i64, booked: i64, reserved: i64) -> SlotSeats {
        SlotSeats {
            capacity,
            booked,
            held: 0,
            reserved,
            starts_at: "2026-12-03T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn web_cannot_take_seats_kept_for_phone_until_they_are_released() {
        let policy = SeatPolicy {
            release_reserved_minutes_before: 60,
        };
        let s = seats(4, 1, 2);
        let early: DateTime<Utc> = "2026-12-02T22:00:00Z".parse().unwrap();
        let late: DateTime<Utc> = "2026-12-02T23:30:00Z".parse().unwrap();
        assert_eq!(policy.remaining(&s, Channel::Web, early), 1);
        assert_eq!(policy.remaining(&s, Channel::Phone, early), 3);
        assert_eq!(policy.remaining(&s, Channel::Staff, early), 3);
        assert_eq!(policy.remaining(&s, Channel::Web, late), 3);
    }

    #[test]
    fn seats_held_for_a_caller_are_taken_for_every_channel() {
        let policy = SeatPolicy {
            release_reserved_minutes_before: 60,
        };
        let early: DateTime<Utc> = "2026-12-02T22:00:00Z".parse().unwrap();
        let held = SlotSeats {
            held: 2,
            ..seats(4, 1, 0)
        };
        assert_eq!(policy.remaining(&held, Channel::Web, early), 1);
        assert_eq!(policy.remaining(&held, Channel::Phone, early), 1);
        assert!(policy.fits(&held, 1, Channel::Web, early));
        assert!(!policy.fits(&held, 2, Channel::Phone, early));
    }

    #[test]
    fn remaining_never_goes_below_zero() {
        let policy = SeatPolicy::default();
        let now: DateTime<Utc> = "2026-11-01T00:00:00Z".parse().unwrap();
        assert_eq!(policy.remaining(&seats(2, 1, 2), Channel::Web, now), 0);
    }

    fn free(id: i64, venue: i64, day: u32, start: u32) -> FreeSlot {
        FreeSlot {
            slot_id: SlotId(id),
            venue_id: VenueId(venue),
            date: NaiveDate::from_ymd_opt(2026, 12, day).unwrap(),
            start_min: start,
            end_min: start + 30,
            remaining: 1,
        }
    }

    #[test]
    fn alternatives_prefer_the_same_venue_after_the_requested_time() {
        let requested = (NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(), 600);
        let picked = alternatives(
            vec![
                free(1, 2, 3, 630),
                free(2, 1, 4, 540),
                free(3, 1, 3, 570),
                free(4, 1, 3, 660),
                free(5, 1, 5, 540),
                free(6, 1, 6, 540),
            ],
            VenueId(1),
            requested,
            None,
            3,
        );
        let ids: Vec<i64> = picked.iter().map(|p| p.slot_id.0).collect();
        assert_eq!(ids, vec![4, 2, 5]);
    }

    #[test]
    fn alternatives_fall_back_to_other_venues_then_earlier_times() {
        let requested = (NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(), 600);
        let picked = alternatives(
            vec![
                free(1, 2, 4, 540),
                free(2, 1, 3, 540),
                free(3, 3, 3, 630),
                free(9, 1, 3, 600),
            ],
            VenueId(1),
            requested,
            Some(SlotId(9)),
            3,
        );
        let ids: Vec<i64> = picked.iter().map(|p| p.slot_id.0).collect();
        assert_eq!(ids, vec![3, 1, 2]);
    }

    #[test]
    fn no_candidates_means_no_alternatives() {
        let requested = (NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(), 600);
        assert!(alternatives(vec![], VenueId(1), requested, None, 3).is_empty());
    }
}
