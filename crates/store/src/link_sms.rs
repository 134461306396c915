//! The SMS with the web booking link (issue 6, A15): a caller the phone
//! agent could not help accepts a text with the address of the booking
//! site. Queued with the call turn that accepted it, delivered by the
//! notification worker like the outbox (same statuses, lease and retry
//! rules), deleted with the call (the row holds the caller's number).
//!
//! Abuse guard: one link per call (a UNIQUE call id), and at most a given
//! number of links per phone number in any 24 hours, so that nobody can
//! use the phone line to flood someone else's phone.

use crate::calls::CallId;
use crate::outbox::NoticeStatus;
use crate::{Backend, Result, Store, StoreError, background_tx, quiet_tx, read, to_u32};
use chrono::{DateTime, NaiveDate, Utc};

/// What asking for a link SMS did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkSmsQueued {
    /// Queued as message `id`.
    Queued(i64),
    /// This call already has its link; nothing more queued.
    AlreadyQueued,
    /// The number got as many links as allowed in the last 24 hours.
    CapReached,
}

/// One link SMS, as staff see it with its call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSms {
    pub id: i64,
    pub call_id: CallId,
    /// E.164.
    pub phone: String,
    pub status: NoticeStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub provider_id: Option<String>,
    pub segments: Option<u32>,
}

/// A link SMS a worker has claimed and must now deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedLinkSms {
    pub id: i64,
    pub call_id: CallId,
    /// E.164.
    pub phone: String,
    /// Attempts including this one.
    pub attempts: u32,
}

/// The window of the per-number cap.
const CAP_WINDOW_SECONDS: i64 = 24 * 3600;

/// Queues a link SMS inside the caller's transaction. A macro, like
/// `queue_notices!`, to keep the calling futures `Send`.
macro_rules! queue_link {
    ($backend:expr, $tx:expr, $call:expr, $phone:expr, $cap:expr, $at:expr) => {{
        let phone: &str = $phone;
        let at: i64 = $at;
        if $backend == Backend::Postgres {
            // Two calls from one number at once must not both pass the
            // cap: serialise per number (SQLite has one writer anyway).
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(phone)
                .execute(&mut *$tx)
                .await?;
        }
        let (recent,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM link_sms WHERE phone = $1 AND created_at > $2")
                .bind(phone)
                .bind(at - CAP_WINDOW_SECONDS)
                .fetch_one(&mut *$tx)
                .await?;
        let (existing,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM link_sms WHERE call_id = $1")
                .bind($call)
                .fetch_one(&mut *$tx)
                .await?;
        if existing > 0 {
            LinkSmsQueued::AlreadyQueued
        } else if recent >= i64::from($cap) {
            LinkSmsQueued::CapReached
        } else {
            let id: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO link_sms (call_id, phone, status, next_attempt_at, created_at)
                 VALUES ($1, $2, 'queued', $3, $3)
                 ON CONFLICT (call_id) DO NOTHING RETURNING id",
            )
            .bind($call)
            .bind(phone)
            .bind(at)
            .fetch_optional(&mut *$tx)
            .await?;
            match id {
                Some((id,)) => LinkSmsQueued::Queued(id),
                None => LinkSmsQueued::AlreadyQueued,
            }
        }
    }};
}

const COLUMNS: &str = "id, call_id, phone, status, attempts, next_attempt_at, last_error, created_at, sent_at, provider_id, segments";

type Row = (
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    Option<String>,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

fn into_link(row: Row) -> Result<LinkSms> {
    let (id, call, phone, status, attempts, next, error, created, sent, provider, segs) = row;
    Ok(LinkSms {
        id,
        call_id: CallId(call),
        phone,
        status: NoticeStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("link_sms status: {status}")))?,
        attempts: to_u32(attempts, "attempts")?,
        next_attempt_at: crate::rows::instant(next)?,
        last_error: error,
        created_at: crate::rows::instant(created)?,
        sent_at: sent.map(crate::rows::instant).transpose()?,
        provider_id: provider,
        segments: segs.map(|s| to_u32(s, "segments")).transpose()?,
    })
}

impl Store {
    /// Queues the link SMS a call turn accepted: to `phone` (E.164), unless
    /// the call already has one or the number had `cap` links in the last
    /// 24 hours.
    pub async fn queue_link_sms(
        &self,
        call: CallId,
        phone: &str,
        cap: u32,
        now: DateTime<Utc>,
    ) -> Result<LinkSmsQueued> {
        let backend = self.backend();
        let queued = quiet_tx!(self, tx => {
            queue_link!(backend, tx, call.0, phone, cap, now.timestamp())
        });
        Ok(queued)
    }

    /// The link SMS of a call, if it has one.
    pub async fn link_sms_for_call(&self, call: CallId) -> Result<Option<LinkSms>> {
        let sql = format!("SELECT {COLUMNS} FROM link_sms WHERE call_id = $1");
        let row: Option<Row> = read!(self, pool => {
            sqlx::query_as(&sql).bind(call.0).fetch_optional(pool).await?
        });
        row.map(into_link).transpose()
    }

    /// One link SMS by id.
    pub async fn link_sms(&self, id: i64) -> Result<Option<LinkSms>> {
        let sql = format!("SELECT {COLUMNS} FROM link_sms WHERE id = $1");
        let row: Option<Row> = read!(self, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        row.map(into_link).transpose()
    }

    /// Claims up to `limit` link messages due at `now`, like
    /// [`Store::claim_notices`] (SKIP LOCKED on PostgreSQL).
    pub async fn claim_link_sms(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<ClaimedLinkSms>> {
        let lock = match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE link_sms SET status = 'sending', lease_until = $2, attempts = attempts + 1
             WHERE id IN (
               SELECT id FROM link_sms
               WHERE (status = 'queued' AND next_attempt_at <= $1)
                  OR (status = 'sending' AND lease_until <= $1)
               ORDER BY id LIMIT $3 {lock})
             RETURNING id, call_id, phone, attempts"
        );
        let rows: Vec<(i64, i64, String, i64)> = background_tx!(self, tx => {
            sqlx::query_as(&sql)
                .bind(now.timestamp())
                .bind((now + lease).timestamp())
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?
        });
        let mut claimed = rows
            .into_iter()
            .map(|(id, call, phone, attempts)| {
                Ok(ClaimedLinkSms {
                    id,
                    call_id: CallId(call),
                    phone,
                    attempts: to_u32(attempts, "attempts")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    /// Records a delivered link SMS and counts it with the SMS charges of
    /// `day` (Japan), in one transaction. False when already sent.
    pub async fn link_sms_sent(
        &self,
        id: i64,
        now: DateTime<Utc>,
        day: NaiveDate,
        provider_id: Option<&str>,
        segments: u32,
    ) -> Result<bool> {
        let done = background_tx!(self, tx => {
            let updated = sqlx::query(
                "UPDATE link_sms SET status = 'sent', sent_at = $2, provider_id = $3, segments = $4,
                   last_error = NULL, lease_until = NULL
                 WHERE id = $1 AND status <> 'sent'",
            )
            .bind(id)
            .bind(now.timestamp())
            .bind(provider_id)
            .bind(i64::from(segments))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated > 0 {
                sqlx::query(
                    "INSERT INTO notify_usage (day, channel, messages, segments) VALUES ($1, 'sms', 1, $2)
                     ON CONFLICT (day, channel) DO UPDATE
                       SET messages = notify_usage.messages + 1, segments = notify_usage.segments + excluded.segments",
                )
                .bind(day)
                .bind(i64::from(segments))
                .execute(&mut *tx)
                .await?;
            }
            updated > 0
        });
        Ok(done)
    }

    /// Puts a claimed link SMS back in the queue after a temporary failure.
    pub async fn link_sms_retry(
        &self,
        id: i64,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        background_tx!(self, tx => {
            sqlx::query(
                "UPDATE link_sms SET status = 'queued', next_attempt_at = $2, last_error = $3, lease_until = NULL
                 WHERE id = $1 AND status = 'sending'",
            )
            .bind(id)
            .bind(next_attempt_at.timestamp())
            .bind(error)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Ends a link SMS without delivery (failed, undeliverable, skipped).
    pub async fn link_sms_given_up(
        &self,
        id: i64,
        status: NoticeStatus,
        reason: &str,
    ) -> Result<()> {
        background_tx!(self, tx => {
            sqlx::query(
                "UPDATE link_sms SET status = $2, last_error = $3, lease_until = NULL
                 WHERE id = $1 AND status <> 'sent'",
            )
            .bind(id)
            .bind(status.as_str())
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }
}
