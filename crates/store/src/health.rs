//! Is the database ready to serve (`/readyz`), and how far behind are the
//! notifications (the outbox backlog, for the metrics)?

use crate::{Db, Result, Store, read};
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// Why the store is not ready. Short, plain, and free of connection
/// details: the text is shown to whoever asks `/readyz`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Unready {
    #[error("database not answering")]
    Unreachable,
    #[error("database migrations not applied ({0} pending)")]
    MigrationsPending(usize),
    #[error("database migration {0} failed part-way")]
    MigrationFailed(i64),
}

/// Notifications waiting to be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    /// Messages queued or being sent.
    pub messages: i64,
    /// When the oldest of them was written.
    pub oldest: Option<DateTime<Utc>>,
}

impl Store {
    /// Ready when the database answers and every migration this build
    /// carries has been applied successfully.
    pub async fn readiness(&self) -> std::result::Result<(), Unready> {
        let migrator = match &self.db {
            Db::Sqlite { .. } => sqlx::migrate!("./migrations/sqlite"),
            Db::Postgres(_) => sqlx::migrate!("./migrations/postgres"),
        };
        let applied: Vec<(i64, bool)> = match read!(self, pool => {
            sqlx::query_as("SELECT version, success FROM _sqlx_migrations")
                .fetch_all(pool)
                .await
        }) {
            Ok(rows) => rows,
            Err(e) => {
                // A missing table means a database never migrated.
                let missing_table = matches!(&e, sqlx::Error::Database(db)
                    if db.message().contains("_sqlx_migrations"));
                if !missing_table {
                    tracing::warn!(error = %e, "readiness: database did not answer");
                    return Err(Unready::Unreachable);
                }
                Vec::new()
            }
        };
        if let Some((version, _)) = applied.iter().find(|(_, success)| !success) {
            return Err(Unready::MigrationFailed(*version));
        }
        let done: HashSet<i64> = applied.iter().map(|(version, _)| *version).collect();
        let pending = migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration() && !done.contains(&m.version))
            .count();
        if pending > 0 {
            return Err(Unready::MigrationsPending(pending));
        }
        Ok(())
    }

    /// Notifications queued or being sent, and the age of the oldest.
    pub async fn outbox_backlog(&self) -> Result<Backlog> {
        let (messages, oldest): (i64, Option<i64>) = read!(self, pool => {
            sqlx::query_as(
                "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status IN ('queued', 'sending')",
            )
            .fetch_one(pool)
            .await?
        });
        Ok(Backlog {
            messages,
            oldest: oldest.map(crate::rows::instant).transpose()?,
        })
    }
}
