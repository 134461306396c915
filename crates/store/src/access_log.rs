//! The access log (E3): who used which function, when, from where, and with
//! what result. Append-only: this module has no statement that changes or
//! deletes an entry, except [`Store::purge_access_log_before`], the
//! retention purge, which removes whole days past the kept period.
//!
//! Entries hold ids, never names, phone numbers or emails.

use crate::rows::instant;
use crate::staff::quiet_tx;
use crate::{Result, Store, StoreError, read};
use chrono::{DateTime, Utc};

/// How a use of a function ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessResult {
    /// Done as asked.
    Ok,
    /// Refused: not signed in, not allowed, CSRF failure, locked out.
    Denied,
    /// Tried and did not succeed (wrong password, nothing found, full).
    Failed,
}

impl AccessResult {
    pub const ALL: [AccessResult; 3] =
        [AccessResult::Ok, AccessResult::Denied, AccessResult::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessResult::Ok => "ok",
            AccessResult::Denied => "denied",
            AccessResult::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(AccessResult::Ok),
            "denied" => Some(AccessResult::Denied),
            "failed" => Some(AccessResult::Failed),
            _ => None,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            AccessResult::Ok => "成功",
            AccessResult::Denied => "拒否",
            AccessResult::Failed => "失敗",
        }
    }
}

/// One entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccessEntry {
    pub at: DateTime<Utc>,
    /// `staff:<user id>`, `citizen`, `api`, `anonymous`.
    pub actor: String,
    /// A stable dotted name, e.g. `booking.create`, `admin.signin`.
    pub function: String,
    /// What it acted on, by id (`booking:12345678`, `user:3`); may be empty.
    pub target: String,
    pub client_ip: String,
    pub result: AccessResult,
}

/// One entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub function: String,
    pub target: String,
    pub client_ip: String,
    pub result: AccessResult,
}

/// Which entries to read; every condition is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessFilter {
    /// Entries at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Exact actor, e.g. `staff:3`.
    pub actor: Option<String>,
    /// Function name, or a prefix of it ending in `.` (`booking.`).
    pub function: Option<String>,
    pub result: Option<AccessResult>,
    /// Only entries with an id below this (the next page, newest first).
    pub before_id: Option<i64>,
    /// At most this many entries.
    pub limit: u32,
}

#[derive(sqlx::FromRow)]
struct AccessRow {
    id: i64,
    at: i64,
    actor: String,
    function: String,
    target: String,
    client_ip: String,
    result: String,
}

impl AccessRow {
    fn into_entry(self) -> Result<AccessEntry> {
        Ok(AccessEntry {
            id: self.id,
            at: instant(self.at)?,
            result: AccessResult::parse(&self.result)
                .ok_or_else(|| StoreError::Corrupt(format!("access result {}", self.result)))?,
            actor: self.actor,
            function: self.function,
            target: self.target,
            client_ip: self.client_ip,
        })
    }
}

/// Longest text kept per field: a log line cannot grow without bound.
const FIELD_MAX: usize = 200;

fn clip(s: &str) -> &str {
    match s.char_indices().nth(FIELD_MAX) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl Store {
    /// Appends one entry.
    pub async fn record_access(&self, entry: &NewAccessEntry) -> Result<()> {
        quiet_tx!(self, tx => {
            sqlx::query("INSERT INTO access_log (at, actor, function, target, client_ip, result) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(entry.at.timestamp())
                .bind(clip(&entry.actor))
                .bind(clip(&entry.function))
                .bind(clip(&entry.target))
                .bind(clip(&entry.client_ip))
                .bind(entry.result.as_str())
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Entries matching `filter`, newest first.
    pub async fn access_log(&self, filter: &AccessFilter) -> Result<Vec<AccessEntry>> {
        let (function_exact, function_prefix) = match filter.function.as_deref() {
            Some(f) if f.ends_with('.') => (None, Some(f.to_owned())),
            Some(f) => (Some(f.to_owned()), None),
            None => (None, None),
        };
        let prefix_len = function_prefix
            .as_ref()
            .map(|p| i64::try_from(p.len()).unwrap_or(i64::MAX));
        let rows: Vec<AccessRow> = read!(self, pool => {
            sqlx::query_as(
                "SELECT id, at, actor, function, target, client_ip, result FROM access_log \
                 WHERE (CAST($1 AS BIGINT) IS NULL OR at >= $1) \
                 AND (CAST($2 AS BIGINT) IS NULL OR at < $2) \
                 AND (CAST($3 AS TEXT) IS NULL OR actor = $3) \
                 AND (CAST($4 AS TEXT) IS NULL OR function = $4) \
                 AND (CAST($5 AS TEXT) IS NULL OR substr(function, 1, CAST($6 AS INTEGER)) = $5) \
                 AND (CAST($7 AS TEXT) IS NULL OR result = $7) \
                 AND (CAST($8 AS BIGINT) IS NULL OR id < $8) \
                 ORDER BY id DESC LIMIT $9",
            )
            .bind(filter.from.map(|t| t.timestamp()))
            .bind(filter.until.map(|t| t.timestamp()))
            .bind(filter.actor.as_deref())
            .bind(function_exact.as_deref())
            .bind(function_prefix.as_deref())
            .bind(prefix_len)
            .bind(filter.result.map(AccessResult::as_str))
            .bind(filter.before_id)
            .bind(i64::from(filter.limit))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(AccessRow::into_entry).collect()
    }

    /// The retention purge of the access log: deletes entries older than
    /// `before`. The only deletion path; run it only as the city's
    /// retention rule says.
    pub async fn purge_access_log_before(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = quiet_tx!(self, tx => {
            sqlx::query("DELETE FROM access_log WHERE at < $1")
                .bind(before.timestamp())
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        Ok(done)
    }
}
