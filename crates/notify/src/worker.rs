//! The delivery worker: runs in the server process, drains the outbox,
//! retries temporary failures with exponential back-off and jitter, marks
//! permanent failures, and queues the day-before reminders.
//!
//! Several instances may run workers on one PostgreSQL database: the store
//! hands each message to one claimer. A message is marked sent right after
//! the provider accepts it; one claimed but never confirmed (a crash) is
//! claimed again when its lease runs out. A worker claims only what it sends
//! at once, and every provider call is cut off at `send_timeout`, so the
//! lease always outlives the work it covers.
//!
//! Provider error texts are stored redacted ([`crate::redact`]): staff see
//! the provider's code and words, never the recipient's number or address.

use crate::providers::{EmailProvider, OutgoingEmail, OutgoingSms, SendError, SmsProvider};
use crate::redact::redact;
use crate::settings::NotifySettings;
use crate::templates::{self, EventTemplates, Values};

use madoguchi_core::Clock;
use madoguchi_core::booking::BookingStatus;
use madoguchi_core::contact::PhoneNumber;
use madoguchi_store::{
    BookingError, ClaimedLinkSms, ClaimedNotice, NoticeChannel, NoticeEvent, NoticeStatus, Store,
    StoreError,
};
use std::sync::Arc;
use std::time::Duration;

/// Reasons shown to staff for messages that cannot go out.
pub const SMS_NOT_CONFIGURED: &str = "SMS送信が設定されていません";
pub const EMAIL_NOT_CONFIGURED: &str = "メール送信が設定されていません";
pub const SITE_URL_NOT_CONFIGURED: &str =
    "予約サイトのアドレス（[site] public_url）が設定されていないため送れません";

/// The providers this instance can deliver through.
#[derive(Clone, Default)]
pub struct Delivery {
    pub sms: Option<Arc<dyn SmsProvider>>,
    pub email: Option<Arc<dyn EmailProvider>>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("sms", &self.sms.is_some())
            .field("email", &self.email.is_some())
            .finish()
    }
}

/// When temporary failures are tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait after the first failure; doubled after each further one.
    pub first_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
    /// After this many attempts the message is marked failed.
    pub max_attempts: u32,
    /// A claimed message not confirmed within this time is claimed again.
    /// Never shorter than twice `send_timeout` (see [`RetryPolicy::lease`]).
    pub lease: Duration,
    /// How long one provider call may take before it counts as a temporary
    /// failure: a hanging provider costs one attempt, not the queue.
    pub send_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(3600),
            max_attempts: 8,
            lease: Duration::from_secs(300),
            send_timeout: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The lease taken on claimed messages. A worker claims no more than it
    /// sends at once and each send ends within `send_timeout`, so a lease of
    /// twice that outlives the work it covers: no other instance claims a
    /// message while it is being sent (the cause of duplicates).
    pub fn lease(&self) -> chrono::Duration {
        let lease = self.lease.max(self.send_timeout.saturating_mul(2));
        chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::minutes(5))
    }

    /// The wait after `attempts` failed attempts: exponential, capped, with
    /// "equal jitter" (between half and all of it) so that many messages
    /// failing together do not come back together. `unit` is in [0, 1).
    pub fn delay(&self, attempts: u32, unit: f64) -> Duration {
        let exponent = attempts.saturating_sub(1).min(30);
        let full = self
            .first_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        full.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub sent: u32,
    pub retrying: u32,
    pub failed: u32,
    pub undeliverable: u32,
    pub skipped: u32,
    pub reminders_queued: u64,
}

impl Pass {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Sent => self.sent += 1,
            Outcome::Retry => self.retrying += 1,
            Outcome::Ended(NoticeStatus::Undeliverable) => self.undeliverable += 1,
            Outcome::Ended(NoticeStatus::Skipped) => self.skipped += 1,
            Outcome::Ended(_) => self.failed += 1,
        }
    }
}

/// The outbox worker.
#[derive(Clone)]
pub struct Worker {
    store: Store,
    clock: Arc<dyn Clock>,
    delivery: Delivery,
    public_url: Option<String>,
    policy: RetryPolicy,
    /// When this worker last queued reminders (they are looked for at most
    /// once a minute: on SQLite each look takes the write lock).
    reminders_checked: Arc<std::sync::Mutex<Option<chrono::DateTime<chrono::Utc>>>>,
}

/// How often an idle worker looks for new messages (written by requests of
/// this or another instance).
const POLL: Duration = Duration::from_secs(5);
/// Messages sent at once per channel; also how many are claimed at once.
const PER_CHANNEL: u32 = 8;

enum Outcome {
    Sent,
    Retry,
    Ended(NoticeStatus),
}

impl Worker {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        delivery: Delivery,
        public_url: Option<String>,
        policy: RetryPolicy,
    ) -> Self {
        Self {
            store,
            clock,
            delivery,
            public_url,
            policy,
            reminders_checked: Arc::default(),
        }
    }

    /// Runs until the task is dropped.
    pub async fn run(self) {
        tracing::info!(
            sms = self.delivery.sms.is_some(),
            email = self.delivery.email.is_some(),
            "notification worker started"
        );
        loop {
            if let Err(e) = self.run_once().await {
                tracing::error!(error = %e, "notification pass failed");
            }
            let wait = match self.store.next_notice_due().await {
                Ok(Some(due)) => (due - self.clock.now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .min(POLL),
                _ => POLL,
            };
            tokio::time::sleep(wait.max(Duration::from_millis(200))).await;
        }
    }

    /// Queues the reminders due now, then delivers every message due now:
    /// booking notices from the outbox and web link SMS from calls. SMS and
    /// email go in parallel lanes, each sending up to [`PER_CHANNEL`]
    /// messages at once, so neither waits behind the other.
    pub async fn run_once(&self) -> Result<Pass, WorkerError> {
        let reminders_queued = self.queue_reminders().await?;
        let (sms, email) = tokio::join!(
            self.drain(NoticeChannel::Sms),
            self.drain(NoticeChannel::Email)
        );
        let (sms, email) = (sms?, email?);
        Ok(Pass {
            sent: sms.sent + email.sent,
            retrying: sms.retrying + email.retrying,
            failed: sms.failed + email.failed,
            undeliverable: sms.undeliverable + email.undeliverable,
            skipped: sms.skipped + email.skipped,
            reminders_queued,
        })
    }

    /// Delivers every message of `channel` due now, a claim of at most
    /// [`PER_CHANNEL`] at a time, all of a claim sent at once.
    async fn drain(&self, channel: NoticeChannel) -> Result<Pass, WorkerError> {
        let mut pass = Pass::default();
        loop {
            let now = self.clock.now();
            let lease = self.policy.lease();
            let notices = self
                .store
                .claim_notices_on(Some(channel), now, lease, PER_CHANNEL)
                .await?;
            let room = PER_CHANNEL.saturating_sub(u32::try_from(notices.len()).unwrap_or(0));
            let links = if channel == NoticeChannel::Sms && room > 0 {
                self.store.claim_link_sms(now, lease, room).await?
            } else {
                Vec::new()
            };
            if notices.is_empty() && links.is_empty() {
                return Ok(pass);
            }
            let mut sending = tokio::task::JoinSet::new();
            for notice in notices {
                let worker = self.clone();
                sending.spawn(async move { worker.deliver(&notice).await });
            }
            for link in links {
                let worker = self.clone();
                sending.spawn(async move { worker.deliver_link(&link).await });
            }
            let mut failure = None;
            while let Some(done) = sending.join_next().await {
                match done {
                    Ok(Ok(outcome)) => pass.count(outcome),
                    Ok(Err(e)) => failure = Some(e),
                    Err(e) => tracing::error!(error = %e, "notification task ended abnormally"),
                }
            }
            if let Some(e) = failure {
                return Err(e);
            }
        }
    }

    /// Delivers one web link SMS (issue 6, A15): the same provider, retry
    /// and usage rules as booking notices.
    async fn deliver_link(&self, link: &ClaimedLinkSms) -> Result<Outcome, WorkerError> {
        let store = &self.store;
        let end = |status: NoticeStatus, reason: &str| {
            let reason = reason.to_owned();
            async move {
                store
                    .link_sms_given_up(link.id, status, &redact(&reason))
                    .await?;
                tracing::info!(
                    link_sms = link.id,
                    call = link.call_id.0,
                    status = status.as_str(),
                    "web link sms not delivered"
                );
                Ok::<_, WorkerError>(Outcome::Ended(status))
            }
        };
        if self.delivery.sms.is_none() {
            return end(NoticeStatus::Undeliverable, SMS_NOT_CONFIGURED).await;
        }
        let Some(public_url) = self.public_url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return end(NoticeStatus::Failed, SITE_URL_NOT_CONFIGURED).await;
        };
        let Some(phone) = PhoneNumber::parse(&link.phone)
            .ok()
            .filter(PhoneNumber::is_mobile)
        else {
            return end(
                NoticeStatus::Failed,
                "電話番号が携帯電話ではないためSMSを送れません",
            )
            .await;
        };
        let settings = store.settings().await?;
        let templates = current_templates(store, NoticeEvent::WebLink).await?;
        let values = Values::without_booking(&settings, Some(public_url));
        let body = match templates::check_for(NoticeEvent::WebLink, &templates.sms_body)
            .and_then(|()| templates::render(&templates.sms_body, &values))
        {
            Ok(body) => body,
            Err(_) => return end(NoticeStatus::Failed, "テンプレートが正しくありません").await,
        };
        let segments = templates::sms_length(&body).segments;
        let sms = OutgoingSms {
            to: phone.e164(),
            body,
        };
        let result = self.provider_send_sms(&sms).await;
        let now = self.clock.now();
        match result {
            Ok(accepted) => {
                let day = now.with_timezone(&madoguchi_core::JST).date_naive();
                store
                    .link_sms_sent(link.id, now, day, accepted.provider_id.as_deref(), segments)
                    .await?;
                tracing::info!(
                    link_sms = link.id,
                    call = link.call_id.0,
                    segments,
                    "web link sms sent"
                );
                Ok(Outcome::Sent)
            }
            Err(SendError::Temporary(reason)) if link.attempts < self.policy.max_attempts => {
                let delay = self.policy.delay(link.attempts, rand::random::<f64>());
                let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
                store
                    .link_sms_retry(link.id, next, &redact(&reason))
                    .await?;
                tracing::warn!(
                    link_sms = link.id,
                    attempts = link.attempts,
                    retry_in_s = delay.as_secs(),
                    "web link sms failed for now; will retry"
                );
                Ok(Outcome::Retry)
            }
            Err(SendError::Temporary(reason)) => {
                end(
                    NoticeStatus::Failed,
                    &format!("{}回試しても送れませんでした: {reason}", link.attempts),
                )
                .await
            }
            Err(SendError::Permanent(reason)) => end(NoticeStatus::Failed, &reason).await,
        }
    }

    /// The day-before reminders: from the configured time of day on, every
    /// active booking of tomorrow gets one (once; the store ignores repeats).
    async fn queue_reminders(&self) -> Result<u64, WorkerError> {
        let now = self.clock.now();
        {
            let mut last = self
                .reminders_checked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if last.is_some_and(|at| (now - at).abs() < chrono::Duration::seconds(60)) {
                return Ok(0);
            }
            *last = Some(now);
        }
        let settings = NotifySettings::load(&self.store).await?;
        let now = now.with_timezone(&madoguchi_core::JST);
        if !settings.reminders_enabled || !settings.reminder_due(now.time()) {
            return Ok(0);
        }
        let Some(tomorrow) = now.date_naive().succ_opt() else {
            return Ok(0);
        };
        let queued = self.store.queue_reminders(tomorrow, now.to_utc()).await?;
        if queued > 0 {
            tracing::info!(queued, %tomorrow, "day-before reminders queued");
        }
        Ok(queued)
    }

    async fn deliver(&self, notice: &ClaimedNotice) -> Result<Outcome, WorkerError> {
        let store = &self.store;
        let end = |status: NoticeStatus, reason: String| async move {
            store
                .notice_given_up(notice.id, status, &redact(&reason))
                .await?;
            tracing::info!(
                message = notice.id,
                event = notice.event.as_str(),
                channel = notice.channel.as_str(),
                status = status.as_str(),
                "notification not delivered"
            );
            Ok::<_, WorkerError>(Outcome::Ended(status))
        };
        let booking = match store.get_booking(notice.booking_id).await {
            Ok(b) => b,
            Err(BookingError::NotFound) => {
                return end(NoticeStatus::Skipped, "予約がありません".to_owned()).await;
            }
            Err(BookingError::Store(e)) => return Err(e.into()),
            Err(other) => return Err(StoreError::Corrupt(other.to_string()).into()),
        };
        if notice.event == NoticeEvent::Reminder && booking.status != BookingStatus::Booked {
            return end(
                NoticeStatus::Skipped,
                "予約が取り消されたため送りません".to_owned(),
            )
            .await;
        }
        let configured = match notice.channel {
            NoticeChannel::Sms => self.delivery.sms.is_some(),
            NoticeChannel::Email => self.delivery.email.is_some(),
        };
        if !configured {
            let reason = match notice.channel {
                NoticeChannel::Sms => SMS_NOT_CONFIGURED,
                NoticeChannel::Email => EMAIL_NOT_CONFIGURED,
            };
            return end(NoticeStatus::Undeliverable, reason.to_owned()).await;
        }
        let settings = store.settings().await?;
        let Some(venue) = store.find_venue(booking.venue_id).await? else {
            return end(NoticeStatus::Failed, "会場がありません".to_owned()).await;
        };
        let values = Values::for_booking(&booking, &venue, &settings, self.public_url.as_deref());
        let templates = current_templates(store, notice.event).await?;
        let render = |t: &str| templates::render(t, &values);
        let result = match notice.channel {
            NoticeChannel::Sms => {
                let phone = &booking.applicant.phone;
                if !phone.is_mobile() {
                    return end(
                        NoticeStatus::Failed,
                        "電話番号が携帯電話ではないためSMSを送れません".to_owned(),
                    )
                    .await;
                }
                let Ok(body) = render(&templates.sms_body) else {
                    return end(
                        NoticeStatus::Failed,
                        "テンプレートが正しくありません".to_owned(),
                    )
                    .await;
                };
                let segments = templates::sms_length(&body).segments;
                let sms = OutgoingSms {
                    to: phone.e164(),
                    body,
                };
                self.provider_send_sms(&sms).await.map(|a| (a, segments))
            }
            NoticeChannel::Email => {
                let Some(address) = &booking.applicant.email else {
                    return end(
                        NoticeStatus::Failed,
                        "メールアドレスが登録されていません".to_owned(),
                    )
                    .await;
                };
                let (Ok(subject), Ok(body)) = (
                    render(&templates.email_subject),
                    render(&templates.email_body),
                ) else {
                    return end(
                        NoticeStatus::Failed,
                        "テンプレートが正しくありません".to_owned(),
                    )
                    .await;
                };
                let email = OutgoingEmail {
                    to: address.as_str().to_owned(),
                    subject: subject.replace(['\r', '\n'], " "),
                    body,
                };
                self.provider_send_email(&email).await.map(|a| (a, 0))
            }
        };
        let now = self.clock.now();
        match result {
            Ok((accepted, segments)) => {
                let day = now.with_timezone(&madoguchi_core::JST).date_naive();
                store
                    .notice_sent(
                        notice.id,
                        now,
                        day,
                        accepted.provider_id.as_deref(),
                        segments,
                    )
                    .await?;
                tracing::info!(
                    message = notice.id,
                    event = notice.event.as_str(),
                    channel = notice.channel.as_str(),
                    segments,
                    "notification sent"
                );
                Ok(Outcome::Sent)
            }
            Err(SendError::Temporary(reason)) if notice.attempts < self.policy.max_attempts => {
                let delay = self.policy.delay(notice.attempts, rand::random::<f64>());
                let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
                store
                    .notice_retry(notice.id, next, &redact(&reason))
                    .await?;
                tracing::warn!(
                    message = notice.id,
                    channel = notice.channel.as_str(),
                    attempts = notice.attempts,
                    retry_in_s = delay.as_secs(),
                    "notification failed for now; will retry"
                );
                Ok(Outcome::Retry)
            }
            Err(SendError::Temporary(reason)) => {
                end(
                    NoticeStatus::Failed,
                    format!("{}回試しても送れませんでした: {reason}", notice.attempts),
                )
                .await
            }
            Err(SendError::Permanent(reason)) => end(NoticeStatus::Failed, reason).await,
        }
    }

    async fn provider_send_sms(
        &self,
        sms: &OutgoingSms,
    ) -> Result<crate::providers::Accepted, SendError> {
        match &self.delivery.sms {
            Some(p) => self.within_timeout(p.send(sms)).await,
            None => Err(SendError::Permanent(SMS_NOT_CONFIGURED.to_owned())),
        }
    }

    async fn provider_send_email(
        &self,
        email: &OutgoingEmail,
    ) -> Result<crate::providers::Accepted, SendError> {
        match &self.delivery.email {
            Some(p) => self.within_timeout(p.send(email)).await,
            None => Err(SendError::Permanent(EMAIL_NOT_CONFIGURED.to_owned())),
        }
    }

    /// A provider call cut off after `send_timeout` (a temporary failure:
    /// the provider may still deliver, as after any timeout).
    async fn within_timeout(
        &self,
        send: crate::providers::BoxFuture<'_, Result<crate::providers::Accepted, SendError>>,
    ) -> Result<crate::providers::Accepted, SendError> {
        tokio::time::timeout(self.policy.send_timeout, send)
            .await
            .unwrap_or_else(|_| Err(SendError::Temporary("timeout".to_owned())))
    }
}

/// The templates of `event` in force: the newest saved version, else the
/// built-in defaults.
pub async fn current_templates(
    store: &Store,
    event: NoticeEvent,
) -> Result<EventTemplates, StoreError> {
    Ok(match store.notify_template(event).await? {
        Some(saved) => EventTemplates {
            sms_body: saved.sms_body,
            email_subject: saved.email_subject,
            email_body: saved.email_body,
        },
        None => templates::default_templates(event),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, 0.999_999).as_secs(), 29);
        assert_eq!(p.delay(1, 0.0), Duration::from_secs(15));
        assert_eq!(p.delay(2, 0.0), Duration::from_secs(30));
        assert_eq!(p.delay(3, 0.0), Duration::from_secs(60));
        assert_eq!(p.delay(20, 0.0), Duration::from_secs(1800));
        assert_eq!(p.delay(20, 1.0), Duration::from_secs(3600));
    }
}
