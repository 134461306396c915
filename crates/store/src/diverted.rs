//! Rehearsal mode (F3): messages a staging instance would have sent by SMS
//! or email, kept for staff to read instead of reaching a provider. The
//! mode itself is the deployment's, carried by the store so that every
//! layer (pages, calls, delivery) sees the same answer.

use crate::rows::instant;
use crate::{Result, Store, background_tx, read};
use chrono::{DateTime, Utc};

/// A message kept instead of sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivertedMessage {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `sms` or `email`.
    pub channel: String,
    pub recipient: String,
    /// Empty for SMS.
    pub subject: String,
    pub body: String,
}

/// A message to keep.
#[derive(Debug, Clone, Copy)]
pub struct NewDiverted<'a> {
    pub channel: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

impl Store {
    /// This store as a rehearsal (staging) instance's: messages are kept,
    /// pages carry a banner, calls say so (see `docs/operations.md`).
    pub fn with_rehearsal(mut self, rehearsal: bool) -> Self {
        self.rehearsal = rehearsal;
        self
    }

    /// Whether this instance is a rehearsal.
    pub fn is_rehearsal(&self) -> bool {
        self.rehearsal
    }

    /// Keeps a message instead of sending it; returns its id.
    pub async fn divert_message(&self, message: NewDiverted<'_>, at: DateTime<Utc>) -> Result<i64> {
        let (id,): (i64,) = background_tx!(self, tx => {
            sqlx::query_as(
                "INSERT INTO diverted_messages (created_at, channel, recipient, subject, body)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(at.timestamp())
            .bind(message.channel)
            .bind(message.recipient)
            .bind(message.subject)
            .bind(message.body)
            .fetch_one(&mut *tx)
            .await?
        });
        Ok(id)
    }

    /// The newest `limit` kept messages, newest first.
    pub async fn diverted_messages(&self, limit: u32) -> Result<Vec<DivertedMessage>> {
        let rows: Vec<(i64, i64, String, String, String, String)> = read!(self, pool => {
            sqlx::query_as(
                "SELECT id, created_at, channel, recipient, subject, body
                 FROM diverted_messages ORDER BY id DESC LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(id, at, channel, recipient, subject, body)| {
                Ok(DivertedMessage {
                    id,
                    at: instant(at)?,
                    channel,
                    recipient,
                    subject,
                    body,
                })
            })
            .collect()
    }

    /// How many messages are kept, per channel: (sms, email).
    pub async fn diverted_counts(&self) -> Result<(u64, u64)> {
        let rows: Vec<(String, i64)> = read!(self, pool => {
            sqlx::query_as("SELECT channel, COUNT(*) FROM diverted_messages GROUP BY channel")
                .fetch_all(pool)
                .await?
        });
        let count = |name: &str| {
            rows.iter()
                .find(|(c, _)| c == name)
                .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0))
        };
        Ok((count("sms"), count("email")))
    }

    /// Deletes kept messages older than `before` (the retention purge).
    pub async fn purge_diverted_before(&self, before: DateTime<Utc>) -> Result<u64> {
        let deleted = background_tx!(self, tx => {
            sqlx::query("DELETE FROM diverted_messages WHERE created_at < $1")
                .bind(before.timestamp())
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        if deleted > 0 {
            self.scrub_deleted().await?;
        }
        Ok(deleted)
    }
}
