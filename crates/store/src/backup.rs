//! Online backups of an SQLite database, and the checks a restore needs.
//!
//! A backup is made with `VACUUM INTO`: a consistent snapshot taken inside
//! one read transaction (bookings go on being written meanwhile), written
//! compactly, so the free pages that once held purged personal data are not
//! carried into the copy. PostgreSQL is backed up with its own tools
//! (pg_dump, base backups with WAL archiving: docs/deploy.md).

use crate::{Db, Store, StoreError};
use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::path::Path;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this command backs up and restores SQLite files; for PostgreSQL use pg_dump / pg_restore (docs/deploy.md)"
    )]
    NotSqlite,
    #[error("{0} exists already; give a new file name")]
    Exists(String),
    #[error("{0} does not exist")]
    Missing(String),
    #[error("{0} is in use (a running madoguchi or another program has it open); stop it first")]
    InUse(String),
    #[error("{path} is not a sound Madoguchi database: {reason}")]
    Unsound { path: String, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

/// Rows in one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: String,
    pub rows: i64,
}

/// What a database file holds, once found sound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// Every table but SQLite's and the migrations' own, by name.
    pub tables: Vec<TableCount>,
    /// Migrations applied.
    pub migrations: i64,
}

impl FileReport {
    /// Rows in `table` (0 when there is no such table).
    pub fn rows(&self, table: &str) -> i64 {
        self.tables
            .iter()
            .find(|t| t.table == table)
            .map_or(0, |t| t.rows)
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Store {
    /// Writes a consistent copy of the SQLite database to `to` (a new
    /// file) while the service keeps running, and flushes it to disk.
    pub async fn backup_into(&self, to: &Path) -> Result<(), BackupError> {
        let Db::Sqlite { write, .. } = &self.db else {
            return Err(BackupError::NotSqlite);
        };
        if to.exists() {
            return Err(BackupError::Exists(to.display().to_string()));
        }
        let target = to
            .to_str()
            .ok_or_else(|| BackupError::Unsound {
                path: to.display().to_string(),
                reason: "the file name is not UTF-8".to_owned(),
            })?
            .to_owned();
        // On this process's writer connection: a CLI's store has it to
        // itself, and in WAL mode the read transaction blocks no writer.
        if let Err(e) = sqlx::query("VACUUM INTO $1")
            .bind(&target)
            .execute(write)
            .await
        {
            let _ = std::fs::remove_file(to);
            return Err(e.into());
        }
        // VACUUM INTO does not sync its output.
        std::fs::File::open(to)
            .and_then(|f| f.sync_all())
            .map_err(io(to))?;
        Ok(())
    }
}

/// Opens an SQLite file without changing it (no journal, no lock files),
/// checks its pages and counts the rows of every table.
pub async fn inspect_sqlite_file(path: &Path) -> Result<FileReport, BackupError> {
    let unsound = |reason: String| BackupError::Unsound {
        path: path.display().to_string(),
        reason,
    };
    if !path.is_file() {
        return Err(BackupError::Missing(path.display().to_string()));
    }
    let mut conn: SqliteConnection = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true)
        .connect()
        .await
        .map_err(|e| unsound(e.to_string()))?;
    let checked: Result<FileReport, BackupError> = async {
        let (verdict,): (String,) = sqlx::query_as("PRAGMA quick_check")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| unsound(e.to_string()))?;
        if verdict != "ok" {
            return Err(unsound(format!("quick_check: {verdict}")));
        }
        let names: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(&mut conn)
        .await?;
        if !names.iter().any(|(n,)| n == "_sqlx_migrations")
            || !names.iter().any(|(n,)| n == "bookings")
        {
            return Err(unsound("no Madoguchi tables in it".to_owned()));
        }
        let mut tables = Vec::new();
        let mut migrations = 0;
        for (name,) in names {
            // Names come from the file's own catalogue; quoted all the same.
            let quoted = name.replace('"', "\"\"");
            let (rows,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM \"{quoted}\""))
                .fetch_one(&mut conn)
                .await?;
            if name == "_sqlx_migrations" {
                migrations = rows;
            } else {
                tables.push(TableCount { table: name, rows });
            }
        }
        Ok(FileReport { tables, migrations })
    }
    .await;
    let _ = sqlx::Connection::close(conn).await;
    checked
}

/// Makes sure nobody has the SQLite file at `path` open, and leaves it as
/// one self-contained file (its write-ahead log folded in), ready to be
/// moved aside. Refuses with [`BackupError::InUse`] while any other
/// connection, in this process or another, has it open.
pub async fn release_sqlite_file(path: &Path) -> Result<(), BackupError> {
    if !path.is_file() {
        return Err(BackupError::Missing(path.display().to_string()));
    }
    let mut conn: SqliteConnection = SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(Duration::ZERO)
        .connect()
        .await?;
    // Leaving WAL mode needs the only connection to the file: SQLite
    // answers "database is locked" while any other has it open.
    let left: Result<(String,), sqlx::Error> = sqlx::query_as("PRAGMA journal_mode = DELETE")
        .fetch_one(&mut conn)
        .await;
    let _ = sqlx::Connection::close(conn).await;
    match left {
        Ok((mode,)) if mode.eq_ignore_ascii_case("delete") => Ok(()),
        Ok(_) => Err(BackupError::InUse(path.display().to_string())),
        Err(sqlx::Error::Database(e)) if e.message().contains("locked") => {
            Err(BackupError::InUse(path.display().to_string()))
        }
        Err(e) => Err(e.into()),
    }
}
