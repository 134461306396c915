//! Numbers read digit by digit: phone numbers and reservation numbers; and
//! the digit read-out the agent speaks.

use madoguchi_core::contact::PhoneNumber;

use crate::text::{is_hiragana, kanji_digit, normalize};

/// Words around a number that are not part of it, removed before reading.
const WRAPPERS: &[&str] = &[
    "けいたいでんわばんごう",
    "携帯電話番号",
    "けいたいでんわ",
    "携帯電話",
    "けいたい",
    "携帯",
    "でんわばんごう",
    "電話番号",
    "でんわ",
    "電話",
    "よやくばんごう",
    "予約番号",
    "うけつけばんごう",
    "受付番号",
    "ばんごう",
    "番号",
    "でおねがいします",
    "でお願いします",
    "おねがいします",
    "お願いします",
    "なんですけど",
    "なんですが",
    "ですけど",
    "です",
    "はいふん",
    "ばん",
];

/// Digit readings, longest first. ー after a digit is a lengthened vowel
/// ("にー", "ごー") or a dash: skipped either way.
const READINGS: &[(&str, char)] = &[
    ("きゅう", '9'),
    ("きゅー", '9'),
    ("ぜろ", '0'),
    ("れい", '0'),
    ("まる", '0'),
    ("いち", '1'),
    ("さん", '3'),
    ("よん", '4'),
    ("ろく", '6'),
    ("なな", '7'),
    ("しち", '7'),
    ("はち", '8'),
    ("に", '2'),
    ("し", '4'),
    ("ご", '5'),
    ("く", '9'),
    ("よ", '4'),
];

fn reading_at(chars: &[char], at: usize) -> Option<(char, usize)> {
    READINGS.iter().find_map(|&(word, d)| {
        let len = word.chars().count();
        let matches = word
            .chars()
            .enumerate()
            .all(|(k, w)| chars.get(at + k) == Some(&w));
        matches.then_some((d, len))
    })
}

fn is_kanji(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        'の' | '-' | 'ー' | '、' | ',' | '.' | '/' | 'と' | 'で' | 'は'
    )
}

/// Reads a number said digit by digit, in any mix of digits, kanji (〇一二…),
/// kana (ゼロ れい まる いち に さん よん し ご ろく なな しち はち きゅう く) and
/// separators (の, ハイフン, spaces, ー). Words around it (電話番号は, です,
/// お願いします) are ignored; anything else between the digits makes it fail.
/// Returns the digits, e.g. "09012345678".
pub fn parse_digits(text: &str) -> Option<String> {
    // Pauses and commas separate digit groups; keep them as separators.
    let spaced: String = text
        .chars()
        .map(|c| {
            if c.is_whitespace() || matches!(c, '、' | '。' | ',' | '，' | '?' | '？' | '!' | '！')
            {
                '-'
            } else {
                c
            }
        })
        .collect();
    let mut s = normalize(&spaced);
    // "はい、いちにさん…": an acknowledgement before the number.
    for ack in ["はい", "ええ", "うん"] {
        if let Some(rest) = s.strip_prefix(ack) {
            s = rest.to_owned();
        }
    }
    for w in WRAPPERS {
        s = s.replace(w, "-");
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut trailing_junk = false;
    // Whether the previous character ended a digit or a separator (or is not
    // kana): a kana digit inside a word ("ください") is not a digit.
    let mut boundary = true;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let digit = if c.is_ascii_digit() {
            Some((c, 1, false))
        } else if let Some(d) = kanji_digit(c) {
            // 一度, 一番, 三日: a kanji numeral before another kanji is a word.
            let in_word = chars.get(i + 1).is_some_and(|&n| {
                ('\u{4E00}'..='\u{9FFF}').contains(&n) && kanji_digit(n).is_none()
            });
            if in_word {
                None
            } else {
                char::from_digit(d, 10).map(|d| (d, 1, false))
            }
        } else if boundary {
            reading_at(&chars, i).map(|(d, len)| (d, len, true))
        } else {
            None
        };
        let digit = digit.and_then(|(d, len, kana)| {
            if !kana {
                return Some((d, len));
            }
            let mut end = i + len;
            // A lengthened vowel: "にい", "ごう" (but "にいち" is 2 1).
            let lengthened = match (d, chars.get(end)) {
                ('2', Some('い')) => chars.get(end + 1) != Some(&'ち'),
                ('5', Some('う' | 'お')) => true,
                _ => false,
            };
            if lengthened {
                end += 1;
            }
            let next_ok = match chars.get(end) {
                None => true,
                // Not into a word: "ご視聴…" is no 5.
                Some(&n) => {
                    is_separator(n)
                        || n.is_whitespace()
                        || n.is_ascii_digit()
                        || kanji_digit(n).is_some()
                        || reading_at(&chars, end).is_some()
                        || !(is_hiragana(n) || is_kanji(n))
                }
            };
            next_ok.then_some((d, end - i))
        });
        match digit {
            Some((d, len)) => {
                if trailing_junk {
                    return None;
                }
                out.push(d);
                i += len;
                boundary = true;
            }
            None => {
                let separator = is_separator(c) || c.is_whitespace();
                if !separator && !out.is_empty() {
                    trailing_junk = true;
                }
                boundary = separator || !(is_hiragana(c) || is_kanji(c));
                i += 1;
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A phone number said digit by digit ([`parse_digits`]), checked by
/// [`PhoneNumber::parse`].
pub fn parse_phone(text: &str) -> Option<PhoneNumber> {
    PhoneNumber::parse(&parse_digits(text)?).ok()
}

/// How the agent reads one digit; 2 and 5 are lengthened as Japanese do on
/// the phone, so that short syllables are not lost.
fn spoken_digit(c: char) -> Option<&'static str> {
    Some(match c {
        '0' => "ゼロ",
        '1' => "いち",
        '2' => "にー",
        '3' => "さん",
        '4' => "よん",
        '5' => "ごー",
        '6' => "ろく",
        '7' => "なな",
        '8' => "はち",
        '9' => "きゅう",
        _ => return None,
    })
}

/// Digits for speech synthesis, one word per digit, groups separated by "、":
/// "1234-5678" → "いち にー さん よん、ごー ろく なな はち". Groups follow the
/// hyphens in the input (pass `PhoneNumber::display()` or
/// `ReservationNo::display_grouped()`); without hyphens, groups of four.
/// Other characters are dropped.
pub fn to_spoken_digits(digits: &str) -> String {
    let groups: Vec<Vec<&'static str>> = if digits.contains('-') {
        digits
            .split('-')
            .map(|g| g.chars().filter_map(spoken_digit).collect())
            .collect()
    } else {
        let all: Vec<&'static str> = digits.chars().filter_map(spoken_digit).collect();
        all.chunks(4).map(<[&str]>::to_vec).collect()
    };
    groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|g| g.join(" "))
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn digits_in_any_script() {
        let cases = [
            ("090-1234-5678", Some("09012345678")),
            (
                "ゼロきゅうゼロのいちにさんよんのごろくななはち",
                Some("09012345678"),
            ),
            ("〇九〇 一二三四 五六七八", Some("09012345678")),
            (
                "まるはちまるの、しちにーさんの、くごーよんいち",
                Some("0807239541"),
            ),
            (
                "電話番号は090ハイフン1234ハイフン5678です",
                Some("09012345678"),
            ),
            ("えーと、12345678でお願いします", Some("12345678")),
            ("わかりません", None),
            ("ちょっと待ってください", None),
            ("にいいちごうさん", Some("2153")),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_digits(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn phone_numbers() {
        assert_eq!(
            parse_phone("ぜろはちぜろ いちにさんよん ごろくななはち")
                .map(|p| p.as_str().to_owned()),
            Some("08012345678".to_owned())
        );
        assert_eq!(parse_phone("いちにさん"), None);
    }

    #[test]
    fn spoken_digits_are_grouped() {
        assert_eq!(
            to_spoken_digits("1234-5678"),
            "いち にー さん よん、ごー ろく なな はち"
        );
        assert_eq!(
            to_spoken_digits("09012345678"),
            "ゼロ きゅう ゼロ いち、にー さん よん ごー、ろく なな はち"
        );
    }
}
