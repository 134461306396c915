//! Time. Slots are defined in Japan time; instants are stored in UTC.
//!
//! Japan has had no daylight saving time since 1951, so a fixed +09:00 offset
//! is exact and needs no time-zone database.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use std::time::Instant;

/// Japan Standard Time, UTC+09:00.
pub const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("+09:00 is a valid offset"),
};

/// Where the current instant comes from. Passed in, never read from a global,
/// so rules can be tested at any instant and rehearsed before opening (F3).
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Japan.
    fn today(&self) -> NaiveDate {
        self.now().with_timezone(&JST).date_naive()
    }
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that starts at a chosen instant and then moves on in real time
/// (`--now`): the service behaves as if it were started at that instant.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    start_at: DateTime<Utc>,
    started: Instant,
}

impl ShiftedClock {
    pub fn starting_at(start_at: DateTime<Utc>) -> Self {
        Self {
            start_at,
            started: Instant::now(),
        }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.started.elapsed())
            .unwrap_or_else(|_| chrono::Duration::zero());
        self.start_at + elapsed
    }
}

/// A clock that never moves; for tests.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The instant at which `minute_of_day` begins on `date` in Japan.
pub fn jst_instant(date: NaiveDate, minute_of_day: u32) -> DateTime<Utc> {
    let naive = NaiveDateTime::new(date, NaiveTime::MIN)
        + chrono::Duration::minutes(i64::from(minute_of_day));
    match JST.from_local_datetime(&naive).single() {
        Some(local) => local.with_timezone(&Utc),
        // A fixed offset has exactly one mapping for every local time.
        None => DateTime::<Utc>::from_naive_utc_and_offset(naive - chrono::Duration::hours(9), Utc),
    }
}

/// Formats a minute of the day as `9:30`.
pub fn hhmm(minute_of_day: u32) -> String {
    format!("{}:{:02}", minute_of_day / 60, minute_of_day % 60)
}

/// The Japanese short weekday name of a date: 月, 火, …
pub fn weekday_ja(date: NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["月", "火", "水", "木", "金", "土", "日"][date.weekday().num_days_from_monday() as usize]
}

/// `12月3日（木）`
pub fn date_ja(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}月{}日（{}）", date.month(), date.day(), weekday_ja(date))
}

/// `2026年12月3日（木）`
pub fn date_ja_with_year(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}", date.year(), date_ja(date))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jst_instant_is_nine_hours_ahead_of_utc() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let instant = jst_instant(date, 9 * 60);
        assert_eq!(instant.to_rfc3339(), "2026-12-03T00:00:00+00:00");
    }

    #[test]
    fn today_uses_japan_date_not_utc_date() {
        // 2026-12-02 20:00 UTC is already 12-03 05:00 in Japan.
        let clock = FixedClock("2026-12-02T20:00:00Z".parse().unwrap());
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 12, 3).unwrap());
    }

    #[test]
    fn shifted_clock_starts_at_the_given_instant_and_moves_on() {
        let start: DateTime<Utc> = "2026-11-10T00:00:00Z".parse().unwrap();
        let clock = ShiftedClock::starting_at(start);
        let now = clock.now();
        assert!(now >= start && now < start + chrono::Duration::seconds(5));
    }

    #[test]
    fn japanese_date_formatting() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(date_ja(date), "12月3日（木）");
        assert_eq!(hhmm(16 * 60 + 30), "16:30");
        assert_eq!(hhmm(9 * 60), "9:00");
    }
}
