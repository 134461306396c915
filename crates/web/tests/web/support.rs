//! What every web test needs: a migrated store in a temporary folder, a
//! request sent as a browser at a fixed address would send it (cookie jar
//! optional), and the reply read back as text.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, NaiveDate, Utc};
use http_body_util::BodyExt;
use madoguchi_core::ids::VenueId;
use madoguchi_core::venue::VenueForm;
use madoguchi_store::Store;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tower::ServiceExt;

/// Wednesday 2026-11-25 10:00 in Japan.
pub const NOW: &str = "2026-11-25T10:00:00+09:00";

/// The password of every account the tests create.
pub const PASSWORD: &str = "correct horse battery";

/// The address requests come from unless a test says otherwise.
pub fn client() -> SocketAddr {
    "192.0.2.10:50000".parse().unwrap()
}

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A migrated SQLite store; it lives as long as the folder.
pub async fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(dir.path().join("t.db").to_str().unwrap())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    (dir, store)
}

/// A venue with only the names a test reads (no address, phone or note).
pub async fn venue(store: &Store, code: &str, name: &str, kana: &str) -> VenueId {
    store
        .upsert_venue(&VenueForm {
            code: code.into(),
            name: name.into(),
            kana: kana.into(),
            address: String::new(),
            phone: String::new(),
            note: String::new(),
            display_order: 0,
        })
        .await
        .unwrap()
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The redirect target with its percent-escapes decoded (flash lines).
    pub fn location_decoded(&self) -> String {
        percent_decode(self.location())
    }

    /// The value of the hidden CSRF field on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("page has a CSRF field") + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A POST of `fields` as an HTML form would send them.
pub fn form_request(uri: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

/// A POST of a JSON body.
pub fn json_request(uri: &str, body: &Value) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub fn get_request(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// Sends `request` from `client`. With a jar, its cookies go along and the
/// reply's `Set-Cookie` lines update it, as in a browser.
pub async fn send(
    router: &axum::Router,
    client: SocketAddr,
    jar: Option<&mut BTreeMap<String, String>>,
    mut request: Request<Body>,
) -> Reply {
    request.extensions_mut().insert(ConnectInfo(client));
    if let Some(jar) = &jar
        && !jar.is_empty()
    {
        let cookie = jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        request
            .headers_mut()
            .insert(header::COOKIE, cookie.parse().unwrap());
    }
    let response = router.clone().oneshot(request).await.unwrap();
    if let Some(jar) = jar {
        for set in response.headers().get_all(header::SET_COOKIE) {
            let text = set.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
    }
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}
