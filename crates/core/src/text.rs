//! Normalisation helpers shared by the parsers of user input.
//!
//! People type into our forms with Japanese IMEs, so the same value arrives as
//! full-width digits (`０９０`), half-width katakana (`ｶﾀｶﾅ`), or with any of a
//! dozen dash look-alikes. Every parser first folds those variants into one
//! form with these helpers, then validates the folded text.

use unicode_normalization::UnicodeNormalization;

/// Unicode NFKC: full-width ASCII becomes ASCII, half-width katakana becomes
/// full-width, era ligatures (㍼) become kanji, U+3000 becomes a plain space.
pub fn nfkc(s: &str) -> String {
    s.nfkc().collect()
}

/// Whether `c` is one of the dash look-alikes people type between digits.
///
/// Includes the katakana long-vowel marks (ー, ｰ) because IMEs produce them when
/// a hyphen is typed in kana mode, which is why this is only for numeric input.
fn is_dash_like(c: char) -> bool {
    matches!(
        c,
        '-' // hyphen-minus
            | '\u{2010}' // ‐ hyphen
            | '\u{2011}' // ‑ non-breaking hyphen
            | '\u{2012}' // ‒ figure dash
            | '\u{2013}' // – en dash
            | '\u{2014}' // — em dash
            | '\u{2015}' // ― horizontal bar
            | '\u{2212}' // − minus sign
            | '\u{30FC}' // ー katakana long-vowel mark
            | '\u{FF70}' // ｰ half-width long-vowel mark
            | '\u{FF0D}' // － full-width hyphen-minus
            | '\u{FE63}' // ﹣ small hyphen-minus
    )
}

/// Maps every dash look-alike to ASCII `-`.
///
/// For numeric input only (phone numbers, dates, reservation numbers): in kana
/// text `ー` is a long-vowel mark and must be kept.
pub fn normalize_dashes(s: &str) -> String {
    s.chars()
        .map(|c| if is_dash_like(c) { '-' } else { c })
        .collect()
}

/// Hiragana to katakana, so a furigana field accepts either script.
///
/// Everything that is not hiragana passes through unchanged.
pub fn hiragana_to_katakana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            // ぁ..ゖ and the iteration marks ゝゞ sit exactly 0x60 below their katakana.
            '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}' => {
                char::from_u32(u32::from(c) + 0x60).unwrap_or(c)
            }
            _ => c,
        })
        .collect()
}

/// The ASCII digits of `s` after NFKC, everything else dropped.
pub fn digits_only(s: &str) -> String {
    nfkc(s).chars().filter(char::is_ascii_digit).collect()
}

/// Test helper: serialises a value with serde and returns it if it came out as
/// a plain string, so the value types can be checked without a JSON crate.
#[cfg(test)]
pub(crate) mod test_support {
    use serde::Serialize;
    use serde::de::value::Error;
    use serde::ser::{self, Error as _, Impossible};

    pub(crate) fn serialize_to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
        value.serialize(StringSerializer)
    }

    struct StringSerializer;

    macro_rules! reject {
        ($($method:ident($($arg:ty),*);)*) => {
            $(fn $method(self, $(_: $arg),*) -> Result<String, Error> {
                Err(Error::custom(concat!("not a string: ", stringify!($method))))
            })*
        };
    }

    impl ser::Serializer for StringSerializer {
        type Ok = String;
        type Error = Error;
        type SerializeSeq = Impossible<String, Error>;
        type SerializeTuple = Impossible<String, Error>;
        type SerializeTupleStruct = Impossible<String, Error>;
        type SerializeTupleVariant = Impossible<String, Error>;
        type SerializeMap = Impossible<String, Error>;
        type SerializeStruct = Impossible<String, Error>;
        type SerializeStructVariant = Impossible<String, Error>;

        fn serialize_str(self, v: &str) -> Result<String, Error> {
            Ok(v.to_owned())
        }

        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            value: &T,
        ) -> Result<String, Error> {
            value.serialize(self)
        }

        reject! {
            serialize_bool(bool);
            serialize_i8(i8);
            serialize_i16(i16);
            serialize_i32(i32);
            serialize_i64(i64);
            serialize_u8(u8);
            serialize_u16(u16);
            serialize_u32(u32);
            serialize_u64(u64);
            serialize_f32(f32);
            serialize_f64(f64);
            serialize_char(char);
            serialize_bytes(&[u8]);
            serialize_none();
            serialize_unit();
            serialize_unit_struct(&'static str);
            serialize_unit_variant(&'static str, u32, &'static str);
        }

        fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, Error> {
            Err(Error::custom("not a string: some"))
        }

        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<String, Error> {
            Err(Error::custom("not a string: newtype variant"))
        }

        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
            Err(Error::custom("not a string: seq"))
        }

        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
            Err(Error::custom("not a string: tuple"))
        }

        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Error> {
            Err(Error::custom("not a string: tuple struct"))
        }

        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Error> {
            Err(Error::custom("not a string: tuple variant"))
        }

        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
            Err(Error::custom("not a string: map"))
        }

        fn serialize_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStruct, Error> {
            Err(Error::custom("not a string: struct"))
        }

        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Error> {
            Err(Error::custom("not a string: struct variant"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfkc_folds_ime_variants_into_standard_forms() {
        let cases = [
            ("full-width digits", "０９０１２３４５６７８", "09012345678"),
            ("full-width latin letters", "ＡＢＣａｂｃ", "ABCabc"),
            ("half-width katakana", "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
            ("half-width voiced katakana composes", "ｶﾞｷﾞｸﾞ", "ガギグ"),
            (
                "ideographic space becomes ASCII space",
                "山田\u{3000}太郎",
                "山田 太郎",
            ),
            ("era ligature showa", "㍼", "昭和"),
            ("era ligature reiwa", "㋿", "令和"),
            (
                "full-width at sign",
                "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ",
                "taro@example.jp",
            ),
            ("kanji unchanged", "山田太郎", "山田太郎"),
            ("hiragana unchanged", "やまだ", "やまだ"),
            ("empty", "", ""),
        ];
        for (description, input, expected) in cases {
            assert_eq!(nfkc(input), expected, "{description}");
        }
    }

    #[test]
    fn normalize_dashes_maps_every_dash_look_alike_to_ascii_hyphen() {
        let cases = [
            ("ascii hyphen unchanged", "090-1234-5678", "090-1234-5678"),
            (
                "katakana long vowel between digits",
                "090ー1234ー5678",
                "090-1234-5678",
            ),
            ("half-width long vowel", "090ｰ1234ｰ5678", "090-1234-5678"),
            ("minus sign", "090−1234−5678", "090-1234-5678"),
            ("hyphen", "090‐1234‐5678", "090-1234-5678"),
            ("non-breaking hyphen", "090‑1234‑5678", "090-1234-5678"),
            ("figure dash", "090‒1234‒5678", "090-1234-5678"),
            ("en dash", "090–1234–5678", "090-1234-5678"),
            ("em dash", "090—1234—5678", "090-1234-5678"),
            ("horizontal bar", "090―1234―5678", "090-1234-5678"),
            (
                "full-width hyphen-minus",
                "090－1234－5678",
                "090-1234-5678",
            ),
            ("small hyphen-minus", "090﹣1234﹣5678", "090-1234-5678"),
            ("no dashes", "09012345678", "09012345678"),
            ("other punctuation kept", "(03) 1234/5678", "(03) 1234/5678"),
        ];
        for (description, input, expected) in cases {
            assert_eq!(normalize_dashes(input), expected, "{description}");
        }
    }

    #[test]
    fn hiragana_to_katakana_converts_only_hiragana() {
        let cases = [
            ("plain hiragana", "やまだたろう", "ヤマダタロウ"),
            (
                "voiced and semi-voiced",
                "がぎぐげごぱぴぷぺぽ",
                "ガギグゲゴパピプペポ",
            ),
            ("small kana", "ぁぃぅぇぉっゃゅょゎ", "ァィゥェォッャュョヮ"),
            ("vu and small ka/ke", "ゔゕゖ", "ヴヵヶ"),
            ("iteration marks", "ゝゞ", "ヽヾ"),
            ("first and last of the block", "ぁゖ", "ァヶ"),
            ("katakana unchanged", "ヤマダ", "ヤマダ"),
            ("long vowel mark unchanged", "らーめん", "ラーメン"),
            ("mixed scripts", "山田 たろう Taro", "山田 タロウ Taro"),
            (
                "ideographic space unchanged",
                "やまだ\u{3000}たろう",
                "ヤマダ\u{3000}タロウ",
            ),
            ("combining dakuten mark unchanged", "\u{3099}", "\u{3099}"),
            ("empty", "", ""),
        ];
        for (description, input, expected) in cases {
            assert_eq!(hiragana_to_katakana(input), expected, "{description}");
        }
    }

    #[test]
    fn digits_only_keeps_ascii_digits_after_nfkc() {
        let cases = [
            ("ascii with hyphens", "090-1234-5678", "09012345678"),
            (
                "full-width digits",
                "０９０‐１２３４‐５６７８",
                "09012345678",
            ),
            ("parentheses and spaces", "(03) 1234 5678", "0312345678"),
            ("letters dropped", "abc123", "123"),
            ("kanji numerals are not digits", "一二三", ""),
            ("non-ascii digits dropped", "٣٤", ""),
            ("empty", "", ""),
        ];
        for (description, input, expected) in cases {
            assert_eq!(digits_only(input), expected, "{description}");
        }
    }
}
