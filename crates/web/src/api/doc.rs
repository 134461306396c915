//! The OpenAPI document, generated from the handlers' `#[utoipa::path]`
//! annotations and the types in `wire.rs`, and served at
//! `/api/v1/openapi.json`.
//!
//! `crates/web/openapi.json` is a committed copy for readers and partners;
//! the test below fails when it differs from the generated document. After
//! changing the API, regenerate it with
//! `MADOGUCHI_WRITE_OPENAPI=1 cargo test -p madoguchi-web --lib openapi`.

use super::error::ApiError;
use super::{availability, cancel, change, create, lookup, venues};
use crate::AppError;
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Madoguchi API",
        version = "1.0.0",
        description = "Booking API of Madoguchi (窓口予約). Ids are opaque: clients must not assume they are integers. Times are RFC 3339 in Japan time (+09:00). Messages are Japanese. Public endpoints are rate-limited per client; failed look-ups are slowed down.",
    ),
    servers((url = "/api/v1")),
    paths(
        venues::venues,
        availability::availability,
        create::create_booking,
        lookup::get_booking,
        cancel::cancel_booking,
        change::change_booking,
    )
)]
struct ApiDoc;

/// The document as pretty-printed JSON.
pub(super) fn document() -> Result<String, serde_json::Error> {
    ApiDoc::openapi().to_pretty_json()
}

/// The document is built once; it only changes with the code.
pub(super) async fn openapi() -> Result<Response, ApiError> {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let text = match DOCUMENT.get() {
        Some(text) => text,
        None => {
            let text = document().map_err(|e| AppError::internal(format!("openapi: {e}")))?;
            DOCUMENT.get_or_init(|| text)
        }
    };
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text.as_str(),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::document;

    #[test]
    fn the_committed_openapi_json_is_the_generated_document() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
        let generated = document().expect("the document serializes") + "\n";
        if std::env::var_os("MADOGUCHI_WRITE_OPENAPI").is_some() {
            std::fs::write(path, &generated).expect("openapi.json is writable");
        }
        let committed = std::fs::read_to_string(path).expect("openapi.json is readable");
        assert!(
            committed == generated,
            "crates/web/openapi.json differs from the API; regenerate it with \
             MADOGUCHI_WRITE_OPENAPI=1 cargo test -p madoguchi-web --lib openapi"
        );
    }
}
