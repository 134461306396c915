//! Normalisation of recognised speech, and the canonical form the parsers
//! read.
//!
//! [`normalize`] folds the spelling variants a recogniser produces (full and
//! half width, katakana and hiragana, punctuation, spaces, hesitation fillers)
//! into one form. [`canonical`] goes further for the number parsers: kana
//! words with a fixed meaning become kanji (ごご → 午後, らいしゅう → 来週), and
//! every number followed by a counter becomes ASCII digits with a kanji
//! counter (じゅうにがつみっか → 12月3日, にじはん → 2時半, ふたり → 2人).

use madoguchi_core::text::nfkc;

/// Hesitation fillers, longest first. "ええ" alone is a yes and is kept.
const FILLERS: &[&str] = &[
    "ええっと",
    "えーっと",
    "ええと",
    "えーと",
    "えっと",
    "あのう",
    "あのー",
    "そのう",
    "そのー",
    "うーんと",
    "うーん",
    "んーと",
    "んー",
    "えー",
    "あー",
    "あの",
    "まあ",
];

/// Polite endings and wrappers around an answer, longest first; removed by
/// [`strip_polite`] so that "3でお願いします" leaves "3".
const POLITE: &[&str] = &[
    "にしたいんですけれども",
    "にしたいんですけど",
    "にしたいんですが",
    "にしたいです",
    "でおねがいします",
    "でお願いします",
    "をおねがいします",
    "をお願いします",
    "おねがいします",
    "お願いします",
    "なんですけれども",
    "なんですけど",
    "なんですが",
    "ですけれども",
    "ですけど",
    "ですが",
    "でいいです",
    "がいいです",
    "でしょうか",
    "ください",
    "下さい",
    "ですね",
    "でした",
    "です",
    "かな",
    "でも",
    "で",
    "ね",
    "よ",
];

/// Katakana to hiragana; everything else unchanged. The long-vowel mark ー
/// stays (it has no hiragana twin).
pub fn kata_to_hira(c: char) -> char {
    match c {
        '\u{30A1}'..='\u{30F6}' | '\u{30FD}' | '\u{30FE}' => {
            char::from_u32(u32::from(c) - 0x60).unwrap_or(c)
        }
        _ => c,
    }
}

pub(crate) fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{309F}')
}

fn is_punctuation(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '、' | '。'
                | ','
                | '!'
                | '?'
                | '「'
                | '」'
                | '『'
                | '』'
                | '('
                | ')'
                | '（'
                | '）'
                | '・'
                | '…'
                | '‥'
                | '〜'
                | '～'
                | '~'
                | '"'
                | '\''
                | '“'
                | '”'
                | '‘'
                | '’'
                | ';'
                | '♪'
        )
}

/// Folds what a recogniser returned into one spelling: NFKC (full-width
/// digits and letters, half-width katakana), katakana → hiragana, ASCII
/// lower case, no spaces or punctuation (a '.' between digits is kept, as
/// are ':' '/' '-' and ー), and hesitation fillers (えーと, あのー, えっと,
/// そのー, まあ …) removed. Polite wrappers are removed separately by
/// [`strip_polite`], since "お願いします" alone is an answer (yes).
pub fn normalize(input: &str) -> String {
    let folded: Vec<char> = nfkc(input)
        .chars()
        .map(|c| kata_to_hira(c).to_ascii_lowercase())
        .collect();
    let mut out = String::with_capacity(folded.len() * 3);
    for (i, &c) in folded.iter().enumerate() {
        if c == '.' {
            let digit_before = i > 0 && folded[i - 1].is_ascii_digit();
            let digit_after = folded.get(i + 1).is_some_and(char::is_ascii_digit);
            if digit_before && digit_after {
                out.push(c);
            }
            continue;
        }
        if !is_punctuation(c) {
            out.push(c);
        }
    }
    strip_fillers(&out)
}

fn strip_fillers(s: &str) -> String {
    let mut out = s.to_owned();
    for filler in FILLERS {
        out = out.replace(filler, "");
    }
    out
}

/// Removes polite endings ("でお願いします", "なんですけど", "です") from the
/// end of an already normalised answer, repeatedly.
pub fn strip_polite(normalized: &str) -> String {
    let mut s = normalized.to_owned();
    loop {
        let before = s.len();
        for suffix in POLITE {
            if let Some(rest) = s.strip_suffix(suffix) {
                s = rest.to_owned();
                break;
            }
        }
        if s.len() == before {
            return s;
        }
    }
}

/// Kana words with one meaning in a booking call, rewritten to kanji so the
/// parsers look for one spelling. Longest and most specific first.
const VOCABULARY: &[(&str, &str)] = &[
    ("さらいしゅう", "再来週"),
    ("らいしゅう", "来週"),
    ("こんしゅう", "今週"),
    ("さらいげつ", "再来月"),
    ("らいげつ", "来月"),
    ("こんげつ", "今月"),
    ("らいねん", "来年"),
    ("しあさって", "明明後日"),
    ("あさって", "明後日"),
    ("みょうごにち", "明後日"),
    ("あさいち", "朝一"),
    ("あさ", "朝"),
    ("あした", "明日"),
    ("あす", "明日"),
    ("きょう", "今日"),
    ("ほんじつ", "今日"),
    ("本日", "今日"),
    ("ごぜんちゅう", "午前中"),
    ("ごぜん", "午前"),
    ("ごご", "午後"),
    ("ひるすぎ", "昼過ぎ"),
    ("昼すぎ", "昼過ぎ"),
    ("ひるまえ", "昼前"),
    ("おひる", "お昼"),
    ("ひる", "昼"),
    ("ゆうがた", "夕方"),
    ("しょうご", "正午"),
    ("げつようび", "月曜日"),
    ("かようび", "火曜日"),
    ("すいようび", "水曜日"),
    ("もくようび", "木曜日"),
    ("きんようび", "金曜日"),
    ("どようび", "土曜日"),
    ("にちようび", "日曜日"),
    ("げつよう", "月曜"),
    ("かよう", "火曜"),
    ("すいよう", "水曜"),
    ("もくよう", "木曜"),
    ("きんよう", "金曜"),
    ("どよう", "土曜"),
    ("にちよう", "日曜"),
    ("ようび", "曜日"),
    ("しょうわ", "昭和"),
    ("へいせい", "平成"),
    ("れいわ", "令和"),
    ("たいしょう", "大正"),
    ("めいじ", "明治"),
    ("がんねん", "元年"),
    ("ひとり", "1人"),
    ("ふたり", "2人"),
    ("一人", "1人"),
    ("独り", "1人"),
    ("二人", "2人"),
    ("ふうふ", "夫婦"),
    ("いちばん", "1番"),
    ("一番", "1番"),
];

/// Day-of-month words with their own reading, longest first.
const DAY_WORDS: &[(&str, u32)] = &[
    ("にじゅうよっか", 24),
    ("じゅうよっか", 14),
    ("ついたち", 1),
    ("ふつか", 2),
    ("みっか", 3),
    ("よっか", 4),
    ("いつか", 5),
    ("むいか", 6),
    ("なのか", 7),
    ("なぬか", 7),
    ("ようか", 8),
    ("ここのか", 9),
    ("とおか", 10),
    ("はつか", 20),
];

/// Counters: (spelling, canonical kanji). Kana spellings only count after a
/// number.
const COUNTERS: &[(&str, &str)] = &[
    ("がつ", "月"),
    ("月", "月"),
    ("にち", "日"),
    ("日", "日"),
    ("時", "時"),
    ("じ", "時"),
    ("分", "分"),
    ("ふん", "分"),
    ("ぷん", "分"),
    ("年", "年"),
    ("ねん", "年"),
    ("人", "人"),
    ("名", "人"),
    ("にん", "人"),
    ("番", "番"),
    ("ばん", "番"),
    ("回", "回"),
    ("かい", "回"),
    ("度", "度"),
    ("ど", "度"),
    ("週", "週"),
    ("しゅう", "週"),
    ("歳", "歳"),
    ("才", "歳"),
    ("さい", "歳"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Digit(u32),
    Unit(u32),
    /// An ASCII digit run: a whole number, nothing may follow it.
    Literal(u32),
}

/// Kana number words, longest first where one is a prefix of another.
const KANA_NUMBERS: &[(&str, Tok)] = &[
    ("きゅう", Tok::Digit(9)),
    ("きゅー", Tok::Digit(9)),
    ("じゅう", Tok::Unit(10)),
    ("じゅー", Tok::Unit(10)),
    ("じゅっ", Tok::Unit(10)),
    ("ひゃく", Tok::Unit(100)),
    ("びゃく", Tok::Unit(100)),
    ("ぴゃく", Tok::Unit(100)),
    ("ひゃっ", Tok::Unit(100)),
    ("ぴゃっ", Tok::Unit(100)),
    ("いち", Tok::Digit(1)),
    ("いっ", Tok::Digit(1)),
    ("さん", Tok::Digit(3)),
    ("よん", Tok::Digit(4)),
    ("しち", Tok::Digit(7)),
    ("ろく", Tok::Digit(6)),
    ("ろっ", Tok::Digit(6)),
    ("なな", Tok::Digit(7)),
    ("はち", Tok::Digit(8)),
    ("はっ", Tok::Digit(8)),
    ("じっ", Tok::Unit(10)),
    ("せん", Tok::Unit(1000)),
    ("ぜん", Tok::Unit(1000)),
    ("に", Tok::Digit(2)),
    ("よ", Tok::Digit(4)),
    ("し", Tok::Digit(4)),
    ("ご", Tok::Digit(5)),
    ("く", Tok::Digit(9)),
];

pub(crate) fn kanji_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn kanji_unit(c: char) -> Option<u32> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        _ => return None,
    })
}

fn starts_with_at(chars: &[char], at: usize, word: &str) -> bool {
    (at..)
        .zip(word.chars())
        .all(|(i, w)| chars.get(i) == Some(&w))
}

/// One number token at `at`: (token, length in chars, written in kana).
fn number_token(chars: &[char], at: usize) -> Option<(Tok, usize, bool)> {
    let c = *chars.get(at)?;
    if c.is_ascii_digit() {
        let mut end = at;
        let mut value: u32 = 0;
        while let Some(d) = chars.get(end).and_then(|c| c.to_digit(10)) {
            value = value.saturating_mul(10).saturating_add(d);
            end += 1;
        }
        return Some((Tok::Literal(value), end - at, false));
    }
    if let Some(d) = kanji_digit(c) {
        return Some((Tok::Digit(d), 1, false));
    }
    if let Some(u) = kanji_unit(c) {
        return Some((Tok::Unit(u), 1, false));
    }
    KANA_NUMBERS.iter().find_map(|&(word, tok)| {
        starts_with_at(chars, at, word).then(|| (tok, word.chars().count(), true))
    })
}

/// The value of a token sequence, or `None` if no one says it that way.
fn value_of(toks: &[(Tok, bool)]) -> Option<u32> {
    if let [(Tok::Literal(v), _)] = toks {
        return Some(*v);
    }
    if toks.iter().any(|(t, _)| matches!(t, Tok::Literal(_))) {
        return None;
    }
    let has_unit = toks.iter().any(|(t, _)| matches!(t, Tok::Unit(_)));
    if !has_unit {
        // Digit by digit (三五 = 35) only in kanji; kana digits in a row are a
        // list, not a number.
        if toks.len() > 1 && toks.iter().any(|&(_, kana)| kana) {
            return None;
        }
        return toks.iter().try_fold(0u32, |acc, (t, _)| match t {
            Tok::Digit(d) => acc.checked_mul(10)?.checked_add(*d),
            _ => None,
        });
    }
    let mut total = 0u32;
    let mut pending: Option<u32> = None;
    let mut last_unit = u32::MAX;
    for (t, _) in toks {
        match *t {
            Tok::Digit(d) => {
                if pending.is_some() || d == 0 {
                    return None;
                }
                pending = Some(d);
            }
            Tok::Unit(u) => {
                if u >= last_unit {
                    return None;
                }
                total += pending.take().unwrap_or(1) * u;
                last_unit = u;
            }
            Tok::Literal(_) => return None,
        }
    }
    Some(total + pending.unwrap_or(0))
}

/// Every way to read a number starting at `at`: (value, end), longest first.
fn number_candidates(chars: &[char], at: usize) -> Vec<(u32, usize, bool)> {
    let mut toks = Vec::new();
    let mut ends = Vec::new();
    let mut i = at;
    while let Some((tok, len, kana)) = number_token(chars, i) {
        toks.push((tok, kana));
        i += len;
        ends.push(i);
        if matches!(tok, Tok::Literal(_)) || toks.len() >= 8 {
            break;
        }
    }
    let mut out = Vec::new();
    for k in (1..=toks.len()).rev() {
        if let Some(v) = value_of(&toks[..k]) {
            let all_kana = toks[..k].iter().all(|&(_, kana)| kana);
            out.push((v, ends[k - 1], all_kana));
        }
    }
    out
}

fn is_small_kana(c: char) -> bool {
    matches!(c, 'ゃ' | 'ゅ' | 'ょ' | 'ぁ' | 'ぃ' | 'ぅ' | 'ぇ' | 'ぉ')
}

/// The counter at `at`, if any: (canonical, length).
fn counter_at(chars: &[char], at: usize) -> Option<(&'static str, usize)> {
    COUNTERS.iter().find_map(|&(word, canon)| {
        if !starts_with_at(chars, at, word) {
            return None;
        }
        let len = word.chars().count();
        if chars.get(at + len).copied().is_some_and(is_small_kana) {
            return None;
        }
        Some((canon, len))
    })
}

fn day_word_at(chars: &[char], at: usize, prev: Option<char>) -> Option<(u32, usize)> {
    // A day word follows a month, a particle or nothing; "しようか" is not 8日.
    let prev_ok = prev.is_none_or(|p| !is_hiragana(p) || matches!(p, 'の' | 'は' | 'が' | 'も'));
    if !prev_ok {
        return None;
    }
    DAY_WORDS.iter().find_map(|&(word, day)| {
        starts_with_at(chars, at, word).then(|| (day, word.chars().count()))
    })
}

/// "ー" where "一" was meant: between or next to kanji numerals and counters
/// (十ー月, ー時), never after kana where it lengthens a vowel.
fn fix_long_vowel_one(chars: &mut [char]) {
    for i in 0..chars.len() {
        if chars[i] != 'ー' {
            continue;
        }
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let next = chars.get(i + 1).copied();
        let prev_kana =
            prev.is_some_and(|p| is_hiragana(p) || ('\u{30A0}'..='\u{30FF}').contains(&p));
        if prev_kana {
            continue;
        }
        let numeric = |c: Option<char>| {
            c.is_some_and(|c| kanji_digit(c).is_some() || kanji_unit(c).is_some())
        };
        let counter = |c: Option<char>| {
            c.is_some_and(|c| matches!(c, '月' | '日' | '時' | '人' | '名' | '番' | '回'))
        };
        if numeric(prev) || numeric(next) || counter(next) {
            chars[i] = '一';
        }
    }
}

/// The canonical form of an already normalised text: see the module docs.
pub fn canonical_from_normalized(normalized: &str) -> String {
    let mut s = normalized.to_owned();
    for (from, to) in VOCABULARY {
        s = s.replace(from, to);
    }
    let mut chars: Vec<char> = s.chars().collect();
    fix_long_vowel_one(&mut chars);
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some((day, len)) = day_word_at(&chars, i, out.chars().last()) {
            out.push_str(&format!("{day}日"));
            i += len;
            continue;
        }
        let candidates = number_candidates(&chars, i);
        let with_counter = candidates.iter().find_map(|&(value, end, _)| {
            counter_at(&chars, end).map(|(canon, len)| (value, canon, end + len))
        });
        if let Some((value, canon, end)) = with_counter {
            out.push_str(&value.to_string());
            out.push_str(canon);
            i = end;
            continue;
        }
        // Kanji and ASCII numbers become ASCII even without a counter; kana
        // ones stay, they are as likely to be particles.
        if let Some(&(value, end, false)) = candidates.first() {
            out.push_str(&value.to_string());
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out.replace("時はん", "時半")
}

/// Phrases after which a caller says the right answer: "3日じゃなくて4日",
/// "2時、いや3時", "やっぱり木曽川". Longest first.
const CORRECTIONS: &[&str] = &[
    "じゃなくて",
    "ではなくて",
    "じゃなく",
    "ではなく",
    "やっぱり",
    "やっぱ",
    "間違えました",
    "まちがえました",
    "間違えた",
    "まちがえた",
    "違います",
    "ちがいます",
    "違う",
    "ちがう",
    "訂正",
    "いや",
];

/// What follows the last correction phrase in `normalized`, if anything
/// follows it.
fn after_correction(normalized: &str) -> Option<&str> {
    let cut = CORRECTIONS
        .iter()
        .filter_map(|m| normalized.rfind(m).map(|at| at + m.len()))
        .max()?;
    let rest = normalized.get(cut..)?;
    (!rest.is_empty()).then_some(rest)
}

/// Runs `parse` on what follows a correction ("3日じゃなくて4日" → "4日"),
/// or on the whole text when there is none. A correction that does not parse
/// on its own ("4月1日、違う、2日") gives `None`: the dialog asks again
/// rather than keep the answer the caller took back.
pub(crate) fn with_correction<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
    let normalized = normalize(text);
    match after_correction(&normalized) {
        Some(rest) => parse(rest),
        None => parse(text),
    }
}

/// [`normalize`] then the canonical rewriting described in the module docs:
/// kana words to kanji (ごご → 午後) and numbers with a counter to digits
/// (じゅうにがつみっか → 12月3日).
pub fn canonical(input: &str) -> String {
    canonical_from_normalized(&normalize(input))
}

/// ASCII digit runs in `s` with their char positions: (value, start, end).
pub(crate) fn numbers(s: &str) -> Vec<(u32, usize, usize)> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            let mut v: u32 = 0;
            while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                v = v.saturating_mul(10).saturating_add(d);
                i += 1;
            }
            out.push((v, start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// Numbers followed directly by `counter` in canonical text: (value, start, end
/// after the counter).
pub(crate) fn counted(s: &str, counter: char) -> Vec<(u32, usize, usize)> {
    let chars: Vec<char> = s.chars().collect();
    numbers(s)
        .into_iter()
        .filter(|&(_, _, end)| chars.get(end) == Some(&counter))
        .map(|(v, start, end)| (v, start, end + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn normalize_folds_width_script_punctuation_and_fillers() {
        let cases = [
            ("ｴｰﾄ、１２月３日", "12月3日"),
            ("えーと、あのー、ミッカです。", "みっかです"),
            ("ええ、そうです", "ええそうです"),
            ("Ｓ３５．４．１", "s35.4.1"),
            ("はい。", "はい"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize(input), expected, "{input}");
        }
    }

    #[test]
    fn canonical_turns_spoken_numbers_into_digits_with_counters() {
        let cases = [
            ("じゅうにがつみっか", "12月3日"),
            ("十二月三日", "12月3日"),
            ("にじはん", "2時半"),
            ("ごごにじ", "午後2時"),
            ("くじ", "9時"),
            ("よじ", "4時"),
            ("じゅうじさんじゅっぷん", "10時30分"),
            ("しがつついたち", "4月1日"),
            ("しちがつはつか", "7月20日"),
            ("ふたりです", "2人です"),
            ("さんにん", "3人"),
            ("しょうわさんじゅうごねん", "昭和35年"),
            ("十ー月", "11月"),
            ("ー月五日", "1月5日"),
            ("らいしゅうのかようび", "来週の火曜日"),
            ("どうしようか", "どうしようか"),
            ("ごじゅうしょ", "ごじゅうしょ"),
            ("もういっかい", "もう1回"),
        ];
        for (input, expected) in cases {
            assert_eq!(canonical(input), expected, "{input}");
        }
    }

    #[test]
    fn strip_polite_removes_nested_endings() {
        assert_eq!(strip_polite("3でおねがいします"), "3");
        assert_eq!(strip_polite("2人なんですけど"), "2人");
        assert_eq!(strip_polite("はい"), "はい");
    }
}
