//! Persistence for Madoguchi, on SQLite (embedded, the default) or
//! PostgreSQL (several instances sharing one database).
//!
//! Only this crate writes SQL. The same statement text serves both backends
//! wherever the dialects agree (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`); the few places where they differ say so.
//!
//! Writes that matter run in one transaction that checks and updates seat
//! counts with a conditional `UPDATE … WHERE booked + n <= capacity`, so
//! concurrent requests can never oversell, and the schema's
//! `CHECK (booked <= capacity)` backs that up.
//!
//! On SQLite, writes go through a pool of one connection (SQLite has one
//! writer at a time anyway; queuing in-process avoids busy-waiting on the
//! file lock) while reads use several connections in WAL mode.

mod access_log;
mod bookings;
mod cache;
mod calls;
mod group_commit;
mod holds;
mod link_sms;
mod name_checks;
mod notify_templates;
mod operations;
mod outbox;
mod retention;
mod rows;
mod settings;
mod slots;
mod staff;
mod staff_bookings;
mod venues;

pub use access_log::{AccessEntry, AccessFilter, AccessResult, NewAccessEntry};
pub use bookings::{Actor, BookingError, BookingEvent, NewBooking};
pub use cache::TTL as CACHE_TTL;
pub use calls::{
    CallCount, CallEnd, CallId, CallSummary, CallTurn, NewCall, RecognitionCorrection,
    ScenarioVersion, VenueAlias,
};
pub use holds::{HoldId, SeatHold};
pub use link_sms::{ClaimedLinkSms, LinkSms, LinkSmsQueued};
pub use notify_templates::TemplateVersion;
pub use operations::{AffectedBooking, CapacityChanged, CapacityError, ScheduleApplied};
pub use outbox::{
    ClaimedNotice, NoticeChannel, NoticeEvent, NoticeStatus, OutboxMessage, UsageRow,
};
pub use retention::BookingCount;
pub use slots::{FreeSlotQuery, Slot, TimeFilter, VenueFilter};
pub use staff::{NewSession, NewStaffUser, SessionPolicy, StaffError, StaffSession, StaffUser};
pub use staff_bookings::{BookingSearch, SEARCH_LIMIT};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// What can go wrong below the domain rules.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A batch of writes failed and was rolled back.
    #[error("write failed: {0}")]
    Write(String),
    #[error("could not open the database: {0}")]
    Open(String),
    /// A stored value no longer parses: a bug or manual tampering.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone)]
enum Db {
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        bookings: group_commit::GroupCommit,
    },
    Postgres(PgPool),
}

/// The database. Cheap to clone (pools inside).
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
    cache: std::sync::Arc<cache::Cache>,
}

/// Which backend a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `$body` with `$pool` bound to a pool for reading.
macro_rules! read {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { read: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` inside one write transaction bound to `$tx`, committing when
/// the body finishes. Leaving the body early (`?`, `return`) rolls back.
macro_rules! write_tx {
    ($store:expr, $tx:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { write, .. } => {
                // IMMEDIATE takes the write lock up front, so another process
                // (a CLI command beside the server) waits on busy_timeout
                // instead of failing half-way.
                let mut $tx = write.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                $store.cache.note_write();
                out
            }
            $crate::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                $store.cache.note_write();
                out
            }
        }
    };
}
pub(crate) use {read, write_tx};

impl Store {
    /// Opens `target`: a `postgres://` URL, or a path to an SQLite file
    /// (created with its folder when missing).
    pub async fn connect(target: &str) -> Result<Self> {
        if target.starts_with("postgres://") || target.starts_with("postgresql://") {
            let options =
                PgConnectOptions::from_str(target).map_err(|e| StoreError::Open(e.to_string()))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            return Ok(Self {
                db: Db::Postgres(pool),
                cache: Default::default(),
            });
        }
        let path = target.strip_prefix("sqlite://").unwrap_or(target);
        if let Some(parent) = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Open(format!("{}: {e}", parent.display())))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a booking the resident was told is confirmed survives a
            // power cut, not only a crash. fsync costs ~0.2 ms here.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(true))
            .await?;
        let cache = std::sync::Arc::new(cache::Cache::default());
        let bookings = group_commit::GroupCommit::start(write.clone(), cache.clone());
        Ok(Self {
            db: Db::Sqlite {
                read,
                write,
                bookings,
            },
            cache,
        })
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// A number that changes whenever a write commits through this store
    /// (not through other instances): read results derived from the
    /// database stay valid while it is unchanged.
    pub fn write_generation(&self) -> u64 {
        self.cache.generation()
    }

    /// Applies the migrations this build carries.
    pub async fn migrate(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Waits for in-flight work and closes every connection.
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite { read, write, .. } => {
                write.close().await;
                read.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// Converts a count or minute read from the database.
pub(crate) fn to_u32(value: i64, what: &str) -> Result<u32> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} out of range: {value}")))
}
