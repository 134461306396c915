//! Every date, time and number said the way people say it, in kana, must
//! come back as itself; and what the agent says must parse back too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Days, NaiveDate};
use madoguchi_core::era::era_of;
use madoguchi_ja::{
    DateAnswer, DateContext, TimeAnswer, parse_birth_date, parse_date, parse_digits, parse_time,
    resolve_hour, speak_birth_date, speak_date, speak_time, to_spoken_digits,
};

const DIGITS: [&str; 10] = [
    "",
    "いち",
    "に",
    "さん",
    "よん",
    "ご",
    "ろく",
    "なな",
    "はち",
    "きゅう",
];

/// 1..=99 in kana, as a plain number (にじゅうさん).
fn kana(n: u32) -> String {
    let (tens, ones) = (n / 10, n % 10);
    let mut s = String::new();
    if tens > 0 {
        if tens > 1 {
            s.push_str(DIGITS[tens as usize]);
        }
        s.push_str("じゅう");
    }
    s.push_str(DIGITS[ones as usize]);
    s
}

fn month_kana(m: u32) -> String {
    match m {
        4 => "しがつ".to_owned(),
        7 => "しちがつ".to_owned(),
        9 => "くがつ".to_owned(),
        _ => format!("{}がつ", kana(m)),
    }
}

fn day_kana(d: u32) -> String {
    let special = [
        (1, "ついたち"),
        (2, "ふつか"),
        (3, "みっか"),
        (4, "よっか"),
        (5, "いつか"),
        (6, "むいか"),
        (7, "なのか"),
        (8, "ようか"),
        (9, "ここのか"),
        (10, "とおか"),
        (14, "じゅうよっか"),
        (20, "はつか"),
        (24, "にじゅうよっか"),
    ];
    if let Some((_, word)) = special.iter().find(|(n, _)| *n == d) {
        return (*word).to_owned();
    }
    let base = match d % 10 {
        7 => format!("{}しち", kana(d - 7)),
        9 => format!("{}く", kana(d - 9)),
        _ => kana(d),
    };
    format!("{base}にち")
}

fn hour_kana(h: u32) -> String {
    match h {
        4 => "よじ".to_owned(),
        7 => "しちじ".to_owned(),
        9 => "くじ".to_owned(),
        _ => format!("{}じ", kana(h)),
    }
}

fn minute_kana(m: u32) -> String {
    match m {
        0 => String::new(),
        30 => "はん".to_owned(),
        m if m % 10 == 0 => format!(
            "{}じゅっぷん",
            if m > 10 {
                DIGITS[(m / 10) as usize]
            } else {
                ""
            }
        ),
        m => format!("{}ふん", kana(m)),
    }
}

fn year_kana(y: u32) -> String {
    match y {
        1 => "がんねん".to_owned(),
        y if y % 10 == 4 => format!("{}よねん", kana(y - 4)),
        y if y % 10 == 9 => format!("{}くねん", kana(y - 9)),
        y => format!("{}ねん", kana(y)),
    }
}

fn era_kana(name: &str) -> &'static str {
    match name {
        "昭和" => "しょうわ",
        "平成" => "へいせい",
        "令和" => "れいわ",
        "大正" => "たいしょう",
        _ => "めいじ",
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

#[test]
fn every_day_of_the_coming_year_in_kana_kanji_and_speech() {
    let ctx = DateContext { today: today() };
    for ahead in 0..365 {
        let date = today().checked_add_days(Days::new(ahead)).unwrap();
        let (m, d) = (date.month(), date.day());
        let forms = [
            format!("{}{}", month_kana(m), day_kana(d)),
            format!("{m}月{d}日"),
            speak_date(date),
            format!("えーと、{}の{}でお願いします", month_kana(m), day_kana(d)),
        ];
        for form in forms {
            assert_eq!(
                parse_date(&form, &ctx),
                Some(DateAnswer::Day(date)),
                "{form}"
            );
        }
    }
}

#[test]
fn every_five_minutes_of_opening_hours_in_kana_and_speech() {
    for minute_of_day in (9 * 60..=16 * 60 + 30).step_by(5) {
        let (h, m) = (minute_of_day / 60, minute_of_day % 60);
        let h12 = if h > 12 { h - 12 } else { h };
        let spoken = format!("{}{}", hour_kana(h12), minute_kana(m));
        let resolved = parse_time(&spoken).map(|t| resolve_hour(t, 9 * 60, 16 * 60 + 30));
        assert!(
            matches!(resolved, Some(TimeAnswer::At { minute_of_day: got, .. }) if got == minute_of_day),
            "{spoken}: {resolved:?}"
        );
        let said = speak_time(minute_of_day);
        assert_eq!(
            parse_time(&said),
            Some(TimeAnswer::At {
                minute_of_day,
                meridiem_given: true
            }),
            "{said}"
        );
    }
}

#[test]
fn birth_dates_of_every_era_in_kana_and_read_back() {
    let first = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap();
    let mut date = first;
    while date <= today() {
        let (era, year) = era_of(date).unwrap();
        let spoken = format!(
            "{}{}{}{}",
            era_kana(era.name()),
            year_kana(year),
            month_kana(date.month()),
            day_kana(date.day())
        );
        assert_eq!(parse_birth_date(&spoken, today()), Some(date), "{spoken}");
        let read_back = speak_birth_date(date);
        assert_eq!(
            parse_birth_date(&read_back, today()),
            Some(date),
            "{read_back}"
        );
        date = date.checked_add_days(Days::new(7)).unwrap();
    }
}

#[test]
fn spoken_digits_read_back_as_the_same_digits() {
    let mut n: u64 = 12_345_678;
    for _ in 0..500 {
        n = (n * 7_919 + 104_729) % 100_000_000;
        let digits = format!("{n:08}");
        let grouped = format!("{}-{}", &digits[..4], &digits[4..]);
        let spoken = to_spoken_digits(&grouped);
        assert_eq!(
            parse_digits(&spoken).as_deref(),
            Some(digits.as_str()),
            "{spoken}"
        );
    }
}
