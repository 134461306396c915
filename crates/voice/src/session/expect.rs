//! What kind of answer the dialog waits for, as the audio side needs it:
//! how long a silence ends the turn, and whether a (speculative or N-best)
//! hypothesis is already a complete answer.

use chrono::NaiveDate;
use madoguchi_ja as ja;

use super::VoiceSettings;

/// The shape of the answer awaited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// はい / いいえ.
    YesNo,
    /// One of a few: the errand, a venue, a numbered choice, a party size.
    Choice,
    Date,
    Time,
    /// A reservation or phone number.
    Number,
    BirthDate,
    /// A name or its reading: never complete early (a pause may fall
    /// between family and given name).
    Name,
    Other,
}

impl Answer {
    /// From the dialog's step name (`madoguchi_calls::Call::state`).
    pub fn from_state(state: &str) -> Answer {
        if state.starts_with("confirm") || state.starts_with("eligibility") {
            return Answer::YesNo;
        }
        match state {
            "use_caller_id" | "sms_offer" => Answer::YesNo,
            "intent" | "venue" | "venue_which" | "choose_alternative" | "party" => Answer::Choice,
            "date" => Answer::Date,
            "time" => Answer::Time,
            "reservation_no" | "phone" => Answer::Number,
            "birth_date" | "identity" => Answer::BirthDate,
            "name" | "kana" => Answer::Name,
            _ => Answer::Other,
        }
    }

    /// Silence that ends the turn when no hypothesis is complete yet
    /// (a complete one ends it after `short_end_of_turn_ms`).
    pub fn end_of_turn_ms(self, s: &VoiceSettings) -> u32 {
        match self {
            Answer::YesNo | Answer::Choice | Answer::Time | Answer::Other => s.end_of_turn_ms,
            Answer::Date | Answer::Number | Answer::BirthDate | Answer::Name => {
                s.long_end_of_turn_ms
            }
        }
    }

    /// Whether `text` answers the question whole, so that the turn can end
    /// without waiting for more. `venues`: names, readings and aliases.
    pub fn is_complete(self, text: &str, today: NaiveDate, venues: &[String]) -> bool {
        if ja::normalize(text).is_empty() {
            return false;
        }
        match self {
            Answer::YesNo => matches!(ja::parse_yes_no(text), Some(ja::YesNo::Yes | ja::YesNo::No)),
            Answer::Choice => {
                ja::parse_intent(text).is_some()
                    || ja::parse_party_size(text).is_some()
                    || ja::parse_digits(text).is_some_and(|d| d.len() == 1)
                    || names_a_venue(text, venues)
            }
            Answer::Date => matches!(
                ja::parse_date(text, &ja::DateContext { today }),
                Some(ja::DateAnswer::Day(_) | ja::DateAnswer::Earliest)
            ),
            Answer::Time => matches!(
                ja::parse_time(text),
                Some(ja::TimeAnswer::At {
                    meridiem_given: true,
                    ..
                })
            ),
            Answer::Number => {
                ja::parse_phone(text).is_some()
                    || ja::parse_digits(text).is_some_and(|d| d.len() >= 8)
            }
            Answer::BirthDate => ja::parse_birth_date(text, today).is_some(),
            Answer::Name | Answer::Other => false,
        }
    }

    /// The hypothesis to hand to the dialog: the first (best first) that
    /// is a complete answer, else the best.
    pub fn pick<'a>(
        self,
        hypotheses: impl IntoIterator<Item = &'a str>,
        today: NaiveDate,
        venues: &[String],
    ) -> Option<&'a str> {
        let mut first = None;
        for h in hypotheses {
            if self.is_complete(h, today, venues) {
                return Some(h);
            }
            first = first.or(Some(h));
        }
        first
    }
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
    fn complete_answers_per_kind() {
        let venues = ["尾西事務所".to_owned(), "びさいじむしょ".to_owned()];
        let t = today();
        assert!(Answer::YesNo.is_complete("はい。", t, &venues));
        assert!(!Answer::YesNo.is_complete("えーと", t, &venues));
        assert!(Answer::Choice.is_complete("びさいじむしょでお願いします", t, &venues));
        assert!(Answer::Choice.is_complete("二人です", t, &venues));
        assert!(!Answer::Choice.is_complete("あのー", t, &venues));
        assert!(Answer::Date.is_complete("12月10日でお願いします", t, &venues));
        assert!(!Answer::Date.is_complete("12月 昭和で", t, &venues));
        assert!(Answer::Time.is_complete("午前10時", t, &venues));
        assert!(!Answer::Time.is_complete("午後 時 分", t, &venues));
        assert!(!Answer::Name.is_complete("やまだ たろう", t, &venues));
    }

    #[test]
    fn the_first_complete_hypothesis_is_picked() {
        let t = today();
        let hyps = ["12月 昭和で", "12月10日で", "12月16日で"];
        assert_eq!(Answer::Date.pick(hyps, t, &[]), Some("12月10日で"));
        assert_eq!(Answer::Name.pick(["a", "b"], t, &[]), Some("a"));
        assert_eq!(Answer::Date.pick([], t, &[]), None);
    }

    #[test]
    fn names_and_dates_wait_longer() {
        let s = VoiceSettings::default();
        assert!(s.short_end_of_turn_ms < Answer::YesNo.end_of_turn_ms(&s));
        assert!(Answer::YesNo.end_of_turn_ms(&s) < Answer::Date.end_of_turn_ms(&s));
        assert_eq!(Answer::from_state("eligibility:1"), Answer::YesNo);
        assert_eq!(Answer::from_state("kana"), Answer::Name);
    }
}
