//! When bookings are taken: the service period and the reception window (A4).

use crate::clock::{JST, jst_instant};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The whole campaign, first and last day inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicePeriod {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

impl ServicePeriod {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first_day <= date && date <= self.last_day
    }
}

/// A moment relative to an appointment day: `days_before` days earlier, at
/// `at_minute` minutes past midnight, Japan time. "17:00 the day before" is
/// `{ days_before: 1, at_minute: 1020 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cutoff {
    pub days_before: u32,
    pub at_minute: u32,
}

impl Cutoff {
    /// How residents read it: `前日の17時`, `2日前の12時30分`, `当日の9時`.
    pub fn describe_ja(&self) -> String {
        let day = match self.days_before {
            0 => "当日".to_owned(),
            1 => "前日".to_owned(),
            n => format!("{n}日前"),
        };
        let (hour, minute) = (self.at_minute / 60, self.at_minute % 60);
        if minute == 0 {
            format!("{day}の{hour}時")
        } else {
            format!("{day}の{hour}時{minute}分")
        }
    }

    pub fn instant_for(&self, day: NaiveDate) -> DateTime<Utc> {
        let base = day
            .checked_sub_days(Days::new(u64::from(self.days_before)))
            .unwrap_or(day);
        jst_instant(base, self.at_minute)
    }
}

/// When booking for a day opens and closes, and when changes and
/// cancellations close. Global by default, overridable per venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceptionWindow {
    /// A day can be booked from this many days before it (56 = 8 weeks).
    pub opens_days_ahead: u32,
    /// Booking for a day closes at this moment.
    pub closes: Cutoff,
    /// Change and cancel close at this moment (usually the same as booking).
    pub changes_close: Cutoff,
}

impl Default for ReceptionWindow {
    fn default() -> Self {
        let day_before_5pm = Cutoff {
            days_before: 1,
            at_minute: 17 * 60,
        };
        Self {
            opens_days_ahead: 56,
            closes: day_before_5pm,
            changes_close: day_before_5pm,
        }
    }
}

/// Why a day cannot be booked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayClosedReason {
    OutsidePeriod,
    NotYetOpen,
    Closed,
}

impl ReceptionWindow {
    /// Whether a new booking for `day` can be taken at `now`.
    pub fn check_booking(
        &self,
        period: &ServicePeriod,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(), DayClosedReason> {
        if !period.contains(day) {
            return Err(DayClosedReason::OutsidePeriod);
        }
        let today = now.with_timezone(&JST).date_naive();
        let last_open = today.checked_add_days(Days::new(u64::from(self.opens_days_ahead)));
        if last_open.is_some_and(|last| day > last) {
            return Err(DayClosedReason::NotYetOpen);
        }
        if now >= self.closes.instant_for(day) {
            return Err(DayClosedReason::Closed);
        }
        Ok(())
    }

    pub fn is_bookable(&self, period: &ServicePeriod, day: NaiveDate, now: DateTime<Utc>) -> bool {
        self.check_booking(period, day, now).is_ok()
    }

    /// Whether a booking on `day` can still be changed or cancelled at `now`.
    pub fn can_change(&self, day: NaiveDate, now: DateTime<Utc>) -> bool {
        now < self.changes_close.instant_for(day)
    }

    /// The first and last day that can be booked at `now`, if any.
    pub fn bookable_range(
        &self,
        period: &ServicePeriod,
        now: DateTime<Utc>,
    ) -> Option<(NaiveDate, NaiveDate)> {
        let today = now.with_timezone(&JST).date_naive();
        let last = today
            .checked_add_days(Days::new(u64::from(self.opens_days_ahead)))?
            .min(period.last_day);
        let mut first = today.max(period.first_day);
        // At most `days_before + 1` days are lost to the closing cut-off.
        while first <= last && now >= self.closes.instant_for(first) {
            first = first.succ_opt()?;
        }
        (first <= last).then_some((first, last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn period() -> ServicePeriod {
        ServicePeriod {
            first_day: d(2026, 11, 2),
            last_day: d(2027, 3, 31),
        }
    }

    #[test]
    fn cutoffs_read_naturally() {
        let cut = |days_before, at_minute| {
            Cutoff {
                days_before,
                at_minute,
            }
            .describe_ja()
        };
        assert_eq!(cut(1, 17 * 60), "前日の17時");
        assert_eq!(cut(2, 12 * 60 + 30), "2日前の12時30分");
        assert_eq!(cut(0, 9 * 60), "当日の9時");
    }

    #[test]
    fn booking_for_a_day_closes_at_five_the_day_before() {
        let w = ReceptionWindow::default();
        let day = d(2026, 12, 3);
        assert!(w.is_bookable(&period(), day, at("2026-12-02T16:59:59+09:00")));
        assert_eq!(
            w.check_booking(&period(), day, at("2026-12-02T17:00:00+09:00")),
            Err(DayClosedReason::Closed)
        );
    }

    #[test]
    fn today_is_never_bookable_and_tomorrow_is_until_five() {
        let w = ReceptionWindow::default();
        let now = at("2026-11-25T10:00:00+09:00");
        assert!(!w.is_bookable(&period(), d(2026, 11, 25), now));
        assert!(w.is_bookable(&period(), d(2026, 11, 26), now));
    }

    #[test]
    fn days_open_eight_weeks_ahead() {
        let w = ReceptionWindow::default();
        let now = at("2026-11-25T10:00:00+09:00");
        assert!(w.is_bookable(&period(), d(2027, 1, 20), now));
        assert_eq!(
            w.check_booking(&period(), d(2027, 1, 21), now),
            Err(DayClosedReason::NotYetOpen)
        );
    }

    #[test]
    fn days_outside_the_service_period_are_never_bookable() {
        let w = ReceptionWindow::default();
        let now = at("2027-03-20T10:00:00+09:00");
        assert_eq!(
            w.check_booking(&period(), d(2027, 4, 1), now),
            Err(DayClosedReason::OutsidePeriod)
        );
        assert_eq!(
            w.bookable_range(&period(), now),
            Some((d(2027, 3, 21), d(2027, 3, 31)))
        );
    }

    #[test]
    fn bookable_range_skips_the_day_whose_cutoff_has_passed() {
        let w = ReceptionWindow::default();
        let before = at("2026-11-25T16:00:00+09:00");
        let after = at("2026-11-25T17:30:00+09:00");
        assert_eq!(
            w.bookable_range(&period(), before).map(|r| r.0),
            Some(d(2026, 11, 26))
        );
        assert_eq!(
            w.bookable_range(&period(), after).map(|r| r.0),
            Some(d(2026, 11, 27))
        );
    }

    #[test]
    fn nothing_is_bookable_after_the_period() {
        let w = ReceptionWindow::default();
        assert_eq!(
            w.bookable_range(&period(), at("2027-04-02T10:00:00+09:00")),
            None
        );
    }
}
