//! The access log (E3): who used which function, when, from where, and with
//! what result. Append-only: this module has no statement that changes or
//! deletes an entry; the sealer and the retention purge
//! ([`Store::purge_access_log_before`]) live in `access_chain.rs`, which
//! chains the entries so that a change made behind the store's back shows.
//!
//! Entries hold ids, never names, phone numbers or emails.

use crate::rows::instant;
use crate::{Db, Result, Store, StoreError, quiet_tx, read};
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

/// Who acted and from where, for an entry written together with the
/// booking it records (in the booking's own transaction): the store adds the
/// time, the target (`booking:<id>`) and the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessStamp {
    /// `citizen`, `api`, `staff:<user id>`.
    pub actor: String,
    /// e.g. `booking.create`.
    pub function: String,
    pub client_ip: String,
}

impl AccessStamp {
    /// The entry for a booking made at `at`; its target (`booking:<id>`)
    /// is filled in by [`NewAccessEntry::for_booking`] once the row exists.
    pub(crate) fn entry(&self, at: DateTime<Utc>) -> NewAccessEntry {
        NewAccessEntry {
            at,
            actor: self.actor.clone(),
            function: self.function.clone(),
            target: String::new(),
            client_ip: self.client_ip.clone(),
            result: AccessResult::Ok,
        }
    }
}

impl NewAccessEntry {
    /// This entry, about the booking `id`.
    pub(crate) fn for_booking(&self, id: i64) -> NewAccessEntry {
        NewAccessEntry {
            target: format!("booking:{id}"),
            ..self.clone()
        }
    }
}

/// Appends `$entries` (a slice of [`NewAccessEntry`]) inside the caller's
/// transaction: the one statement that writes the log. A macro, like
/// `record_event!`, to keep the calling futures `Send`.
macro_rules! append_access {
    ($executor:expr, $entries:expr) => {
        async {
            let entries: &[$crate::NewAccessEntry] = $entries;
            if entries.is_empty() {
                return Ok::<(), sqlx::Error>(());
            }
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO access_log (at, actor, function, target, client_ip, result) ",
            );
            insert.push_values(entries, |mut row, e| {
                use $crate::access_log::clip;
                row.push_bind(e.at.timestamp())
                    .push_bind(clip(&e.actor))
                    .push_bind(clip(&e.function))
                    .push_bind(clip(&e.target))
                    .push_bind(clip(&e.client_ip))
                    .push_bind(e.result.as_str());
            });
            insert.build().execute($executor).await?;
            Ok(())
        }
        .await
    };
}
pub(crate) use append_access;

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

pub(crate) fn clip(s: &str) -> &str {
    match s.char_indices().nth(FIELD_MAX) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl Store {
    /// Appends one entry. On SQLite it joins the booking writer's next
    /// batch (no transaction and fsync of its own); on PostgreSQL it is a
    /// short transaction of its own.
    pub async fn record_access(&self, entry: &NewAccessEntry) -> Result<()> {
        if let Db::Sqlite { bookings, .. } = &self.db {
            return bookings.append_access(entry.clone()).await;
        }
        quiet_tx!(self, tx => {
            append_access!(&mut *tx, std::slice::from_ref(entry))?;
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
}
