//! Whatever the recogniser returns, no parser may panic: a panic would drop
//! the caller's call. Deterministic pseudo-random strings from the
//! characters the parsers look at.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use madoguchi_ja::*;

const ALPHABET: &[&str] = &[
    "0",
    "1",
    "2",
    "9",
    "０",
    "〇",
    "一",
    "二",
    "十",
    "百",
    "千",
    "ー",
    "-",
    "/",
    ":",
    ".",
    "、",
    "。",
    "?",
    " ",
    "　",
    "年",
    "月",
    "日",
    "時",
    "分",
    "半",
    "人",
    "名",
    "番",
    "曜",
    "週",
    "後",
    "間",
    "元",
    "昭和",
    "平成",
    "令和",
    "s",
    "h",
    "いち",
    "に",
    "さん",
    "し",
    "よ",
    "ご",
    "く",
    "じゅう",
    "じ",
    "がつ",
    "にち",
    "ふん",
    "ぷん",
    "っ",
    "ゃ",
    "ついたち",
    "はつか",
    "ようか",
    "はい",
    "いいえ",
    "違",
    "じゃなくて",
    "いや",
    "結構",
    "の",
    "で",
    "です",
    "お願いします",
    "午前",
    "午後",
    "朝",
    "夕方",
    "昼",
    "から",
    "まで",
    "以降",
    "来週",
    "再来週",
    "明日",
    "あさって",
    "尾西",
    "びさい",
    "駅",
    "出張所",
    "ナカ",
    "ｶﾞ",
    "㍼",
    "𠮷",
    "\u{3099}",
];

#[test]
fn random_text_never_panics() {
    let today = NaiveDate::from_ymd_opt(2026, 12, 28).unwrap();
    let ctx = DateContext { today };
    let venues = VenueMatcher::new(vec![
        VenueEntry {
            id: 1,
            name: "尾西事務所".to_owned(),
            kana: "びさいじむしょ".to_owned(),
            aliases: vec!["駅".to_owned(), "".to_owned()],
        },
        VenueEntry {
            id: 2,
            name: "".to_owned(),
            kana: "".to_owned(),
            aliases: vec![],
        },
    ]);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3_000 {
        let len = (next() % 12) as usize;
        let text: String = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect();
        let _ = normalize(&text);
        let _ = canonical(&text);
        let _ = parse_date(&text, &ctx);
        if let Some(t) = parse_time(&text) {
            let _ = resolve_hour(t, 9 * 60, 17 * 60);
        }
        let _ = parse_birth_date(&text, today);
        let _ = parse_digits(&text);
        let _ = parse_phone(&text);
        let _ = parse_party_size(&text);
        let _ = parse_yes_no(&text);
        let _ = parse_intent(&text);
        let _ = parse_command(&text);
        let _ = parse_name(&text);
        let _ = parse_name_kana(&text);
        let _ = keypad_date(&text, &ctx);
        let _ = keypad_time(&text);
        let _ = venues.find(&text);
        let _ = to_spoken_digits(&text);
    }
}
