//! Property tests: whatever the recogniser or the keypad hands over, no
//! understanding function panics (a panic would drop the caller's call).
//! Complements `no_panic.rs` (a fixed pseudo-random walk over the tokens the
//! parsers look at) with proptest's generated inputs: any Unicode scalar,
//! control characters, long runs, tokens mixed with noise, any day of two
//! centuries as "today", and random venue lists.
//!
//! A short run by default (proptest's 256 cases each). For a longer hunt:
//! `PROPTEST_CASES=100000 cargo test -p madoguchi-ja --test fuzz`. A failure
//! is shrunk to a minimal input and saved under `proptest-regressions/`:
//! commit that file with the fix, so the case runs first from then on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Days, NaiveDate};
use madoguchi_ja::*;
use proptest::prelude::*;

/// Pieces the parsers react to: numerals in every script, counters, eras,
/// times of day, yes/no, venue names, width and voicing variants.
const TOKENS: &[&str] = &[
    "0",
    "1",
    "7",
    "9",
    "０",
    "９",
    "〇",
    "零",
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "百",
    "千",
    "万",
    "ゼロ",
    "まる",
    "いち",
    "に",
    "さん",
    "よん",
    "し",
    "ご",
    "ろく",
    "なな",
    "しち",
    "はち",
    "きゅう",
    "く",
    "じゅう",
    "ひゃく",
    "年",
    "月",
    "日",
    "時",
    "分",
    "半",
    "人",
    "名",
    "番",
    "号",
    "曜",
    "月曜",
    "金曜日",
    "週",
    "来週",
    "再来週",
    "今週",
    "明日",
    "あした",
    "明後日",
    "今日",
    "ついたち",
    "はつか",
    "午前",
    "午後",
    "朝",
    "昼",
    "夕方",
    "から",
    "まで",
    "以降",
    "ごろ",
    "昭和",
    "平成",
    "令和",
    "大正",
    "元年",
    "S",
    "H",
    "R",
    "s",
    ".",
    "/",
    "-",
    "ー",
    "−",
    "‐",
    ":",
    "：",
    "、",
    "。",
    "?",
    "？",
    " ",
    "　",
    "はい",
    "いいえ",
    "うん",
    "違います",
    "じゃなくて",
    "いや",
    "結構です",
    "お願いします",
    "予約",
    "変更",
    "取消",
    "キャンセル",
    "確認",
    "もう一度",
    "オペレーター",
    "#",
    "*",
    "＃",
    "尾西",
    "びさい",
    "本庁舎",
    "駅ナカ",
    "出張所",
    "事務所",
    "様",
    "さま",
    "です",
    "の",
    "で",
    "ｶﾞ",
    "ﾊﾟ",
    "ヴ",
    "ゝ",
    "ゞ",
    "々",
    "㍼",
    "㍻",
    "㋿",
    "①",
    "⑩",
    "Ⅻ",
    "𠮷",
    "\u{3099}",
    "\u{309A}",
    "\u{FF9E}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{0}",
    "\n",
    "\t",
];

/// Text as it might arrive: tokens, any characters, or both mixed.
fn utterance() -> impl Strategy<Value = String> {
    let token = prop::sample::select(TOKENS).prop_map(str::to_owned);
    let noise = any::<char>().prop_map(String::from);
    prop_oneof![
        prop::collection::vec(token.clone(), 0..16).prop_map(|t| t.concat()),
        prop::collection::vec(prop_oneof![3 => token, 1 => noise], 0..24).prop_map(|t| t.concat()),
        any::<String>(),
        // Long inputs: a recogniser looping on a word.
        (prop::sample::select(TOKENS), 40..400usize).prop_map(|(t, n)| t.repeat(n)),
    ]
}

/// Digits and keys as pressed on a phone, or anything else.
fn keys() -> impl Strategy<Value = String> {
    prop_oneof!["[0-9#*]{0,20}", "[0-9]{0,40}", any::<String>(),]
}

/// Any day from 1900 to 2100 as "today".
fn day() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    (0u64..73_000).prop_map(move |n| first.checked_add_days(Days::new(n)).unwrap())
}

/// Venue names, readings and aliases as staff might type them (the
/// matcher is built from them in the test: it has no `Debug` to print).
fn venues() -> impl Strategy<Value = Vec<(String, String, Vec<String>)>> {
    let entry = (
        utterance(),
        utterance(),
        prop::collection::vec(utterance(), 0..3),
    );
    prop::collection::vec(entry, 0..5)
}

fn matcher(entries: Vec<(String, String, Vec<String>)>) -> VenueMatcher {
    VenueMatcher::new(
        entries
            .into_iter()
            .enumerate()
            .map(|(n, (name, kana, aliases))| VenueEntry {
                id: n as i64,
                name,
                kana,
                aliases,
            })
            .collect(),
    )
}

proptest! {
    #[test]
    fn free_text_parsers_never_panic(text in utterance(), today in day()) {
        let ctx = DateContext { today };
        let normalized = normalize(&text);
        let _ = strip_polite(&normalized);
        let _ = canonical(&text);
        let _ = parse_date(&text, &ctx);
        let _ = said_weekday(&text);
        let _ = parse_birth_date(&text, today);
        let _ = parse_digits(&text);
        let _ = parse_phone(&text);
        let _ = parse_party_size(&text);
        let _ = parse_yes_no(&text);
        let _ = parse_intent(&text);
        let _ = parse_command(&text);
        let _ = parse_name(&text);
        let _ = parse_name_kana(&text);
        let _ = to_spoken_digits(&text);
    }

    #[test]
    fn times_resolve_within_any_opening_hours(
        text in utterance(),
        open in 0u32..=1440,
        length in 0u32..=1440,
    ) {
        let close = (open + length).min(1440);
        if let Some(answer) = parse_time(&text) {
            let _ = resolve_hour(answer, open, close);
        }
        let _ = match_time(&[text.as_str()], &[open, close], open, close);
        let _ = speak_time(open);
    }

    #[test]
    fn keypad_input_never_panics(pressed in keys(), today in day()) {
        let ctx = DateContext { today };
        let _ = keypad_date(&pressed, &ctx);
        let _ = keypad_time(&pressed);
        let _ = parse_digits(&pressed);
        let _ = parse_phone(&pressed);
    }

    #[test]
    fn closed_questions_never_panic(
        hypotheses in prop::collection::vec(utterance(), 0..4),
        today in day(),
        ahead in prop::collection::vec(0u64..120, 0..8),
        n in any::<u8>(),
        entries in venues(),
    ) {
        let matcher = matcher(entries);
        let said: Vec<&str> = hypotheses.iter().map(String::as_str).collect();
        let bookable: Vec<NaiveDate> = ahead
            .iter()
            .filter_map(|d| today.checked_add_days(Days::new(*d)))
            .collect();
        let _ = match_date(&said, &bookable, today);
        let _ = match_venue(&said, &matcher);
        let _ = match_choice(&said, n);
        let _ = match_yes_no(&said);
        for text in &said {
            let _ = matcher.find(text);
        }
    }

    #[test]
    fn dates_are_spoken_for_any_day(date in day()) {
        prop_assert!(!speak_date(date).is_empty());
        prop_assert!(!speak_birth_date(date).is_empty());
        let _: Vec<u32> = confusable_days(chrono::Datelike::day(&date)).collect();
    }
}
