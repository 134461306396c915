//! Group commit for bookings on SQLite.
//!
//! SQLite has one writer at a time and every commit waits for an fsync. One
//! task owns the booking writes: it takes every booking waiting at that
//! moment (up to [`MAX_BATCH`]) and makes them in one transaction, each with
//! its own conditional seat update, so a rush of residents costs one fsync
//! per batch instead of one per booking. A refused booking (no room) changes
//! nothing and does not affect the others in its batch. Under light load a
//! batch holds one booking, and nothing waits.
//!
//! Access-log entries ride along: a booking's entry is written in the
//! booking's own transaction, and any other entry (a look-up, a refusal)
//! joins the next batch instead of costing a transaction of its own.
//!
//! PostgreSQL needs none of this: it commits concurrent transactions in
//! parallel and locks rows, not the database.

use crate::NewAccessEntry;
use crate::StoreError;
use crate::access_log::append_access;
use crate::cache::Cache;
use madoguchi_core::reservation_no::ReservationNo;
use sqlx::sqlite::SqlitePool;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{mpsc, oneshot};

/// Most bookings made in one transaction.
const MAX_BATCH: usize = 64;

/// Attempts at drawing a reservation number not yet taken.
const NUMBER_ATTEMPTS: usize = 10;

/// One booking to make: the seat claim and the row to store.
#[derive(Debug)]
pub(crate) struct Claim {
    pub slot_id: i64,
    pub venue_id: i64,
    pub seats: i64,
    /// Whether seats kept for phone and staff are withheld (web bookings).
    pub withhold: bool,
    /// Kept-back seats are withheld while the slot starts after this instant.
    pub release_after: i64,
    pub name: String,
    pub name_kana: String,
    pub birth_date: chrono::NaiveDate,
    pub phone: String,
    pub email: Option<String>,
    pub notify: &'static str,
    pub channel: &'static str,
    pub request_key: Option<String>,
    pub at: i64,
    pub actor: String,
    /// The access-log entry of the request, written with the booking (its
    /// target is filled in with the booking's id).
    pub access: Option<NewAccessEntry>,
}

#[derive(Debug)]
pub(crate) enum ClaimOutcome {
    Booked {
        id: i64,
        number: ReservationNo,
    },
    /// No room for the party.
    Full,
    /// A booking with the same request key exists already.
    Duplicate,
}

enum Job {
    Book {
        claim: Box<Claim>,
        reply: oneshot::Sender<Result<ClaimOutcome, StoreError>>,
    },
    Log {
        entry: NewAccessEntry,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
}

/// The handle to the booking writer task.
#[derive(Debug, Clone)]
pub(crate) struct GroupCommit {
    jobs: mpsc::Sender<Job>,
    /// Jobs submitted and not yet answered.
    pending: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Job::Book { claim, .. } => f
                .debug_struct("Book")
                .field("slot_id", &claim.slot_id)
                .finish(),
            Job::Log { entry, .. } => f
                .debug_struct("Log")
                .field("function", &entry.function)
                .finish(),
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Open("the booking writer has stopped".to_owned())
}

impl GroupCommit {
    /// Starts the writer on `pool` (the store's single write connection).
    pub fn start(pool: SqlitePool, cache: Arc<Cache>) -> Self {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        let pending = Arc::new(AtomicUsize::new(0));
        tokio::spawn(run(pool, queue, cache, pending.clone()));
        Self { jobs, pending }
    }

    /// Whether bookings (or log entries) are waiting for or in the writer.
    pub fn busy(&self) -> bool {
        self.pending.load(Ordering::Acquire) > 0
    }

    pub async fn submit(&self, claim: Claim) -> Result<ClaimOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Book {
            claim: Box::new(claim),
            reply,
        })
        .await?;
        answer.await.map_err(|_| stopped())?
    }

    /// Appends `entry` to the access log in the next batch.
    pub async fn append_access(&self, entry: NewAccessEntry) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Log { entry, reply }).await?;
        answer.await.map_err(|_| stopped())?
    }

    async fn send(&self, job: Job) -> Result<(), StoreError> {
        self.pending.fetch_add(1, Ordering::AcqRel);
        let sent = self.jobs.send(job).await;
        if sent.is_err() {
            self.pending.fetch_sub(1, Ordering::AcqRel);
        }
        sent.map_err(|_| stopped())
    }
}

async fn run(
    pool: SqlitePool,
    mut queue: mpsc::Receiver<Job>,
    cache: Arc<Cache>,
    pending: Arc<AtomicUsize>,
) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let done = batch.len();
        match commit(&pool, &batch).await {
            Ok(outcomes) => {
                cache.note_batch();
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    answer(job, Ok(outcome));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = batch.len(), "booking batch rolled back");
                for job in batch {
                    answer(job, Err(StoreError::Write(e.to_string())));
                }
            }
        }
        pending.fetch_sub(done, Ordering::AcqRel);
    }
}

/// Tells the requester how its job went. The requester may have gone
/// (client hung up): the booking stands all the same.
fn answer(job: Job, outcome: Result<Option<ClaimOutcome>, StoreError>) {
    match job {
        Job::Book { reply, .. } => {
            let _ = reply.send(outcome.and_then(|o| {
                o.ok_or_else(|| StoreError::Write("a booking without an outcome".to_owned()))
            }));
        }
        Job::Log { reply, .. } => {
            let _ = reply.send(outcome.map(|_| ()));
        }
    }
}

/// Makes every booking of the batch that has room, in one transaction.
async fn commit(
    pool: &SqlitePool,
    batch: &[Job],
) -> Result<Vec<Option<ClaimOutcome>>, sqlx::Error> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut events = Vec::new();
    let mut access = Vec::new();
    for job in batch {
        let c = match job {
            Job::Book { claim, .. } => claim,
            Job::Log { entry, .. } => {
                access.push(entry.clone());
                outcomes.push(None);
                continue;
            }
        };
        let claimed = crate::bookings::claim_seats!(
            &mut *tx,
            c.seats,
            c.withhold,
            c.release_after,
            c.slot_id,
            c.at
        )?;
        if !claimed {
            outcomes.push(Some(ClaimOutcome::Full));
            continue;
        }
        let mut outcome = None;
        for _ in 0..NUMBER_ATTEMPTS {
            let number = ReservationNo::generate(&mut rand::rng());
            // No conflict target: a taken number and a repeated request key
            // both insert nothing, and are told apart below.
            let inserted: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO bookings (reservation_no, venue_id, slot_id, party_size, name, name_kana, birth_date,
                    phone, email, notify, channel, status, request_key, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'booked', $12, $13, $13)
                 ON CONFLICT DO NOTHING
                 RETURNING id",
            )
            .bind(number.as_str())
            .bind(c.venue_id)
            .bind(c.slot_id)
            .bind(c.seats)
            .bind(&c.name)
            .bind(&c.name_kana)
            .bind(c.birth_date)
            .bind(&c.phone)
            .bind(c.email.as_deref())
            .bind(c.notify)
            .bind(c.channel)
            .bind(c.request_key.as_deref())
            .bind(c.at)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((id,)) = inserted {
                events.push((id, c));
                access.extend(c.access.as_ref().map(|e| e.for_booking(id)));
                outcome = Some(ClaimOutcome::Booked { id, number });
                break;
            }
            if let Some(key) = &c.request_key {
                let repeated: Option<(i64,)> =
                    sqlx::query_as("SELECT id FROM bookings WHERE request_key = $1")
                        .bind(key)
                        .fetch_optional(&mut *tx)
                        .await?;
                if repeated.is_some() {
                    outcome = Some(ClaimOutcome::Duplicate);
                    break;
                }
            }
        }
        let outcome = match outcome {
            Some(outcome) => outcome,
            None => {
                return Err(sqlx::Error::Protocol(
                    "no free reservation number found".to_owned(),
                ));
            }
        };
        if matches!(outcome, ClaimOutcome::Duplicate) {
            sqlx::query("UPDATE slots SET booked = booked - $1 WHERE id = $2")
                .bind(c.seats)
                .bind(c.slot_id)
                .execute(&mut *tx)
                .await?;
        }
        outcomes.push(Some(outcome));
    }
    if !events.is_empty() {
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO booking_events (booking_id, at, actor, action, detail) ",
        );
        insert.push_values(&events, |mut row, (id, c)| {
            row.push_bind(*id)
                .push_bind(c.at)
                .push_bind(c.actor.as_str())
                .push_bind("booked")
                .push_bind(
                    serde_json::json!({ "slot_id": c.slot_id, "channel": c.channel }).to_string(),
                );
        });
        insert.build().execute(&mut *tx).await?;
        // The confirmations owed, for the whole batch in one statement (as
        // `outbox::queue_notices!` does for one booking).
        let mut notices = sqlx::QueryBuilder::new(
            "INSERT INTO outbox (booking_id, event, channel, status, next_attempt_at, created_at)
             SELECT id, 'booked', 'sms', 'queued', created_at, created_at FROM bookings
             WHERE notify IN ('sms', 'both') AND id IN ",
        );
        push_ids(&mut notices, events.iter().map(|(id, _)| *id));
        notices.push(
            " UNION ALL
             SELECT id, 'booked', 'email', 'queued', created_at, created_at FROM bookings
             WHERE notify IN ('email', 'both') AND email IS NOT NULL AND id IN ",
        );
        push_ids(&mut notices, events.iter().map(|(id, _)| *id));
        notices.build().execute(&mut *tx).await?;
    }
    append_access!(&mut *tx, &access)?;
    tx.commit().await?;
    Ok(outcomes)
}

/// `(id, id, …)` of the bookings made in a batch.
fn push_ids(query: &mut sqlx::QueryBuilder<'_, sqlx::Sqlite>, ids: impl Iterator<Item = i64>) {
    let mut list = query.separated(", ");
    list.push_unseparated("(");
    for id in ids {
        list.push_bind(id);
    }
    list.push_unseparated(")");
}
