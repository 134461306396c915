//! What the recognizer is told about the answer expected at each step.

use crate::speech::Hints;
use madoguchi_dialog::Expect;

const YES_NO: &[&str] = &["はい", "いいえ", "お願いします", "違います", "そうです"];
const DIGITS: &[&str] = &[
    "ゼロ", "一", "二", "三", "四", "五", "六", "七", "八", "九", "番",
];
/// The day of the visit: no era names (measured: with them, 「12月10日で」
/// came back as "12月 昭和で").
const VISIT_DATES: &[&str] = &["月", "日", "来週", "今週", "曜日", "一番早い日"];
const BIRTH_DATES: &[&str] = &["昭和", "平成", "令和", "大正", "年", "月", "日"];
const TIMES: &[&str] = &["午前", "午後", "時", "分", "半", "何時でも"];
const INTENTS: &[&str] = &["新しい予約", "予約の確認", "変更", "取り消し", "キャンセル"];

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| (*w).to_owned()).collect()
}

/// Hints for what the dialog expects next (`madoguchi_calls::Call::expect`).
pub fn for_expect(expect: Expect, venue_words: &[String]) -> Hints {
    match expect {
        Expect::YesNo | Expect::Confirm => Hints {
            prompt: Some("はい。いいえ。".to_owned()),
            hotwords: words(YES_NO),
            short_answer: true,
        },
        Expect::Venue => {
            // Readings, not kanji names: measured, a prompt of kanji names
            // pulls 尾西庁舎 towards 今伊勢 ("伊勢調査"); with readings Whisper
            // answers in kana (びさいちょうしゃ), which the matcher compares
            // on readings.
            let readings: Vec<String> = venue_words
                .iter()
                .filter(|w| is_kana(w))
                .map(|w| w.replace([' ', '\u{3000}'], ""))
                .collect();
            let prompt = if readings.is_empty() {
                venue_words.join("、")
            } else {
                readings.join("、")
            };
            Hints {
                prompt: Some(format!("{prompt}。")),
                hotwords: venue_words.to_vec(),
                short_answer: true,
            }
        }
        Expect::ReservationNo | Expect::Phone | Expect::PartySize | Expect::Choice(_) => Hints {
            prompt: Some("数字でお答えください。".to_owned()),
            hotwords: words(DIGITS),
            short_answer: true,
        },
        // No example answers in the prompt: measured, they leak into short
        // answers (じゅうにじ → "10時、午後から"; 9時半 → 午前10時半).
        Expect::Date => Hints {
            prompt: None,
            hotwords: words(VISIT_DATES),
            short_answer: true,
        },
        Expect::BirthDate | Expect::Identity => Hints {
            prompt: None,
            hotwords: words(BIRTH_DATES),
            short_answer: true,
        },
        Expect::Time => Hints {
            prompt: None,
            hotwords: words(TIMES),
            short_answer: true,
        },
        Expect::Name => Hints {
            prompt: None,
            hotwords: Vec::new(),
            short_answer: true,
        },
        // Steers Whisper towards writing the reading in hiragana (the step
        // takes kana only); no example name, which would leak.
        Expect::NameReading => Hints {
            prompt: Some("ひらがなで。".to_owned()),
            hotwords: Vec::new(),
            short_answer: true,
        },
        // A whole request may come in the first breath (mixed initiative):
        // the venues' readings too (an e2e call heard びさい事務所 as
        // "1歳住む所" with the errand words alone).
        Expect::Intent => Hints {
            prompt: Some("予約の受付です。".to_owned()),
            hotwords: words(INTENTS)
                .into_iter()
                .chain(
                    venue_words
                        .iter()
                        .filter(|w| is_kana(w))
                        .map(|w| w.replace([' ', '\u{3000}'], "")),
                )
                .collect(),
            short_answer: false,
        },
        Expect::Correction | Expect::Nothing => Hints::default(),
    }
}

/// Hiragana or katakana only (spaces and the long-vowel mark allowed).
fn is_kana(word: &str) -> bool {
    !word.trim().is_empty()
        && word.chars().all(
            |c| matches!(c, '\u{3041}'..='\u{309f}' | '\u{30a0}'..='\u{30ff}' | ' ' | '\u{3000}'),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venue_step_names_the_venues() {
        let venues = vec!["尾西事務所".to_owned(), "びさいじむしょ".to_owned()];
        let h = for_expect(Expect::Venue, &venues);
        assert_eq!(h.hotwords, venues);
        let prompt = h.prompt.unwrap();
        assert!(prompt.contains("びさいじむしょ"), "{prompt}");
        assert!(!prompt.contains("尾西"), "readings only: {prompt}");
    }

    #[test]
    fn confirmations_are_yes_no_and_short() {
        for e in [Expect::Confirm, Expect::YesNo] {
            let h = for_expect(e, &[]);
            assert!(h.short_answer, "{e:?}");
            assert!(h.hotwords.contains(&"はい".to_owned()), "{e:?}");
        }
    }

    #[test]
    fn numbers_and_dates() {
        assert!(
            for_expect(Expect::Phone, &[])
                .hotwords
                .contains(&"ゼロ".to_owned())
        );
        assert!(
            for_expect(Expect::BirthDate, &[])
                .hotwords
                .contains(&"昭和".to_owned())
        );
        assert!(
            !for_expect(Expect::Date, &[])
                .hotwords
                .contains(&"昭和".to_owned()),
            "no era at the visit's date"
        );
        assert!(!for_expect(Expect::Intent, &[]).short_answer);
    }

    #[test]
    fn the_first_question_hears_venue_readings_too() {
        let venues = vec!["尾西事務所".to_owned(), "びさいじむしょ".to_owned()];
        let h = for_expect(Expect::Intent, &venues);
        assert!(h.hotwords.contains(&"びさいじむしょ".to_owned()));
        assert!(h.hotwords.contains(&"取り消し".to_owned()));
        assert!(!h.hotwords.contains(&"尾西事務所".to_owned()));
    }
}
