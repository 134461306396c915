//! The frame of every admin page: header (user, role, sign-out), section
//! navigation, main. Pages hold an [`AdminLayout`] named `layout` and extend
//! `admin/base.html`.

use super::auth::Staff;
use askama::Template;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use madoguchi_core::staff::Role;

/// The sections of the console: (path, label, lowest role that sees it).
/// Add a line for a new section; the dashboard lists the same entries.
pub(crate) const NAV: &[(&str, &str, Role)] = &[
    ("/admin", "ホーム", Role::Viewer),
    ("/admin/bookings", "予約", Role::Viewer),
    ("/admin/schedules", "日程・枠", Role::Viewer),
    ("/admin/venues", "会場", Role::Viewer),
    ("/admin/lists", "予約者一覧・印刷", Role::Viewer),
    ("/admin/calls", "電話", Role::Staff),
    ("/admin/reports", "集計・報告", Role::Viewer),
    ("/admin/notifications", "通知", Role::Admin),
    ("/admin/settings", "設定", Role::Admin),
    ("/admin/users", "利用者管理", Role::Admin),
    ("/admin/access-log", "アクセスログ", Role::Admin),
    ("/admin/account", "自分のアカウント", Role::Viewer),
];

pub(crate) struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What `admin/base.html` shows around a page.
pub(crate) struct AdminLayout {
    pub title: String,
    pub user_name: String,
    pub user_login: String,
    pub role_label: &'static str,
    /// For the hidden `csrf` field of every form on the page.
    pub csrf: String,
    pub nav: Vec<NavItem>,
    /// A one-line message after a change ("保存しました。"), or empty.
    pub flash: String,
}

impl AdminLayout {
    /// `section` is the `NAV` path the page belongs to (marked current).
    pub fn new(staff: &Staff, title: impl Into<String>, section: &str) -> Self {
        Self {
            title: title.into(),
            user_name: staff.name.clone(),
            user_login: staff.login.clone(),
            role_label: staff.role.label_ja(),
            csrf: staff.csrf.clone(),
            nav: nav_for(staff.role, section),
            flash: String::new(),
        }
    }

    pub fn with_flash(mut self, flash: impl Into<String>) -> Self {
        self.flash = flash.into();
        self
    }
}

pub(crate) fn nav_for(role: Role, section: &str) -> Vec<NavItem> {
    NAV.iter()
        .filter(|(_, _, min)| role.allows(*min))
        .map(|(href, label, _)| NavItem {
            href,
            label,
            current: *href == section,
        })
        .collect()
}

/// A page with only a message (403 and the like), without the navigation.
#[derive(Template)]
#[template(path = "admin/error.html")]
pub(crate) struct AdminErrorPage<'a> {
    pub title: &'a str,
    pub message: &'a str,
}

/// The console's stylesheet, compiled into the binary.
pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/admin.css"),
    )
        .into_response()
}
