//! Message templates (B3): Japanese defaults, `{{placeholder}}` rendering,
//! checking, and the SMS length in characters and segments.

use madoguchi_core::booking::Booking;
use madoguchi_core::clock::{date_ja, hhmm};
use madoguchi_core::settings::ServiceSettings;
use madoguchi_core::venue::Venue;
use madoguchi_store::NoticeEvent;
use std::collections::BTreeMap;

/// Every placeholder a template may use, with its meaning for the editor.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("name", "お名前"),
    ("venue", "会場名"),
    ("venue_address", "会場の住所"),
    ("date", "予約日（例: 12月3日（木））"),
    ("time", "開始時刻（例: 10:00）"),
    ("end_time", "終了時刻"),
    ("reservation_no", "予約番号（4桁-4桁）"),
    ("party_size", "人数"),
    ("manage_url", "予約の確認・変更・取消しのページ"),
    ("booking_url", "予約サイトのはじめのページ"),
    ("city_name", "市の名前"),
    ("city_phone", "問い合わせ電話番号"),
    ("city_phone_hours", "電話の受付時間"),
    ("service_title", "サービスの名前"),
    ("what_to_bring", "持ち物（設定の一覧）"),
];

/// The placeholders that do not need a booking: the only ones an SMS-only
/// message without a booking (the web link) can fill.
pub const COMMON_PLACEHOLDERS: &[&str] = &[
    "booking_url",
    "manage_url",
    "city_name",
    "city_phone",
    "city_phone_hours",
    "service_title",
    "what_to_bring",
];

/// The placeholders `event`'s templates may use, with their meaning.
pub fn placeholders_for(event: NoticeEvent) -> Vec<(&'static str, &'static str)> {
    PLACEHOLDERS
        .iter()
        .copied()
        .filter(|(p, _)| event != NoticeEvent::WebLink || COMMON_PLACEHOLDERS.contains(p))
        .collect()
}

/// The templates of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTemplates {
    pub sms_body: String,
    pub email_subject: String,
    pub email_body: String,
}

/// The built-in templates, used until staff save their own.
pub fn default_templates(event: NoticeEvent) -> EventTemplates {
    let (sms, subject, lead, tail) = match event {
        // SMS only; the email texts are there so that the generic editor
        // has something valid to show.
        NoticeEvent::WebLink => {
            return EventTemplates {
                sms_body: "【{{city_name}}】マイナンバーカード電子証明書更新の予約はこちらから: {{booking_url}} お問い合わせ: {{city_phone}}".to_owned(),
                email_subject: "【{{city_name}}】予約ページのご案内".to_owned(),
                email_body: "{{service_title}}は、こちらのページから予約できます。\n{{booking_url}}\n\nお問い合わせ: {{city_name}} {{city_phone}}（{{city_phone_hours}}）\nこのメールには返信できません。\n".to_owned(),
            };
        }
        NoticeEvent::Booked => (
            "【{{city_name}}】ご予約を受け付けました。{{date}}{{time}}から {{venue}} {{party_size}}名 予約番号{{reservation_no}} 確認・変更 {{manage_url}} 問合せ{{city_phone}}",
            "【{{city_name}}】ご予約を受け付けました（予約番号 {{reservation_no}}）",
            "{{service_title}}のご予約を受け付けました。",
            "当日は予約の時間にお越しください。\n予約の確認・変更・取消しは、こちらのページでできます（予約番号と電話番号が必要です）。\n{{manage_url}}",
        ),
        NoticeEvent::Changed => (
            "【{{city_name}}】ご予約を変更しました。新しい日時 {{date}}{{time}}から {{venue}} 予約番号{{reservation_no}} 確認 {{manage_url}} 問合せ{{city_phone}}",
            "【{{city_name}}】ご予約の日時を変更しました（予約番号 {{reservation_no}}）",
            "ご予約の日時を、次のとおり変更しました。",
            "予約番号は変わりません。\n予約の確認・変更・取消しは、こちらのページでできます。\n{{manage_url}}",
        ),
        NoticeEvent::Cancelled => (
            "【{{city_name}}】ご予約を取り消しました。{{date}}{{time}}から {{venue}} 予約番号{{reservation_no}} 問合せ{{city_phone}}",
            "【{{city_name}}】ご予約を取り消しました（予約番号 {{reservation_no}}）",
            "次のご予約を取り消しました。",
            "もう一度予約するときは、はじめからお申し込みください。",
        ),
        NoticeEvent::Reminder => (
            "【{{city_name}}】明日{{date}}{{time}}から{{venue}}でご予約があります。マイナンバーカードをお持ちください。暗証番号もご確認ください。予約番号{{reservation_no}}",
            "【{{city_name}}】明日はご予約の日です（{{date}} {{time}}から）",
            "明日は、次のご予約の日です。",
            "持ち物:\n{{what_to_bring}}\n\n手続きにはマイナンバーカードの暗証番号（数字4桁と英数字6〜16文字）が必要です。忘れずにご確認ください。\n\n来られなくなったときは、こちらから変更・取消しをお願いします。\n{{manage_url}}",
        ),
    };
    let email_body = format!(
        "{{{{name}}}} 様\n\n{lead}\n\n会場: {{{{venue}}}}\n      {{{{venue_address}}}}\n日時: {{{{date}}}} {{{{time}}}}〜{{{{end_time}}}}\n人数: {{{{party_size}}}}名\n予約番号: {{{{reservation_no}}}}\n\n{tail}\n\nお問い合わせ: {{{{city_name}}}} {{{{city_phone}}}}（{{{{city_phone_hours}}}}）\nこのメールには返信できません。\n"
    );
    EventTemplates {
        sms_body: sms.to_owned(),
        email_subject: subject.to_owned(),
        email_body,
    }
}

/// A template that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unknown placeholder {{{{{0}}}}}")]
    UnknownPlaceholder(String),
    #[error("a placeholder is not closed")]
    Unclosed,
    #[error("empty")]
    Empty,
    /// A booking's detail in a message that has no booking.
    #[error("placeholder {{{{{0}}}}} needs a booking")]
    NeedsBooking(String),
}

impl TemplateError {
    /// The message for staff, in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            TemplateError::UnknownPlaceholder(name) => format!(
                "「{{{{{name}}}}}」は使えない差し込み項目です。使える項目: {}",
                PLACEHOLDERS
                    .iter()
                    .map(|(p, _)| format!("{{{{{p}}}}}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            TemplateError::Unclosed => {
                "「{{」で始まる差し込み項目が「}}」で閉じられていません。".to_owned()
            }
            TemplateError::Empty => "空にはできません。".to_owned(),
            TemplateError::NeedsBooking(name) => format!(
                "「{{{{{name}}}}}」は予約のないお知らせでは使えません。使える項目: {}",
                COMMON_PLACEHOLDERS
                    .iter()
                    .map(|p| format!("{{{{{p}}}}}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }
    }
}

enum Piece<'a> {
    Text(&'a str),
    Field(&'a str),
}

fn parse(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        pieces.push(Piece::Text(&rest[..open]));
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or(TemplateError::Unclosed)?;
        let name = after[..close].trim();
        if !PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
            return Err(TemplateError::UnknownPlaceholder(name.to_owned()));
        }
        pieces.push(Piece::Field(name));
        rest = &after[close + 2..];
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

/// Checks one template: every placeholder known and closed, not blank.
pub fn check(template: &str) -> Result<(), TemplateError> {
    if template.trim().is_empty() {
        return Err(TemplateError::Empty);
    }
    parse(template).map(|_| ())
}

/// Checks one template of `event`: as [`check`], and a message without a
/// booking uses no booking details.
pub fn check_for(event: NoticeEvent, template: &str) -> Result<(), TemplateError> {
    check(template)?;
    if event == NoticeEvent::WebLink {
        for piece in parse(template)? {
            if let Piece::Field(name) = piece
                && !COMMON_PLACEHOLDERS.contains(&name)
            {
                return Err(TemplateError::NeedsBooking(name.to_owned()));
            }
        }
    }
    Ok(())
}

/// Problems of `event`'s templates, by field, in form order: as
/// [`check_all`], with [`check_for`]'s rule.
pub fn check_event(event: NoticeEvent, t: &EventTemplates) -> Vec<(&'static str, TemplateError)> {
    [
        ("sms_body", &t.sms_body),
        ("email_subject", &t.email_subject),
        ("email_body", &t.email_body),
    ]
    .into_iter()
    .filter_map(|(field, text)| check_for(event, text).err().map(|e| (field, e)))
    .collect()
}

/// Problems of a set of templates, by field (`sms_body`, `email_subject`,
/// `email_body`), in form order.
pub fn check_all(t: &EventTemplates) -> Vec<(&'static str, TemplateError)> {
    [
        ("sms_body", &t.sms_body),
        ("email_subject", &t.email_subject),
        ("email_body", &t.email_body),
    ]
    .into_iter()
    .filter_map(|(field, text)| check(text).err().map(|e| (field, e)))
    .collect()
}

/// The values placeholders stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(BTreeMap<&'static str, String>);

impl Values {
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) {
        self.0.insert(name, value.into());
    }
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The values for a booking's messages.
    pub fn for_booking(
        booking: &Booking,
        venue: &Venue,
        settings: &ServiceSettings,
        public_url: Option<&str>,
    ) -> Self {
        let mut v = Self::common(settings, public_url);
        v.set("name", booking.applicant.name.as_str());
        v.set("venue", venue.name.as_str());
        v.set("venue_address", venue.address.as_str());
        v.set("date", date_ja(booking.slot_date));
        v.set("time", hhmm(booking.start_min));
        v.set("end_time", hhmm(booking.end_min));
        v.set("reservation_no", booking.reservation_no.display_grouped());
        v.set("party_size", booking.applicant.party_size.get().to_string());
        v
    }

    /// Made-up values for the editor's preview.
    pub fn sample(settings: &ServiceSettings, public_url: Option<&str>) -> Self {
        let mut v = Self::common(settings, public_url);
        v.set("name", "一宮 太郎");
        v.set("venue", "一宮市役所 本庁舎");
        v.set("venue_address", "愛知県一宮市本町2丁目5番6号");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default();
        v.set("date", date_ja(day));
        v.set("time", "10:00");
        v.set("end_time", "10:30");
        v.set("reservation_no", "1234-5678");
        v.set("party_size", "1");
        v
    }

    /// The values for a message without a booking (the web link).
    pub fn without_booking(settings: &ServiceSettings, public_url: Option<&str>) -> Self {
        Self::common(settings, public_url)
    }

    fn common(settings: &ServiceSettings, public_url: Option<&str>) -> Self {
        let mut v = Self::default();
        v.set("manage_url", manage_url(public_url));
        v.set("booking_url", booking_url(public_url));
        v.set("city_name", settings.city.name.as_str());
        v.set("city_phone", settings.city.phone.as_str());
        v.set("city_phone_hours", settings.city.phone_hours.as_str());
        v.set("service_title", settings.city.service_title.as_str());
        v.set(
            "what_to_bring",
            settings
                .start_page
                .what_to_bring
                .iter()
                .map(|item| format!("・{item}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        v
    }
}

/// Where residents look up, change or cancel a booking (the citizen
/// "lookup" page, which asks for the number and the phone).
pub fn manage_url(public_url: Option<&str>) -> String {
    let base = public_url.unwrap_or("").trim_end_matches('/');
    format!("{base}/lookup")
}

/// Where residents start a booking: the site's public address.
pub fn booking_url(public_url: Option<&str>) -> String {
    let base = public_url.unwrap_or("").trim_end_matches('/');
    format!("{base}/")
}

/// Fills in `template`. Fails only for a template that does not pass
/// [`check`]; a known placeholder without a value renders empty.
pub fn render(template: &str, values: &Values) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 64);
    for piece in parse(template)? {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Field(name) => out.push_str(values.get(name).unwrap_or("")),
        }
    }
    Ok(out)
}

/// How an SMS text is encoded on the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsEncoding {
    /// The GSM 03.38 alphabet: 160 per single message, 153 per part.
    Gsm7,
    /// Anything else (Japanese): 70 per single message, 67 per part.
    Ucs2,
}

/// An SMS text's length as the carrier counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsLength {
    /// Characters as people count them.
    pub chars: usize,
    pub encoding: SmsEncoding,
    /// Messages the carrier bills (at least 1).
    pub segments: u32,
}

const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENDED: &str = "^{}\\[~]|€\u{c}";

/// The length of `text` in characters and SMS segments.
pub fn sms_length(text: &str) -> SmsLength {
    let chars = text.chars().count();
    let mut septets = 0usize;
    let mut gsm = true;
    for c in text.chars() {
        if GSM7_BASIC.contains(c) {
            septets += 1;
        } else if GSM7_EXTENDED.contains(c) {
            septets += 2;
        } else {
            gsm = false;
            break;
        }
    }
    let (encoding, units, single, part) = if gsm {
        (SmsEncoding::Gsm7, septets, 160, 153)
    } else {
        // UCS-2 counts UTF-16 code units: an emoji takes two.
        (SmsEncoding::Ucs2, text.encode_utf16().count(), 70, 67)
    };
    let segments = if units <= single {
        1
    } else {
        units.div_ceil(part)
    };
    SmsLength {
        chars,
        encoding,
        segments: u32::try_from(segments).unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn placeholders_are_filled_with_or_without_spaces() {
        let mut v = Values::default();
        v.set("venue", "尾西庁舎");
        v.set("reservation_no", "1234-5678");
        assert_eq!(
            render("会場 {{venue}} 番号 {{ reservation_no }}。", &v).unwrap(),
            "会場 尾西庁舎 番号 1234-5678。"
        );
    }

    #[test]
    fn an_unknown_placeholder_is_named_in_the_error() {
        let err = check("{{venue}} {{vneue}}").unwrap_err();
        assert_eq!(err, TemplateError::UnknownPlaceholder("vneue".to_owned()));
        let message = err.message_ja();
        assert!(
            message.contains("「{{vneue}}」は使えない差し込み項目です"),
            "{message}"
        );
        assert!(message.contains("{{manage_url}}"), "{message}");
        assert_eq!(check("{{venue"), Err(TemplateError::Unclosed));
        assert_eq!(check("  \n"), Err(TemplateError::Empty));
    }

    #[test]
    fn every_default_template_checks_and_mentions_what_residents_need() {
        for event in NoticeEvent::ALL {
            assert!(check_event(event, &default_templates(event)).is_empty());
        }
        for event in NoticeEvent::BOOKING {
            let t = default_templates(event);
            assert!(check_all(&t).is_empty(), "{event:?}");
            for text in [&t.sms_body, &t.email_body] {
                assert!(text.contains("{{reservation_no}}"), "{event:?}: {text}");
                assert!(text.contains("{{date}}") && text.contains("{{time}}"));
            }
        }
        let reminder = default_templates(NoticeEvent::Reminder);
        assert!(reminder.email_body.contains("{{what_to_bring}}"));
        assert!(reminder.email_body.contains("暗証番号"));
        assert!(reminder.sms_body.contains("暗証番号"));
        assert!(
            default_templates(NoticeEvent::Booked)
                .sms_body
                .contains("{{manage_url}}")
        );
    }

    #[test]
    fn the_web_link_uses_no_booking_details_and_fits_two_segments() {
        let t = default_templates(NoticeEvent::WebLink);
        assert!(t.sms_body.contains("{{booking_url}}"));
        assert!(t.sms_body.contains("{{city_phone}}"));
        let settings = ServiceSettings::default();
        let values = Values::without_booking(&settings, Some("https://yoyaku.example.jp/"));
        let text = render(&t.sms_body, &values).unwrap();
        assert!(text.contains("https://yoyaku.example.jp/ "), "{text}");
        assert!(sms_length(&text).segments <= 2, "{text}");
        let err = check_for(NoticeEvent::WebLink, "{{name}}様 {{booking_url}}").unwrap_err();
        assert_eq!(err, TemplateError::NeedsBooking("name".to_owned()));
        assert!(err.message_ja().contains("{{booking_url}}"));
        assert!(!err.message_ja().contains("{{reservation_no}}"));
        // Booking messages may use the booking details and the site address.
        assert_eq!(
            check_for(NoticeEvent::Booked, "{{name}} {{booking_url}}"),
            Ok(())
        );
        let names: Vec<_> = placeholders_for(NoticeEvent::WebLink)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert!(names.contains(&"booking_url") && !names.contains(&"date"));
    }

    #[test]
    fn default_sms_render_to_at_most_three_segments() {
        let settings = ServiceSettings::default();
        let values = Values::sample(&settings, Some("https://yoyaku.city.ichinomiya.aichi.jp"));
        for event in NoticeEvent::ALL {
            let text = render(&default_templates(event).sms_body, &values).unwrap();
            let length = sms_length(&text);
            assert_eq!(length.encoding, SmsEncoding::Ucs2);
            assert!(length.segments <= 3, "{event:?}: {length:?} {text}");
        }
    }

    #[test]
    fn japanese_counts_70_then_67_per_segment() {
        let seventy = "あ".repeat(70);
        assert_eq!(
            sms_length(&seventy),
            SmsLength {
                chars: 70,
                encoding: SmsEncoding::Ucs2,
                segments: 1
            }
        );
        assert_eq!(sms_length(&"あ".repeat(71)).segments, 2);
        assert_eq!(sms_length(&"あ".repeat(134)).segments, 2);
        assert_eq!(sms_length(&"あ".repeat(135)).segments, 3);
        // One Japanese character turns a Latin text into UCS-2.
        assert_eq!(sms_length(&format!("{}あ", "a".repeat(69))).segments, 1);
        assert_eq!(sms_length(&format!("{}あ", "a".repeat(70))).segments, 2);
    }

    #[test]
    fn latin_text_counts_160_then_153_per_segment() {
        assert_eq!(sms_length(&"a".repeat(160)).segments, 1);
        assert_eq!(sms_length(&"a".repeat(160)).encoding, SmsEncoding::Gsm7);
        assert_eq!(sms_length(&"a".repeat(161)).segments, 2);
        assert_eq!(sms_length(&"a".repeat(306)).segments, 2);
        assert_eq!(sms_length(&"a".repeat(307)).segments, 3);
        // Extension characters take two septets.
        assert_eq!(sms_length(&"€".repeat(80)).segments, 1);
        assert_eq!(sms_length(&"€".repeat(81)).segments, 2);
    }

    #[test]
    fn manage_url_joins_the_public_address_and_the_lookup_page() {
        assert_eq!(
            manage_url(Some("https://yoyaku.example.jp/")),
            "https://yoyaku.example.jp/lookup"
        );
        assert_eq!(manage_url(None), "/lookup");
    }
}
