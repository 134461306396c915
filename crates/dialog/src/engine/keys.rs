//! Small parsers: keys, choice numbers, yes/no from voice or keys, and
//! free text (names) cleaned of hesitations and polite endings.

use super::Input;
use chrono::{Datelike, NaiveDate};
use madoguchi_core::contact::PhoneNumber;
use madoguchi_ja as ja;

/// "2番", "にばんめ", "2": the number of an offered choice.
pub(super) fn choice_number(text: &str) -> Option<usize> {
    if let Some(n) = ja::parse_digits(text).and_then(|d| d.parse::<usize>().ok()) {
        return Some(n);
    }
    let canonical = ja::canonical(text);
    let digits: String = canonical
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

pub(super) fn yes_no(input: &Input) -> Option<ja::YesNo> {
    match input {
        Input::Speech(t) => ja::parse_yes_no(t),
        Input::Keys(k) => match k.as_str() {
            "1" => Some(ja::YesNo::Yes),
            "2" => Some(ja::YesNo::No),
            _ => None,
        },
    }
}

pub(super) fn phone_of(input: &Input) -> Option<PhoneNumber> {
    match input {
        Input::Speech(t) => ja::parse_phone(t),
        Input::Keys(k) => PhoneNumber::parse(k).ok(),
    }
}

/// MMDD on the keypad: the next such day from today.
pub(super) fn keyed_date(keys: &str, today: NaiveDate) -> Option<NaiveDate> {
    if keys.len() != 4 || !keys.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let month: u32 = keys[..2].parse().ok()?;
    let day: u32 = keys[2..].parse().ok()?;
    let this_year = NaiveDate::from_ymd_opt(today.year(), month, day)?;
    if this_year >= today {
        Some(this_year)
    } else {
        NaiveDate::from_ymd_opt(today.year() + 1, month, day)
    }
}

/// HHMM (or HMM) on the keypad, 24-hour.
pub(super) fn keyed_time(keys: &str) -> Option<u32> {
    if !(3..=4).contains(&keys.len()) || !keys.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u32 = keys.parse().ok()?;
    let (h, m) = (n / 100, n % 100);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A name or reading as said: hesitations and polite endings removed.
pub(super) fn clean_free_text(text: &str) -> String {
    let mut s = text.trim().to_owned();
    for filler in [
        "えーと",
        "えっと",
        "えー",
        "あのー",
        "あの",
        "ええと",
        "んー",
        "、",
        "。",
    ] {
        if let Some(rest) = s.strip_prefix(filler) {
            s = rest.trim_start().to_owned();
        }
    }
    for prefix in [
        "名前は",
        "なまえは",
        "お名前は",
        "読み方は",
        "よみかたは",
        "わたしは",
        "私は",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start().to_owned();
        }
    }
    for suffix in [
        "と申します",
        "ともうします",
        "といいます",
        "と言います",
        "でございます",
        "です",
        "。",
        "、",
    ] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.trim_end().to_owned();
        }
    }
    s.replace(['、', '。'], "")
}
