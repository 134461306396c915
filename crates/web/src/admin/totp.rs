//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps,
//! 6 digits), the codes of authenticator apps. A code of the step before or
//! after is accepted too (clock drift); the store makes each step usable once.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha1::Sha1;

const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new random secret (160 bits), base32 without padding.
pub(crate) fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    base32_encode(&bytes)
}

/// The `otpauth://` URI authenticator apps read (as text or a QR code).
pub(crate) fn otpauth_uri(secret: &str, login: &str, issuer: &str) -> String {
    let issuer = super::urlencode(issuer);
    format!(
        "otpauth://totp/{issuer}:{}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
        super::urlencode(login)
    )
}

/// `ABCD EFGH …`: the secret in groups of four, easier to type.
pub(crate) fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The time step of `code` if it is valid for `secret` at `now` (±1 step).
pub(crate) fn check(secret: &str, code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            other => other,
        })
        .collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let key = base32_decode(secret)?;
    let step = now.timestamp().div_euclid(STEP_SECONDS);
    [step, step - 1, step + 1]
        .into_iter()
        .find(|s| code_at(&key, *s).is_some_and(|c| c == code))
}

/// The code for one time step.
fn code_at(key: &[u8], step: i64) -> Option<String> {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).ok()?;
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.get(19)? & 0x0f);
    let slice = digest.get(offset..offset + 4)?;
    let value = u32::from_be_bytes([slice[0] & 0x7f, slice[1], slice[2], slice[3]]);
    Some(format!(
        "{:0width$}",
        value % 10u32.pow(DIGITS),
        width = DIGITS as usize
    ))
}

/// The current code (tests, and the CLI if ever needed).
#[cfg(test)]
pub(crate) fn code_now(secret: &str, now: DateTime<Utc>) -> Option<String> {
    code_at(
        &base32_decode(secret)?,
        now.timestamp().div_euclid(STEP_SECONDS),
    )
}

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let value = ALPHABET.iter().position(|a| *a == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    /// RFC 6238 appendix B, SHA-1 (key "12345678901234567890"), last 6 digits.
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_now(&secret, at(t)).unwrap(), code, "t={t}");
            assert_eq!(check(&secret, code, at(t)), Some(t.div_euclid(30)));
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_not_further() {
        let secret = new_secret();
        let code = code_now(&secret, at(1_000_000)).unwrap();
        assert!(check(&secret, &code, at(1_000_000 + 30)).is_some());
        assert!(check(&secret, &code, at(1_000_000 - 30)).is_some());
        assert!(check(&secret, &code, at(1_000_000 + 90)).is_none());
        assert!(check(&secret, "12345", at(1_000_000)).is_none());
        let wide: String = code
            .chars()
            .map(|c| char::from_u32(u32::from(c) - u32::from('0') + u32::from('０')).unwrap())
            .collect();
        assert!(
            check(&secret, &wide, at(1_000_000)).is_some(),
            "full-width digits"
        );
    }

    #[test]
    fn base32_round_trips() {
        let bytes: [u8; 20] = rand::random();
        assert_eq!(base32_decode(&base32_encode(&bytes)).unwrap(), bytes);
        assert!(base32_decode("not base32!").is_none());
    }
}
