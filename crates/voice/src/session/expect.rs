//! What the audio side makes of the answer the dialog expects
//! ([`Expect`]): how long a silence ends the turn, and whether a
//! (speculative or N-best) hypothesis is already a complete answer.

use chrono::Datelike;
use madoguchi_calls::Possible;
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

/// Whether the caller may go on after a whole answer, so that a complete
/// early hypothesis must not end the turn: at the first question a request
/// comes in one breath with pauses between its sentences
/// (「予約をお願いします。」 … 「尾西で、12月3日の午前10時に、ふたりです」),
/// and ending at the first pause would lose all but the errand.
pub fn may_go_on(expect: Expect) -> bool {
    matches!(expect, Expect::Intent)
}

/// Whether `text` answers the question whole, so that the turn can end
/// without waiting for more (a day that cannot be booked is still a whole
/// answer: the dialog says so).
pub fn is_complete(expect: Expect, text: &str, possible: &Possible) -> bool {
    if ja::normalize(text).is_empty() {
        return false;
    }
    let today = possible.today;
    match expect {
        Expect::YesNo => matches!(ja::parse_yes_no(text), Some(ja::YesNo::Yes | ja::YesNo::No)),
        // いいえ may be followed by the correction: only はい is complete.
        Expect::Confirm => ja::parse_yes_no(text) == Some(ja::YesNo::Yes),
        Expect::Intent => ja::parse_intent(text).is_some(),
        Expect::Venue => !matches!(possible.venues.find(text), ja::VenueMatch::None),
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

/// What one hypothesis says, against what is possible in the call.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Fit {
    /// It answers the question with a possible value (a bookable day, a
    /// known venue, a choice in range, an hour within opening hours, はい /
    /// いいえ where asked).
    answers: bool,
    /// How many possible values it names (venue, day, party, hour).
    values: u8,
    /// It names something that cannot be: a day that cannot be booked (or
    /// whose weekday is not the one said), an hour outside opening hours,
    /// more than four people, a choice out of range.
    impossible: bool,
}

/// Values that may come with any answer (mixed initiative, corrections),
/// matched with the closed-set matchers. Returns (how many possible
/// values named, impossible value named).
fn values(expect: Expect, text: &str, p: &Possible) -> (u8, bool) {
    let (mut some, mut bad) = (0u8, false);
    let c = ja::canonical(text);
    if let ja::VenueMatch::One(_) = ja::match_venue(&[text], &p.venues) {
        some += 1;
    }
    match ja::match_date(&[text], &p.days, p.today) {
        ja::DateMatch::Day(d) => {
            if ja::said_weekday(text).is_some_and(|w| w != d.weekday()) {
                bad = true;
            } else {
                some += 1;
            }
        }
        // 何時でも at the time question is about the time.
        ja::DateMatch::Earliest => {
            some += u8::from(!p.days.is_empty() && expect != Expect::Time);
        }
        ja::DateMatch::Confirm(_) | ja::DateMatch::NotBookable(_) => bad = true,
        ja::DateMatch::Nothing => {}
    }
    // A number is a party or an hour only with its counter, or when that
    // is the question (as the dialog hears it).
    let counted = c
        .chars()
        .zip(c.chars().skip(1))
        .any(|(a, b)| a.is_ascii_digit() && matches!(b, '人' | '名'));
    if expect == Expect::PartySize || counted {
        match ja::parse_party_size(text) {
            Some(1..=4) => some += 1,
            Some(_) => bad = true,
            // A count of people that is no party size (30人).
            None => bad |= counted,
        }
    }
    if expect == Expect::Time || (c.contains('時') && !c.contains("時間")) {
        let said = ja::parse_time(text).map(|t| ja::resolve_hour(t, p.open_min, p.close_min));
        if let Some(ja::TimeAnswer::At { .. }) = said {
            let times: Vec<u32> = (p.open_min..p.close_min).collect();
            match ja::match_time(&[text], &times, p.open_min, p.close_min) {
                Some(_) => some += 1,
                None => bad = true,
            }
        }
    }
    (some, bad)
}

fn fit(expect: Expect, text: &str, p: &Possible) -> Fit {
    if ja::normalize(text).is_empty() {
        return Fit::default();
    }
    let (count, impossible) = values(expect, text, p);
    let some = count > 0;
    let yes_no = || {
        matches!(
            ja::match_yes_no(&[text]),
            Some(ja::YesNo::Yes | ja::YesNo::No)
        )
    };
    let answers = match expect {
        Expect::YesNo => yes_no(),
        Expect::Confirm => yes_no() || some,
        Expect::Intent => ja::parse_intent(text).is_some() || some,
        Expect::Venue => matches!(ja::match_venue(&[text], &p.venues), ja::VenueMatch::One(_)),
        Expect::Choice(n) => ja::match_choice(&[text], n).is_some(),
        Expect::PartySize => ja::match_choice(&[text], 4).is_some(),
        Expect::Date => {
            matches!(
                ja::match_date(&[text], &p.days, p.today),
                ja::DateMatch::Day(_) | ja::DateMatch::Earliest
            ) && !impossible
        }
        Expect::Time => {
            let times: Vec<u32> = (p.open_min..p.close_min).collect();
            ja::match_time(&[text], &times, p.open_min, p.close_min).is_some()
        }
        _ => false,
    };
    let out_of_range = match expect {
        Expect::Choice(n) => ja::parse_digits(text)
            .and_then(|d| d.parse::<u32>().ok())
            .is_some_and(|k| k == 0 || k > u32::from(n)),
        _ => false,
    };
    Fit {
        answers,
        values: count,
        impossible: impossible || (out_of_range && !answers),
    }
}

/// The hypothesis to hand to the dialog and whether it is a complete
/// answer. Among the N-best (best first) the first that answers with
/// something possible wins; one that names an impossible value (a day
/// that cannot be booked, 7 people) loses to one that does not; then the
/// first complete answer; else the best. Where a whole request or a
/// correction may come (the first question, offers and the read-back), a
/// hypothesis naming more possible values beats one naming fewer.
/// `correct` applies the staff's recognition corrections, as the dialog
/// will.
pub fn pick<'a>(
    expect: Expect,
    hypotheses: impl IntoIterator<Item = &'a str>,
    possible: &Possible,
    correct: impl Fn(&str) -> String,
) -> Option<(&'a str, bool)> {
    let many = matches!(expect, Expect::Intent | Expect::Confirm);
    // (rank, fewer values first negated) lower is better.
    let mut best: Option<((u8, u8), &'a str, bool)> = None;
    for h in hypotheses {
        let heard = correct(h);
        let f = fit(expect, &heard, possible);
        let complete = is_complete(expect, &heard, possible);
        let rank = match (f.answers, f.impossible, complete) {
            (true, false, _) => 0,
            (true, true, _) => 1,
            (false, false, true) => 2,
            (false, true, true) => 3,
            (false, false, false) => 4,
            (false, true, false) => 5,
        };
        if rank == 0 && !many {
            return Some((h, complete));
        }
        let key = (rank, if many { u8::MAX - f.values } else { 0 });
        if best.is_none_or(|(k, _, _)| key < k) {
            best = Some((key, h, complete));
        }
    }
    best.map(|(_, h, complete)| (h, complete))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::NaiveDate;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, day).unwrap()
    }

    /// Tuesday 2026-12-01, 9:00–16:30; weekdays bookable from 12/2 but
    /// Friday 12/4 (full); 本庁舎 and 尾西事務所.
    fn possible() -> Possible {
        Possible {
            today: d(1),
            days: (2..=31)
                .map(d)
                .filter(|x| x.weekday().num_days_from_monday() < 5 && x.day() != 4)
                .collect(),
            open_min: 9 * 60,
            close_min: 16 * 60 + 30,
            venues: ja::VenueMatcher::new(vec![
                ja::VenueEntry {
                    id: 1,
                    name: "本庁舎 市民課".into(),
                    kana: "ほんちょうしゃ しみんか".into(),
                    aliases: vec![],
                },
                ja::VenueEntry {
                    id: 2,
                    name: "尾西事務所".into(),
                    kana: "びさいじむしょ".into(),
                    aliases: vec!["駅ナカ".into()],
                },
            ]),
        }
    }

    fn choose<'a>(expect: Expect, hyps: &[&'a str]) -> &'a str {
        pick(expect, hyps.iter().copied(), &possible(), str::to_owned)
            .unwrap()
            .0
    }

    #[test]
    fn complete_answers_per_expectation() {
        let p = possible();
        let done = |e, s| is_complete(e, s, &p);
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
        let hyps = ["12月 昭和で", "12月10日で", "12月16日で"];
        assert_eq!(choose(Expect::Date, &hyps), "12月10日で");
        assert_eq!(choose(Expect::Name, &["a", "b"]), "a");
        assert_eq!(pick(Expect::Date, [], &possible(), str::to_owned), None);
    }

    #[test]
    fn a_venue_that_exists_wins_over_a_misspelled_one() {
        // Whisper's beam for 「尾西事務所でお願いします」 over μ-law.
        let hyps = [
            "美彩事務所でお願いします。",
            "びさいじむしょでおめがいします",
            "尾西事務所でお願いします。",
        ];
        assert_eq!(choose(Expect::Venue, &hyps), hyps[1]);
        // Nothing matches: the recognizer's best goes to the dialog (which
        // asks again).
        assert_eq!(
            choose(Expect::Venue, &["伊勢調査で", "いせちょうさで"]),
            "伊勢調査で"
        );
    }

    #[test]
    fn a_bookable_day_wins_over_one_that_cannot_be_booked() {
        // じゅうよっか: 12/4 is full, 12/14 (Monday) open.
        let hyps = [
            "4日でお願いします",
            "14日でお願いします",
            "16日でお願いします",
        ];
        assert_eq!(choose(Expect::Date, &hyps), hyps[1]);
        // The best is kept when it can be booked.
        let hyps = ["16日でお願いします", "14日でお願いします"];
        assert_eq!(choose(Expect::Date, &hyps), hyps[0]);
        // A Sunday (12/13) loses to the Monday after it.
        let hyps = ["12月13日", "12月14日"];
        assert_eq!(choose(Expect::Date, &hyps), hyps[1]);
        // The weekday said settles it: 12/16 is a Wednesday.
        let hyps = ["12月16日の木曜日", "12月10日の木曜日"];
        assert_eq!(choose(Expect::Date, &hyps), hyps[1]);
        // Only impossible days: the first day heard, for the dialog to say
        // it cannot be booked (rather than a hypothesis with no date).
        let hyps = ["12月 昭和で", "12月4日で"];
        assert_eq!(choose(Expect::Date, &hyps), hyps[1]);
    }

    #[test]
    fn hours_parties_and_choices_must_be_possible() {
        let hyps = ["午後 時 分", "午後7時で", "午後2時で"];
        assert_eq!(choose(Expect::Time, &hyps), hyps[2]);
        assert_eq!(choose(Expect::PartySize, &["耳です", "2名です"]), "2名です");
        assert_eq!(
            choose(Expect::PartySize, &["7人です", "2人です"]),
            "2人です"
        );
        assert_eq!(choose(Expect::Choice(3), &["5番", "2番"]), "2番");
        assert_eq!(choose(Expect::YesNo, &["よいしょ", "いいえ"]), "いいえ");
    }

    #[test]
    fn several_values_and_corrections_over_hypotheses() {
        // The read-back: a correction with its new value.
        let hyps = ["いいえ、4日です", "いいえ、14日です"];
        assert_eq!(choose(Expect::Confirm, &hyps), hyps[1]);
        let hyps = ["いいえ、30人です", "いいえ、3人です"];
        assert_eq!(choose(Expect::Confirm, &hyps), hyps[1]);
        // A whole request in one breath.
        let hyps = [
            "予約をお願いします。美彩事務所で4日の午前10時に2人です",
            "予約をお願いします。びさいじむしょで14日の午前10時に2人です",
        ];
        assert_eq!(choose(Expect::Intent, &hyps), hyps[1]);
        // The errand heard in every hypothesis, the venue in the second only
        // (an e2e call: びさい事務所 → 「1歳住む所」).
        let hyps = [
            "予約をお願いします。1歳住む所で12月3日の午前10時に2人です。",
            "予約をお願いします。びさいじむしょで12月3日の午前10時に2人です。",
        ];
        assert_eq!(choose(Expect::Intent, &hyps), hyps[1]);
        assert_eq!(
            choose(Expect::Intent, &["予約をお願いします", "予約を"]),
            "予約をお願いします"
        );
        // 午前10時 is possible, 午後10時 is not.
        let hyps = ["いいえ、午後10時です", "いいえ、午前10時です"];
        assert_eq!(choose(Expect::Confirm, &hyps), hyps[1]);
    }

    #[test]
    fn staff_corrections_apply_before_matching() {
        let p = possible();
        let fix = |h: &str| h.replace("美西", "尾西");
        let hyps = ["いまいせで", "美西事務所で"];
        let got = pick(Expect::Venue, hyps, &p, fix).unwrap();
        assert_eq!(got, ("美西事務所で", true));
    }

    #[test]
    fn only_the_first_question_waits_for_more_after_a_whole_answer() {
        assert!(may_go_on(Expect::Intent));
        for e in [Expect::YesNo, Expect::Confirm, Expect::Venue, Expect::Date] {
            assert!(!may_go_on(e), "{e:?}");
        }
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
