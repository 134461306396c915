//! Rehearsal mode's delivery: messages go into the store's sink, with
//! recipient and text as they would have been sent, on SQLite and
//! PostgreSQL; the retention purge deletes them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{World, world, world_on};
use madoguchi_notify::Delivery;
use madoguchi_store::NoticeStatus;

async fn kept_not_sent(w: &World) {
    let booking = w.book("both", "090-1234-5678", "hanako@example.jp").await;
    // The rehearsal's tally of bookings, on this backend too.
    assert_eq!(w.store.active_bookings().await.unwrap(), 1);
    let delivery = Delivery::rehearsal_sink(w.store.clone(), w.clock.clone());
    let pass = w.worker(delivery).run_once().await.unwrap();
    assert_eq!(pass.sent, 2, "{pass:?}");
    // The outbox sees them delivered (nothing retries), with the sink's id.
    for notice in w.store.notices_for_booking(booking.id).await.unwrap() {
        assert_eq!(notice.status, NoticeStatus::Sent, "{notice:?}");
    }
    let kept = w.store.diverted_messages(10).await.unwrap();
    assert_eq!(kept.len(), 2);
    let sms = kept.iter().find(|m| m.channel == "sms").unwrap();
    assert_eq!(sms.recipient, "+819012345678");
    assert!(
        sms.body
            .replace('-', "")
            .contains(booking.reservation_no.as_str()),
        "{}",
        sms.body
    );
    assert!(sms.subject.is_empty());
    let email = kept.iter().find(|m| m.channel == "email").unwrap();
    assert_eq!(email.recipient, "hanako@example.jp");
    assert!(!email.subject.is_empty());
    assert!(email.body.contains("花子"), "{}", email.body);
    assert_eq!(w.store.diverted_counts().await.unwrap(), (1, 1));

    // Kept as long as bookings: the purge deletes what is older.
    let later = w.clock_now() + chrono::Duration::seconds(1);
    assert_eq!(w.store.purge_diverted_before(later).await.unwrap(), 2);
    assert!(w.store.diverted_messages(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn messages_are_kept_in_the_sink_instead_of_sent_on_sqlite() {
    let w = world().await;
    kept_not_sent(&w).await;
}

#[tokio::test]
async fn messages_are_kept_in_the_sink_instead_of_sent_on_postgresql() {
    if std::env::var("MADOGUCHI_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        eprintln!("skipped: MADOGUCHI_SKIP_POSTGRES=1");
        return;
    }
    let base = std::env::var("MADOGUCHI_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
    let base = base.trim_end_matches('/').to_owned();
    let name = format!("madoguchi_r_{:016x}", rand::random::<u64>());
    let admin = format!("{base}/postgres");
    run(&admin, &format!("CREATE DATABASE {name}")).await;
    let w = world_on(&format!("{base}/{name}"), tempfile::tempdir().unwrap()).await;
    kept_not_sent(&w).await;
    w.store.close().await;
    run(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await;
}

async fn run(admin: &str, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    sqlx::query(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}
