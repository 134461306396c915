//! The parts of the JSON API the bench uses.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// An opaque id as the server sends it (a string or a number); sent back
/// unchanged in request bodies, and as text in paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(pub serde_json::Value);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            serde_json::Value::String(s) => f.write_str(s),
            other => write!(f, "{other}"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Venue {
    pub id: Id,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Availability {
    pub slots: Vec<Slot>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Slot {
    pub id: Id,
    pub start: String,
    pub capacity: i64,
    pub remaining: i64,
}

impl Slot {
    pub fn start_time(&self) -> Result<DateTime<FixedOffset>> {
        DateTime::parse_from_rfc3339(&self.start)
            .with_context(|| format!("slot start {:?} is not RFC 3339", self.start))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BookingRequest {
    pub slot_id: Id,
    pub party_size: u8,
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub phone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub notify: &'static str,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BookingResponse {
    pub reservation_no: Id,
    pub slot_id: Id,
}

/// A keep-alive HTTP/1.1 client that talks to the loopback server directly
/// (no proxy from the environment) with at most `connections` idle
/// connections kept.
pub fn client(connections: usize) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .build()
        .context("cannot build the HTTP client")
}

/// Percent-encodes one path segment.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub fn availability_url(base: &str, venue: &Id, from: NaiveDate, to: NaiveDate) -> String {
    format!(
        "{base}/api/v1/venues/{}/availability?from={}&to={}",
        segment(&venue.to_string()),
        from.format("%Y-%m-%d"),
        to.format("%Y-%m-%d")
    )
}

pub async fn venues(client: &reqwest::Client, base: &str) -> Result<Vec<Venue>> {
    let response = client.get(format!("{base}/api/v1/venues")).send().await?;
    let status = response.status();
    let body = response.text().await?;
    if !status.is_success() {
        bail!("GET /api/v1/venues answered {status}: {}", excerpt(&body));
    }
    serde_json::from_str(&body)
        .with_context(|| format!("GET /api/v1/venues: unexpected body {}", excerpt(&body)))
}

pub async fn availability(
    client: &reqwest::Client,
    base: &str,
    venue: &Id,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Availability> {
    let url = availability_url(base, venue, from, to);
    let response = client.get(&url).send().await?;
    let status = response.status();
    let body = response.text().await?;
    if !status.is_success() {
        bail!("GET {url} answered {status}: {}", excerpt(&body));
    }
    serde_json::from_str(&body)
        .with_context(|| format!("GET {url}: unexpected body {}", excerpt(&body)))
}

/// The first 300 characters of a body, for error messages.
pub fn excerpt(body: &str) -> String {
    let mut cut: String = body.chars().take(300).collect();
    if cut.len() < body.len() {
        cut.push('…');
    }
    cut
}
