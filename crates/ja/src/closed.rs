//! Matching an answer against the closed set of what is possible at a step,
//! over the recognizer's N-best hypotheses (best first) rather than only
//! the first: the bookable dates of the next weeks, the slot times of a
//! day, the venues, a numbered choice, yes/no. The calendar settles
//! readings that are easily confused on the phone (じゅうよっか 14日 heard as
//! 16日 or 18日, よっか/ようか): when only one of them can be booked, that
//! one is meant; when the one heard cannot be booked but its confusable
//! twin can, the caller is asked ("14日の月曜日ですか").

use chrono::{Datelike, NaiveDate};

use crate::answers::{YesNo, parse_yes_no};
use crate::date::{DateAnswer, DateContext, parse_date};
use crate::time::{TimeAnswer, parse_time, resolve_hour};
use crate::venue::{VenueMatch, VenueMatcher};

/// Days of the month whose spoken forms recognizers confuse on phone
/// audio: よっか/ようか (4, 8), じゅうよっか/じゅうはちにち/じゅうろくにち (14, 18,
/// 16; issue 11 measured 14 → 16), にじゅうよっか/にじゅうはちにち (24, 28),
/// とおか/はつか (10, 20), なのか/ここのか (7, 9); and measured on the corpus
/// (voice_corpus, 2026-12-03): ついたち → 2日 (1, 2), よっか → 6日 (4, 6).
const CONFUSABLE_DAYS: &[(u32, u32)] = &[
    (4, 8),
    (14, 16),
    (14, 18),
    (24, 28),
    (10, 20),
    (7, 9),
    (1, 2),
    (4, 6),
];

/// The days of the month a recognizer may have heard instead of `day`.
pub fn confusable_days(day: u32) -> impl Iterator<Item = u32> {
    CONFUSABLE_DAYS.iter().filter_map(move |&(a, b)| {
        if a == day {
            Some(b)
        } else if b == day {
            Some(a)
        } else {
            None
        }
    })
}

/// What the hypotheses say about the date, against the bookable days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateMatch {
    /// A bookable day.
    Day(NaiveDate),
    /// The earliest free day was asked for.
    Earliest,
    /// The day heard cannot be booked, but this confusable one can: ask
    /// whether it was meant.
    Confirm(NaiveDate),
    /// A day was heard but cannot be booked (closed, full, too far).
    NotBookable(NaiveDate),
    /// No date in any hypothesis.
    Nothing,
}

/// The date said, among `bookable` days, from N-best `hypotheses`. A
/// bookable day in any hypothesis wins over a non-bookable one in a better
/// hypothesis (the recognizer's ranking is weak evidence; the calendar is
/// strong).
pub fn match_date(hypotheses: &[&str], bookable: &[NaiveDate], today: NaiveDate) -> DateMatch {
    let ctx = DateContext { today };
    let heard: Vec<DateAnswer> = hypotheses
        .iter()
        .filter_map(|h| parse_date(h, &ctx))
        .collect();
    let Some(first) = heard.first().copied() else {
        return DateMatch::Nothing;
    };
    if let Some(DateAnswer::Day(d)) = heard
        .iter()
        .find(|a| matches!(a, DateAnswer::Day(d) if bookable.contains(d)))
    {
        return DateMatch::Day(*d);
    }
    let DateAnswer::Day(day) = first else {
        return DateMatch::Earliest;
    };
    let twin = confusable_days(day.day())
        .filter_map(|n| day.with_day(n))
        .find(|d| bookable.contains(d));
    match twin {
        Some(d) => DateMatch::Confirm(d),
        None => DateMatch::NotBookable(day),
    }
}

/// The slot time said among the `times` of the chosen day (minutes after
/// midnight), an hour said alone settled by the opening hours. `None` when
/// no hypothesis names one of them.
pub fn match_time(
    hypotheses: &[&str],
    times: &[u32],
    open_min: u32,
    close_min: u32,
) -> Option<u32> {
    hypotheses.iter().find_map(
        |h| match resolve_hour(parse_time(h)?, open_min, close_min) {
            TimeAnswer::At { minute_of_day, .. } => {
                times.contains(&minute_of_day).then_some(minute_of_day)
            }
            TimeAnswer::Range { .. } => None,
        },
    )
}

/// The venue, from the first hypothesis that names exactly one; else the
/// first that names several.
pub fn match_venue(hypotheses: &[&str], matcher: &VenueMatcher) -> VenueMatch {
    let found: Vec<VenueMatch> = hypotheses.iter().map(|h| matcher.find(h)).collect();
    found
        .iter()
        .find(|m| matches!(m, VenueMatch::One(_)))
        .or_else(|| found.iter().find(|m| matches!(m, VenueMatch::Several(_))))
        .cloned()
        .unwrap_or(VenueMatch::None)
}

/// A choice 1..=n (a party size, a numbered offer): "2", "にばん", "ふたり".
pub fn match_choice(hypotheses: &[&str], n: u8) -> Option<u8> {
    hypotheses.iter().find_map(|h| {
        let c = crate::text::canonical(h);
        let digits: String = c
            .chars()
            .skip_while(|ch| !ch.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        digits
            .parse::<u8>()
            .ok()
            .or_else(|| crate::answers::parse_party_size(h))
            .filter(|k| (1..=n).contains(k))
    })
}

/// Yes or no from the first hypothesis that says either.
pub fn match_yes_no(hypotheses: &[&str]) -> Option<YesNo> {
    hypotheses.iter().find_map(|h| parse_yes_no(h))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::venue::VenueEntry;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    /// Tuesday 2026-12-01; weekdays bookable for four weeks.
    fn bookable() -> Vec<NaiveDate> {
        (2..=31)
            .map(|n| d(12, n))
            .filter(|x| x.weekday().num_days_from_monday() < 5)
            .collect()
    }

    #[test]
    fn a_bookable_day_in_a_lower_hypothesis_wins() {
        // 12/13 is a Sunday; 12/14 (Monday) is bookable.
        let got = match_date(&["12月13日", "12月14日"], &bookable(), d(12, 1));
        assert_eq!(got, DateMatch::Day(d(12, 14)));
    }

    #[test]
    fn the_calendar_settles_confusable_readings() {
        let days = bookable();
        // 16日 heard; 12/16 is a Wednesday: bookable, taken as heard.
        assert_eq!(
            match_date(&["12月16日"], &days, d(12, 1)),
            DateMatch::Day(d(12, 16))
        );
        // Without 12/16 open, its twin 12/14 (Monday) is asked about.
        let no_16: Vec<NaiveDate> = days.into_iter().filter(|x| *x != d(12, 16)).collect();
        assert_eq!(
            match_date(&["12月16日"], &no_16, d(12, 1)),
            DateMatch::Confirm(d(12, 14))
        );
        // よっか/ようか: 12/5 and 12/6 are a weekend, 12/8 is heard for 4日 closed.
        let only_8 = vec![d(12, 8)];
        assert_eq!(
            match_date(&["12月4日"], &only_8, d(12, 1)),
            DateMatch::Confirm(d(12, 8))
        );
    }

    #[test]
    fn a_day_that_cannot_be_booked_is_said_so() {
        assert_eq!(
            match_date(&["12月12日"], &bookable(), d(12, 1)),
            DateMatch::NotBookable(d(12, 12))
        );
        assert_eq!(
            match_date(&["一番早い日"], &bookable(), d(12, 1)),
            DateMatch::Earliest
        );
        assert_eq!(
            match_date(&["午前 午後", "ええと"], &bookable(), d(12, 1)),
            DateMatch::Nothing
        );
    }

    #[test]
    fn times_are_matched_against_the_slots_of_the_day() {
        let times: Vec<u32> = (9 * 60..17 * 60).step_by(30).collect();
        assert_eq!(
            match_time(&["午後 時 分", "午後2時"], &times, 540, 1020),
            Some(14 * 60)
        );
        // "2時" alone is 14:00 within opening hours.
        assert_eq!(match_time(&["2時"], &times, 540, 1020), Some(14 * 60));
        assert_eq!(match_time(&["午後7時"], &times, 540, 1020), None);
        assert_eq!(match_time(&["午後"], &times, 540, 1020), None);
    }

    #[test]
    fn venues_choices_and_yes_no_over_hypotheses() {
        let matcher = VenueMatcher::new(vec![
            VenueEntry {
                id: 1,
                name: "本庁舎".into(),
                kana: "ほんちょうしゃ".into(),
                aliases: vec![],
            },
            VenueEntry {
                id: 2,
                name: "尾西事務所".into(),
                kana: "びさいじむしょ".into(),
                aliases: vec![],
            },
        ]);
        assert_eq!(
            match_venue(&["ええと", "びさいじむしょ"], &matcher),
            VenueMatch::One(2)
        );
        assert_eq!(match_venue(&["わかりません"], &matcher), VenueMatch::None);
        assert_eq!(match_choice(&["ええ", "2番です"], 4), Some(2));
        assert_eq!(match_choice(&["ふたりです"], 4), Some(2));
        assert_eq!(match_choice(&["5番"], 4), None);
        assert_eq!(match_yes_no(&["ええと", "はい"]), Some(YesNo::Yes));
        assert_eq!(match_yes_no(&["んー"]), None);
    }
}
