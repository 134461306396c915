//! The representative's name and its reading (フリガナ).
//!
//! Counter staff call people by the reading and look them up by name, so
//! both are folded to one spelling: NFKC (half-width katakana, full-width
//! Latin), one full-width space between parts, and for the reading katakana
//! only. Lengths count graphemes, what a person sees as one character (a
//! base letter with combining marks is one).

use std::fmt;

use serde::{Serialize, Serializer};
use thiserror::Error;
use unicode_segmentation::UnicodeSegmentation;

use crate::text::{hiragana_to_katakana, nfkc};

const FULL_WIDTH_SPACE: &str = "\u{3000}";
const MAX_NAME_GRAPHEMES: usize = 40;
const MAX_KANA_GRAPHEMES: usize = 60;

/// NFKC, trimmed, each run of whitespace (ASCII, U+3000, tabs) turned into one
/// U+3000, the separator Japanese forms use between family and given name.
fn fold(input: &str) -> String {
    nfkc(input)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(FULL_WIDTH_SPACE)
}

fn grapheme_count(s: &str) -> usize {
    s.graphemes(true).count()
}

/// A person's name as written on official documents: kanji, kana, or Latin
/// letters for residents of foreign nationality.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonName(String);

/// Why a name was rejected. `message_ja` is the text for the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum PersonNameError {
    #[error("name is empty")]
    Empty,
    #[error("name is longer than {MAX_NAME_GRAPHEMES} characters")]
    TooLong,
    #[error("name contains a control, invisible or markup character")]
    InvalidCharacter,
}

impl PersonNameError {
    /// Short, plain Japanese for display next to the form field.
    pub fn message_ja(&self) -> &'static str {
        match self {
            PersonNameError::Empty => "お名前を入力してください。",
            PersonNameError::TooLong => "お名前は40文字以内で入力してください。",
            PersonNameError::InvalidCharacter => "お名前に使用できない文字が含まれています。",
        }
    }
}

/// Characters that have no place in a name: control characters, invisible
/// ones that make two equal-looking names differ (zero-width, bidi controls),
/// and angle brackets, which only appear when markup is pasted.
fn is_forbidden_in_name(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '<' | '>'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

impl PersonName {
    /// Folds (NFKC, trim, one U+3000 between parts) and checks 1 to 40
    /// graphemes without control, invisible or markup characters.
    pub fn parse(input: &str) -> Result<PersonName, PersonNameError> {
        let name = fold(input);
        if name.is_empty() {
            return Err(PersonNameError::Empty);
        }
        if name.chars().any(is_forbidden_in_name) {
            return Err(PersonNameError::InvalidCharacter);
        }
        if grapheme_count(&name) > MAX_NAME_GRAPHEMES {
            return Err(PersonNameError::TooLong);
        }
        Ok(PersonName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for PersonName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The reading of a name in full-width katakana, e.g. "ヤマダ　タロウ".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameKana(String);

/// Why a reading was rejected. `message_ja` is the text for the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum NameKanaError {
    #[error("name reading is empty")]
    Empty,
    #[error("name reading is longer than {MAX_KANA_GRAPHEMES} characters")]
    TooLong,
    #[error("name reading contains characters other than kana")]
    InvalidCharacter,
}

impl NameKanaError {
    /// Short, plain Japanese for display next to the form field.
    pub fn message_ja(&self) -> &'static str {
        match self {
            NameKanaError::Empty => "フリガナを入力してください。",
            NameKanaError::TooLong => "フリガナは60文字以内で入力してください。",
            NameKanaError::InvalidCharacter => {
                "フリガナはカタカナまたはひらがなで入力してください。"
            }
        }
    }
}

/// Katakana ァ..ヺ, the long-vowel mark, the middle dot that separates parts
/// of foreign names, and the separating space.
fn is_allowed_in_kana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | '\u{3000}')
}

impl NameKana {
    /// Folds like `PersonName::parse`, turns hiragana into katakana, then
    /// checks 1 to 60 graphemes of katakana, ー, ・ and spaces.
    pub fn parse(input: &str) -> Result<NameKana, NameKanaError> {
        let kana = hiragana_to_katakana(&fold(input));
        if kana.is_empty() {
            return Err(NameKanaError::Empty);
        }
        if !kana.chars().all(is_allowed_in_kana) {
            return Err(NameKanaError::InvalidCharacter);
        }
        if grapheme_count(&kana) > MAX_KANA_GRAPHEMES {
            return Err(NameKanaError::TooLong);
        }
        Ok(NameKana(kana))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NameKana {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for NameKana {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::test_support::serialize_to_string;

    #[test]
    fn person_name_parse_folds_spacing_and_width() {
        let forty = "山".repeat(40);
        let forty_combining = "か\u{309A}".repeat(40);
        let cases = [
            ("kanji", "山田太郎", "山田太郎"),
            (
                "ascii space becomes full-width",
                "山田 太郎",
                "山田\u{3000}太郎",
            ),
            (
                "full-width space kept",
                "山田\u{3000}太郎",
                "山田\u{3000}太郎",
            ),
            (
                "run of mixed spaces collapsed",
                "山田 \u{3000} 太郎",
                "山田\u{3000}太郎",
            ),
            ("tab collapsed", "山田\t太郎", "山田\u{3000}太郎"),
            (
                "surrounding whitespace trimmed",
                " \u{3000}山田太郎\u{3000} ",
                "山田太郎",
            ),
            ("latin name", "Smith John", "Smith\u{3000}John"),
            (
                "full-width latin",
                "ＳＭＩＴＨ　ＪＯＨＮ",
                "SMITH\u{3000}JOHN",
            ),
            ("apostrophe", "O'Brien Sean", "O'Brien\u{3000}Sean"),
            ("hyphenated", "Mary-Jane Watson", "Mary-Jane\u{3000}Watson"),
            (
                "three parts",
                "Nguyen Van An",
                "Nguyen\u{3000}Van\u{3000}An",
            ),
            (
                "vietnamese diacritics",
                "Nguyễn Văn An",
                "Nguyễn\u{3000}Văn\u{3000}An",
            ),
            ("half-width katakana", "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ\u{3000}タロウ"),
            (
                "katakana with middle dot",
                "ジョン・スミス",
                "ジョン・スミス",
            ),
            (
                "hiragana kept as is",
                "やまだ たろう",
                "やまだ\u{3000}たろう",
            ),
            ("variant kanji kept", "髙橋", "髙橋"),
            ("kanji outside the bmp", "𠮷野", "𠮷野"),
            ("40 kanji", &forty, &forty),
            (
                "40 graphemes of 80 chars",
                &forty_combining,
                &forty_combining,
            ),
            ("ampersand and semicolon allowed", "A&B;C", "A&B;C"),
            ("digits allowed", "Louis 14", "Louis\u{3000}14"),
        ];
        for (description, input, expected) in cases {
            assert_eq!(
                PersonName::parse(input).as_ref().map(PersonName::as_str),
                Ok(expected),
                "{description}: {input:?}"
            );
        }
    }

    #[test]
    fn person_name_parse_rejects_invalid_names() {
        use PersonNameError::*;
        let forty_one = "山".repeat(41);
        let forty_one_combining = "か\u{309A}".repeat(41);
        let forty_with_space = format!("{} {}", "山".repeat(20), "田".repeat(20));
        let cases = [
            ("empty", "", Empty),
            ("spaces only", "   ", Empty),
            ("full-width space only", "\u{3000}\u{3000}", Empty),
            ("41 kanji", forty_one.as_str(), TooLong),
            ("41 graphemes", forty_one_combining.as_str(), TooLong),
            (
                "the separating space counts",
                forty_with_space.as_str(),
                TooLong,
            ),
            ("markup", "<script>alert(1)</script>", InvalidCharacter),
            ("less-than", "山田<太郎", InvalidCharacter),
            ("full-width greater-than", "山田＞太郎", InvalidCharacter),
            ("nul", "山田\u{0}太郎", InvalidCharacter),
            ("escape", "山田\u{1B}太郎", InvalidCharacter),
            ("delete", "山田\u{7F}", InvalidCharacter),
            ("zero-width space", "山田\u{200B}太郎", InvalidCharacter),
            ("bidi override", "\u{202E}山田太郎", InvalidCharacter),
            ("byte order mark", "\u{FEFF}山田太郎", InvalidCharacter),
        ];
        for (description, input, expected) in cases {
            assert_eq!(
                PersonName::parse(input),
                Err(expected),
                "{description}: {input:?}"
            );
        }
    }

    #[test]
    fn name_kana_parse_folds_to_katakana() {
        let sixty = "ア".repeat(60);
        let cases = [
            ("katakana", "ヤマダタロウ", "ヤマダタロウ"),
            ("ascii space", "ヤマダ タロウ", "ヤマダ\u{3000}タロウ"),
            (
                "full-width space",
                "ヤマダ\u{3000}タロウ",
                "ヤマダ\u{3000}タロウ",
            ),
            (
                "run of spaces",
                "ヤマダ \u{3000}  タロウ",
                "ヤマダ\u{3000}タロウ",
            ),
            ("surrounding spaces", "\u{3000}ヤマダ ", "ヤマダ"),
            ("hiragana", "やまだ たろう", "ヤマダ\u{3000}タロウ"),
            ("mixed scripts", "やまだ タロウ", "ヤマダ\u{3000}タロウ"),
            ("half-width katakana", "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ\u{3000}タロウ"),
            ("half-width long vowel", "ｺｰﾀﾞ", "コーダ"),
            ("half-width middle dot", "ｼﾞｮﾝ･ｽﾐｽ", "ジョン・スミス"),
            ("combining dakuten composes", "カ\u{3099}ク", "ガク"),
            ("long vowel", "ラーメン", "ラーメン"),
            ("middle dot", "ジョン・スミス", "ジョン・スミス"),
            ("small kana", "キョウコ", "キョウコ"),
            ("vu", "ヴィクトリア", "ヴィクトリア"),
            ("hiragana vu", "ゔぃくとりあ", "ヴィクトリア"),
            ("ke ligature", "ヶ", "ヶ"),
            ("va", "ヷヸヹヺ", "ヷヸヹヺ"),
            ("60 katakana", &sixty, &sixty),
        ];
        for (description, input, expected) in cases {
            assert_eq!(
                NameKana::parse(input).as_ref().map(NameKana::as_str),
                Ok(expected),
                "{description}: {input:?}"
            );
        }
    }

    #[test]
    fn name_kana_parse_rejects_non_kana() {
        use NameKanaError::*;
        let sixty_one = "ア".repeat(61);
        let cases = [
            ("empty", "", Empty),
            ("spaces only", " \u{3000} ", Empty),
            ("61 katakana", sixty_one.as_str(), TooLong),
            ("kanji", "山田", InvalidCharacter),
            ("kanji mixed with kana", "ヤマダ太郎", InvalidCharacter),
            ("latin", "yamada", InvalidCharacter),
            ("digit", "ヤマダ1", InvalidCharacter),
            ("ascii hyphen for long vowel", "ラ-メン", InvalidCharacter),
            ("ideographic comma", "ヤマダ、タロウ", InvalidCharacter),
            ("iteration mark", "ヽ", InvalidCharacter),
            ("hiragana iteration mark", "ゝ", InvalidCharacter),
            ("markup", "<ヤマダ>", InvalidCharacter),
            ("control", "ヤマダ\u{0}", InvalidCharacter),
            ("zero-width space", "ヤマダ\u{200B}", InvalidCharacter),
            ("latin middle dot", "ジョン·スミス", InvalidCharacter),
        ];
        for (description, input, expected) in cases {
            assert_eq!(
                NameKana::parse(input),
                Err(expected),
                "{description}: {input:?}"
            );
        }
    }

    #[test]
    fn messages_are_japanese() {
        let cases = [
            (
                PersonNameError::Empty.message_ja(),
                "お名前を入力してください。",
            ),
            (
                PersonNameError::TooLong.message_ja(),
                "お名前は40文字以内で入力してください。",
            ),
            (
                PersonNameError::InvalidCharacter.message_ja(),
                "お名前に使用できない文字が含まれています。",
            ),
            (
                NameKanaError::Empty.message_ja(),
                "フリガナを入力してください。",
            ),
            (
                NameKanaError::TooLong.message_ja(),
                "フリガナは60文字以内で入力してください。",
            ),
            (
                NameKanaError::InvalidCharacter.message_ja(),
                "フリガナはカタカナまたはひらがなで入力してください。",
            ),
        ];
        for (actual, expected) in cases {
            assert_eq!(actual, expected);
        }
    }

    #[test]
    fn display_and_serialize_give_the_folded_string() {
        let name = PersonName::parse("山田 太郎").unwrap();
        assert_eq!(name.to_string(), "山田\u{3000}太郎");
        assert_eq!(serialize_to_string(&name).unwrap(), "山田\u{3000}太郎");
        let kana = NameKana::parse("やまだ たろう").unwrap();
        assert_eq!(kana.to_string(), "ヤマダ\u{3000}タロウ");
        assert_eq!(serialize_to_string(&kana).unwrap(), "ヤマダ\u{3000}タロウ");
    }
}
