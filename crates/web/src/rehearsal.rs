//! Rehearsal mode (F3) on the web side: every HTML page, citizen or admin,
//! whatever handler made it, carries a banner saying the instance is for
//! practice, and every answer a `Madoguchi-Rehearsal: 1` header (for API
//! clients). Done once here, around the whole application, so that no
//! page can be forgotten; the banner is plain markup styled by the
//! stylesheets (the CSP allows no inline style).

use crate::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Header on every answer of a rehearsal instance.
pub const HEADER: HeaderName = HeaderName::from_static("madoguchi-rehearsal");

/// Said on every page of a rehearsal instance.
pub const BANNER_TEXT: &str = "これは練習用の環境です。予約は実際には行われません。";

/// Largest page rewritten (pages are a few tens of kilobytes).
const MAX_PAGE: usize = 4 * 1024 * 1024;

fn banner(admin: bool) -> String {
    let more = if admin {
        "SMSとメールは送られず、<a href=\"/admin/rehearsal/messages\">送られなかったSMS・メールの一覧</a>に残ります。"
    } else {
        "SMSやメールも送られません。"
    };
    format!(
        "<section class=\"rehearsal-banner\" aria-label=\"練習用の環境\"><p><strong>{BANNER_TEXT}</strong>{more}</p></section>\n"
    )
}

/// Adds the banner right after `<body…>` of HTML answers.
pub(crate) async fn mark(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.store.is_rehearsal() {
        return next.run(request).await;
    }
    let admin = request.uri().path().starts_with("/admin");
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    parts.headers.insert(HEADER, HeaderValue::from_static("1"));
    let html = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !html {
        return Response::from_parts(parts, body);
    }
    let bytes = match axum::body::to_bytes(body, MAX_PAGE).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "page not marked as rehearsal");
            return crate::AppError::internal("rehearsal banner").into_response();
        }
    };
    let page = String::from_utf8_lossy(&bytes);
    let marked = match banner_place(&page) {
        Some(at) => format!("{}\n{}{}", &page[..at], banner(admin), &page[at..]),
        None => page.into_owned(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(marked))
}

/// Where the banner goes: right after `<body…>`, or after the skip link
/// that opens the body (it must stay the first thing, outside landmarks,
/// for screen readers and axe to take it as a skip link).
fn banner_place(page: &str) -> Option<usize> {
    let body = page.find("<body")?;
    let after_body = body + page[body..].find('>')? + 1;
    let rest = &page[after_body..];
    let trimmed = rest.trim_start();
    if trimmed.starts_with("<a class=\"skip\"") {
        let skip_at = after_body + (rest.len() - trimmed.len());
        let end = page[skip_at..].find("</a>")?;
        return Some(skip_at + end + "</a>".len());
    }
    Some(after_body)
}
