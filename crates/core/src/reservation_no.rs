//! Reservation numbers: what residents read out over the phone and type into
//! the cancel form.
//!
//! Eight digits: seven random ones and a Damm check digit. Damm catches every
//! single wrong digit and every swap of two neighbouring digits, the two
//! mistakes people make most when copying or saying a number, so a typo is
//! reported as a typo instead of finding nobody's (or somebody else's)
//! reservation. The first digit is never 0 and no digit repeats four times in
//! a row, so the number reads aloud cleanly ("いち に さん よん…").

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use crate::text::{nfkc, normalize_dashes};

const LEN: usize = 8;

/// Four or more equal digits in a row are hard to count when read aloud.
const MAX_RUN: usize = 3;

/// The Damm operation table: a totally anti-symmetric quasigroup of order 10
/// (Damm 2004), which is what makes the single-error and adjacent-swap
/// guarantees hold.
const DAMM_TABLE: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

/// Runs `digits` (each 0..=9) through the Damm table. Appending the result
/// makes a number whose interim digit is 0, which is what `parse` checks.
fn damm_interim(digits: &[u8]) -> u8 {
    digits.iter().fold(0u8, |interim, &digit| {
        DAMM_TABLE[usize::from(interim)][usize::from(digit)]
    })
}

fn longest_run(digits: &[u8]) -> usize {
    digits
        .chunk_by(|a, b| a == b)
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0)
}

fn to_ascii(digits: &[u8]) -> String {
    digits.iter().map(|&d| char::from(b'0' + d)).collect()
}

/// A reservation number with a valid check digit, e.g. "12345678".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReservationNo(String);

/// Why a reservation number was rejected. `message_ja` is the text for the
/// form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum ReservationNoError {
    #[error("reservation number is empty")]
    Empty,
    #[error("reservation number is not 8 digits")]
    Format,
    #[error("reservation number fails the check digit")]
    CheckDigit,
}

impl ReservationNoError {
    /// Short, plain Japanese for display next to the form field.
    pub fn message_ja(&self) -> &'static str {
        match self {
            ReservationNoError::Empty => "予約番号を入力してください。",
            ReservationNoError::Format => "予約番号は8桁の数字です。",
            ReservationNoError::CheckDigit => {
                "予約番号が正しくありません。もう一度ご確認ください。"
            }
        }
    }
}

impl ReservationNo {
    /// Draws a new number from `rng`. Uniqueness among existing reservations
    /// is the store's job: retry on a conflict.
    pub fn generate<R: Rng + ?Sized>(rng: &mut R) -> ReservationNo {
        loop {
            let mut digits = [0u8; LEN];
            digits[0] = rng.random_range(1..=9);
            for digit in &mut digits[1..LEN - 1] {
                *digit = rng.random_range(0..=9);
            }
            digits[LEN - 1] = damm_interim(&digits[..LEN - 1]);
            // About 1 in 200 draws has a run; redrawing keeps the rest uniform.
            if longest_run(&digits) <= MAX_RUN {
                return ReservationNo(to_ascii(&digits));
            }
        }
    }

    /// Parses a number as typed or copied: full-width digits, spaces and any
    /// hyphen ("1234-5678", "１２３４ ５６７８") are accepted.
    pub fn parse(input: &str) -> Result<ReservationNo, ReservationNoError> {
        let text = normalize_dashes(&nfkc(input));
        let text = text.trim();
        if text.is_empty() {
            return Err(ReservationNoError::Empty);
        }
        let mut digits = Vec::with_capacity(LEN);
        for c in text.chars() {
            match c {
                '0'..='9' => digits.push(c as u8 - b'0'),
                '-' => {}
                c if c.is_whitespace() => {}
                _ => return Err(ReservationNoError::Format),
            }
        }
        if digits.len() != LEN {
            return Err(ReservationNoError::Format);
        }
        // No generated number starts with 0, so one that does is a typo.
        if digits[0] == 0 || damm_interim(&digits) != 0 {
            return Err(ReservationNoError::CheckDigit);
        }
        Ok(ReservationNo(to_ascii(&digits)))
    }

    /// The 8 digits, e.g. "12345678".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Split in two halves for reading aloud and printing: "1234-5678".
    pub fn display_grouped(&self) -> String {
        let (head, tail) = self.0.split_at(LEN / 2);
        format!("{head}-{tail}")
    }
}

impl fmt::Display for ReservationNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ReservationNo {
    type Err = ReservationNoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReservationNo::parse(s)
    }
}

impl Serialize for ReservationNo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Deserialising goes through `parse`, so a stored or posted number is
/// checked like a typed one.
impl<'de> Deserialize<'de> for ReservationNo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        ReservationNo::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::test_support::serialize_to_string;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};

    fn digits_of(s: &str) -> Vec<u8> {
        s.bytes().map(|b| b - b'0').collect()
    }

    fn generated(count: usize) -> Vec<ReservationNo> {
        let mut rng = ChaCha8Rng::seed_from_u64(20_240_401);
        (0..count)
            .map(|_| ReservationNo::generate(&mut rng))
            .collect()
    }

    #[test]
    fn damm_check_digit_matches_published_examples() {
        // 572 → check digit 4 is the worked example in Damm's method.
        let cases = [
            ("worked example", "572", 4),
            ("all zeros", "0000000", 0),
            ("single one", "1", 3),
            ("1234567", "1234567", 1),
        ];
        for (description, digits, check) in cases {
            let mut digits = digits_of(digits);
            assert_eq!(damm_interim(&digits), check, "{description}");
            digits.push(check);
            assert_eq!(damm_interim(&digits), 0, "{description}: with check digit");
        }
    }

    #[test]
    fn generated_numbers_are_well_formed() {
        for number in generated(20_000) {
            let s = number.as_str();
            let digits = digits_of(s);
            assert_eq!(s.len(), 8, "{s}: length");
            assert!(s.bytes().all(|b| b.is_ascii_digit()), "{s}: digits only");
            assert_ne!(digits[0], 0, "{s}: leading zero");
            assert!(longest_run(&digits) <= 3, "{s}: run of four");
            assert_eq!(damm_interim(&digits), 0, "{s}: check digit");
            assert_eq!(
                ReservationNo::parse(s).as_ref(),
                Ok(&number),
                "{s}: parses back"
            );
        }
    }

    #[test]
    fn generate_is_deterministic_for_a_seed_and_spreads_out() {
        let first = generated(1_000);
        assert_eq!(first, generated(1_000), "same seed, same numbers");
        let distinct: std::collections::HashSet<_> = first.iter().collect();
        assert!(
            distinct.len() > 990,
            "only {} distinct of 1000",
            distinct.len()
        );
        for leading in b'1'..=b'9' {
            assert!(
                first.iter().any(|n| n.as_str().as_bytes()[0] == leading),
                "no number starts with {}",
                char::from(leading)
            );
        }
    }

    #[test]
    fn every_single_digit_change_is_rejected() {
        for number in generated(2_000) {
            let digits = digits_of(number.as_str());
            for position in 0..LEN {
                for replacement in 0..=9u8 {
                    if replacement == digits[position] {
                        continue;
                    }
                    let mut typo = digits.clone();
                    typo[position] = replacement;
                    assert_ne!(
                        damm_interim(&typo),
                        0,
                        "{number}: digit {position} → {replacement}"
                    );
                    assert_eq!(
                        ReservationNo::parse(&to_ascii(&typo)),
                        Err(ReservationNoError::CheckDigit),
                        "{number}: digit {position} → {replacement}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_adjacent_transposition_is_rejected() {
        for number in generated(2_000) {
            let digits = digits_of(number.as_str());
            for position in 0..LEN - 1 {
                if digits[position] == digits[position + 1] {
                    continue;
                }
                let mut typo = digits.clone();
                typo.swap(position, position + 1);
                assert_ne!(damm_interim(&typo), 0, "{number}: swap at {position}");
                assert_eq!(
                    ReservationNo::parse(&to_ascii(&typo)),
                    Err(ReservationNoError::CheckDigit),
                    "{number}: swap at {position}"
                );
            }
        }
    }

    #[test]
    fn damm_table_is_a_weakly_totally_anti_symmetric_quasigroup() {
        // The properties the guarantees rest on, checked on the whole table:
        // a Latin square (a single changed digit changes every later interim
        // digit), a zero diagonal (the check digit itself is covered), and
        // total anti-symmetry (swapping two neighbours changes the result).
        let t = |a: u8, b: u8| DAMM_TABLE[usize::from(a)][usize::from(b)];
        for x in 0..10u8 {
            assert_eq!(t(x, x), 0, "diagonal at {x}");
            for y in 0..10u8 {
                if x == y {
                    continue;
                }
                for c in 0..10u8 {
                    assert_ne!(t(c, x), t(c, y), "row {c}: columns {x} and {y}");
                    assert_ne!(t(x, c), t(y, c), "column {c}: rows {x} and {y}");
                    assert_ne!(t(t(c, x), y), t(t(c, y), x), "state {c}: {x}{y} vs {y}{x}");
                }
            }
        }
    }

    #[test]
    fn parse_accepts_typed_and_copied_forms() {
        let valid = generated(1).remove(0);
        let s = valid.as_str();
        let (head, tail) = s.split_at(4);
        let full_width: String = s
            .chars()
            .map(|c| char::from_u32(u32::from(c) - u32::from('0') + 0xFF10).unwrap())
            .collect();
        let (fw_head, fw_tail) = full_width.split_at(full_width.len() / 2);
        let cases = [
            ("plain", s.to_owned()),
            ("grouped with hyphen", format!("{head}-{tail}")),
            ("grouped with space", format!("{head} {tail}")),
            (
                "grouped with ideographic space",
                format!("{head}\u{3000}{tail}"),
            ),
            ("full-width", full_width.clone()),
            (
                "full-width grouped with space",
                format!("{fw_head} {fw_tail}"),
            ),
            ("full-width hyphen", format!("{fw_head}－{fw_tail}")),
            ("long vowel mark", format!("{head}ー{tail}")),
            ("minus sign", format!("{head}−{tail}")),
            ("surrounding whitespace", format!("  {s}\n")),
            (
                "spaced digits",
                s.chars().map(|c| format!("{c} ")).collect(),
            ),
        ];
        for (description, input) in cases {
            assert_eq!(
                ReservationNo::parse(&input).as_ref(),
                Ok(&valid),
                "{description}: {input:?}"
            );
        }
    }

    #[test]
    fn parse_rejects_malformed_numbers() {
        use ReservationNoError::*;
        let cases = [
            ("empty", "", Empty),
            ("whitespace only", " \u{3000} ", Empty),
            ("seven digits", "1234567", Format),
            ("nine digits", "123456789", Format),
            ("letters", "1234abcd", Format),
            ("letter o for zero", "1O345678", Format),
            ("kanji numerals", "一二三四五六七八", Format),
            ("slash", "1234/5678", Format),
            ("hyphens only", "----", Format),
            ("hash sign", "#12345678", Format),
            ("wrong check digit", "12345670", CheckDigit),
            (
                "leading zero with valid check digit",
                "00000000",
                CheckDigit,
            ),
            ("leading zero, grouped", "0123-4566", CheckDigit),
        ];
        for (description, input, expected) in cases {
            assert_eq!(
                ReservationNo::parse(input),
                Err(expected),
                "{description}: {input:?}"
            );
        }
    }

    #[test]
    fn leading_zero_case_really_has_a_valid_check_digit() {
        // Guards the test above: it must fail for the leading zero, not the check.
        for input in ["00000000", "01234566"] {
            assert_eq!(damm_interim(&digits_of(input)), 0, "{input}");
        }
    }

    #[test]
    fn display_forms() {
        for number in generated(100) {
            let s = number.as_str();
            assert_eq!(number.to_string(), s);
            assert_eq!(number.display_grouped(), format!("{}-{}", &s[..4], &s[4..]));
            assert_eq!(
                ReservationNo::parse(&number.display_grouped()),
                Ok(number.clone()),
                "{s}: grouped parses back"
            );
            assert_eq!(
                s.parse::<ReservationNo>(),
                Ok(number.clone()),
                "{s}: FromStr"
            );
        }
    }

    #[test]
    fn serde_round_trips_through_a_string_and_validates() {
        let number = generated(1).remove(0);
        assert_eq!(serialize_to_string(&number).unwrap(), number.as_str());

        let deserializer: StrDeserializer<'_, DeError> = number.as_str().into_deserializer();
        assert_eq!(ReservationNo::deserialize(deserializer), Ok(number.clone()));

        let grouped = number.display_grouped();
        let deserializer: StrDeserializer<'_, DeError> = grouped.as_str().into_deserializer();
        assert_eq!(ReservationNo::deserialize(deserializer), Ok(number));

        for bad in ["12345670", "1234", ""] {
            let deserializer: StrDeserializer<'_, DeError> = bad.into_deserializer();
            assert!(ReservationNo::deserialize(deserializer).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn messages_are_japanese() {
        use ReservationNoError::*;
        let cases = [
            (Empty, "予約番号を入力してください。"),
            (Format, "予約番号は8桁の数字です。"),
            (
                CheckDigit,
                "予約番号が正しくありません。もう一度ご確認ください。",
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.message_ja(), expected, "{error:?}");
        }
    }
}
