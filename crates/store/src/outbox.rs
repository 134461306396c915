//! The notification outbox (B1, B2): messages owed to residents, written in
//! the same transaction as the booking change that makes them due, and
//! claimed by delivery workers with a lease.
//!
//! A row holds no personal data: the text is rendered at delivery from the
//! booking and the current template. Rows are deleted with their booking
//! (retention).
//!
//! Claiming: one statement marks due rows `sending` with a lease and returns
//! them. On SQLite the single writer makes that atomic; on PostgreSQL the
//! rows are picked with `FOR UPDATE SKIP LOCKED`, so several instances drain
//! the outbox at once without taking the same row. A row whose lease ran out
//! (the worker crashed between claim and confirmation) is claimed again; a
//! row marked `sent` is never claimed again.

use crate::{Result, Store, StoreError, background_tx, quiet_tx, read, to_u32};
use chrono::{DateTime, NaiveDate, Utc};
use madoguchi_core::ids::BookingId;

/// Why a message is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeEvent {
    Booked,
    Changed,
    Cancelled,
    Reminder,
    /// The web booking link a caller asked for on the phone (SMS only, no
    /// booking: queued in `link_sms`, never in the outbox).
    WebLink,
}

impl NoticeEvent {
    pub const ALL: [NoticeEvent; 5] = [
        NoticeEvent::Booked,
        NoticeEvent::Changed,
        NoticeEvent::Cancelled,
        NoticeEvent::Reminder,
        NoticeEvent::WebLink,
    ];
    /// The events about a booking (every one but the web link).
    pub const BOOKING: [NoticeEvent; 4] = [
        NoticeEvent::Booked,
        NoticeEvent::Changed,
        NoticeEvent::Cancelled,
        NoticeEvent::Reminder,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeEvent::Booked => "booked",
            NoticeEvent::Changed => "changed",
            NoticeEvent::Cancelled => "cancelled",
            NoticeEvent::Reminder => "reminder",
            NoticeEvent::WebLink => "web_link",
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            NoticeEvent::Booked => "予約の受付",
            NoticeEvent::Changed => "予約の変更",
            NoticeEvent::Cancelled => "予約の取消し",
            NoticeEvent::Reminder => "前日のお知らせ",
            NoticeEvent::WebLink => "予約ページの案内（電話から・SMSのみ）",
        }
    }
    /// Sent by SMS only (the email templates are not used).
    pub fn sms_only(self) -> bool {
        self == NoticeEvent::WebLink
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeChannel {
    Sms,
    Email,
}

impl NoticeChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeChannel::Sms => "sms",
            NoticeChannel::Email => "email",
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            NoticeChannel::Sms => "SMS",
            NoticeChannel::Email => "メール",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(NoticeChannel::Sms),
            "email" => Some(NoticeChannel::Email),
            _ => None,
        }
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeStatus {
    /// Waiting for its (next) attempt.
    Queued,
    /// Claimed by a worker; retried when the lease runs out unconfirmed.
    Sending,
    Sent,
    /// Refused for good by the provider, or out of attempts.
    Failed,
    /// No provider is configured for the channel.
    Undeliverable,
    /// No longer relevant (a reminder for a cancelled booking).
    Skipped,
}

impl NoticeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Queued => "queued",
            NoticeStatus::Sending => "sending",
            NoticeStatus::Sent => "sent",
            NoticeStatus::Failed => "failed",
            NoticeStatus::Undeliverable => "undeliverable",
            NoticeStatus::Skipped => "skipped",
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            NoticeStatus::Queued => "送信待ち",
            NoticeStatus::Sending => "送信中",
            NoticeStatus::Sent => "送信済み",
            NoticeStatus::Failed => "送信失敗",
            NoticeStatus::Undeliverable => "送信できません",
            NoticeStatus::Skipped => "送信不要",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            NoticeStatus::Queued,
            NoticeStatus::Sending,
            NoticeStatus::Sent,
            NoticeStatus::Failed,
            NoticeStatus::Undeliverable,
            NoticeStatus::Skipped,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// One message of the outbox, as the admin console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub booking_id: BookingId,
    pub event: NoticeEvent,
    pub channel: NoticeChannel,
    pub status: NoticeStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub provider_id: Option<String>,
    pub segments: Option<u32>,
}

/// A message a worker has claimed and must now deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedNotice {
    pub id: i64,
    pub booking_id: BookingId,
    pub event: NoticeEvent,
    pub channel: NoticeChannel,
    /// Attempts including this one.
    pub attempts: u32,
}

/// Messages sent on one day (Japan) through one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    pub day: NaiveDate,
    pub channel: NoticeChannel,
    pub messages: i64,
    pub segments: i64,
}

/// Queues the messages a booking change owes, inside the caller's
/// transaction: SMS and/or email as the booking's `notify` says (email only
/// when an address is stored). A macro, like `record_event!`, to keep the
/// calling futures `Send`.
macro_rules! queue_notices {
    ($tx:expr, $booking_id:expr, $event:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO outbox (booking_id, event, channel, status, next_attempt_at, created_at)
             SELECT id, $2, 'sms', 'queued', $3, $3 FROM bookings WHERE id = $1 AND notify IN ('sms', 'both')
             UNION ALL
             SELECT id, $2, 'email', 'queued', $3, $3 FROM bookings WHERE id = $1 AND notify IN ('email', 'both') AND email IS NOT NULL",
        )
        .bind($booking_id)
        .bind($event)
        .bind($at)
        .execute($tx)
        .await
    };
}
pub(crate) use queue_notices;

const MESSAGE_COLUMNS: &str = "id, booking_id, event, channel, status, attempts, next_attempt_at, last_error, created_at, sent_at, provider_id, segments";

type MessageRow = (
    i64,
    i64,
    String,
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

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("outbox {what}: {value}"))
}

fn into_message(row: MessageRow) -> Result<OutboxMessage> {
    let (id, booking, event, channel, status, attempts, next, error, created, sent, provider, segs) =
        row;
    Ok(OutboxMessage {
        id,
        booking_id: BookingId(booking),
        event: NoticeEvent::parse(&event).ok_or_else(|| corrupt("event", &event))?,
        channel: NoticeChannel::parse(&channel).ok_or_else(|| corrupt("channel", &channel))?,
        status: NoticeStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
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
    /// Claims up to `limit` messages that are due at `now` (queued and due,
    /// or claimed earlier with a lease that ran out), marking them `sending`
    /// until `now + lease`. Each row goes to one claimer only.
    pub async fn claim_notices(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<ClaimedNotice>> {
        self.claim_notices_on(None, now, lease, limit).await
    }

    /// [`Store::claim_notices`] of one channel only (`None`: any), so that
    /// a slow channel never holds up the other.
    pub async fn claim_notices_on(
        &self,
        channel: Option<NoticeChannel>,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<ClaimedNotice>> {
        let lock = match self.backend() {
            crate::Backend::Sqlite => "",
            crate::Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        // A constant from the enum, never outside input.
        let only = channel.map_or(String::new(), |c| format!("AND channel = '{}'", c.as_str()));
        let sql = format!(
            "UPDATE outbox SET status = 'sending', lease_until = $2, attempts = attempts + 1
             WHERE id IN (
               SELECT id FROM outbox
               WHERE ((status = 'queued' AND next_attempt_at <= $1)
                  OR (status = 'sending' AND lease_until <= $1)) {only}
               ORDER BY id LIMIT $3 {lock})
             RETURNING id, booking_id, event, channel, attempts"
        );
        let at = now.timestamp();
        let rows: Vec<(i64, i64, String, String, i64)> = background_tx!(self, tx => {
            sqlx::query_as(&sql)
                .bind(at)
                .bind((now + lease).timestamp())
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?
        });
        let mut claimed = rows
            .into_iter()
            .map(|(id, booking, event, channel, attempts)| {
                Ok(ClaimedNotice {
                    id,
                    booking_id: BookingId(booking),
                    event: NoticeEvent::parse(&event).ok_or_else(|| corrupt("event", &event))?,
                    channel: NoticeChannel::parse(&channel)
                        .ok_or_else(|| corrupt("channel", &channel))?,
                    attempts: to_u32(attempts, "attempts")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    /// Records a delivered message and counts it for the charges of `day`
    /// (Japan), in one transaction. False when the row was already marked
    /// sent (nothing counted twice).
    pub async fn notice_sent(
        &self,
        id: i64,
        now: DateTime<Utc>,
        day: NaiveDate,
        provider_id: Option<&str>,
        segments: u32,
    ) -> Result<bool> {
        let done = background_tx!(self, tx => {
            let channel: Option<(String,)> = sqlx::query_as(
                "UPDATE outbox SET status = 'sent', sent_at = $2, provider_id = $3, segments = $4,
                   last_error = NULL, lease_until = NULL
                 WHERE id = $1 AND status <> 'sent' RETURNING channel",
            )
            .bind(id)
            .bind(now.timestamp())
            .bind(provider_id)
            .bind(i64::from(segments))
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((channel,)) = &channel {
                sqlx::query(
                    "INSERT INTO notify_usage (day, channel, messages, segments) VALUES ($1, $2, 1, $3)
                     ON CONFLICT (day, channel) DO UPDATE
                       SET messages = notify_usage.messages + 1, segments = notify_usage.segments + excluded.segments",
                )
                .bind(day)
                .bind(channel)
                .bind(i64::from(segments))
                .execute(&mut *tx)
                .await?;
            }
            channel.is_some()
        });
        Ok(done)
    }

    /// Puts a claimed message back in the queue for another attempt at
    /// `next_attempt_at`, after a temporary failure.
    pub async fn notice_retry(
        &self,
        id: i64,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> Result<()> {
        background_tx!(self, tx => {
            sqlx::query(
                "UPDATE outbox SET status = 'queued', next_attempt_at = $2, last_error = $3, lease_until = NULL
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

    /// Ends a message without delivery: `Failed`, `Undeliverable` or
    /// `Skipped`, with the reason shown to staff. A sent message stays sent.
    pub async fn notice_given_up(&self, id: i64, status: NoticeStatus, reason: &str) -> Result<()> {
        background_tx!(self, tx => {
            sqlx::query(
                "UPDATE outbox SET status = $2, last_error = $3, lease_until = NULL
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

    /// Every message of a booking, oldest first.
    pub async fn notices_for_booking(&self, booking: BookingId) -> Result<Vec<OutboxMessage>> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM outbox WHERE booking_id = $1 ORDER BY id");
        let rows: Vec<MessageRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(booking.0).fetch_all(pool).await?
        });
        rows.into_iter().map(into_message).collect()
    }

    /// One message by id.
    pub async fn notice(&self, id: i64) -> Result<Option<OutboxMessage>> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM outbox WHERE id = $1");
        let row: Option<MessageRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        row.map(into_message).transpose()
    }

    /// Queues a new copy of a message (staff pressed "resend"); the old
    /// row stays as history. Returns the new message's id, or None when no
    /// message `id` exists.
    pub async fn resend_notice(&self, id: i64, now: DateTime<Utc>) -> Result<Option<i64>> {
        let at = now.timestamp();
        let new_id: Option<(i64,)> = quiet_tx!(self, tx => {
            sqlx::query_as(
                "INSERT INTO outbox (booking_id, event, channel, status, next_attempt_at, created_at)
                 SELECT booking_id, event, channel, 'queued', $2, $2 FROM outbox WHERE id = $1
                 RETURNING id",
            )
            .bind(id)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?
        });
        Ok(new_id.map(|(id,)| id))
    }

    /// Queues the day-before reminder for every active booking on `day`
    /// that has none yet for that day (idempotent across restarts and
    /// instances). Returns how many messages were queued.
    pub async fn queue_reminders(&self, day: NaiveDate, now: DateTime<Utc>) -> Result<u64> {
        let at = now.timestamp();
        let key = day.format("%Y-%m-%d").to_string();
        let queued = background_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO outbox (booking_id, event, channel, status, next_attempt_at, created_at, dedupe)
                 SELECT id, 'reminder', channel, 'queued', $2, $2, key FROM (
                   SELECT b.id AS id, 'sms' AS channel, 'reminder:' || CAST(b.id AS TEXT) || ':sms:' || $3 AS key
                     FROM bookings b JOIN slots s ON s.id = b.slot_id
                     WHERE s.day = $1 AND b.status = 'booked' AND b.notify IN ('sms', 'both')
                   UNION ALL
                   SELECT b.id AS id, 'email' AS channel, 'reminder:' || CAST(b.id AS TEXT) || ':email:' || $3 AS key
                     FROM bookings b JOIN slots s ON s.id = b.slot_id
                     WHERE s.day = $1 AND b.status = 'booked' AND b.notify IN ('email', 'both') AND b.email IS NOT NULL
                 ) AS due WHERE TRUE
                 ON CONFLICT (dedupe) DO NOTHING",
            )
            .bind(day)
            .bind(at)
            .bind(&key)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        Ok(queued)
    }

    /// When the next queued message (outbox or link SMS) falls due (for a worker to sleep until
    /// then), or None when nothing waits.
    pub async fn next_notice_due(&self) -> Result<Option<DateTime<Utc>>> {
        let next: Option<(Option<i64>,)> = read!(self, pool => {
            sqlx::query_as(
                "SELECT MIN(due) FROM (
                   SELECT CASE WHEN status = 'queued' THEN next_attempt_at ELSE lease_until END AS due
                     FROM outbox WHERE status IN ('queued', 'sending')
                   UNION ALL
                   SELECT CASE WHEN status = 'queued' THEN next_attempt_at ELSE lease_until END AS due
                     FROM link_sms WHERE status IN ('queued', 'sending')
                 ) AS waiting",
            )
            .fetch_optional(pool)
            .await?
        });
        next.and_then(|(at,)| at)
            .map(crate::rows::instant)
            .transpose()
    }

    /// Messages sent per day and channel from `first` to `last` inclusive.
    pub async fn notify_usage(&self, first: NaiveDate, last: NaiveDate) -> Result<Vec<UsageRow>> {
        let rows: Vec<(NaiveDate, String, i64, i64)> = read!(self, pool => {
            sqlx::query_as(
                "SELECT day, channel, messages, segments FROM notify_usage
                 WHERE day >= $1 AND day <= $2 ORDER BY day, channel",
            )
            .bind(first)
            .bind(last)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(day, channel, messages, segments)| {
                Ok(UsageRow {
                    day,
                    channel: NoticeChannel::parse(&channel)
                        .ok_or_else(|| corrupt("usage channel", &channel))?,
                    messages,
                    segments,
                })
            })
            .collect()
    }
}
