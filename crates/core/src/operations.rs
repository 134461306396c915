//! Staff operations on the schedule: per-date exceptions, planning the slots
//! of a date range, the preview of what regenerating them would change, and
//! bulk capacity changes (issue 3). Pure: the store reads and applies.

use crate::schedule::{ClosedDays, DayHours, SlotSpec, WeeklyTemplate};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One date of one venue that differs from its weekly template: closed (no
/// hours), or open with special hours. An exception wins over the template
/// and over the closed-days calendar (a special opening on a holiday).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateException {
    pub date: NaiveDate,
    /// Empty: closed all day. The `weekday` of each entry is ignored.
    pub hours: Vec<DayHours>,
}

impl DateException {
    pub fn is_closed(&self) -> bool {
        self.hours.is_empty()
    }
}

/// The slots a venue should have from `first` to `last` inclusive: its
/// weekly template on open days, replaced by the exception where there is one.
pub fn plan_slots(
    template: &WeeklyTemplate,
    closed: &ClosedDays,
    exceptions: &[DateException],
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<SlotSpec> {
    let by_date: BTreeMap<NaiveDate, &DateException> =
        exceptions.iter().map(|e| (e.date, e)).collect();
    let mut out = Vec::new();
    for date in first.iter_days().take_while(|d| *d <= last) {
        match by_date.get(&date) {
            Some(exception) => {
                let weekday = u8::try_from(date.weekday().num_days_from_monday()).unwrap_or(0);
                let special = WeeklyTemplate {
                    days: exception
                        .hours
                        .iter()
                        .map(|h| DayHours { weekday, ..*h })
                        .collect(),
                };
                let open = ClosedDays {
                    national_holidays: false,
                    recurring: Vec::new(),
                    dates: BTreeSet::new(),
                };
                out.extend(special.generate(&open, date, date));
            }
            None => out.extend(template.generate(closed, date, date)),
        }
    }
    out
}

/// A slot as it exists, for planning changes to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExistingSlot {
    pub slot_id: i64,
    pub date: NaiveDate,
    pub start_min: u32,
    pub end_min: u32,
    pub capacity: i64,
    pub reserved: i64,
    pub booked: i64,
}

/// A change of an existing slot's seats (or end time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotUpdate {
    pub slot: ExistingSlot,
    pub end_min: u32,
    pub capacity: i64,
    pub reserved: i64,
}

/// Why a planned change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// The slot would be removed but has bookings.
    RemoveBooked,
    /// The new capacity is below the seats already booked.
    ShrinkBelowBooked { capacity: i64 },
    /// The slot's times would change but it has bookings.
    RetimeBooked { end_min: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conflict {
    pub slot: ExistingSlot,
    pub kind: ConflictKind,
}

impl Conflict {
    /// Plain Japanese for the staff page.
    pub fn describe_ja(&self) -> String {
        match self.kind {
            ConflictKind::RemoveBooked => {
                format!("予約が{}人分あるため削除できません", self.slot.booked)
            }
            ConflictKind::ShrinkBelowBooked { capacity } => format!(
                "予約済み{}人を下回る定員{}にはできません",
                self.slot.booked, capacity
            ),
            ConflictKind::RetimeBooked { .. } => "予約があるため時間を変更できません".to_owned(),
        }
    }
}

/// What regenerating a date range would do (or did).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchedulePlan {
    pub add: Vec<SlotSpec>,
    /// Slots without bookings that are no longer wanted.
    pub remove: Vec<ExistingSlot>,
    pub update: Vec<SlotUpdate>,
    /// Changes that will not be made because of bookings.
    pub conflicts: Vec<Conflict>,
    pub unchanged: usize,
}

impl SchedulePlan {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty()
            && self.remove.is_empty()
            && self.update.is_empty()
            && self.conflicts.is_empty()
    }
}

/// Compares the slots that exist with the slots wanted, by (date, start).
pub fn plan_changes(existing: &[ExistingSlot], wanted: &[SlotSpec]) -> SchedulePlan {
    let mut plan = SchedulePlan::default();
    let wanted_by_key: BTreeMap<(NaiveDate, u32), &SlotSpec> =
        wanted.iter().map(|s| ((s.date, s.start_min), s)).collect();
    let existing_keys: BTreeSet<(NaiveDate, u32)> =
        existing.iter().map(|s| (s.date, s.start_min)).collect();
    for slot in existing {
        match wanted_by_key.get(&(slot.date, slot.start_min)) {
            None => {
                if slot.booked > 0 {
                    plan.conflicts.push(Conflict {
                        slot: *slot,
                        kind: ConflictKind::RemoveBooked,
                    });
                } else if slot.capacity > 0 {
                    plan.remove.push(*slot);
                } else {
                    // Already closed (capacity 0): nothing to do.
                    plan.unchanged += 1;
                }
            }
            Some(spec) => {
                let capacity = i64::from(spec.capacity);
                let reserved = i64::from(spec.reserved);
                if spec.end_min != slot.end_min && slot.booked > 0 {
                    plan.conflicts.push(Conflict {
                        slot: *slot,
                        kind: ConflictKind::RetimeBooked {
                            end_min: spec.end_min,
                        },
                    });
                } else if capacity < slot.booked {
                    plan.conflicts.push(Conflict {
                        slot: *slot,
                        kind: ConflictKind::ShrinkBelowBooked { capacity },
                    });
                } else if capacity != slot.capacity
                    || reserved != slot.reserved
                    || spec.end_min != slot.end_min
                {
                    plan.update.push(SlotUpdate {
                        slot: *slot,
                        end_min: spec.end_min,
                        capacity,
                        reserved,
                    });
                } else {
                    plan.unchanged += 1;
                }
            }
        }
    }
    plan.add = wanted
        .iter()
        .filter(|s| !existing_keys.contains(&(s.date, s.start_min)))
        .copied()
        .collect();
    plan
}

/// How a bulk change sets each slot's capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CapacityOp {
    /// Adds (or, negative, removes) seats.
    Add(i64),
    /// Sets the capacity.
    Set(i64),
    /// Closes the slots (capacity 0).
    Close,
}

impl CapacityOp {
    /// The new capacity of a slot that has `capacity` now (never negative).
    pub fn apply(self, capacity: i64) -> i64 {
        match self {
            CapacityOp::Add(n) => (capacity + n).max(0),
            CapacityOp::Set(n) => n.max(0),
            CapacityOp::Close => 0,
        }
    }

    /// What was done, in plain Japanese, for `slots` slots.
    pub fn done_ja(self, slots: usize) -> String {
        match self {
            CapacityOp::Add(n) if n >= 0 => format!("定員を{n}増やしました（{slots}枠）"),
            CapacityOp::Add(n) => format!("定員を{}減らしました（{slots}枠）", -n),
            CapacityOp::Set(n) => format!("定員を{n}にしました（{slots}枠）"),
            CapacityOp::Close => format!("受付を停止しました（{slots}枠）"),
        }
    }
}

/// Which slots a bulk capacity change touches: one venue, a date range, and
/// optionally a time range (start minute in `from_min..to_min`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotSelection {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub from_min: Option<u32>,
    pub to_min: Option<u32>,
}

impl SlotSelection {
    pub fn whole_days(first: NaiveDate, last: NaiveDate) -> Self {
        Self {
            first,
            last,
            from_min: None,
            to_min: None,
        }
    }

    pub fn contains(&self, date: NaiveDate, start_min: u32) -> bool {
        date >= self.first
            && date <= self.last
            && self.from_min.is_none_or(|f| start_min >= f)
            && self.to_min.is_none_or(|t| start_min < t)
    }
}

/// Folds a kana search term as the stored readings are: NFKC, hiragana to
/// katakana, spaces removed. Characters that cannot be in a reading are
/// dropped, so the result is safe inside a `LIKE` pattern.
pub fn kana_search_key(input: &str) -> String {
    crate::text::hiragana_to_katakana(&crate::text::nfkc(input))
        .chars()
        .filter(|c| matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー' | '・'))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn existing(id: i64, date: NaiveDate, start: u32, capacity: i64, booked: i64) -> ExistingSlot {
        ExistingSlot {
            slot_id: id,
            date,
            start_min: start,
            end_min: start + 30,
            capacity,
            reserved: 0,
            booked,
        }
    }

    #[test]
    fn an_exception_closes_a_day_or_gives_it_special_hours() {
        let t = WeeklyTemplate::weekdays(540, 600, 2);
        let closed = ClosedDays::default();
        let exceptions = vec![
            DateException {
                date: d(2026, 12, 3),
                hours: vec![],
            },
            // A Saturday opening.
            DateException {
                date: d(2026, 12, 5),
                hours: vec![DayHours {
                    weekday: 0,
                    open_min: 600,
                    close_min: 660,
                    slot_minutes: 30,
                    capacity: 3,
                    reserved: 1,
                }],
            },
        ];
        let slots = plan_slots(&t, &closed, &exceptions, d(2026, 12, 2), d(2026, 12, 5));
        let days: Vec<_> = slots
            .iter()
            .map(|s| (s.date, s.start_min, s.capacity))
            .collect();
        assert_eq!(
            days,
            vec![
                (d(2026, 12, 2), 540, 2),
                (d(2026, 12, 2), 570, 2),
                (d(2026, 12, 4), 540, 2),
                (d(2026, 12, 4), 570, 2),
                (d(2026, 12, 5), 600, 3),
                (d(2026, 12, 5), 630, 3),
            ]
        );
    }

    #[test]
    fn the_plan_adds_removes_updates_and_refuses_what_bookings_need() {
        let day = d(2026, 12, 3);
        let have = vec![
            existing(1, day, 540, 2, 0), // stays
            existing(2, day, 570, 2, 1), // capacity 2 -> 3
            existing(3, day, 600, 2, 0), // removed
            existing(4, day, 630, 2, 2), // would be removed: booked
            existing(5, day, 660, 3, 3), // shrink to 2: below booked
        ];
        let spec = |start: u32, capacity: u32| SlotSpec {
            date: day,
            start_min: start,
            end_min: start + 30,
            capacity,
            reserved: 0,
        };
        let want = vec![spec(540, 2), spec(570, 3), spec(660, 2), spec(690, 2)];
        let plan = plan_changes(&have, &want);
        assert_eq!(plan.unchanged, 1);
        assert_eq!(plan.add, vec![spec(690, 2)]);
        assert_eq!(
            plan.remove.iter().map(|s| s.slot_id).collect::<Vec<_>>(),
            [3]
        );
        assert_eq!(plan.update.len(), 1);
        assert_eq!(
            (plan.update[0].slot.slot_id, plan.update[0].capacity),
            (2, 3)
        );
        let conflicts: Vec<_> = plan
            .conflicts
            .iter()
            .map(|c| (c.slot.slot_id, c.kind))
            .collect();
        assert_eq!(
            conflicts,
            vec![
                (4, ConflictKind::RemoveBooked),
                (5, ConflictKind::ShrinkBelowBooked { capacity: 2 })
            ]
        );
        assert_eq!(
            plan.conflicts[1].describe_ja(),
            "予約済み3人を下回る定員2にはできません"
        );
    }

    #[test]
    fn capacity_ops_and_their_messages() {
        assert_eq!(CapacityOp::Add(1).apply(3), 4);
        assert_eq!(CapacityOp::Add(-5).apply(3), 0);
        assert_eq!(CapacityOp::Set(2).apply(3), 2);
        assert_eq!(CapacityOp::Close.apply(3), 0);
        assert_eq!(
            CapacityOp::Add(1).done_ja(42),
            "定員を1増やしました（42枠）"
        );
    }

    #[test]
    fn a_selection_with_a_time_range_takes_the_afternoon_only() {
        let s = SlotSelection {
            first: d(2026, 12, 3),
            last: d(2026, 12, 3),
            from_min: Some(780),
            to_min: None,
        };
        assert!(s.contains(d(2026, 12, 3), 780));
        assert!(!s.contains(d(2026, 12, 3), 750));
        assert!(!s.contains(d(2026, 12, 4), 800));
    }

    #[test]
    fn kana_search_keys_ignore_script_width_and_spaces() {
        assert_eq!(kana_search_key("いちのみや　たろう"), "イチノミヤタロウ");
        assert_eq!(kana_search_key("ｲﾁﾉﾐﾔ"), "イチノミヤ");
        assert_eq!(kana_search_key("%_' OR 1"), "");
    }
}
