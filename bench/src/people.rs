//! Varied, valid applicants: one distinct person (and phone number) per
//! booking, so the server sees realistic, non-repeating input.

use crate::api::{BookingRequest, Id};

const SURNAMES: [(&str, &str); 16] = [
    ("一宮", "イチノミヤ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
];

const GIVEN_NAMES: [(&str, &str); 14] = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("健", "ケン"),
    ("美咲", "ミサキ"),
    ("翔太", "ショウタ"),
    ("陽子", "ヨウコ"),
    ("大輔", "ダイスケ"),
    ("由美", "ユミ"),
    ("誠", "マコト"),
    ("恵子", "ケイコ"),
    ("拓也", "タクヤ"),
    ("さくら", "サクラ"),
    ("一郎", "イチロウ"),
    ("直子", "ナオコ"),
];

const MOBILE_PREFIXES: [&str; 3] = ["090", "080", "070"];

/// The `n`-th applicant, booking one seat in `slot_id`.
pub fn applicant(n: u64, slot_id: &Id) -> BookingRequest {
    let (surname, surname_kana) = SURNAMES[(n % SURNAMES.len() as u64) as usize];
    let (given, given_kana) =
        GIVEN_NAMES[((n / SURNAMES.len() as u64) % GIVEN_NAMES.len() as u64) as usize];
    // Half-width or full-width space, as people type them.
    let space = if n.is_multiple_of(3) { "\u{3000}" } else { " " };
    let mut kana = format!("{surname_kana}{space}{given_kana}");
    if n.is_multiple_of(5) {
        kana = to_hiragana(&kana);
    }
    let prefix = MOBILE_PREFIXES[(n % MOBILE_PREFIXES.len() as u64) as usize];
    let phone = format!("{prefix}{:08}", n % 100_000_000);
    // Always a real date: days 1–28 only.
    let birth_date = format!(
        "{}-{:02}-{:02}",
        1940 + n % 62,
        1 + (n / 7) % 12,
        1 + (n / 11) % 28
    );
    let (email, notify) = if n % 4 == 3 {
        (Some(format!("bench{n}@example.jp")), "both")
    } else {
        (None, "sms")
    };
    BookingRequest {
        slot_id: slot_id.clone(),
        party_size: 1,
        name: format!("{surname}{space}{given}"),
        name_kana: kana,
        birth_date,
        phone,
        email,
        notify,
    }
}

fn to_hiragana(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applicants_differ_and_look_valid() {
        let id = Id(serde_json::json!(1));
        let a = applicant(0, &id);
        let b = applicant(1, &id);
        assert_ne!(a.phone, b.phone);
        assert_eq!(a.phone.len(), 11);
        assert_eq!(a.name_kana, "いちのみや\u{3000}たろう");
        assert_eq!(b.name, "佐藤 太郎");
        assert!(applicant(3, &id).email.is_some());
    }
}
