//! The JSON API for the city website, partners and tests. Described by the
//! OpenAPI document served at `/api/v1/openapi.json`, generated from the
//! code (`doc.rs`). Ids are opaque; times are RFC 3339 in Japan time.
//!
//! One file per verb; the bodies on the wire are in `wire.rs`, the failures
//! in `error.rs`, the refusals the booking verbs share in `refusals.rs`.

mod availability;
mod cancel;
mod change;
mod create;
mod doc;
mod error;
mod lookup;
mod refusals;
mod venues;
mod wire;

pub use error::json_error;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(doc::openapi))
        .route("/venues", get(venues::venues))
        .route(
            "/venues/{venue_id}/availability",
            get(availability::availability),
        )
        .route("/bookings", post(create::create_booking))
        .route("/bookings/{reservation_no}", get(lookup::get_booking))
        .route(
            "/bookings/{reservation_no}/cancel",
            post(cancel::cancel_booking),
        )
        .route(
            "/bookings/{reservation_no}/change",
            post(change::change_booking),
        )
}
