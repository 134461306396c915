//! Service-wide settings the city edits (in production through the admin
//! console; the defaults here are neutral starting values).

use crate::capacity::SeatPolicy;
use crate::eligibility::Checklist;
use crate::schedule::ClosedDays;
use crate::window::{ReceptionWindow, ServicePeriod};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The city running the service, as residents see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityInfo {
    pub name: String,
    /// The service's title on every page.
    pub service_title: String,
    /// The dedicated phone line for questions and for callers the AI phone
    /// cannot help (A15).
    pub phone: String,
    pub phone_hours: String,
    /// The AI phone's own number, for booking by phone.
    pub booking_phone: String,
}

/// Texts of the start page. Plain text; blank lines separate paragraphs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartPage {
    pub about: String,
    pub what_to_bring: Vec<String>,
    pub how_it_works: Vec<String>,
}

/// How long personal data is kept (E2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// Bookings (with their names, birth dates, phone numbers and history)
    /// are deleted this many days after the appointment day; only
    /// anonymous counts per venue, day, channel and status remain.
    pub days_after_visit: u32,
    /// Access-log entries (ids and client addresses, no names) are deleted
    /// this many days after they were written. Its own period: the log is
    /// evidence of who did what, needed longer than the bookings it names.
    #[serde(default = "default_access_log_days")]
    pub access_log_days: u32,
}

/// One year: enough to answer an inquiry about the whole service period.
fn default_access_log_days() -> u32 {
    365
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            days_after_visit: 30,
            access_log_days: default_access_log_days(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSettings {
    pub city: CityInfo,
    pub period: ServicePeriod,
    pub window: ReceptionWindow,
    pub seats: SeatPolicy,
    pub closed_days: ClosedDays,
    pub checklist: Checklist,
    pub start_page: StartPage,
    #[serde(default)]
    pub retention: Retention,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        Self {
            city: CityInfo {
                name: "一宮市".to_owned(),
                service_title: "マイナンバーカード電子証明書更新の来庁予約".to_owned(),
                phone: "0586-28-0000".to_owned(),
                phone_hours: "平日 8時30分から17時15分まで".to_owned(),
                booking_phone: "0586-28-0001".to_owned(),
            },
            period: ServicePeriod {
                first_day: day(2026, 11, 2),
                last_day: day(2027, 3, 31),
            },
            window: ReceptionWindow::default(),
            seats: SeatPolicy::default(),
            closed_days: ClosedDays::default(),
            checklist: Checklist::default(),
            retention: Retention::default(),
            start_page: StartPage {
                about: "マイナンバーカードの電子証明書には有効期限があります（発行から5回目の誕生日まで）。有効期限が近づいた方は、市の窓口で更新の手続きができます。手続きは予約制です。".to_owned(),
                what_to_bring: vec![
                    "マイナンバーカード".to_owned(),
                    "有効期限通知書（届いている方）".to_owned(),
                    "暗証番号（数字4桁と英数字6〜16文字）を覚えてお越しください".to_owned(),
                ],
                how_it_works: vec![
                    "確認事項にチェックします。".to_owned(),
                    "会場、日にち、時間を選びます。".to_owned(),
                    "お名前と連絡先を入力して予約を確定します。".to_owned(),
                    "予約番号をSMSまたはメールでお知らせします。当日は予約の時間にお越しください。".to_owned(),
                ],
            },
        }
    }
}
