//! A month of days with their booking state, laid out Monday-first for the
//! citizen calendar (A9, A12).

use chrono::{Datelike, Days, NaiveDate};
use std::collections::BTreeMap;

/// What a resident sees for one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayState {
    /// Not a day of this month (padding in the grid).
    Padding,
    /// The venue is closed, or the day is outside the reception window.
    Unavailable,
    /// Open, but every seat is taken.
    Full,
    /// Open with this many seats left in total.
    Available(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub state: DayState,
}

/// The month containing `first_of_month`, as weeks of seven days.
/// `bookable` maps each bookable day to the seats left across its slots.
pub fn month_grid(
    first_of_month: NaiveDate,
    bookable: &BTreeMap<NaiveDate, i64>,
) -> Vec<Vec<CalendarDay>> {
    let first = first_of_month.with_day(1).unwrap_or(first_of_month);
    let lead = u64::from(first.weekday().num_days_from_monday());
    let start = first.checked_sub_days(Days::new(lead)).unwrap_or(first);
    let mut weeks = Vec::new();
    let mut day = start;
    loop {
        let mut week = Vec::with_capacity(7);
        for _ in 0..7 {
            let state = if day.month() != first.month() {
                DayState::Padding
            } else {
                match bookable.get(&day) {
                    Some(0) => DayState::Full,
                    Some(n) => DayState::Available(*n),
                    None => DayState::Unavailable,
                }
            };
            week.push(CalendarDay { date: day, state });
            day = day.succ_opt().unwrap_or(day);
        }
        weeks.push(week);
        if day.month() != first.month() || weeks.len() >= 6 {
            break;
        }
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn december_2026_starts_on_tuesday_and_has_five_weeks() {
        let mut bookable = BTreeMap::new();
        bookable.insert(d(2026, 12, 3), 5);
        bookable.insert(d(2026, 12, 4), 0);
        let weeks = month_grid(d(2026, 12, 1), &bookable);
        assert_eq!(weeks.len(), 5);
        assert_eq!(weeks[0][0].state, DayState::Padding);
        assert_eq!(weeks[0][1].date, d(2026, 12, 1));
        assert_eq!(weeks[0][3].state, DayState::Available(5));
        assert_eq!(weeks[0][4].state, DayState::Full);
        assert_eq!(weeks[0][5].state, DayState::Unavailable);
        assert!(weeks.iter().all(|w| w.len() == 7));
    }
}
