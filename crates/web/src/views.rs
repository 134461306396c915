//! Page models and their templates (askama: checked at compile time,
//! escaped by default), plus the formatting residents see.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use madoguchi_core::booking::{ApplicantForm, Booking, FieldErrors};
use madoguchi_core::clock::{date_ja_with_year, hhmm};
use madoguchi_core::settings::ServiceSettings;
use madoguchi_core::venue::Venue;
use madoguchi_store::Slot;

/// Renders a page, or a plain error page if the template fails.
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => crate::AppError::from(e).into_response(),
    }
}

/// What every page shows around its content.
pub struct Layout {
    pub title: String,
    pub service_title: String,
    pub city_name: String,
    pub city_phone: String,
    pub phone_hours: String,
    pub csrf: String,
    /// Where this page sits in the booking flow (shown as the step
    /// navigation), or `None` outside it.
    pub step: Option<Step>,
}

/// The steps of booking, in order: one step navigation for the whole flow
/// (the Digital Agency design system's ステップナビゲーション).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Checklist,
    Venue,
    Date,
    Time,
    Details,
    Confirm,
    Done,
}

impl Step {
    const ALL: [(Step, &'static str); 7] = [
        (Step::Checklist, "確認事項"),
        (Step::Venue, "会場"),
        (Step::Date, "日にち"),
        (Step::Time, "時間"),
        (Step::Details, "お名前・連絡先"),
        (Step::Confirm, "内容の確認"),
        (Step::Done, "完了"),
    ];
}

/// One entry of the step navigation.
pub struct StepItem {
    pub number: usize,
    pub label: &'static str,
    /// "done", "current" or "todo".
    pub state: &'static str,
}

impl Layout {
    pub fn new(settings: &ServiceSettings, title: impl Into<String>, csrf: String) -> Self {
        Self {
            title: title.into(),
            service_title: settings.city.service_title.clone(),
            city_name: settings.city.name.clone(),
            city_phone: settings.city.phone.clone(),
            phone_hours: settings.city.phone_hours.clone(),
            csrf,
            step: None,
        }
    }

    /// Marks the page as `step` of the booking flow.
    pub fn at_step(mut self, step: Step) -> Self {
        self.step = Some(step);
        self
    }

    /// The step navigation (empty outside the booking flow).
    pub fn steps(&self) -> Vec<StepItem> {
        let Some(current) = self.step else {
            return Vec::new();
        };
        Step::ALL
            .iter()
            .enumerate()
            .map(|(i, (step, label))| StepItem {
                number: i + 1,
                label,
                state: match step.cmp(&current) {
                    std::cmp::Ordering::Less => "done",
                    std::cmp::Ordering::Equal => "current",
                    std::cmp::Ordering::Greater => "todo",
                },
            })
            .collect()
    }

    /// `手順 2／7：会場`, for the current step.
    pub fn step_count(&self) -> String {
        let at = self
            .step
            .and_then(|s| Step::ALL.iter().position(|(step, _)| *step == s));
        match at {
            Some(i) => format!("手順 {}／{}：{}", i + 1, Step::ALL.len(), Step::ALL[i].1),
            None => String::new(),
        }
    }
}

/// `2026年12月3日（木） 9:00〜9:30`
pub fn slot_label(date: NaiveDate, start_min: u32, end_min: u32) -> String {
    format!(
        "{} {}〜{}",
        date_ja_with_year(date),
        hhmm(start_min),
        hhmm(end_min)
    )
}

pub fn slot_time(slot: &Slot) -> String {
    format!("{}〜{}", hhmm(slot.start_min), hhmm(slot.end_min))
}

/// Where a venue is and how to get there, as residents read it.
#[derive(Default)]
pub struct VenueInfo {
    pub name: String,
    pub address: String,
    /// The venue's map page, else a map search for its address; empty
    /// without either.
    pub map_link: String,
    pub access: String,
    pub parking: String,
}

impl VenueInfo {
    pub fn new(venue: &Venue) -> Self {
        let map_link = if !venue.guide.map_url.is_empty() {
            venue.guide.map_url.clone()
        } else if !venue.address.is_empty() {
            format!(
                "https://www.google.com/maps/search/?api=1&query={}",
                crate::admin::urlencode(&venue.address)
            )
        } else {
            String::new()
        };
        Self {
            name: venue.name.clone(),
            address: venue.address.clone(),
            map_link,
            access: venue.guide.access.clone(),
            parking: venue.guide.parking.clone(),
        }
    }
}

/// A booking as residents read it.
pub struct BookingView {
    pub number_grouped: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub venue_name: String,
    pub venue: VenueInfo,
    pub when: String,
    pub party_size: u8,
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub phone: String,
    pub email: String,
    pub notify: &'static str,
    /// When changes and cancellations close, e.g. `前日の17時`.
    pub changes_close: String,
}

impl BookingView {
    pub fn new(booking: &Booking, venue: Option<&Venue>, settings: &ServiceSettings) -> Self {
        let a = &booking.applicant;
        let window = venue
            .map(|v| v.window_or(&settings.window))
            .unwrap_or(settings.window);
        Self {
            number_grouped: booking.reservation_no.display_grouped(),
            status: booking.status.as_str(),
            status_label: booking.status.label_ja(),
            venue_name: venue.map(|v| v.name.clone()).unwrap_or_default(),
            venue: venue.map(VenueInfo::new).unwrap_or_default(),
            when: slot_label(booking.slot_date, booking.start_min, booking.end_min),
            party_size: a.party_size.get(),
            name: a.name.as_str().to_owned(),
            name_kana: a.name_kana.as_str().to_owned(),
            birth_date: a.birth_date.display_ja(),
            phone: a.phone.display(),
            email: a
                .email
                .as_ref()
                .map(|e| e.as_str().to_owned())
                .unwrap_or_default(),
            notify: a.notify.label_ja(),
            changes_close: window.changes_close.describe_ja(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    message: &'a str,
}

/// A bare error page; it cannot rely on the database for the city's texts.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let defaults = ServiceSettings::default();
    let page = ErrorPage {
        layout: Layout::new(&defaults, "エラー", String::new()),
        message,
    };
    let body = page.render().unwrap_or_else(|_| {
        format!("<!doctype html><html lang=\"ja\"><title>エラー</title><p>{status}</p></html>")
    });
    (status, Html(body)).into_response()
}

/// The single stylesheet, compiled into the binary.
pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/style.css"),
    )
        .into_response()
}

/// The done page's print button (progressive enhancement; no inline script).
pub async fn print_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/print.js"),
    )
        .into_response()
}

/// The site icon, answered at `/favicon.ico` where browsers look for it.
pub async fn favicon() -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml")],
        include_str!("../static/favicon.svg"),
    )
        .into_response()
}

/// A form as typed, with its errors, for the personal-details page.
pub struct FormState {
    pub values: ApplicantForm,
    pub errors: FieldErrors,
}

impl FormState {
    pub fn error(&self, field: &str) -> &str {
        self.errors.get(field).unwrap_or("")
    }
    pub fn has_error(&self, field: &str) -> bool {
        self.errors.get(field).is_some()
    }
    pub fn notify_is(&self, value: &str) -> bool {
        self.values.notify == value
    }
    pub fn party_is(&self, n: &u8) -> bool {
        self.values.party_size.trim() == n.to_string()
    }
}
