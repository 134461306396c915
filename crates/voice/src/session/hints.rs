//! What the recognizer is told about the answer expected at each step.

use crate::speech::Hints;

const YES_NO: &[&str] = &["はい", "いいえ", "お願いします", "違います", "そうです"];
const DIGITS: &[&str] = &[
    "ゼロ", "一", "二", "三", "四", "五", "六", "七", "八", "九", "番",
];
const DATES: &[&str] = &[
    "昭和",
    "平成",
    "令和",
    "年",
    "月",
    "日",
    "来週",
    "今週",
    "曜日",
    "一番早い日",
];
const TIMES: &[&str] = &["午前", "午後", "時", "分", "半", "何時でも"];
const INTENTS: &[&str] = &["新しい予約", "予約の確認", "変更", "取り消し", "キャンセル"];

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| (*w).to_owned()).collect()
}

/// Hints for the dialog state `state` (as `madoguchi_calls::Call::state`).
pub fn for_state(state: &str, venue_words: &[String]) -> Hints {
    let confirm = state.starts_with("confirm")
        || state.starts_with("eligibility")
        || matches!(state, "use_caller_id" | "sms_offer");
    if confirm {
        return Hints {
            prompt: Some("はい。いいえ。".to_owned()),
            hotwords: words(YES_NO),
            short_answer: true,
        };
    }
    match state {
        "venue" | "venue_which" => Hints {
            prompt: Some(format!("{}。", venue_words.join("、"))),
            hotwords: venue_words.to_vec(),
            short_answer: true,
        },
        "reservation_no" | "phone" | "party" | "choose_alternative" => Hints {
            prompt: Some("数字でお答えください。".to_owned()),
            hotwords: words(DIGITS),
            short_answer: true,
        },
        "date" | "birth_date" | "identity" => Hints {
            prompt: Some("12月3日。昭和35年4月1日。".to_owned()),
            hotwords: words(DATES),
            short_answer: true,
        },
        "time" => Hints {
            prompt: Some("午前10時。午後2時半。".to_owned()),
            hotwords: words(TIMES),
            short_answer: true,
        },
        "name" | "kana" => Hints {
            prompt: None,
            hotwords: Vec::new(),
            short_answer: true,
        },
        "intent" => Hints {
            prompt: Some("予約の受付です。".to_owned()),
            hotwords: words(INTENTS),
            short_answer: false,
        },
        _ => Hints::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venue_step_names_the_venues() {
        let venues = vec!["尾西事務所".to_owned(), "びさいじむしょ".to_owned()];
        let h = for_state("venue", &venues);
        assert_eq!(h.hotwords, venues);
        assert!(h.prompt.unwrap().contains("尾西事務所"));
    }

    #[test]
    fn confirmations_are_yes_no_and_short() {
        for s in [
            "confirm_booking",
            "confirm_slot",
            "eligibility:0",
            "use_caller_id",
        ] {
            let h = for_state(s, &[]);
            assert!(h.short_answer, "{s}");
            assert!(h.hotwords.contains(&"はい".to_owned()), "{s}");
        }
    }

    #[test]
    fn numbers_and_dates() {
        assert!(
            for_state("phone", &[])
                .hotwords
                .contains(&"ゼロ".to_owned())
        );
        assert!(
            for_state("birth_date", &[])
                .hotwords
                .contains(&"昭和".to_owned())
        );
        assert!(!for_state("intent", &[]).short_answer);
    }
}
