//! Notifications in the admin console: message templates (B3) with
//! preview, SMS segment count, checks and history; reminder settings; a
//! booking's messages with resend; usage per day and month with CSV (D3);
//! a banner when delivery is not configured.

use super::{AdminError, AdminLayout, Staff};
use crate::views::render;
use crate::{AppError, AppState};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use madoguchi_core::clock::{JST, hhmm};
use madoguchi_core::ids::BookingId;
use madoguchi_core::staff::Role;
use madoguchi_notify::NotifySettings;
use madoguchi_notify::admin::{self as notify_admin, NotifyStatus, Preview, SaveError, Usage};
use madoguchi_notify::templates::{EventTemplates, TemplateError};
use madoguchi_store::{AccessResult, BookingError, NoticeEvent, TemplateVersion};
use serde::Deserialize;

fn status(state: &AppState) -> &NotifyStatus {
    &state.config.notify
}

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&JST).format("%Y-%m-%d %H:%M").to_string()
}

// ---- overview and reminder settings -------------------------------------

struct EventRow {
    key: &'static str,
    label: &'static str,
    saved: String,
}

#[derive(Template)]
#[template(path = "admin/notifications.html")]
struct OverviewPage {
    layout: AdminLayout,
    banner: String,
    events: Vec<EventRow>,
    reminders_enabled: bool,
    reminder_at: String,
}

#[derive(Deserialize)]
pub(crate) struct Flash {
    #[serde(default)]
    saved: Option<String>,
}

pub(crate) async fn overview(
    State(state): State<AppState>,
    staff: Staff,
    Query(flash): Query<Flash>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    let mut events = Vec::new();
    for event in NoticeEvent::ALL {
        let saved = match state.store.notify_template(event).await? {
            Some(v) => format!("{}（{}）", when(v.saved_at), v.saved_by),
            None => "標準の文面".to_owned(),
        };
        events.push(EventRow {
            key: event.as_str(),
            label: event.label_ja(),
            saved,
        });
    }
    let settings = NotifySettings::load(&state.store).await?;
    let mut layout = AdminLayout::new(&staff, "通知（SMS・メール）", "/admin/notifications");
    if flash.saved.is_some() {
        layout = layout.with_flash("保存しました。");
    }
    let page = OverviewPage {
        layout,
        banner: status(&state).banner(),
        events,
        reminders_enabled: settings.reminders_enabled,
        reminder_at: hhmm(settings.reminder_minute),
    };
    Ok(render(&page))
}

#[derive(Deserialize)]
pub(crate) struct ReminderForm {
    csrf: String,
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    at: String,
}

pub(crate) async fn save_reminders(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<ReminderForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&form.csrf)?;
    let time = chrono::NaiveTime::parse_from_str(form.at.trim(), "%H:%M")
        .map_err(|_| AppError::BadRequest("時刻は HH:MM の形で入力してください。".to_owned()))?;
    let settings = NotifySettings {
        reminders_enabled: form.enabled.is_some(),
        reminder_minute: chrono::Timelike::hour(&time) * 60 + chrono::Timelike::minute(&time),
    };
    settings.save(&state.store).await?;
    staff
        .log(
            &state,
            "notify.settings.save",
            "notify:reminder",
            AccessResult::Ok,
        )
        .await;
    Ok(Redirect::to("/admin/notifications?saved=1").into_response())
}

// ---- template editor ----------------------------------------------------

struct FieldError {
    field: &'static str,
    message: String,
}

struct VersionRow {
    at: String,
    by: String,
    sms_body: String,
    email_subject: String,
}

#[derive(Template)]
#[template(path = "admin/notification_template.html")]
struct TemplatePage {
    layout: AdminLayout,
    banner: String,
    event: &'static str,
    sms_body: String,
    email_subject: String,
    email_body: String,
    errors: Vec<FieldError>,
    preview: Option<Preview>,
    placeholders: Vec<(&'static str, &'static str)>,
    history: Vec<VersionRow>,
}

impl TemplatePage {
    fn error_for(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
            .unwrap_or_default()
    }
    fn encoding_label(&self) -> &'static str {
        match self.preview.as_ref().map(|p| p.sms_length.encoding) {
            Some(madoguchi_notify::templates::SmsEncoding::Gsm7) => {
                "英数字（1通160文字、分割時153文字）"
            }
            _ => "日本語（1通70文字、分割時67文字）",
        }
    }
}

fn event_of(key: &str) -> Result<NoticeEvent, AdminError> {
    NoticeEvent::parse(key).ok_or(AdminError::App(AppError::NotFound))
}

fn field_errors(problems: Vec<(&'static str, TemplateError)>) -> Vec<FieldError> {
    problems
        .into_iter()
        .map(|(field, e)| FieldError {
            field,
            message: e.message_ja(),
        })
        .collect()
}

async fn template_page(
    state: &AppState,
    staff: &Staff,
    event: NoticeEvent,
    t: EventTemplates,
    errors: Vec<FieldError>,
    flash: &str,
) -> Result<Response, AdminError> {
    let settings = state.store.settings().await?;
    let preview = if errors.is_empty() {
        notify_admin::preview(&t, &settings, status(state).public_url.as_deref()).ok()
    } else {
        None
    };
    let history = state
        .store
        .notify_template_history(event)
        .await?
        .into_iter()
        .map(|v: TemplateVersion| VersionRow {
            at: when(v.saved_at),
            by: v.saved_by,
            sms_body: v.sms_body,
            email_subject: v.email_subject,
        })
        .collect();
    let layout = AdminLayout::new(
        staff,
        format!("文面の編集：{}", event.label_ja()),
        "/admin/notifications",
    )
    .with_flash(flash);
    let page = TemplatePage {
        layout,
        banner: status(state).banner(),
        event: event.as_str(),
        sms_body: t.sms_body,
        email_subject: t.email_subject,
        email_body: t.email_body,
        errors,
        preview,
        // The web link has no booking: only the placeholders it can fill.
        placeholders: madoguchi_notify::templates::placeholders_for(event),
        history,
    };
    Ok(render(&page))
}

pub(crate) async fn template_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    let event = event_of(&key)?;
    let current = madoguchi_notify::worker::current_templates(&state.store, event).await?;
    staff
        .log(
            &state,
            "notify.template.view",
            &format!("template:{key}"),
            AccessResult::Ok,
        )
        .await;
    let flash = if flash.saved.is_some() {
        "保存しました。"
    } else {
        ""
    };
    template_page(&state, &staff, event, current, Vec::new(), flash).await
}

#[derive(Deserialize)]
pub(crate) struct TemplateForm {
    csrf: String,
    #[serde(default)]
    sms_body: String,
    #[serde(default)]
    email_subject: String,
    #[serde(default)]
    email_body: String,
    /// `preview` or `save`.
    #[serde(default)]
    action: String,
}

pub(crate) async fn template_submit(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    Form(form): Form<TemplateForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&form.csrf)?;
    let event = event_of(&key)?;
    let t = EventTemplates {
        sms_body: form.sms_body.replace("\r\n", "\n"),
        email_subject: form.email_subject.trim().to_owned(),
        email_body: form.email_body.replace("\r\n", "\n"),
    };
    if form.action != "save" {
        let errors = field_errors(madoguchi_notify::templates::check_event(event, &t));
        return template_page(&state, &staff, event, t, errors, "").await;
    }
    let target = format!("template:{key}");
    match notify_admin::save_templates(&state.store, event, &t, &staff.login, state.clock.now())
        .await
    {
        Ok(_) => {
            staff
                .log(&state, "notify.template.save", &target, AccessResult::Ok)
                .await;
            Ok(
                Redirect::to(&format!("/admin/notifications/templates/{key}?saved=1"))
                    .into_response(),
            )
        }
        Err(SaveError::Invalid(problems)) => {
            staff
                .log(
                    &state,
                    "notify.template.save",
                    &target,
                    AccessResult::Failed,
                )
                .await;
            template_page(&state, &staff, event, t, field_errors(problems), "").await
        }
        Err(SaveError::Store(e)) => Err(e.into()),
    }
}

// ---- a booking's messages -----------------------------------------------

struct MessageRow {
    id: i64,
    event: &'static str,
    channel: &'static str,
    status: &'static str,
    status_key: &'static str,
    attempts: u32,
    created: String,
    sent: String,
    reason: String,
    segments: String,
}

#[derive(Template)]
#[template(path = "admin/booking_notifications.html")]
struct BookingMessagesPage {
    layout: AdminLayout,
    banner: String,
    booking_id: i64,
    reservation_no: String,
    messages: Vec<MessageRow>,
    can_resend: bool,
}

pub(crate) async fn booking_messages(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let booking = match state.store.get_booking(BookingId(id)).await {
        Ok(b) => b,
        Err(BookingError::Store(e)) => return Err(e.into()),
        Err(_) => return Err(AdminError::App(AppError::NotFound)),
    };
    let messages = state
        .store
        .notices_for_booking(booking.id)
        .await?
        .into_iter()
        .map(|m| MessageRow {
            id: m.id,
            event: m.event.label_ja(),
            channel: m.channel.label_ja(),
            status: m.status.label_ja(),
            status_key: m.status.as_str(),
            attempts: m.attempts,
            created: when(m.created_at),
            sent: m.sent_at.map(when).unwrap_or_default(),
            reason: m.last_error.unwrap_or_default(),
            segments: m
                .segments
                .filter(|s| *s > 0)
                .map(|s| s.to_string())
                .unwrap_or_default(),
        })
        .collect();
    staff
        .log(
            &state,
            "notify.booking.view",
            &format!("booking:{id}"),
            AccessResult::Ok,
        )
        .await;
    let mut layout = AdminLayout::new(&staff, "お知らせの送信状況", "/admin/bookings");
    if flash.saved.is_some() {
        layout = layout.with_flash("再送を受け付けました。まもなく送信されます。");
    }
    let page = BookingMessagesPage {
        layout,
        banner: status(&state).banner(),
        booking_id: id,
        reservation_no: booking.reservation_no.display_grouped(),
        messages,
        can_resend: staff.role.allows(Role::Staff),
    };
    Ok(render(&page))
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn resend(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, message)): Path<(i64, i64)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let belongs = state
        .store
        .notice(message)
        .await?
        .is_some_and(|m| m.booking_id == BookingId(id));
    if !belongs {
        return Err(AdminError::App(AppError::NotFound));
    }
    state
        .store
        .resend_notice(message, state.clock.now())
        .await?;
    staff
        .log(
            &state,
            "notify.resend",
            &format!("booking:{id}"),
            AccessResult::Ok,
        )
        .await;
    Ok(Redirect::to(&format!("/admin/bookings/{id}/notifications?saved=1")).into_response())
}

// ---- usage (D3) ----------------------------------------------------------

struct UsageLine {
    period: String,
    sms_messages: i64,
    sms_segments: i64,
    emails: i64,
}

impl UsageLine {
    fn new(period: String, u: Usage) -> Self {
        Self {
            period,
            sms_messages: u.sms_messages,
            sms_segments: u.sms_segments,
            emails: u.emails,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/notification_usage.html")]
struct UsagePage {
    layout: AdminLayout,
    banner: String,
    from: String,
    to: String,
    months: Vec<UsageLine>,
    days: Vec<UsageLine>,
}

#[derive(Deserialize)]
pub(crate) struct RangeQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// The asked range, by default the current month so far.
fn range(state: &AppState, q: &RangeQuery) -> Result<(NaiveDate, NaiveDate), AdminError> {
    let today = state.clock.today();
    let parse = |s: &Option<String>, default: NaiveDate| match s.as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            AdminError::App(AppError::BadRequest(
                "日付は YYYY-MM-DD の形で指定してください。".to_owned(),
            ))
        }),
    };
    let first = parse(&q.from, today.with_day(1).unwrap_or(today))?;
    let last = parse(&q.to, today)?;
    Ok((first.min(last), last.max(first)))
}

pub(crate) async fn usage(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<RangeQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    let (first, last) = range(&state, &q)?;
    let rows = state.store.notify_usage(first, last).await?;
    staff
        .log(
            &state,
            "notify.usage.view",
            "notify:usage",
            AccessResult::Ok,
        )
        .await;
    let page = UsagePage {
        layout: AdminLayout::new(&staff, "通知の利用量", "/admin/notifications"),
        banner: status(&state).banner(),
        from: first.to_string(),
        to: last.to_string(),
        months: notify_admin::by_month(&rows)
            .into_iter()
            .map(|(m, u)| UsageLine::new(m, u))
            .collect(),
        days: notify_admin::by_day(&rows)
            .into_iter()
            .map(|(d, u)| UsageLine::new(d.to_string(), u))
            .collect(),
    };
    Ok(render(&page))
}

pub(crate) async fn usage_csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<RangeQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    let (first, last) = range(&state, &q)?;
    let rows = state.store.notify_usage(first, last).await?;
    staff
        .log(&state, "export.csv", "notify:usage", AccessResult::Ok)
        .await;
    let name = format!("notify-usage-{first}-{last}.csv");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        notify_admin::usage_csv(&rows),
    )
        .into_response())
}
