//! The line shown after a change (Post/Redirect/Get) travels in the
//! redirect as `?msg=…&sig=…`, signed with the server's key. A link made
//! by anyone else (`/admin?msg=Call+this+number…`) has no valid signature,
//! and the middleware here drops its `msg` before any page sees it: the
//! console only ever shows lines it wrote itself.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::Response;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `?msg=…&sig=…` (or `&msg…` after an existing query) for `message`.
pub(crate) fn query(state: &AppState, path: &str, message: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    let encoded = super::urlencode(message);
    format!("{sep}msg={encoded}&sig={}", signature(state, message))
}

fn signature(state: &AppState, message: &str) -> String {
    // A key of any length is accepted by HMAC; the signing half of the
    // cookie key stays on the server.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(state.cookie_key.signing()) else {
        return String::new();
    };
    mac.update(b"admin-flash\0");
    mac.update(message.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Middleware for the console: removes `msg` and `sig` from the query
/// unless `sig` signs `msg`.
pub(crate) async fn verify(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(query) = request.uri().query() {
        let pairs: Vec<(String, String)> = url_pairs(query);
        let value = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if let Some(message) = value("msg") {
            let genuine = value("sig").is_some_and(|sig| {
                crate::admin::auth::constant_time_eq(
                    sig.as_bytes(),
                    signature(&state, message).as_bytes(),
                )
            });
            if !genuine {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|p| {
                        !p.starts_with("msg=")
                            && !p.starts_with("sig=")
                            && *p != "msg"
                            && *p != "sig"
                    })
                    .collect();
                let path = request.uri().path().to_owned();
                let rebuilt = if kept.is_empty() {
                    path
                } else {
                    format!("{path}?{}", kept.join("&"))
                };
                if let Ok(uri) = rebuilt.parse::<Uri>() {
                    *request.uri_mut() = uri;
                }
            }
        }
    }
    next.run(request).await
}

/// The decoded `name=value` pairs of a query string.
fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}
