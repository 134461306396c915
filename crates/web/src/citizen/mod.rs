//! The citizen pages: Japanese, server-rendered, working without
//! JavaScript. Every state change is a POST with a CSRF token, answered with
//! a redirect (Post/Redirect/Get) or a page that keeps what was typed.

mod book;
mod browse;
mod eligibility;
mod manage;
mod start;

use crate::AppError;
use crate::AppState;
use crate::session;
use axum::Router;
use axum::response::Redirect;
use axum::routing::get;
use axum_extra::extract::PrivateCookieJar;
use madoguchi_core::ids::{SlotId, VenueId};
use madoguchi_core::settings::ServiceSettings;
use madoguchi_core::venue::Venue;
use madoguchi_store::Slot;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(start::page))
        .route(
            "/eligibility",
            get(eligibility::form).post(eligibility::submit),
        )
        .route("/venues", get(browse::venues))
        .route("/venues/{venue_id}", get(browse::calendar))
        .route("/venues/{venue_id}/{date}", get(browse::day))
        .route("/book/{slot_id}", get(book::form).post(book::review))
        .route(
            "/book/{slot_id}/confirm",
            axum::routing::post(book::confirm),
        )
        .route("/booked", get(book::done))
        .route("/lookup", get(manage::lookup_form).post(manage::lookup))
        .route("/manage", get(manage::show))
        .route(
            "/manage/cancel",
            get(manage::cancel_form).post(manage::cancel),
        )
        .route(
            "/manage/change/{slot_id}",
            get(manage::change_form).post(manage::change),
        )
        .route("/manage/logout", axum::routing::post(manage::logout))
}

/// Sends a resident who has not confirmed the checklist to it first, and
/// back to `return_to` afterwards.
fn require_eligible(
    jar: &PrivateCookieJar,
    settings: &ServiceSettings,
    return_to: &str,
) -> Result<(), Redirect> {
    if session::is_eligible(jar, &settings.checklist.version()) {
        Ok(())
    } else {
        let target = format!("/eligibility?next={}", urlencode(return_to));
        Err(Redirect::to(&target))
    }
}

/// An enabled venue by the id in a URL, or 404.
async fn enabled_venue(state: &crate::AppState, id: &str) -> Result<Venue, AppError> {
    let id: VenueId = id.parse().map_err(|_| AppError::NotFound)?;
    state
        .store
        .find_venue(id)
        .await?
        .filter(|v| v.enabled)
        .ok_or(AppError::NotFound)
}

/// A slot by the id in a URL, with its venue if enabled, or 404.
async fn slot_with_venue(
    state: &crate::AppState,
    slot_id: &str,
) -> Result<(Slot, Venue), AppError> {
    let id: SlotId = slot_id.parse().map_err(|_| AppError::NotFound)?;
    let slot = state.store.find_slot(id).await?.ok_or(AppError::NotFound)?;
    let venue = enabled_venue(state, &slot.venue_id.to_string()).await?;
    Ok((slot, venue))
}

fn urlencode(s: &str) -> String {
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
    fn urlencode_keeps_paths_readable() {
        assert_eq!(
            urlencode("/venues/3?month=2026-12"),
            "/venues/3%3Fmonth%3D2026-12"
        );
    }
}
