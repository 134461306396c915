//! Dates and times typed on the phone's keypad, for callers the recogniser
//! does not understand: "1203" is 12月3日, "1430" is 14:30.

use madoguchi_core::text::nfkc;

use crate::date::{DateAnswer, DateContext, day_only, month_day};
use crate::time::TimeAnswer;

fn digits(keys: &str) -> Option<Vec<u32>> {
    let s: String = nfkc(keys)
        .chars()
        .filter(|c| !matches!(c, '#' | '*' | ' '))
        .collect();
    if s.is_empty() {
        return None;
    }
    s.chars().map(|c| c.to_digit(10)).collect()
}

fn number(ds: &[u32]) -> u32 {
    ds.iter().fold(0, |acc, d| acc * 10 + d)
}

/// A date typed as MMDD ("1203", "0105") or MDD ("105" is 1月5日), or a day
/// alone ("3", "25": the next such day). `#` and `*` are ignored.
pub fn keypad_date(keys: &str, ctx: &DateContext) -> Option<DateAnswer> {
    let ds = digits(keys)?;
    let date = match ds.len() {
        1 | 2 => day_only(ctx.today, None, number(&ds))?,
        3 => month_day(ctx.today, None, false, ds[0], number(&ds[1..]))?,
        4 => month_day(ctx.today, None, false, number(&ds[..2]), number(&ds[2..]))?,
        _ => return None,
    };
    Some(DateAnswer::Day(date))
}

/// A time typed as HHMM ("1430", "0930"), HMM ("930"), or an hour alone
/// ("2", "14"). Hours 1 to 12 typed alone are `meridiem_given: false`, to go
/// through [`crate::resolve_hour`].
pub fn keypad_time(keys: &str) -> Option<TimeAnswer> {
    let ds = digits(keys)?;
    let (h, m) = match ds.len() {
        1 | 2 => (number(&ds), 0),
        3 => (ds[0], number(&ds[1..])),
        4 => (number(&ds[..2]), number(&ds[2..])),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(TimeAnswer::At {
        minute_of_day: h * 60 + m,
        meridiem_given: h >= 13 || h == 0 || ds.len() == 4,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use chrono::NaiveDate;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_typed_on_the_keypad() {
        let ctx = DateContext {
            today: d(2026, 12, 28),
        };
        let day = |date| Some(DateAnswer::Day(date));
        assert_eq!(keypad_date("1230", &ctx), day(d(2026, 12, 30)));
        assert_eq!(keypad_date("0105", &ctx), day(d(2027, 1, 5)));
        assert_eq!(keypad_date("105#", &ctx), day(d(2027, 1, 5)));
        assert_eq!(keypad_date("5", &ctx), day(d(2027, 1, 5)));
        assert_eq!(keypad_date("1332", &ctx), None);
        assert_eq!(keypad_date("12345", &ctx), None);
        assert_eq!(keypad_date("", &ctx), None);
    }

    #[test]
    fn times_typed_on_the_keypad() {
        let at = |minute_of_day, meridiem_given| {
            Some(TimeAnswer::At {
                minute_of_day,
                meridiem_given,
            })
        };
        assert_eq!(keypad_time("1430"), at(870, true));
        assert_eq!(keypad_time("0930"), at(570, true));
        assert_eq!(keypad_time("930"), at(570, false));
        assert_eq!(keypad_time("2"), at(120, false));
        assert_eq!(keypad_time("14#"), at(840, true));
        assert_eq!(keypad_time("2460"), None);
    }
}
