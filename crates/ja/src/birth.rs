//! Birth dates, said in the era or the Western calendar.

use chrono::{Datelike, NaiveDate};
use madoguchi_core::era::{BirthDate, Era, era_of};

use crate::text::{canonical, with_correction};

fn is_date_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '年' | '月' | '日' | '元' | '.' | '/' | '-')
}

/// Understands a birth date: 昭和35年4月1日, しょうわさんじゅうごねんしがつついたち,
/// 平成元年1月8日, S35.4.1, 1960年4月1日, 19600401, with words around it
/// ("生年月日は…です", "…生まれです") and の between the parts. The date must exist,
/// lie inside its era and not be after `today` (checks of
/// [`madoguchi_core::era::BirthDate::parse`]). A year of 32 to 64 said without
/// an era ("35年4月1日") is 昭和; lower ones without an era give `None`.
pub fn parse_birth_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    with_correction(text, |t| birth_date_once(t, today))
}

fn birth_date_once(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    // A pause between two numbers ("昭和35 4 1") separates them; elsewhere
    // ("しょうわ さんじゅうご ねん") it means nothing.
    let folded: Vec<char> = madoguchi_core::text::nfkc(text).chars().collect();
    let mut spaced = String::with_capacity(text.len());
    for (i, &c) in folded.iter().enumerate() {
        if c.is_whitespace() || matches!(c, '、' | ',') {
            let before = folded[..i].iter().rev().find(|c| !c.is_whitespace());
            let after = folded[i + 1..].iter().find(|c| !c.is_whitespace());
            if before.is_some_and(char::is_ascii_digit) && after.is_some_and(char::is_ascii_digit) {
                spaced.push('/');
            }
        } else {
            spaced.push(c);
        }
    }
    let c = canonical(&spaced);
    let c = c.replace("生年月日", "");
    let chars: Vec<char> = c.chars().collect();
    // Start at an era name or the first digit.
    let start = (0..chars.len()).find(|&i| {
        let rest: String = chars[i..].iter().collect();
        let era = Era::from_prefix(&rest).is_some_and(|(_, after)| {
            after.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '元' | 'の' | 'ね' | '/'))
        });
        era || chars[i].is_ascii_digit()
    })?;
    let rest: String = chars[start..].iter().collect();
    let (era_text, body) = match Era::from_prefix(&rest) {
        Some((era, after)) if !rest.starts_with(|c: char| c.is_ascii_digit()) => {
            (era.name().to_owned(), after.to_owned())
        }
        _ => (String::new(), rest),
    };
    let mut kept: Vec<char> = Vec::new();
    for ch in body.chars() {
        if is_date_char(ch) {
            kept.push(ch);
            if ch == '日' {
                break;
            }
        } else if !matches!(ch, 'の' | 'ね' | 'よ' | 'さ' | 'ー') {
            // Particles between the parts: "昭和のね、35年のね、4月1日".
            break;
        }
    }
    // A '/' from a pause only counts between two numbers.
    let mut date = era_text;
    for (i, &ch) in kept.iter().enumerate() {
        let between_digits = i > 0
            && kept[i - 1].is_ascii_digit()
            && kept.get(i + 1).is_some_and(char::is_ascii_digit);
        if ch != '/' || between_digits {
            date.push(ch);
        }
    }
    // "35年4月1日" without an era: years 32 to 64 can only be 昭和 for a
    // living person (平成 ended in 31, 令和 is younger); lower years are
    // ambiguous and left to the dialog to ask.
    let year_digits = date.chars().take_while(char::is_ascii_digit).count();
    if year_digits == 2 && date.chars().nth(2) == Some('年') {
        let year: u32 = date.get(..2)?.parse().ok()?;
        if (32..=64).contains(&year) {
            date = format!("昭和{date}");
        }
    }
    BirthDate::parse(&date, today).ok().map(|b| b.date())
}

/// A birth date as the agent reads it back, in the era form most callers
/// know it by: "昭和35年4月1日", "平成元年1月8日".
pub fn speak_birth_date(date: NaiveDate) -> String {
    let year = match era_of(date) {
        Some((era, y)) => madoguchi_core::era::era_year_ja(era, y),
        None => format!("{}年", date.year()),
    };
    format!("{year}{}月{}日", date.month(), date.day())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn era_and_western_forms() {
        let today = d(2026, 11, 25);
        let cases = [
            ("昭和35年4月1日", Some(d(1960, 4, 1))),
            (
                "しょうわさんじゅうごねんしがつついたち",
                Some(d(1960, 4, 1)),
            ),
            ("昭和三十五年四月一日生まれです", Some(d(1960, 4, 1))),
            ("平成元年1月8日", Some(d(1989, 1, 8))),
            ("へいせいがんねんいちがつようか", Some(d(1989, 1, 8))),
            ("S35.4.1", Some(d(1960, 4, 1))),
            ("1960年4月1日", Some(d(1960, 4, 1))),
            ("生年月日は昭和の35年の4月1日です", Some(d(1960, 4, 1))),
            ("令和2年5月1日", Some(d(2020, 5, 1))),
            ("昭和65年1月1日", None),
            ("わかりません", None),
            // A day is never made up.
            ("昭和35年4月", None),
            ("昭和35年", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_birth_date(text, today), expected, "{text}");
        }
    }

    #[test]
    fn speak_birth_date_says_the_era_first() {
        assert_eq!(speak_birth_date(d(1960, 4, 1)), "昭和35年4月1日");
        assert_eq!(speak_birth_date(d(1989, 1, 8)), "平成元年1月8日");
        assert_eq!(speak_birth_date(d(2020, 5, 1)), "令和2年5月1日");
    }
}
