//! Making deleted personal data unreadable in the database files, not only
//! in query results.
//!
//! SQLite: every write connection runs with `secure_delete` on, so a deleted
//! or rewritten row's bytes are overwritten with zeros in its page and freed
//! pages are zeroed. The old page images still sit in the write-ahead log
//! until it is checkpointed and truncated, which [`Store::scrub_deleted`]
//! does after each purge and [`Store::close`] does at shutdown. A backup
//! (`sqlite3 .backup`, a file copy) taken after that holds no deleted data.
//!
//! PostgreSQL keeps dead row versions in its heap pages and its WAL until
//! they are vacuumed and overwritten; see docs/operations.md for what an
//! operator has to do there.

use crate::{Db, Result, Store};

impl Store {
    /// Moves everything written so far into the main SQLite file and
    /// truncates the write-ahead log, so that the page images holding
    /// deleted rows are gone from disk. Nothing to do on PostgreSQL.
    pub async fn scrub_deleted(&self) -> Result<()> {
        let Db::Sqlite { write, .. } = &self.db else {
            return Ok(());
        };
        // Waits (busy_timeout) for readers still on an older snapshot; busy
        // = 1 means one stayed longer and the log was not truncated.
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(write)
            .await?;
        if busy != 0 {
            tracing::warn!(
                "write-ahead log not truncated: a reader held it; retried at the next purge"
            );
        }
        Ok(())
    }
}
