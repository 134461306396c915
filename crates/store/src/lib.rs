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

mod access_chain;
mod access_log;
mod activity;
mod backup;
mod bookings;
mod cache;
mod calls;
mod diverted;
mod group_commit;
mod health;
mod holds;
mod link_sms;
mod name_checks;
mod notify_templates;
mod operations;
mod outbox;
mod reports;
mod retention;
mod rows;
mod scrub;
mod seat_rule;
mod settings;
mod slots;
mod staff;
mod staff_bookings;
mod venues;

pub use access_chain::{
    BreakKind, ChainBreak, ChainKey, ChainReport, MIN_SECRET_BYTES, ShortSecret,
};
pub use access_log::{AccessEntry, AccessFilter, AccessResult, AccessStamp, NewAccessEntry};
pub use activity::{Activity, ChannelLabel, OutcomeLabel, StepLabel};
pub use backup::{BackupError, FileReport, TableCount, inspect_sqlite_file, release_sqlite_file};
pub use bookings::{Actor, BookingError, BookingEvent, NewBooking};
pub use cache::{TTL as CACHE_TTL, WriteCounts};
pub use calls::{
    CallCount, CallEnd, CallId, CallSummary, CallTurn, NewCall, RecognitionCorrection,
    ScenarioVersion, VenueAlias,
};
pub use diverted::{DivertedMessage, NewDiverted};
pub use health::{Backlog, Unready};
pub use holds::{HoldId, SeatHold};
pub use link_sms::{ClaimedLinkSms, LinkSms, LinkSmsQueued};
pub use notify_templates::TemplateVersion;
pub use operations::{AffectedBooking, CapacityChanged, CapacityError, ScheduleApplied};
pub use outbox::{
    ClaimedNotice, NoticeChannel, NoticeEvent, NoticeStatus, OutboxMessage, UsageRow,
};
pub use reports::{
    BookingReport, BookingTally, CALL_OUTCOMES, CallRecord, CallReport, CallStat, CallUsage,
    DialogTurn, Durations, SeatTally, Tally,
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

/// Longest a background write waits for a rush of bookings to pass: under
/// endless load it still gets its turn.
const MAX_YIELD: Duration = Duration::from_secs(2);

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
    /// Counters for the metrics endpoint.
    activity: std::sync::Arc<Activity>,
    /// A rehearsal (staging) instance (see `diverted.rs`).
    rehearsal: bool,
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
/// `$changes_reads` says whether the write can change what readers keep
/// copies of (seats, venues, settings): if so, those copies are dropped.
macro_rules! tx {
    ($store:expr, $changes_reads:expr, $tx:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { write, .. } => {
                // IMMEDIATE takes the write lock up front, so another process
                // (a CLI command beside the server) waits on busy_timeout
                // instead of failing half-way.
                let mut $tx = write.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                $store.cache.note_commit($changes_reads);
                out
            }
            $crate::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                $store.cache.note_commit($changes_reads);
                out
            }
        }
    };
}

/// A write transaction that may change seats, venues or settings.
macro_rules! write_tx {
    ($store:expr, $tx:ident => $body:expr) => {
        $crate::tx!($store, true, $tx => $body)
    };
}

/// A write transaction that leaves every cached read valid: accounts,
/// sessions, the access log, the outbox, calls.
macro_rules! quiet_tx {
    ($store:expr, $tx:ident => $body:expr) => {
        $crate::tx!($store, false, $tx => $body)
    };
}

/// A quiet write done in the background (notification worker, reminders,
/// retention purge): it first lets the bookings waiting for the writer go,
/// so residents never queue behind it.
macro_rules! background_tx {
    ($store:expr, $tx:ident => $body:expr) => {{
        $store.yield_to_bookings().await;
        $crate::quiet_tx!($store, $tx => $body)
    }};
}
pub(crate) use {background_tx, quiet_tx, read, tx, write_tx};

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
                activity: Default::default(),
                rehearsal: false,
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
            // Deleted rows are overwritten with zeros, not only unlinked
            // (see scrub.rs).
            .pragma("secure_delete", "ON")
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
            activity: Default::default(),
            rehearsal: false,
        })
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// A number that changes whenever a write that can change seats,
    /// venues or settings commits through this store (not through other
    /// instances): read results derived from them stay valid while it is
    /// unchanged. The outbox, the access log, calls and accounts do not
    /// move it.
    pub fn write_generation(&self) -> u64 {
        self.cache.generation()
    }

    /// How many write transactions this store has committed, and how many
    /// of them were booking batches: the cost of a rush, counted rather
    /// than timed (see the regression guard in the web tests).
    pub fn write_counts(&self) -> WriteCounts {
        self.cache.write_counts()
    }

    /// Waits, up to [`MAX_YIELD`], while bookings are queued for or being
    /// written by the SQLite writer, so that a background write does not
    /// take the single write connection from residents in a rush.
    /// PostgreSQL commits in parallel: nothing to wait for.
    pub(crate) async fn yield_to_bookings(&self) {
        if let Db::Sqlite { bookings, .. } = &self.db {
            let started = std::time::Instant::now();
            while bookings.busy() && started.elapsed() < MAX_YIELD {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }

    /// Applies the migrations this build carries.
    pub async fn migrate(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Waits for in-flight work and closes every connection, leaving no
    /// write-ahead log (with deleted rows in it) behind on SQLite.
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite { read, write, .. } => {
                read.close().await;
                if let Err(e) = self.scrub_deleted().await {
                    tracing::warn!(error = %e, "write-ahead log not truncated at shutdown");
                }
                write.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// Converts a count or minute read from the database.
pub(crate) fn to_u32(value: i64, what: &str) -> Result<u32> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} out of range: {value}")))
}
