//! Running the service from the console (issue 3, part 2): venues,
//! schedules and seats, bookings on a caller's behalf, daily lists.
//!
//! Roles: viewers read; staff handle bookings and schedules; admins also
//! venues and settings. Every function is written to the access log.

mod bookings;
pub(crate) mod csv;
mod lists;
mod schedules;
mod settings;
mod venues;

use crate::AppState;
use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/bookings", get(bookings::search))
        .route(
            "/bookings/new",
            get(bookings::new_form).post(bookings::new_submit),
        )
        .route("/bookings/{id}", get(bookings::show))
        .route("/bookings/{id}/name", post(bookings::correct_name))
        .route("/bookings/{id}/party", post(bookings::party_size))
        .route(
            "/bookings/{id}/move",
            get(bookings::move_form).post(bookings::move_submit),
        )
        .route("/bookings/{id}/cancel", post(bookings::cancel))
        .route("/bookings/{id}/visit", post(bookings::visit))
        .route("/lists", get(lists::page))
        .route("/lists.csv", get(lists::csv))
        .route("/lists/print.css", get(lists::print_css))
        .route("/schedules", get(schedules::page))
        .route("/schedules/overview", get(schedules::overview))
        .route(
            "/schedules/{venue}/template",
            post(schedules::save_template),
        )
        .route(
            "/schedules/{venue}/exceptions",
            post(schedules::add_exception),
        )
        .route(
            "/schedules/{venue}/exceptions/delete",
            post(schedules::delete_exception),
        )
        .route("/schedules/{venue}/preview", post(schedules::preview))
        .route("/schedules/{venue}/apply", post(schedules::apply))
        .route("/schedules/{venue}/capacity", post(schedules::capacity))
        .route("/venues", get(venues::list).post(venues::create))
        .route("/venues/{id}", get(venues::edit).post(venues::save))
        .route("/venues/{id}/enabled", post(venues::set_enabled))
        .route("/venues/{id}/window", post(venues::set_window))
        .route("/settings", get(settings::page))
        .route("/settings/window", post(settings::save_window))
        .route("/settings/closures", post(settings::save_closures))
        .route("/settings/checklist", post(settings::save_checklist))
        .route("/settings/start-page", post(settings::save_start_page))
}

/// Answers a successful change with a redirect that shows `message` on the
/// next page (Post/Redirect/Get), signed so that only the server's own
/// lines are shown (see `admin/flash.rs`). Messages carry no personal data.
pub(crate) fn done(state: &AppState, path: &str, message: &str) -> Response {
    Redirect::to(&format!(
        "{path}{}",
        super::flash::query(state, path, message)
    ))
    .into_response()
}

/// `2026-12-03` from a date field or a query. Only years 1900..=2999: the
/// pages add and subtract days, which must not run off chrono's calendar
/// (`?from=-262143-01-05` once panicked).
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2999).contains(&d.year()))
}

/// Minutes past midnight from `9:00` / `09:00` (full-width digits too).
pub(crate) fn parse_hhmm(s: &str) -> Option<u32> {
    let s = madoguchi_core::text::nfkc(s);
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// `09:00` for a time field.
pub(crate) fn hhmm_field(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A venue choice in a select.
pub(crate) struct VenueOption {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

pub(crate) async fn venue_options(
    state: &AppState,
    selected: Option<i64>,
    include_disabled: bool,
) -> Result<Vec<VenueOption>, madoguchi_store::StoreError> {
    Ok(state
        .store
        .venues(include_disabled)
        .await?
        .iter()
        .map(|v| VenueOption {
            id: v.id.0,
            name: if v.enabled {
                v.name.clone()
            } else {
                format!("{}（停止中）", v.name)
            },
            selected: Some(v.id.0) == selected,
        })
        .collect())
}

/// The Japan date of now.
pub(crate) fn today(state: &AppState) -> NaiveDate {
    state
        .clock
        .now()
        .with_timezone(&madoguchi_core::JST)
        .date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_dates_parse_as_staff_type_them() {
        assert_eq!(parse_hhmm("9:00"), Some(540));
        assert_eq!(parse_hhmm("１６：３０"), Some(990));
        assert_eq!(parse_hhmm("25:00"), None);
        assert_eq!(hhmm_field(540), "09:00");
        assert_eq!(
            parse_date("2026-12-03"),
            NaiveDate::from_ymd_opt(2026, 12, 3)
        );
        assert_eq!(
            parse_date("-262143-01-05"),
            None,
            "off chrono's calendar when shifted"
        );
    }
}
