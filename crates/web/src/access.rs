//! Recording the access log (E3) from any handler, in one line.
//!
//! ```ignore
//! // a resident's action (citizen pages), by id only:
//! access::citizen(&state, ip, "booking.lookup", "", AccessResult::Failed).await;
//! // an API client's:
//! access::api(&state, ip, "booking.create", &format!("booking:{no}"), AccessResult::Ok).await;
//! // staff: see `admin::Staff::log`.
//! ```
//!
//! A failure to write the log is itself logged (without personal data) and
//! does not fail the resident's request: a booking must not be lost because
//! the log could not be written.
//!
//! A booking's own entry is not written here but by the store, in the
//! booking's transaction: pass [`stamp`] to `Store::book_recorded`.

use crate::AppState;
use madoguchi_store::{AccessResult, AccessStamp, NewAccessEntry};
use std::net::IpAddr;

/// Appends one entry. `actor` is `staff:<id>`, `citizen`, `api` or
/// `anonymous`; `target` an id such as `booking:12345678` (never a name,
/// phone number or email).
pub(crate) async fn record(
    state: &AppState,
    actor: &str,
    function: &str,
    target: &str,
    ip: IpAddr,
    result: AccessResult,
) {
    let entry = NewAccessEntry {
        at: state.clock.now(),
        actor: actor.to_owned(),
        function: function.to_owned(),
        target: target.to_owned(),
        client_ip: ip.to_string(),
        result,
    };
    if let Err(e) = state.store.record_access(&entry).await {
        tracing::error!(error = %e, function, "could not write the access log");
    }
}

/// A resident on the citizen pages.
pub(crate) async fn citizen(
    state: &AppState,
    ip: IpAddr,
    function: &str,
    target: &str,
    result: AccessResult,
) {
    record(state, "citizen", function, target, ip, result).await;
}

/// A client of the JSON API.
pub(crate) async fn api(
    state: &AppState,
    ip: IpAddr,
    function: &str,
    target: &str,
    result: AccessResult,
) {
    record(state, "api", function, target, ip, result).await;
}

/// Who is acting and from where, for the store to write with the booking
/// the action makes. `actor` is `citizen` or `api`.
pub(crate) fn stamp(actor: &str, function: &str, ip: IpAddr) -> AccessStamp {
    AccessStamp {
        actor: actor.to_owned(),
        function: function.to_owned(),
        client_ip: ip.to_string(),
    }
}
