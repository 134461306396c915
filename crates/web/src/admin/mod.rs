//! The admin console for city staff, under `/admin`: sign-in, roles,
//! sessions, and the access log. Other sections (bookings, schedules,
//! venues, lists, notifications, phone) are built on what is here.
//!
//! # How to add an admin page
//!
//! 1. **Route**: add it in [`routes`] (path relative to `/admin`), e.g.
//!    `.route("/venues", get(venues::list).post(venues::save))`, and a line
//!    in [`layout::NAV`] if it is a new section.
//! 2. **Who may use it**: take [`Staff`] as an argument (no session →
//!    redirect to sign-in), then guard by role in the first line:
//!    `staff.require(Role::Staff)?;` (管理者 `Admin` > 職員 `Staff` >
//!    閲覧 `Viewer`; viewers only read, staff handle bookings and
//!    schedules, admins everything incl. users, settings and exports).
//!    A refusal answers 403 with a Japanese page and is written to the
//!    access log automatically (`admin.denied`).
//! 3. **Forms**: every POST form carries
//!    `<input type="hidden" name="csrf" value="{{ layout.csrf }}">`; the
//!    handler's form struct has a `csrf: String` field and checks it first:
//!    `staff.check_csrf(&form.csrf)?;`. Answer a successful POST with a
//!    redirect (Post/Redirect/Get).
//! 4. **Layout**: the page struct holds `layout: AdminLayout` built with
//!    `AdminLayout::new(&staff, "タイトル", "/admin/venues")` (the last
//!    argument is the NAV section to mark current); its template starts
//!    with `{% extends "admin/base.html" %}` and fills
//!    `{% block content %}`. The base prints `<h1>{{ layout.title }}</h1>`
//!    and an optional `layout.flash` line. Styles: `static/admin.css`
//!    (`table.grid`, `.btn`, `.btn.primary`, `.btn.danger`, `.field`,
//!    `.filters`, `.flash`).
//! 5. **Access log** (E3): record every function once, with ids only:
//!    `staff.log(&state, "booking.cancel", &format!("booking:{no}"), AccessResult::Ok).await;`
//!    (`AccessResult::{Ok, Denied, Failed}`; function names are dotted:
//!    `booking.search`, `booking.view`, `venue.edit`, `export.csv`, …).
//! 6. **Tests**: add the route to the role matrix in
//!    `crates/web/tests/web/admin.rs` (`ROUTES`: method, path, lowest role).
//!
//! Handlers return `Result<Response, AdminError>`; `?` works on `AppError`
//! and `StoreError`.

mod access_log;
mod account;
mod auth;
mod calls;
mod diverted;
mod flash;
mod layout;
mod notifications;
mod ops;
pub mod password;
mod reports;
mod signin;
mod totp;
mod users;

pub(crate) use auth::{AdminError, Staff, log_denials};
pub(crate) use flash::verify as verify_flash;
pub(crate) use layout::{AdminLayout, stylesheet};

use crate::AppState;
use crate::views::render;
use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};
use madoguchi_store::SessionPolicy;

/// Sign-in and session rules of the console.
#[derive(Debug, Clone)]
pub struct AdminConfig {
    pub session: SessionPolicy,
    /// Failed sign-ins in a row after which an account is locked.
    pub max_failures: u32,
    /// How long a locked account stays locked.
    pub lock_for: chrono::Duration,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            session: SessionPolicy::default(),
            max_failures: 5,
            lock_for: chrono::Duration::minutes(15),
        }
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/login", get(signin::form).post(signin::submit))
        .route(
            "/login/totp",
            get(signin::totp_form).post(signin::totp_submit),
        )
        .route("/logout", post(signin::logout))
        .route("/account", get(account::page))
        .route("/account/password", post(account::change_password))
        .route("/account/totp", post(account::start_totp))
        .route("/account/totp/confirm", post(account::confirm_totp))
        .route("/account/totp/disable", post(account::disable_totp))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", get(users::show))
        .route("/users/{id}/role", post(users::set_role))
        .route("/users/{id}/disable", post(users::disable))
        .route("/users/{id}/enable", post(users::enable))
        .route("/users/{id}/password", post(users::reset_password))
        .route("/users/{id}/totp/reset", post(users::reset_totp))
        .route("/access-log", get(access_log::page))
        .route("/access-log.csv", get(access_log::csv))
        .merge(ops::routes())
        .merge(reports::routes())
        .route("/notifications", get(notifications::overview))
        .route(
            "/notifications/reminders",
            post(notifications::save_reminders),
        )
        .route(
            "/notifications/templates/{event}",
            get(notifications::template_form).post(notifications::template_submit),
        )
        .route("/notifications/usage", get(notifications::usage))
        .route("/notifications/usage.csv", get(notifications::usage_csv))
        .route(
            "/bookings/{id}/notifications",
            get(notifications::booking_messages),
        )
        .route(
            "/bookings/{id}/notifications/{message}/resend",
            post(notifications::resend),
        )
        .route("/rehearsal/messages", get(diverted::list))
        .route("/calls", get(calls::list))
        .route(
            "/calls/rehearse",
            get(calls::rehearse_form).post(calls::rehearse_start),
        )
        .route(
            "/calls/rehearse/{id}",
            get(calls::rehearse_page).post(calls::rehearse_input),
        )
        .route(
            "/calls/scenario",
            get(calls::scenario).post(calls::scenario_save),
        )
        .route("/calls/scenario/publish", post(calls::scenario_publish))
        .route(
            "/calls/scenario/rollback/{id}",
            post(calls::scenario_rollback),
        )
        .route("/calls/words", get(calls::words).post(calls::words_save))
        .route("/calls/{id}", get(calls::show))
        .route("/calls/{id}/audio/{seq}", get(calls::turn_audio))
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct Dashboard {
    layout: AdminLayout,
}

async fn dashboard(staff: Staff) -> Result<Response, AdminError> {
    let page = Dashboard {
        layout: AdminLayout::new(&staff, "管理画面ホーム", "/admin"),
    };
    Ok(render(&page))
}

/// Whether `path` is a page of the console (for redirects after sign-in).
pub(crate) fn is_admin_path(path: &str) -> bool {
    (path == "/admin" || path.starts_with("/admin/") || path.starts_with("/admin?"))
        && !path.contains("//")
        && !path.contains('\\')
}

/// Where to go after sign-in: `next` if it is an admin page, else home.
pub(crate) fn safe_admin_next(next: &str) -> String {
    if is_admin_path(next)
        && !next.starts_with("/admin/login")
        && !next.starts_with("/admin/logout")
    {
        next.to_owned()
    } else {
        "/admin".to_owned()
    }
}

pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(byte))
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admin_pages_are_followed_after_sign_in() {
        assert_eq!(safe_admin_next("/admin/users"), "/admin/users");
        assert_eq!(
            safe_admin_next("/admin/access-log?actor=staff:1"),
            "/admin/access-log?actor=staff:1"
        );
        assert_eq!(safe_admin_next("/admin//evil"), "/admin");
        assert_eq!(safe_admin_next("https://evil.example/admin"), "/admin");
        assert_eq!(safe_admin_next("/administrator"), "/admin");
        assert_eq!(safe_admin_next("/venues"), "/admin");
        assert_eq!(safe_admin_next("/admin/logout"), "/admin");
        assert_eq!(safe_admin_next(""), "/admin");
    }
}
