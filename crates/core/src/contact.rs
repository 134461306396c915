//! Contact details: Japanese phone numbers and email addresses.
//!
//! Both are typed on phones with Japanese IMEs, so parsing folds full-width
//! characters and dash look-alikes first. Phone numbers are stored as digits
//! only (what we dial and compare), and formatted with hyphens only for people.

use std::fmt;

use serde::{Serialize, Serializer};
use thiserror::Error;

use crate::text::{nfkc, normalize_dashes};

/// A Japanese phone number in domestic form: 10 digits (landline, free dial)
/// or 11 digits (mobile, IP phone), always starting with 0.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

/// Why a phone number was rejected. `message_ja` is the text for the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum PhoneError {
    #[error("phone number is empty")]
    Empty,
    #[error("phone number contains characters other than digits, spaces, hyphens and parentheses")]
    InvalidCharacter,
    #[error("phone number has the wrong number of digits")]
    WrongLength,
    #[error("not a Japanese phone number")]
    NotJapanese,
    #[error("not a mobile number that can receive SMS")]
    NotMobile,
}

impl PhoneError {
    /// Short, plain Japanese for display next to the form field.
    pub fn message_ja(&self) -> &'static str {
        match self {
            PhoneError::Empty => "電話番号を入力してください。",
            PhoneError::InvalidCharacter => "電話番号は数字で入力してください。",
            PhoneError::WrongLength => "電話番号の桁数が正しくありません。",
            PhoneError::NotJapanese => "国内の電話番号（0から始まる番号）を入力してください。",
            PhoneError::NotMobile => {
                "SMSを受け取れる携帯電話の番号（070・080・090などで始まる11桁）を入力してください。"
            }
        }
    }
}

/// Prefixes of the 11-digit numbers: IP phones (050) and mobiles.
const ELEVEN_DIGIT_PREFIXES: [&str; 5] = ["050", "060", "070", "080", "090"];
const MOBILE_PREFIXES: [&str; 4] = ["060", "070", "080", "090"];
/// Nationwide service numbers written 4-3-3 (0120-123-456).
const SERVICE_PREFIXES: [&str; 4] = ["0120", "0570", "0800", "0990"];

impl PhoneNumber {
    /// Parses a phone number as people write it: `090-1234-5678`,
    /// `０９０ー１２３４ー５６７８`, `(03) 1234-5678`, `+81 90 1234 5678`,
    /// `+81 (0)90-1234-5678`, `819012345678`.
    pub fn parse(input: &str) -> Result<PhoneNumber, PhoneError> {
        let text = normalize_dashes(&nfkc(input));
        let text = text.trim();
        if text.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (international, rest) = match text.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '-' | '(' | ')' => {}
                c if c.is_whitespace() => {}
                _ => return Err(PhoneError::InvalidCharacter),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::InvalidCharacter);
        }
        // Domestic numbers start with 0, so a leading 81 is always the country
        // code, with or without '+'. "+81 (0)90…" keeps its trunk 0.
        let domestic = match digits.strip_prefix("81") {
            Some(national) if national.starts_with('0') => national.to_owned(),
            Some(national) => format!("0{national}"),
            None if international => return Err(PhoneError::NotJapanese),
            None => digits,
        };
        if !domestic.starts_with('0') || domestic.starts_with("00") {
            return Err(PhoneError::NotJapanese);
        }
        // A 10-digit number with an 11-digit prefix is one digit short.
        let eleven_digit_prefix = ELEVEN_DIGIT_PREFIXES
            .iter()
            .any(|p| domestic.starts_with(p));
        let valid = match domestic.len() {
            10 => !eleven_digit_prefix,
            11 => eleven_digit_prefix,
            _ => false,
        };
        if !valid {
            return Err(PhoneError::WrongLength);
        }
        Ok(PhoneNumber(domestic))
    }

    /// Like `parse`, but only numbers that can receive SMS (we send the
    /// reservation number by SMS).
    pub fn parse_mobile(input: &str) -> Result<PhoneNumber, PhoneError> {
        let number = PhoneNumber::parse(input)?;
        if number.is_mobile() {
            Ok(number)
        } else {
            Err(PhoneError::NotMobile)
        }
    }

    /// 11-digit 060/070/080/090 numbers; 050 IP phones cannot receive SMS.
    pub fn is_mobile(&self) -> bool {
        self.0.len() == 11 && MOBILE_PREFIXES.iter().any(|p| self.0.starts_with(p))
    }

    /// Digits only, e.g. "09012345678": the form to store and compare.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// With hyphens for people to read: 090-1234-5678, 03-1234-5678,
    /// 0120-123-456, 0586-28-9131.
    ///
    /// Landline area codes are 2 to 5 digits and only a full table tells them
    /// apart, so other landlines are split 4-2-4. An approximation: it is only
    /// for reading back, never stored.
    pub fn display(&self) -> String {
        let d = self.0.as_str();
        let split: &[usize] = if d.len() == 11 {
            &[3, 7]
        } else if d.starts_with("03") || d.starts_with("06") {
            &[2, 6]
        } else if SERVICE_PREFIXES.iter().any(|p| d.starts_with(p)) {
            &[4, 7]
        } else {
            &[4, 6]
        };
        let mut out = String::with_capacity(d.len() + 2);
        let mut from = 0;
        for &to in split.iter().chain(&[d.len()]) {
            if from > 0 {
                out.push('-');
            }
            out.push_str(d.get(from..to).unwrap_or_default());
            from = to;
        }
        out
    }

    /// International form for SMS gateways: "+819012345678".
    pub fn e164(&self) -> String {
        format!("+81{}", self.0.get(1..).unwrap_or_default())
    }
}

impl fmt::Display for PhoneNumber {
    /// The hyphenated form, as people read it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// An email address checked for the mistakes people make when typing one; not
/// a full RFC 5322 parser. Whether it works is only known by sending to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

/// Why an email address was rejected. `message_ja` is the text for the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum EmailError {
    #[error("email address is empty")]
    Empty,
    #[error("email address is longer than 254 bytes")]
    TooLong,
    #[error("email address is malformed")]
    Invalid,
}

impl EmailError {
    /// Short, plain Japanese for display next to the form field.
    pub fn message_ja(&self) -> &'static str {
        match self {
            EmailError::Empty => "メールアドレスを入力してください。",
            EmailError::TooLong => "メールアドレスが長すぎます。",
            EmailError::Invalid => "メールアドレスの形式が正しくありません。",
        }
    }
}

/// RFC 5321 limits.
const MAX_EMAIL_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;

impl Email {
    /// NFKC (full-width `＠` and letters from IMEs), trims, lowercases the
    /// domain only (the local part may be case-sensitive), then checks the
    /// shape.
    ///
    /// The local part may contain dots anywhere, ".." included: older docomo
    /// and au addresses look like that and still receive mail.
    pub fn parse(input: &str) -> Result<Email, EmailError> {
        let text = nfkc(input);
        let text = text.trim();
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        if text.len() > MAX_EMAIL_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = text.split_once('@').ok_or(EmailError::Invalid)?;
        if !is_valid_local_part(local) || !is_valid_domain(domain) {
            return Err(EmailError::Invalid);
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Printable ASCII without the characters that would need quoting; a
/// non-ASCII character is almost always the IME left on.
fn is_valid_local_part(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && local
            .chars()
            .all(|c| c.is_ascii_graphic() && !"@<>()[]\\,;:\"".contains(c))
}

/// At least two dot-separated labels of letters, digits and inner hyphens.
fn is_valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL_LEN
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::test_support::serialize_to_string;

    #[test]
    fn phone_parse_accepts_how_people_write_numbers() {
        let cases = [
            ("mobile with hyphens", "090-1234-5678", "09012345678"),
            ("mobile digits only", "09012345678", "09012345678"),
            ("mobile 080", "080-1234-5678", "08012345678"),
            ("mobile 070", "070-1234-5678", "07012345678"),
            ("mobile 060", "060-1234-5678", "06012345678"),
            ("ip phone 050", "050-1234-5678", "05012345678"),
            ("full-width digits", "０９０１２３４５６７８", "09012345678"),
            (
                "full-width with long vowel marks",
                "０９０ー１２３４ー５６７８",
                "09012345678",
            ),
            (
                "full-width hyphens",
                "０９０－１２３４－５６７８",
                "09012345678",
            ),
            ("minus signs", "090−1234−5678", "09012345678"),
            ("en dashes", "090–1234–5678", "09012345678"),
            (
                "half-width long vowel marks",
                "090ｰ1234ｰ5678",
                "09012345678",
            ),
            ("spaces", "090 1234 5678", "09012345678"),
            (
                "ideographic spaces",
                "090\u{3000}1234\u{3000}5678",
                "09012345678",
            ),
            (
                "surrounding whitespace",
                "  090-1234-5678 \n",
                "09012345678",
            ),
            (
                "parentheses around area code",
                "(03) 1234-5678",
                "0312345678",
            ),
            (
                "parentheses around local part",
                "0586(28)9131",
                "0586289131",
            ),
            (
                "full-width parentheses",
                "（０３）１２３４－５６７８",
                "0312345678",
            ),
            ("tokyo landline", "03-1234-5678", "0312345678"),
            ("osaka landline", "06-1234-5678", "0612345678"),
            ("ichinomiya landline", "0586-28-9131", "0586289131"),
            ("yokohama landline", "045-123-4567", "0451234567"),
            ("free dial", "0120-123-456", "0120123456"),
            ("plus 81 mobile", "+81 90 1234 5678", "09012345678"),
            ("plus 81 with hyphens", "+81-90-1234-5678", "09012345678"),
            (
                "plus 81 with trunk zero",
                "+81 (0)90-1234-5678",
                "09012345678",
            ),
            ("plus 81 landline", "+81-3-1234-5678", "0312345678"),
            ("81 without plus", "819012345678", "09012345678"),
            ("81 without plus, landline", "81312345678", "0312345678"),
            (
                "full-width plus",
                "＋８１９０１２３４５６７８",
                "09012345678",
            ),
        ];
        for (description, input, expected) in cases {
            assert_eq!(
                PhoneNumber::parse(input).as_ref().map(PhoneNumber::as_str),
                Ok(expected),
                "{description}: {input:?}"
            );
        }
    }

    #[test]
    fn phone_parse_rejects_invalid_numbers_with_the_matching_error() {
        use PhoneError::*;
        let cases = [
            ("empty", "", Empty),
            ("whitespace only", " \u{3000} ", Empty),
            ("letters", "090-abcd-5678", InvalidCharacter),
            ("letter o for zero", "O90-1234-5678", InvalidCharacter),
            ("kanji numerals", "〇九〇一二三四五六七八", InvalidCharacter),
            ("extension text", "03-1234-5678 内線12", InvalidCharacter),
            ("plus in the middle", "090+1234+5678", InvalidCharacter),
            ("slashes", "090/1234/5678", InvalidCharacter),
            ("dots", "090.1234.5678", InvalidCharacter),
            ("hyphens only", "---", InvalidCharacter),
            ("plus only", "+", InvalidCharacter),
            ("too short", "090-1234-567", WrongLength),
            ("too long", "090-1234-56789", WrongLength),
            ("landline too short", "03-1234-567", WrongLength),
            ("landline too long", "03-1234-56789", WrongLength),
            ("mobile prefix with 10 digits", "090-123-4567", WrongLength),
            (
                "ip phone prefix with 10 digits",
                "050-123-4567",
                WrongLength,
            ),
            (
                "11 digits with a landline prefix",
                "0586-28-91311",
                WrongLength,
            ),
            ("plus 81 too short", "+81 90 1234 567", WrongLength),
            ("single digit", "0", WrongLength),
            ("missing leading zero", "90-1234-5678", NotJapanese),
            ("international access prefix", "00-1234-5678", NotJapanese),
            ("other country code", "+1 202 555 0123", NotJapanese),
            ("korea", "+82-10-1234-5678", NotJapanese),
        ];
        for (description, input, expected) in cases {
            assert_eq!(
                PhoneNumber::parse(input),
                Err(expected),
                "{description}: {input:?}"
            );
        }
    }

    #[test]
    fn phone_is_mobile_only_for_sms_capable_numbers() {
        let cases = [
            ("090", "090-1234-5678", true),
            ("080", "080-1234-5678", true),
            ("070", "070-1234-5678", true),
            ("060", "060-1234-5678", true),
            ("050 ip phone", "050-1234-5678", false),
            ("tokyo landline", "03-1234-5678", false),
            ("osaka landline", "06-1234-5678", false),
            ("free dial", "0120-123-456", false),
            ("rural landline", "0586-28-9131", false),
        ];
        for (description, input, expected) in cases {
            let number = PhoneNumber::parse(input).unwrap();
            assert_eq!(number.is_mobile(), expected, "{description}");
            let mobile = PhoneNumber::parse_mobile(input);
            if expected {
                assert_eq!(mobile, Ok(number), "{description}: parse_mobile");
            } else {
                assert_eq!(
                    mobile,
                    Err(PhoneError::NotMobile),
                    "{description}: parse_mobile"
                );
            }
        }
    }

    #[test]
    fn phone_parse_mobile_reports_format_errors_before_not_mobile() {
        let cases = [
            ("empty", "", PhoneError::Empty),
            ("letters", "abc", PhoneError::InvalidCharacter),
            ("too short", "090-1234", PhoneError::WrongLength),
        ];
        for (description, input, expected) in cases {
            assert_eq!(
                PhoneNumber::parse_mobile(input),
                Err(expected),
                "{description}"
            );
        }
    }

    #[test]
    fn phone_display_and_e164() {
        let cases = [
            ("mobile", "09012345678", "090-1234-5678", "+819012345678"),
            ("ip phone", "05012345678", "050-1234-5678", "+815012345678"),
            ("tokyo", "0312345678", "03-1234-5678", "+81312345678"),
            ("osaka", "0612345678", "06-1234-5678", "+81612345678"),
            (
                "four-digit area code",
                "0586289131",
                "0586-28-9131",
                "+81586289131",
            ),
            ("free dial", "0120123456", "0120-123-456", "+81120123456"),
            ("navi dial", "0570123456", "0570-123-456", "+81570123456"),
        ];
        for (description, input, display, e164) in cases {
            let number = PhoneNumber::parse(input).unwrap();
            assert_eq!(number.display(), display, "{description}: display");
            assert_eq!(number.to_string(), display, "{description}: Display");
            assert_eq!(number.e164(), e164, "{description}: e164");
            assert_eq!(
                PhoneNumber::parse(&number.e164()),
                Ok(number.clone()),
                "{description}: e164 parses back"
            );
            assert_eq!(
                PhoneNumber::parse(&number.display()),
                Ok(number),
                "{description}: display parses back"
            );
        }
    }

    #[test]
    fn phone_messages_are_japanese() {
        use PhoneError::*;
        let cases = [
            (Empty, "電話番号を入力してください。"),
            (InvalidCharacter, "電話番号は数字で入力してください。"),
            (WrongLength, "電話番号の桁数が正しくありません。"),
            (
                NotJapanese,
                "国内の電話番号（0から始まる番号）を入力してください。",
            ),
            (
                NotMobile,
                "SMSを受け取れる携帯電話の番号（070・080・090などで始まる11桁）を入力してください。",
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.message_ja(), expected, "{error:?}");
        }
    }

    #[test]
    fn phone_serializes_as_digits() {
        let number = PhoneNumber::parse("090-1234-5678").unwrap();
        assert_eq!(serialize_to_string(&number).unwrap(), "09012345678");
    }

    #[test]
    fn email_parse_accepts_and_normalises_addresses() {
        let cases = [
            ("plain", "taro@example.jp", "taro@example.jp"),
            (
                "subdomain",
                "taro.yamada@mail.city.example.lg.jp",
                "taro.yamada@mail.city.example.lg.jp",
            ),
            ("domain lowercased", "taro@Example.JP", "taro@example.jp"),
            (
                "local part case kept",
                "Taro.Yamada@EXAMPLE.COM",
                "Taro.Yamada@example.com",
            ),
            (
                "full-width",
                "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ",
                "taro@example.jp",
            ),
            (
                "surrounding whitespace",
                "  taro@example.jp\u{3000}",
                "taro@example.jp",
            ),
            ("plus tag", "taro+city@example.jp", "taro+city@example.jp"),
            (
                "docomo legacy consecutive dots",
                "taro..yamada@docomo.ne.jp",
                "taro..yamada@docomo.ne.jp",
            ),
            (
                "legacy dot before at",
                "taro.@ezweb.ne.jp",
                "taro.@ezweb.ne.jp",
            ),
            (
                "leading dot in local part",
                ".taro@example.jp",
                ".taro@example.jp",
            ),
            (
                "underscore and hyphen",
                "ta_ro-1@example.jp",
                "ta_ro-1@example.jp",
            ),
            (
                "hyphen inside domain label",
                "taro@my-city.example.jp",
                "taro@my-city.example.jp",
            ),
            (
                "digits in domain",
                "taro@123.example.jp",
                "taro@123.example.jp",
            ),
            (
                "punycode domain",
                "taro@xn--eckwd4c7c.jp",
                "taro@xn--eckwd4c7c.jp",
            ),
            ("single-letter labels", "a@b.c", "a@b.c"),
        ];
        for (description, input, expected) in cases {
            assert_eq!(
                Email::parse(input).as_ref().map(Email::as_str),
                Ok(expected),
                "{description}: {input:?}"
            );
        }
    }

    #[test]
    fn email_parse_rejects_malformed_addresses() {
        use EmailError::*;
        let long_local = "a".repeat(65);
        let long_label = "a".repeat(64);
        let long_address = format!("taro@{}.jp", vec!["a".repeat(60); 5].join("."));
        let cases = [
            ("empty", "", Empty),
            ("whitespace only", " \u{3000} ", Empty),
            ("no at sign", "taro.example.jp", Invalid),
            ("two at signs", "taro@home@example.jp", Invalid),
            ("empty local part", "@example.jp", Invalid),
            ("empty domain", "taro@", Invalid),
            ("space in local part", "taro yamada@example.jp", Invalid),
            (
                "ideographic space in local part",
                "taro\u{3000}yamada@example.jp",
                Invalid,
            ),
            ("japanese local part", "たろう@example.jp", Invalid),
            ("angle brackets", "<taro@example.jp>", Invalid),
            ("comma", "taro,jiro@example.jp", Invalid),
            ("domain without dot", "taro@localhost", Invalid),
            ("domain leading dot", "taro@.example.jp", Invalid),
            ("domain trailing dot", "taro@example.jp.", Invalid),
            ("domain double dot", "taro@example..jp", Invalid),
            ("domain underscore", "taro@ex_ample.jp", Invalid),
            ("domain space", "taro@example .jp", Invalid),
            ("domain label leading hyphen", "taro@-example.jp", Invalid),
            ("domain label trailing hyphen", "taro@example-.jp", Invalid),
            ("japanese domain", "taro@例え.jp", Invalid),
            ("ip literal", "taro@[192.168.0.1]", Invalid),
            ("comma instead of dot", "taro@example,jp", Invalid),
            (
                "local part over 64",
                &format!("{long_local}@example.jp"),
                Invalid,
            ),
            ("label over 63", &format!("taro@{long_label}.jp"), Invalid),
            ("over 254 bytes", &long_address, TooLong),
        ];
        for (description, input, expected) in cases {
            assert_eq!(
                Email::parse(input),
                Err(expected),
                "{description}: {input:?}"
            );
        }
    }

    #[test]
    fn email_length_limit_is_254_bytes() {
        // 64 + 1 + 189 = 254.
        let domain = format!(
            "{}.{}.{}.jp",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(58)
        );
        let address = format!("{}@{domain}", "t".repeat(64));
        assert_eq!(address.len(), 254);
        assert_eq!(Email::parse(&address).map(|e| e.as_str().len()), Ok(254));
        let too_long = format!("{}@{domain}x", "t".repeat(64));
        assert_eq!(Email::parse(&too_long), Err(EmailError::TooLong));
    }

    #[test]
    fn email_messages_and_serialization() {
        let cases = [
            (EmailError::Empty, "メールアドレスを入力してください。"),
            (EmailError::TooLong, "メールアドレスが長すぎます。"),
            (
                EmailError::Invalid,
                "メールアドレスの形式が正しくありません。",
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.message_ja(), expected, "{error:?}");
        }
        let email = Email::parse("Taro@Example.JP").unwrap();
        assert_eq!(email.to_string(), "Taro@example.jp");
        assert_eq!(serialize_to_string(&email).unwrap(), "Taro@example.jp");
    }
}
