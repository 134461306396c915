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

/// Names are not written in digits: the recognizer turns 一 into 1
/// (「1のみや」). Digits become kanji numerals; true when any did, so that
/// staff check the name.
pub(super) fn digits_as_kanji(name: &str) -> (String, bool) {
    const KANJI: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let mut changed = false;
    let out = name
        .chars()
        // ASCII only: `ja::parse_name` has already folded full-width digits.
        .map(|c| match c.to_digit(10) {
            Some(d) => {
                changed = true;
                KANJI[d as usize]
            }
            _ => c,
        })
        .collect();
    (out, changed)
}
