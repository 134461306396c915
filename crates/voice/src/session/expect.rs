//! What the audio side makes of the answer the dialog expects
//! ([`Expect`]): how long a silence ends the turn, and whether a
//! (speculative or N-best) hypothesis is already a complete answer.

use chrono::NaiveDate;
use madoguchi_dialog::Expect;
use madoguchi_ja as ja;

use super::VoiceSettings;

/// Silence that ends the turn when no hypothesis is complete yet (a
/// complete one ends it after `short_end_of_turn_ms`): longer where
/// callers pause mid-answer (names, dates, numbers).
pub fn end_of_turn_ms(expect: Expect, s: &VoiceSettings) -> u32 {
    match expect {
        Expect::Date
        | Expect::BirthDate
        | Expect::Phone
        | Expect::ReservationNo
        | Expect::Identity
        | Expect::Name
        | Expect::NameReading => s.long_end_of_turn_ms,
        _ => s.end_of_turn_ms,
    }
}

/// Whether `text` answers the question whole, so that the turn can end
/// without waiting for more. `venues`: names, readings and aliases.
pub fn is_complete(expect: Expect, text: &str, today: NaiveDate, venues: &[String]) -> bool {
    if ja::normalize(text).is_empty() {
        return false;
    }
    match expect {
        Expect::YesNo => matches!(ja::parse_yes_no(text), Some(ja::YesNo::Yes | ja::YesNo::No)),
        // いいえ may be followed by the correction: only はい is complete.
        Expect::Confirm => ja::parse_yes_no(text) == Some(ja::YesNo::Yes),
        Expect::Intent => ja::parse_intent(text).is_some(),
        Expect::Venue => names_a_venue(text, venues),
        Expect::Choice(n) => ja::parse_digits(text)
            .and_then(|d| d.parse::<u8>().ok())
            .is_some_and(|k| (1..=n).contains(&k)),
        Expect::PartySize => ja::parse_party_size(text).is_some(),
        Expect::Date => matches!(
            ja::parse_date(text, &ja::DateContext { today }),
            Some(ja::DateAnswer::Day(_) | ja::DateAnswer::Earliest)
        ),
        Expect::Time => matches!(
            ja::parse_time(text),
            Some(ja::TimeAnswer::At {
                meridiem_given: true,
                ..
            })
        ),
        Expect::Phone => ja::parse_phone(text).is_some(),
        Expect::ReservationNo => ja::parse_digits(text).is_some_and(|d| d.len() == 8),
        Expect::BirthDate => ja::parse_birth_date(text, today).is_some(),
        Expect::Identity => {
            ja::parse_phone(text).is_some() || ja::parse_birth_date(text, today).is_some()
        }
        // A pause may fall between family and given name.
        Expect::Name | Expect::NameReading | Expect::Correction | Expect::Nothing => false,
    }
}

/// The hypothesis to hand to the dialog: the first (best first) that is a
/// complete answer, else the best.
pub fn pick<'a>(
    expect: Expect,
    hypotheses: impl IntoIterator<Item = &'a str>,
    today: NaiveDate,
    venues: &[String],
) -> Option<&'a str> {
    let mut first = None;
    for h in hypotheses {
        if is_complete(expect, h, today, venues) {
            return Some(h);
        }
        first = first.or(Some(h));
    }
    first
}

fn names_a_venue(text: &str, venues: &[String]) -> bool {
    let said = ja::normalize(text);
    venues.iter().any(|v| {
        let v = ja::normalize(v);
        v.chars().count() >= 2 && said.contains(&v)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn complete_answers_per_expectation() {
        let venues = ["尾西事務所".to_owned(), "びさいじむしょ".to_owned()];
        let t = today();
        let done = |e, s| is_complete(e, s, t, &venues);
        assert!(done(Expect::YesNo, "はい。"));
        assert!(done(Expect::YesNo, "いいえ"));
        assert!(!done(Expect::YesNo, "えーと"));
        assert!(done(Expect::Confirm, "はい、お願いします"));
        assert!(
            !done(Expect::Confirm, "いいえ、日にちが違います"),
            "the new value may follow"
        );
        assert!(done(Expect::Venue, "びさいじむしょでお願いします"));
        assert!(done(Expect::PartySize, "二人です"));
        assert!(!done(Expect::PartySize, "あのー"));
        assert!(done(Expect::Choice(3), "2番"));
        assert!(!done(Expect::Choice(3), "5番"));
        assert!(done(Expect::Date, "12月10日でお願いします"));
        assert!(!done(Expect::Date, "12月 昭和で"));
        assert!(done(Expect::Time, "午前10時"));
        assert!(!done(Expect::Time, "午後 時 分"));
        assert!(!done(Expect::Name, "やまだ たろう"));
    }

    #[test]
    fn the_first_complete_hypothesis_is_picked() {
        let t = today();
        let hyps = ["12月 昭和で", "12月10日で", "12月16日で"];
        assert_eq!(pick(Expect::Date, hyps, t, &[]), Some("12月10日で"));
        assert_eq!(pick(Expect::Name, ["a", "b"], t, &[]), Some("a"));
        assert_eq!(pick(Expect::Date, [], t, &[]), None);
    }

    #[test]
    fn names_and_dates_wait_longer() {
        let s = VoiceSettings::default();
        assert!(s.short_end_of_turn_ms < end_of_turn_ms(Expect::YesNo, &s));
        assert!(end_of_turn_ms(Expect::YesNo, &s) < end_of_turn_ms(Expect::Date, &s));
        assert_eq!(
            end_of_turn_ms(Expect::Name, &s),
            end_of_turn_ms(Expect::Phone, &s)
        );
    }
}
