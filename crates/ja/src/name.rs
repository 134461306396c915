//! Names as callers say them: "山田太郎です", "やまだ たろう と申します".
//!
//! From speech only the recognised text is known: a name in kanji has no
//! reading here (on the phone the synthesizer's dictionary reads it, else
//! the dialog asks for it; the read-back says it to be confirmed); a name
//! said and recognised in kana is its own reading.

use madoguchi_core::name::NameKana;
use madoguchi_core::text::nfkc;

use crate::text::kata_to_hira;

/// Words before the name, longest first.
const BEFORE: &[&str] = &[
    "わたしのなまえは",
    "私の名前は",
    "なまえは",
    "名前は",
    "わたしは",
    "私は",
    "わたくしは",
];

/// Words after the name, longest first.
const AFTER: &[&str] = &[
    "ともうします",
    "と申します",
    "でございます",
    "といいます",
    "と言います",
    "ですけど",
    "ですが",
    "です",
    "さま",
    "様",
];

const FILLERS: &[&str] = &["えーと", "えっと", "ええと", "あのー", "あの", "えー"];

/// The name in what the caller said, without the words around it
/// ("山田太郎です" → "山田太郎", "わたしは やまだ たろう と申します" →
/// "やまだ たろう"). A pause between family and given name is kept as one
/// full-width space. `None` if nothing is left.
pub fn parse_name(text: &str) -> Option<String> {
    let folded = nfkc(text);
    // "はい、山田です"; but はいだ (灰田) is a name.
    let folded = match folded.trim_start().strip_prefix("はい") {
        Some(rest) if rest.starts_with(['、', ',', ' ', '。']) => rest.to_owned(),
        _ => folded,
    };
    // A pause (「いちのみや、たろう」) parts family and given name.
    let mut s: String = folded
        .chars()
        .map(|c| {
            if matches!(c, '、' | '。' | ',') {
                ' '
            } else {
                c
            }
        })
        .filter(|c| !matches!(c, '.' | '!' | '?'))
        .collect();
    s = s.trim().to_owned();
    for f in FILLERS {
        s = s.replace(f, "");
    }
    loop {
        let before = s.len();
        let trimmed = s.trim_start();
        let hira: String = trimmed.chars().map(kata_to_hira).collect();
        if let Some(word) = BEFORE.iter().find(|w| hira.starts_with(*w)) {
            s = trimmed.chars().skip(word.chars().count()).collect();
        }
        let trimmed = s.trim_end();
        let hira: String = trimmed.chars().map(kata_to_hira).collect();
        if let Some(word) = AFTER.iter().find(|w| hira.ends_with(*w)) {
            let keep = trimmed.chars().count() - word.chars().count();
            s = trimmed.chars().take(keep).collect();
        }
        if s.len() == before {
            break;
        }
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    let name = words.join("\u{3000}");
    (!name.is_empty()).then_some(name)
}

/// The reading of a name said and recognised in kana, in katakana
/// ("やまだ たろうです" → "ヤマダ　タロウ"); `None` if the recogniser wrote
/// kanji.
pub fn parse_name_kana(text: &str) -> Option<NameKana> {
    NameKana::parse(&parse_name(text)?).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn names_without_the_words_around_them() {
        let cases = [
            ("山田太郎です", Some("山田太郎")),
            ("えーと、山田 太郎と申します", Some("山田\u{3000}太郎")),
            (
                "わたしは やまだ たろう といいます",
                Some("やまだ\u{3000}たろう"),
            ),
            ("ヤマダタロウです", Some("ヤマダタロウ")),
            ("私の名前は鈴木花子です。", Some("鈴木花子")),
            ("です", None),
            ("はい、はいだです", Some("はいだ")),
            ("はいだ けいこです", Some("はいだ\u{3000}けいこ")),
            ("山だ。たろう。", Some("山だ\u{3000}たろう")),
            ("いちのみや、たろうです。", Some("いちのみや\u{3000}たろう")),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_name(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn kana_readings() {
        assert_eq!(
            parse_name_kana("やまだ たろうです").map(|k| k.as_str().to_owned()),
            Some("ヤマダ\u{3000}タロウ".to_owned())
        );
        assert_eq!(parse_name_kana("山田太郎です"), None);
    }
}
