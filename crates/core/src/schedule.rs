//! Opening hours and closed days, and the slots they generate (A5, A7).

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Opening hours on one weekday, cut into equal slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHours {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    pub open_min: u32,
    pub close_min: u32,
    pub slot_minutes: u32,
    pub capacity: u32,
    /// Seats of each slot kept for phone and staff bookings.
    pub reserved: u32,
}

impl DayHours {
    pub fn weekday(&self) -> Option<Weekday> {
        Weekday::try_from(self.weekday).ok()
    }
}

/// A venue's week, as a list of opening hours per weekday.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyTemplate {
    pub days: Vec<DayHours>,
}

/// Days on which every venue is closed: national holidays (from the
/// maintained `jpholiday` data), recurring closures such as the year-end
/// break, and dates the city adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedDays {
    pub national_holidays: bool,
    /// Recurring closures as (month, day) .. (month, day), inclusive; may
    /// wrap over the new year, e.g. 12/29 .. 1/3.
    pub recurring: Vec<RecurringClosure>,
    /// Extra closed dates.
    pub dates: BTreeSet<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecurringClosure {
    pub from: (u32, u32),
    pub to: (u32, u32),
}

impl RecurringClosure {
    fn contains(&self, date: NaiveDate) -> bool {
        let md = (date.month(), date.day());
        if self.from <= self.to {
            self.from <= md && md <= self.to
        } else {
            md >= self.from || md <= self.to
        }
    }
}

impl Default for ClosedDays {
    fn default() -> Self {
        Self {
            national_holidays: true,
            recurring: vec![RecurringClosure {
                from: (12, 29),
                to: (1, 3),
            }],
            dates: BTreeSet::new(),
        }
    }
}

impl ClosedDays {
    /// Why `date` is closed, if it is.
    pub fn reason(&self, date: NaiveDate) -> Option<String> {
        if self.dates.contains(&date) {
            return Some("休業日".to_owned());
        }
        if self.recurring.iter().any(|r| r.contains(date)) {
            return Some("年末年始".to_owned());
        }
        if self.national_holidays {
            return national_holiday_name(date);
        }
        None
    }

    pub fn is_closed(&self, date: NaiveDate) -> bool {
        self.reason(date).is_some()
    }
}

/// The name of the national holiday on `date`, from the Cabinet Office list
/// that the `jpholiday` crate carries (updated by updating the crate).
pub fn national_holiday_name(date: NaiveDate) -> Option<String> {
    jpholiday::jpholiday::JPHoliday::new().is_holiday_name(&date)
}

/// One slot to be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotSpec {
    pub date: NaiveDate,
    pub start_min: u32,
    pub end_min: u32,
    pub capacity: u32,
    pub reserved: u32,
}

impl WeeklyTemplate {
    /// The slots of every open day from `first` to `last` inclusive.
    pub fn generate(
        &self,
        closed: &ClosedDays,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Vec<SlotSpec> {
        let mut out = Vec::new();
        for date in first.iter_days().take_while(|d| *d <= last) {
            if closed.is_closed(date) {
                continue;
            }
            let weekday = date.weekday().num_days_from_monday();
            for hours in self.days.iter().filter(|h| u32::from(h.weekday) == weekday) {
                if hours.slot_minutes == 0 {
                    continue;
                }
                let mut start = hours.open_min;
                while start + hours.slot_minutes <= hours.close_min {
                    out.push(SlotSpec {
                        date,
                        start_min: start,
                        end_min: start + hours.slot_minutes,
                        capacity: hours.capacity,
                        reserved: hours.reserved.min(hours.capacity),
                    });
                    start += hours.slot_minutes;
                }
            }
        }
        out
    }

    /// Weekdays 9:00–16:30 in 30-minute slots.
    pub fn weekdays(open_min: u32, close_min: u32, capacity: u32) -> Self {
        Self {
            days: (0..5)
                .map(|weekday| DayHours {
                    weekday,
                    open_min,
                    close_min,
                    slot_minutes: 30,
                    capacity,
                    reserved: 0,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_weekday_from_nine_to_half_past_four_has_fifteen_slots() {
        let t = WeeklyTemplate::weekdays(9 * 60, 16 * 60 + 30, 2);
        let slots = t.generate(&ClosedDays::default(), d(2026, 12, 3), d(2026, 12, 3));
        assert_eq!(slots.len(), 15);
        assert_eq!(slots[0].start_min, 540);
        assert_eq!(slots[14].start_min, 960);
        assert_eq!(slots[14].end_min, 990);
    }

    #[test]
    fn weekends_holidays_and_the_year_end_are_closed() {
        let t = WeeklyTemplate::weekdays(540, 990, 2);
        let closed = ClosedDays::default();
        // Saturday and Sunday.
        assert!(
            t.generate(&closed, d(2026, 12, 5), d(2026, 12, 6))
                .is_empty()
        );
        // Labour Thanksgiving Day, Monday 2026-11-23.
        assert!(closed.is_closed(d(2026, 11, 23)));
        assert!(
            t.generate(&closed, d(2026, 11, 23), d(2026, 11, 23))
                .is_empty()
        );
        // 12/29 .. 1/3, and 1/11 2027 is Coming of Age Day.
        for day in [
            d(2026, 12, 29),
            d(2026, 12, 31),
            d(2027, 1, 1),
            d(2027, 1, 4 - 1),
            d(2027, 1, 11),
        ] {
            assert!(closed.is_closed(day), "{day} should be closed");
        }
        assert!(!closed.is_closed(d(2026, 12, 28)));
        assert!(!closed.is_closed(d(2027, 1, 4)));
    }

    #[test]
    fn national_holidays_have_names() {
        assert_eq!(
            national_holiday_name(d(2027, 2, 11)).as_deref(),
            Some("建国記念の日")
        );
        assert_eq!(national_holiday_name(d(2026, 12, 3)), None);
        // A "citizens' holiday" between two holidays, and the equinox days.
        assert!(national_holiday_name(d(2026, 9, 22)).is_some());
        assert!(national_holiday_name(d(2027, 3, 21)).is_some());
        assert!(national_holiday_name(d(2026, 11, 3)).is_some());
    }

    #[test]
    fn extra_closed_dates_are_honoured() {
        let mut closed = ClosedDays::default();
        closed.dates.insert(d(2026, 12, 3));
        assert_eq!(closed.reason(d(2026, 12, 3)).as_deref(), Some("休業日"));
    }

    #[test]
    fn reserved_seats_never_exceed_capacity() {
        let t = WeeklyTemplate {
            days: vec![DayHours {
                weekday: 3,
                open_min: 600,
                close_min: 660,
                slot_minutes: 30,
                capacity: 2,
                reserved: 5,
            }],
        };
        let slots = t.generate(&ClosedDays::default(), d(2026, 12, 3), d(2026, 12, 3));
        assert_eq!(slots.len(), 2);
        assert!(slots.iter().all(|s| s.reserved == 2));
    }
}
