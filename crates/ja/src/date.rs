//! Appointment dates as callers say them.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use crate::text::{canonical, counted, with_correction};

/// What the parser needs to know to turn "3日" or "来週の火曜" into a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateContext {
    /// Today in Japan.
    pub today: NaiveDate,
}

/// A date the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateAnswer {
    /// A definite day. Dates said without a year or month are the next such
    /// day from today (today included), so they are never in the past; only
    /// "今週の月曜" said on a Wednesday can give a past day, which the dialog
    /// must check.
    Day(NaiveDate),
    /// "一番早い日", "空いている日", "いつでも": the earliest free day.
    Earliest,
}

const EARLIEST: &[&str] = &[
    "1番早",
    "1番はや",
    "1番近",
    "1番ちか",
    "早い日",
    "はやい日",
    "早いの",
    "早いところ",
    "早いとこ",
    "早い方",
    "早いほう",
    "はやいほう",
    "早めの",
    "最短",
    "最速",
    "空いている日",
    "空いてる日",
    "あいている日",
    "あいてる日",
    "空いている",
    "空いてる",
    "あいてる",
    "あいている",
    "いつでも",
    "何日でも",
    "なんにちでも",
    "できるだけ早",
    "なるべく早",
    "できるだけはや",
    "なるべくはや",
    "早ければ",
    "すぐ",
];

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("月曜", Weekday::Mon),
    ("火曜", Weekday::Tue),
    ("水曜", Weekday::Wed),
    ("木曜", Weekday::Thu),
    ("金曜", Weekday::Fri),
    ("土曜", Weekday::Sat),
    ("日曜", Weekday::Sun),
];

/// Understands a date: 12月3日, 十二月三日, じゅうにがつみっか, 3日 (the next 3rd
/// from today), 来月の3日, 今日/明日/明後日/しあさって, 今週/来週/再来週 + weekday,
/// a weekday alone (the next one after today), 週明け (next Monday), and
/// 一番早い日/空いている日/いつでも (→ [`DateAnswer::Earliest`]).
pub fn parse_date(text: &str, ctx: &DateContext) -> Option<DateAnswer> {
    with_correction(text, |t| parse_date_once(t, ctx))
}

fn parse_date_once(text: &str, ctx: &DateContext) -> Option<DateAnswer> {
    let c = canonical(text);
    // Whisper heard 来週 as 台数 on phone audio (voice-notes.md).
    let c = if WEEKDAYS.iter().any(|(w, _)| c.contains(w)) {
        c.replace("台数", "来週")
    } else {
        c
    };
    parse_canonical(&c, ctx.today)
}

fn parse_canonical(c: &str, today: NaiveDate) -> Option<DateAnswer> {
    // "明日以外", "金曜日以外": what the caller does not want is no answer.
    if c.contains("以外") {
        return None;
    }
    let month = counted(c, '月')
        .into_iter()
        .find(|&(m, _, end)| (1..=12).contains(&m) && c.chars().nth(end).is_none_or(|x| x != '曜'))
        .map(|(m, _, _)| m);
    // "12/3", and "12月3" with the 日 lost.
    let nums = crate::text::numbers(c);
    let chars: Vec<char> = c.chars().collect();
    let slash = nums.windows(2).find_map(|w| {
        let [(m, _, m_end), (d, d_start, d_end)] = [w[0], w[1]];
        let sep = chars.get(m_end).copied();
        let joined = d_start == m_end + 1 && matches!(sep, Some('/' | '月'));
        let unit_after = chars
            .get(d_end)
            .is_some_and(|c| matches!(c, '日' | '時' | '分' | '人'));
        (joined && !unit_after && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some((m, d))
    });
    let day = counted(c, '日')
        .into_iter()
        .find(|&(d, _, end)| {
            (1..=31).contains(&d) && !c.chars().nth(end).is_some_and(|x| x == '間' || x == '後')
        })
        .map(|(d, _, _)| d);
    let year = counted(c, '年')
        .into_iter()
        .find(|&(y, _, _)| (2000..=2100).contains(&y))
        .map(|(y, _, _)| y);

    for (n, _, end) in counted(c, '日') {
        if matches!(chars.get(end), Some('後' | 'ご')) && n <= 60 {
            return today
                .checked_add_days(Days::new(u64::from(n)))
                .map(DateAnswer::Day);
        }
    }
    for (n, _, end) in counted(c, '週') {
        let after: String = chars.iter().skip(end).take(3).collect();
        let later = ["間後", "間ご", "かんご"]
            .iter()
            .any(|w| after.starts_with(w))
            || after.starts_with(['後', 'ご']);
        if later && n <= 8 {
            return today
                .checked_add_days(Days::new(u64::from(n) * 7))
                .map(DateAnswer::Day);
        }
    }
    let (month, day) = match (month, day, slash) {
        (_, None, Some((m, d))) => (Some(m), Some(d)),
        _ => (month, day),
    };
    if let (Some(m), Some(d)) = (month, day) {
        return month_day(today, year, c.contains("来年"), m, d).map(DateAnswer::Day);
    }
    if let Some(d) = day {
        let months_ahead = if c.contains("再来月") {
            Some(2)
        } else if c.contains("来月") {
            Some(1)
        } else if c.contains("今月") {
            Some(0)
        } else {
            None
        };
        return day_only(today, months_ahead, d).map(DateAnswer::Day);
    }
    // The first one said counts ("明日か明後日" is 明日); longest first at
    // each place so that 明後日 is not read as 明日.
    let relative = [("明明後日", 3u64), ("明後日", 2), ("明日", 1), ("今日", 0)];
    let first = c.char_indices().find_map(|(at, _)| {
        let rest = &c[at..];
        relative
            .iter()
            .find(|(word, _)| rest.starts_with(word))
            .map(|&(_, days)| days)
    });
    if let Some(days) = first {
        return today.checked_add_days(Days::new(days)).map(DateAnswer::Day);
    }
    if let Some(weekday) = WEEKDAYS
        .iter()
        .find(|(word, _)| c.contains(word))
        .map(|&(_, w)| w)
    {
        let weeks = if c.contains("再来週") {
            Some(2)
        } else if c.contains("来週") {
            Some(1)
        } else if c.contains("今週") {
            Some(0)
        } else {
            None
        };
        return weekday_date(today, weeks, weekday).map(DateAnswer::Day);
    }
    if c.contains("週明け") {
        return weekday_date(today, None, Weekday::Mon).map(DateAnswer::Day);
    }
    if EARLIEST.iter().any(|w| c.contains(w)) {
        return Some(DateAnswer::Earliest);
    }
    None
}

pub(crate) fn month_day(
    today: NaiveDate,
    year: Option<u32>,
    next_year: bool,
    month: u32,
    day: u32,
) -> Option<NaiveDate> {
    if let Some(y) = year {
        return NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, month, day);
    }
    if next_year {
        return NaiveDate::from_ymd_opt(today.year() + 1, month, day);
    }
    // This year if still ahead, else next year; 2月29日 may need a leap year.
    (0..=4)
        .filter_map(|ahead| NaiveDate::from_ymd_opt(today.year() + ahead, month, day))
        .find(|date| *date >= today)
}

pub(crate) fn day_only(today: NaiveDate, months_ahead: Option<u32>, day: u32) -> Option<NaiveDate> {
    let first = today.with_day(1)?;
    if let Some(ahead) = months_ahead {
        let month = first.checked_add_months(Months::new(ahead))?;
        return month.with_day(day);
    }
    (0..=12)
        .filter_map(|ahead| first.checked_add_months(Months::new(ahead))?.with_day(day))
        .find(|date| *date >= today)
}

fn weekday_date(today: NaiveDate, weeks_ahead: Option<u64>, weekday: Weekday) -> Option<NaiveDate> {
    let target = u64::from(weekday.num_days_from_monday());
    match weeks_ahead {
        Some(weeks) => {
            let monday = today
                .checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday())))?;
            monday.checked_add_days(Days::new(weeks * 7 + target))
        }
        None => {
            let now = u64::from(today.weekday().num_days_from_monday());
            let ahead = (target + 7 - now) % 7;
            let ahead = if ahead == 0 { 7 } else { ahead };
            today.checked_add_days(Days::new(ahead))
        }
    }
}

/// The weekday the caller named, if any ("12月1日の土曜日" → Saturday), to
/// check it against the date: a clash means something was misheard.
pub fn said_weekday(text: &str) -> Option<Weekday> {
    let c = canonical(text);
    WEEKDAYS
        .iter()
        .find(|(w, _)| c.contains(w))
        .map(|(_, day)| *day)
}

/// The date as the agent says it: "12月3日 木曜日".
pub fn speak_date(date: NaiveDate) -> String {
    let weekday = match date.weekday() {
        Weekday::Mon => "月",
        Weekday::Tue => "火",
        Weekday::Wed => "水",
        Weekday::Thu => "木",
        Weekday::Fri => "金",
        Weekday::Sat => "土",
        Weekday::Sun => "日",
    };
    format!("{}月{}日 {}曜日", date.month(), date.day(), weekday)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn parse(text: &str, today: NaiveDate) -> Option<DateAnswer> {
        parse_date(text, &DateContext { today })
    }

    #[test]
    fn dates_in_every_script() {
        let today = d(2026, 11, 25); // Wednesday
        let cases = [
            ("12月3日", d(2026, 12, 3)),
            ("十二月三日", d(2026, 12, 3)),
            ("じゅうにがつみっか", d(2026, 12, 3)),
            ("3日", d(2026, 12, 3)),
            ("みっかでお願いします", d(2026, 12, 3)),
            ("25日", d(2026, 11, 25)),
            ("24日", d(2026, 12, 24)),
            ("11月20日", d(2027, 11, 20)),
            ("今日", today),
            ("明日", d(2026, 11, 26)),
            ("あさって", d(2026, 11, 27)),
            ("来週の月曜日", d(2026, 11, 30)),
            ("今週の金曜", d(2026, 11, 27)),
            ("再来週の水曜日", d(2026, 12, 9)),
            ("水曜日", d(2026, 12, 2)),
            ("金曜日", d(2026, 11, 27)),
            ("来月の10日", d(2026, 12, 10)),
        ];
        for (text, expected) in cases {
            assert_eq!(
                parse(text, today),
                Some(DateAnswer::Day(expected)),
                "{text}"
            );
        }
    }

    #[test]
    fn dates_across_the_year_end() {
        let today = d(2026, 12, 28);
        assert_eq!(parse("1月5日", today), Some(DateAnswer::Day(d(2027, 1, 5))));
        assert_eq!(parse("5日", today), Some(DateAnswer::Day(d(2027, 1, 5))));
        assert_eq!(
            parse("しあさって", today),
            Some(DateAnswer::Day(d(2026, 12, 31)))
        );
        assert_eq!(
            parse("来週の火曜", today),
            Some(DateAnswer::Day(d(2027, 1, 5)))
        );
    }

    #[test]
    fn earliest_and_nothing() {
        let today = d(2026, 11, 25);
        assert_eq!(parse("一番早い日で", today), Some(DateAnswer::Earliest));
        assert_eq!(parse("いちばんはやいの", today), Some(DateAnswer::Earliest));
        assert_eq!(
            parse("空いている日ならいつでも", today),
            Some(DateAnswer::Earliest)
        );
        assert_eq!(parse("はい", today), None);
        assert_eq!(
            parse("31日", d(2026, 11, 25)),
            Some(DateAnswer::Day(d(2026, 12, 31)))
        );
        assert_eq!(parse("2月30日", today), None);
    }

    #[test]
    fn speak_date_says_the_weekday() {
        assert_eq!(speak_date(d(2026, 12, 3)), "12月3日 木曜日");
    }
}
