//! What the admin console needs from notifications, free of HTTP: saving
//! checked templates, the preview, and the usage report (D3) with its CSV.

use crate::templates::{self, EventTemplates, SmsLength, TemplateError, Values};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use madoguchi_core::settings::ServiceSettings;
use madoguchi_store::{NoticeChannel, NoticeEvent, Store, StoreError, UsageRow};

/// What the deployment configured for delivery (from the binary).
#[derive(Debug, Clone, Default)]
pub struct NotifyStatus {
    pub sms_configured: bool,
    pub email_configured: bool,
    /// `[site] public_url`, for `{{manage_url}}` in previews.
    pub public_url: Option<String>,
}

impl NotifyStatus {
    /// The banner text when some delivery is not configured, else empty.
    pub fn banner(&self) -> String {
        match (self.sms_configured, self.email_configured) {
            (true, true) => String::new(),
            (false, true) => "SMS送信が設定されていません。SMSのお知らせは送られず「送信できません」として記録されます（[sms] の設定が必要です）。".to_owned(),
            (true, false) => "メール送信が設定されていません。メールのお知らせは送られず「送信できません」として記録されます（[email] の設定が必要です）。".to_owned(),
            (false, false) => "SMSとメールの送信が設定されていません。お知らせは送られず「送信できません」として記録されます（[sms] と [email] の設定が必要です）。".to_owned(),
        }
    }
}

/// Why templates were not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Field → problem, in form order.
    #[error("invalid template")]
    Invalid(Vec<(&'static str, TemplateError)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks and saves a new version of `event`'s templates.
pub async fn save_templates(
    store: &Store,
    event: NoticeEvent,
    t: &EventTemplates,
    saved_by: &str,
    now: DateTime<Utc>,
) -> Result<i64, SaveError> {
    let problems = templates::check_event(event, t);
    if !problems.is_empty() {
        return Err(SaveError::Invalid(problems));
    }
    Ok(store
        .save_notify_template(
            event,
            &t.sms_body,
            &t.email_subject,
            &t.email_body,
            saved_by,
            now,
        )
        .await?)
}

/// Templates rendered with sample data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub sms: String,
    pub sms_length: SmsLength,
    pub email_subject: String,
    pub email_body: String,
}

/// The preview of `t`, or the problems that keep it from rendering.
pub fn preview(
    t: &EventTemplates,
    settings: &ServiceSettings,
    public_url: Option<&str>,
) -> Result<Preview, Vec<(&'static str, TemplateError)>> {
    let problems = templates::check_all(t);
    if !problems.is_empty() {
        return Err(problems);
    }
    let values = Values::sample(settings, public_url);
    let render = |text: &str| templates::render(text, &values).unwrap_or_default();
    let sms = render(&t.sms_body);
    Ok(Preview {
        sms_length: templates::sms_length(&sms),
        sms,
        email_subject: render(&t.email_subject),
        email_body: render(&t.email_body),
    })
}

/// Usage of one period (a day or a month).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub sms_messages: i64,
    pub sms_segments: i64,
    pub emails: i64,
}

impl Usage {
    fn add(&mut self, row: &UsageRow) {
        match row.channel {
            NoticeChannel::Sms => {
                self.sms_messages += row.messages;
                self.sms_segments += row.segments;
            }
            NoticeChannel::Email => self.emails += row.messages,
        }
    }
}

/// Per day, in date order (days without messages left out).
pub fn by_day(rows: &[UsageRow]) -> Vec<(NaiveDate, Usage)> {
    let mut out: Vec<(NaiveDate, Usage)> = Vec::new();
    for row in rows {
        match out.last_mut() {
            Some((day, usage)) if *day == row.day => usage.add(row),
            _ => {
                let mut usage = Usage::default();
                usage.add(row);
                out.push((row.day, usage));
            }
        }
    }
    out
}

/// Per month (`YYYY-MM`), in order.
pub fn by_month(rows: &[UsageRow]) -> Vec<(String, Usage)> {
    let mut out: Vec<(String, Usage)> = Vec::new();
    for row in rows {
        let month = format!("{:04}-{:02}", row.day.year(), row.day.month());
        match out.last_mut() {
            Some((m, usage)) if *m == month => usage.add(row),
            _ => {
                let mut usage = Usage::default();
                usage.add(row);
                out.push((month, usage));
            }
        }
    }
    out
}

/// The daily usage as CSV for spreadsheet software: UTF-8 with a BOM (so
/// Excel reads the Japanese header), CRLF line ends.
pub fn usage_csv(rows: &[UsageRow]) -> String {
    let mut csv = String::from("\u{feff}日付,SMS通数,SMS分割通数,メール通数\r\n");
    for (day, u) in by_day(rows) {
        csv.push_str(&format!(
            "{},{},{},{}\r\n",
            day.format("%Y-%m-%d"),
            u.sms_messages,
            u.sms_segments,
            u.emails
        ));
    }
    csv
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn row(d: u32, m: u32, channel: NoticeChannel, messages: i64, segments: i64) -> UsageRow {
        UsageRow {
            day: NaiveDate::from_ymd_opt(2026, m, d).unwrap(),
            channel,
            messages,
            segments,
        }
    }

    #[test]
    fn usage_is_summed_per_day_and_month_and_exported_with_a_bom() {
        let rows = [
            row(30, 11, NoticeChannel::Email, 2, 0),
            row(30, 11, NoticeChannel::Sms, 3, 7),
            row(1, 12, NoticeChannel::Sms, 1, 2),
            row(2, 12, NoticeChannel::Email, 4, 0),
        ];
        let months = by_month(&rows);
        assert_eq!(
            months,
            [
                (
                    "2026-11".to_owned(),
                    Usage {
                        sms_messages: 3,
                        sms_segments: 7,
                        emails: 2
                    }
                ),
                (
                    "2026-12".to_owned(),
                    Usage {
                        sms_messages: 1,
                        sms_segments: 2,
                        emails: 4
                    }
                ),
            ]
        );
        assert_eq!(
            usage_csv(&rows),
            "\u{feff}日付,SMS通数,SMS分割通数,メール通数\r\n2026-11-30,3,7,2\r\n2026-12-01,1,2,0\r\n2026-12-02,0,0,4\r\n"
        );
    }

    #[test]
    fn the_preview_renders_sample_data_and_counts_segments() {
        let settings = ServiceSettings::default();
        let t = EventTemplates {
            sms_body: "{{name}}様 {{date}} {{time}} 予約番号{{reservation_no}}".to_owned(),
            email_subject: "件名 {{venue}}".to_owned(),
            email_body: "{{manage_url}}".to_owned(),
        };
        let p = preview(&t, &settings, Some("https://yoyaku.example.jp")).unwrap();
        assert_eq!(p.sms, "一宮 太郎様 12月3日（木） 10:00 予約番号1234-5678");
        assert_eq!(p.sms_length.segments, 1);
        assert_eq!(p.email_subject, "件名 一宮市役所 本庁舎");
        assert_eq!(p.email_body, "https://yoyaku.example.jp/lookup");
        let bad = EventTemplates {
            email_subject: "{{reservation_number}}".to_owned(),
            ..t
        };
        let problems = preview(&bad, &settings, None).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, "email_subject");
    }
}
