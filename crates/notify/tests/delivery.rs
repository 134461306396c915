//! Delivery when a provider is slow or hangs: the other channel and the
//! rest of the queue keep moving, and two instances sharing one PostgreSQL
//! database send each message exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Utc};
use common::{NOW, instant, world, world_with_capacity};
use madoguchi_core::Clock;
use madoguchi_notify::providers::{
    Accepted, BoxFuture, EmailProvider, OutgoingEmail, OutgoingSms, SendError, SmsProvider,
};
use madoguchi_notify::{Delivery, RetryPolicy, Worker};
use madoguchi_store::{NoticeChannel, NoticeStatus, Store};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An SMS provider that never answers.
struct Hanging;

impl SmsProvider for Hanging {
    fn send<'a>(&'a self, _: &'a OutgoingSms) -> BoxFuture<'a, Result<Accepted, SendError>> {
        Box::pin(std::future::pending())
    }
}

/// A provider that takes `delay` per message and records each recipient
/// with the time it was accepted.
#[derive(Clone, Default)]
struct Slow {
    delay: Duration,
    accepted: Arc<Mutex<Vec<(String, Instant)>>>,
}

impl Slow {
    fn accept<'a>(&'a self, to: &'a str) -> BoxFuture<'a, Result<Accepted, SendError>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            self.accepted
                .lock()
                .unwrap()
                .push((to.to_owned(), Instant::now()));
            Ok(Accepted { provider_id: None })
        })
    }
}

impl SmsProvider for Slow {
    fn send<'a>(&'a self, sms: &'a OutgoingSms) -> BoxFuture<'a, Result<Accepted, SendError>> {
        self.accept(&sms.to)
    }
}

impl EmailProvider for Slow {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> BoxFuture<'a, Result<Accepted, SendError>> {
        self.accept(&email.to)
    }
}

/// Japan time moving with the wall clock from a fixed start, so that
/// leases run out as they would in production.
struct Running {
    from: DateTime<Utc>,
    started: Instant,
}

impl Clock for Running {
    fn now(&self) -> DateTime<Utc> {
        self.from + chrono::Duration::from_std(self.started.elapsed()).unwrap()
    }
}

fn policy(send_timeout: Duration, lease: Duration) -> RetryPolicy {
    RetryPolicy {
        send_timeout,
        lease,
        ..RetryPolicy::default()
    }
}

#[tokio::test]
async fn a_hanging_sms_provider_holds_up_neither_email_nor_the_queue() {
    let w = world().await;
    for n in 0..2 {
        w.book(
            "both",
            &format!("090-1000-000{n}"),
            &format!("p{n}@example.jp"),
        )
        .await;
    }
    let email = Slow::default();
    let delivery = Delivery {
        sms: Some(Arc::new(Hanging)),
        email: Some(Arc::new(email.clone())),
    };
    let worker = Worker::new(
        w.store.clone(),
        w.clock.clone(),
        delivery,
        Some("https://yoyaku.example.jp".to_owned()),
        policy(Duration::from_secs(2), Duration::from_secs(300)),
    );
    let started = Instant::now();
    let pass = tokio::time::timeout(Duration::from_secs(20), worker.run_once())
        .await
        .expect("a pass ends although the SMS provider never answers")
        .unwrap();
    assert_eq!((pass.sent, pass.retrying), (2, 2), "{pass:?}");
    let accepted = email.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), 2);
    for (to, at) in &accepted {
        assert!(
            at.duration_since(started) < Duration::from_secs(1),
            "the email to {to} waited {:?} behind the SMS",
            at.duration_since(started)
        );
    }
    // The hanging SMS are queued again for later, marked as timed out.
    let mut waiting = 0;
    for booking in w.store.search_bookings(&Default::default()).await.unwrap() {
        for m in w.store.notices_for_booking(booking.id).await.unwrap() {
            if m.channel == NoticeChannel::Sms {
                assert_eq!(m.status, NoticeStatus::Queued);
                assert_eq!(m.last_error.as_deref(), Some("timeout"));
                waiting += 1;
            }
        }
    }
    assert_eq!(waiting, 2);
}

#[tokio::test]
async fn two_instances_on_one_postgresql_send_each_message_exactly_once() {
    let Some(db) = TestPostgres::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let w = world_with_capacity(&db.url, dir, 40).await;
    for n in 0..20 {
        w.book(
            "both",
            &format!("090-2000-{n:04}"),
            &format!("p{n}@example.jp"),
        )
        .await;
    }
    let provider = Slow {
        delay: Duration::from_millis(300),
        ..Slow::default()
    };
    let delivery = Delivery {
        sms: Some(Arc::new(provider.clone())),
        email: Some(Arc::new(provider.clone())),
    };
    let clock = Arc::new(Running {
        from: instant(NOW),
        started: Instant::now(),
    });
    // A lease far shorter than a batch sent one by one would need.
    let policy = policy(Duration::from_millis(800), Duration::from_millis(800));
    let other = Store::connect(&db.url).await.unwrap();
    let workers = [w.store.clone(), other.clone()].map(|store| {
        Worker::new(
            store,
            clock.clone(),
            delivery.clone(),
            Some("https://yoyaku.example.jp".to_owned()),
            policy,
        )
    });
    let (a, b) = tokio::join!(workers[0].run_once(), workers[1].run_once());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 40, "{a:?} {b:?}");
    let accepted = provider.accepted.lock().unwrap().clone();
    let mut recipients: Vec<&str> = accepted.iter().map(|(to, _)| to.as_str()).collect();
    recipients.sort_unstable();
    let sent = recipients.len();
    recipients.dedup();
    assert_eq!(
        sent, 40,
        "each of the 40 messages reached the provider once"
    );
    assert_eq!(recipients.len(), 40);
    other.close().await;
    w.store.close().await;
    db.drop().await;
}

/// A database of its own on the test server, or `None` when
/// `MADOGUCHI_SKIP_POSTGRES=1`.
struct TestPostgres {
    admin: String,
    name: String,
    url: String,
}

impl TestPostgres {
    async fn create() -> Option<Self> {
        if std::env::var("MADOGUCHI_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
            eprintln!("skipped: MADOGUCHI_SKIP_POSTGRES=1");
            return None;
        }
        let base = std::env::var("MADOGUCHI_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
        let base = base.trim_end_matches('/').to_owned();
        let name = format!("madoguchi_n_{:016x}", rand::random::<u64>());
        let admin = format!("{base}/postgres");
        Self::run(&admin, &format!("CREATE DATABASE {name}")).await;
        Some(Self {
            url: format!("{base}/{name}"),
            admin,
            name,
        })
    }

    async fn run(admin: &str, sql: &str) {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }

    async fn drop(self) {
        Self::run(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        )
        .await;
    }
}
