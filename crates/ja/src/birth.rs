//! Birth dates, said in the era or the Western calendar.

use chrono::NaiveDate;
use madoguchi_core::era::{BirthDate, Era};

use crate::text::canonical;

fn is_date_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '年' | '月' | '日' | '元' | '.' | '/' | '-')
}

/// Understands a birth date: 昭和35年4月1日, しょうわさんじゅうごねんしがつついたち,
/// 平成元年1月8日, S35.4.1, 1960年4月1日, 19600401, with words around it
/// ("生年月日は…です", "…生まれです") and の between the parts. The date must exist,
/// lie inside its era and not be after `today` (checks of
/// [`madoguchi_core::era::BirthDate::parse`]).
pub fn parse_birth_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let c = canonical(text);
    let c = c.replace("生年月日", "");
    let chars: Vec<char> = c.chars().collect();
    // Start at an era name or the first digit.
    let start = (0..chars.len()).find(|&i| {
        let rest: String = chars[i..].iter().collect();
        let era = Era::from_prefix(&rest).is_some_and(|(_, after)| {
            after.starts_with(|c: char| c.is_ascii_digit() || c == '元' || c == 'の')
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
    let mut date = era_text;
    for ch in body.chars() {
        if is_date_char(ch) {
            date.push(ch);
        } else if ch != 'の' {
            break;
        }
    }
    BirthDate::parse(&date, today).ok().map(|b| b.date())
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
        ];
        for (text, expected) in cases {
            assert_eq!(parse_birth_date(text, today), expected, "{text}");
        }
    }
}
