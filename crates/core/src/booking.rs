//! Bookings: what a resident asks for, how it is validated, and what is stored.

use crate::contact::{Email, PhoneNumber};
use crate::era::BirthDate;
use crate::ids::{BookingId, SlotId, VenueId};
use crate::name::{NameKana, PersonName};
use crate::reservation_no::ReservationNo;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How many people come on one booking. Each person takes one seat (A10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "u8")]
pub struct PartySize(u8);

impl PartySize {
    pub const MAX: u8 = 4;

    pub fn new(n: u8) -> Option<Self> {
        (1..=Self::MAX).contains(&n).then_some(Self(n))
    }

    /// A count as typed or sent: digits (full-width too), optionally followed
    /// by 人 or 名. Anything else — a sign, a fraction — is not a count:
    /// `-1` must not turn into 1 by dropping the sign.
    pub fn parse(s: &str) -> Option<Self> {
        let s = crate::text::nfkc(s);
        let digits = s.trim().trim_end_matches(['人', '名']).trim_end();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        digits.parse::<u8>().ok().and_then(Self::new)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    pub fn seats(self) -> i64 {
        i64::from(self.0)
    }
}

impl From<PartySize> for u8 {
    fn from(p: PartySize) -> u8 {
        p.0
    }
}

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal, $ja:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable wire and database spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The label shown to staff and residents.
            pub fn label_ja(self) -> &'static str {
                match self { $($name::$variant => $ja),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// Where a booking came from. Seats can be kept back per channel.
    Channel {
        Web => "web", "ウェブ";
        Phone => "phone", "電話";
        Staff => "staff", "職員";
    }
);

string_enum!(
    /// The life of a booking.
    BookingStatus {
        Booked => "booked", "予約中";
        Cancelled => "cancelled", "取消済み";
        Attended => "attended", "来庁済み";
        NoShow => "no_show", "来庁なし";
    }
);

string_enum!(
    /// How the resident wants to be notified (B1, B2).
    Notify {
        Sms => "sms", "SMS";
        Email => "email", "メール";
        Both => "both", "SMSとメール";
    }
);

impl Notify {
    pub fn wants_sms(self) -> bool {
        matches!(self, Notify::Sms | Notify::Both)
    }
    pub fn wants_email(self) -> bool {
        matches!(self, Notify::Email | Notify::Both)
    }
}

/// What a resident typed, before any checking. Every field is a string so
/// that the form can be shown again exactly as typed when something is wrong.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApplicantForm {
    #[serde(default)]
    pub party_size: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub name_kana: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub notify: String,
}

/// The checked personal details of the person who books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub party_size: PartySize,
    pub name: PersonName,
    pub name_kana: NameKana,
    pub birth_date: BirthDate,
    pub phone: PhoneNumber,
    pub email: Option<Email>,
    pub notify: Notify,
}

/// Field name → Japanese message, in the order the fields appear on the
/// form (the order they were checked in), so that an error summary reads
/// top to bottom like the form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    /// Records the first problem of `field`; later ones are dropped.
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
    /// (field, message) pairs in form order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(f, m)| (*f, m.as_str()))
    }
}

impl Serialize for FieldErrors {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, message) in &self.0 {
            map.serialize_entry(field, message)?;
        }
        map.end()
    }
}

impl ApplicantForm {
    /// Checks every field and reports every problem at once, each in plain
    /// Japanese, so the resident can fix them all in one go.
    pub fn validate(&self, today: NaiveDate) -> Result<Applicant, FieldErrors> {
        let mut errors = FieldErrors::default();

        let party_size = PartySize::parse(&self.party_size);
        if party_size.is_none() {
            errors.add("party_size", "人数は1人から4人までで選んでください。");
        }
        let name = PersonName::parse(&self.name)
            .map_err(|e| errors.add("name", e.message_ja()))
            .ok();
        let name_kana = NameKana::parse(&self.name_kana)
            .map_err(|e| errors.add("name_kana", e.message_ja()))
            .ok();
        let birth_date = BirthDate::parse(&self.birth_date, today)
            .map_err(|e| errors.add("birth_date", e.message_ja()))
            .ok();
        let notify = Notify::parse(self.notify.trim());
        if notify.is_none() {
            errors.add("notify", "お知らせの受け取り方法を選んでください。");
        }
        let phone = match notify {
            Some(n) if n.wants_sms() => PhoneNumber::parse_mobile(&self.phone),
            _ => PhoneNumber::parse(&self.phone),
        }
        .map_err(|e| errors.add("phone", e.message_ja()))
        .ok();
        let email = if self.email.trim().is_empty() {
            if notify.is_some_and(Notify::wants_email) {
                errors.add(
                    "email",
                    "メールでのお知らせを選んだ場合は、メールアドレスを入力してください。",
                );
            }
            None
        } else {
            Email::parse(&self.email)
                .map_err(|e| errors.add("email", e.message_ja()))
                .ok()
        };

        match (party_size, name, name_kana, birth_date, phone, notify) {
            (
                Some(party_size),
                Some(name),
                Some(name_kana),
                Some(birth_date),
                Some(phone),
                Some(notify),
            ) if errors.is_empty() => Ok(Applicant {
                party_size,
                name,
                name_kana,
                birth_date,
                phone,
                email,
                notify,
            }),
            _ => Err(errors),
        }
    }
}

impl Applicant {
    /// The form filled with these details (to carry them through a
    /// confirmation page or a one-click alternative).
    pub fn to_form(&self) -> ApplicantForm {
        ApplicantForm {
            party_size: self.party_size.get().to_string(),
            name: self.name.as_str().to_owned(),
            name_kana: self.name_kana.as_str().to_owned(),
            birth_date: self.birth_date.date().format("%Y-%m-%d").to_string(),
            phone: self.phone.as_str().to_owned(),
            email: self
                .email
                .as_ref()
                .map(|e| e.as_str().to_owned())
                .unwrap_or_default(),
            notify: self.notify.as_str().to_owned(),
        }
    }
}

/// A stored booking, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: BookingId,
    pub reservation_no: ReservationNo,
    pub venue_id: VenueId,
    pub slot_id: SlotId,
    pub slot_date: NaiveDate,
    pub start_min: u32,
    pub end_min: u32,
    pub applicant: Applicant,
    pub channel: Channel,
    pub status: BookingStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Booking {
    pub fn starts_at(&self) -> DateTime<Utc> {
        crate::clock::jst_instant(self.slot_date, self.start_min)
    }
    pub fn ends_at(&self) -> DateTime<Utc> {
        crate::clock::jst_instant(self.slot_date, self.end_min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn good_form() -> ApplicantForm {
        ApplicantForm {
            party_size: "2".into(),
            name: "一宮 太郎".into(),
            name_kana: "いちのみや たろう".into(),
            birth_date: "昭和35年4月1日".into(),
            phone: "０９０－１２３４－５６７８".into(),
            email: String::new(),
            notify: "sms".into(),
        }
    }

    #[test]
    fn a_complete_form_is_accepted_and_normalised() {
        let applicant = good_form().validate(today()).unwrap();
        assert_eq!(applicant.party_size.get(), 2);
        assert_eq!(applicant.phone.as_str(), "09012345678");
        assert_eq!(applicant.name_kana.as_str(), "イチノミヤ\u{3000}タロウ");
        assert_eq!(
            applicant.birth_date.date(),
            NaiveDate::from_ymd_opt(1960, 4, 1).unwrap()
        );
        assert_eq!(applicant.email, None);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let form = ApplicantForm {
            party_size: "5".into(),
            name: "".into(),
            name_kana: "ABC".into(),
            birth_date: "昭和70年1月1日".into(),
            phone: "123".into(),
            email: "not-an-email".into(),
            notify: "fax".into(),
        };
        let errors = form.validate(today()).unwrap_err();
        for field in [
            "party_size",
            "name",
            "name_kana",
            "birth_date",
            "phone",
            "email",
            "notify",
        ] {
            assert!(
                errors.get(field).is_some(),
                "expected an error for {field}: {errors:?}"
            );
        }
    }

    #[test]
    fn sms_needs_a_mobile_number_but_email_only_accepts_a_landline() {
        let mut form = good_form();
        form.phone = "0586-28-9131".into();
        let errors = form.clone().validate(today()).unwrap_err();
        assert!(errors.get("phone").is_some());

        form.notify = "email".into();
        form.email = "taro@example.jp".into();
        let applicant = form.validate(today()).unwrap();
        assert!(!applicant.phone.is_mobile());
    }

    #[test]
    fn email_notification_requires_an_address() {
        let mut form = good_form();
        form.notify = "both".into();
        let errors = form.validate(today()).unwrap_err();
        assert!(errors.get("email").is_some());
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn party_size_takes_a_plain_count_and_nothing_signed() {
        assert_eq!(PartySize::parse("２").map(PartySize::get), Some(2));
        assert_eq!(PartySize::parse(" 3人 ").map(PartySize::get), Some(3));
        assert_eq!(PartySize::parse("1名").map(PartySize::get), Some(1));
        for bad in ["-1", "-4", "+2", "1.5", "2-", "", "人", "12"] {
            assert!(PartySize::parse(bad).is_none(), "{bad:?} accepted");
        }
    }

    #[test]
    fn party_size_is_one_to_four() {
        assert!(PartySize::new(0).is_none());
        assert_eq!(PartySize::new(1).map(PartySize::get), Some(1));
        assert_eq!(PartySize::new(4).map(PartySize::get), Some(4));
        assert!(PartySize::new(5).is_none());
    }

    #[test]
    fn enums_round_trip_through_their_wire_spelling() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(*c));
        }
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()), Some(*s));
        }
        for n in Notify::ALL {
            assert_eq!(Notify::parse(n.as_str()), Some(*n));
        }
    }
}
