//! Security headers on every response the application sends, errors and
//! refusals included (one middleware, outermost, so no path escapes it).
//!
//! - `Content-Security-Policy`: only our own files (static/print.js is the
//!   one script); no inline script or style (templates carry neither:
//!   styles live in static/*.css); the pages may not be framed
//!   (`frame-ancestors 'none'`).
//! - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` (older
//!   browsers), `Referrer-Policy: same-origin` (look-up URLs never leave).
//! - `Strict-Transport-Security` when cookies are marked secure (the site is
//!   served over HTTPS).
//! - `Cache-Control: no-store` unless the handler chose otherwise (only the
//!   stylesheets do): pages show names, numbers and bookings, which must not
//!   stay in a shared computer's cache or a proxy.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Middleware: adds the headers above to `next`'s response.
pub(crate) async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "same-origin");
    if state.config.secure_cookies {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
