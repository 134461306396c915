//! The access log's hash chain: sealed entries verify; an entry edited or
//! deleted behind the store's back is reported at its number; the retention
//! purge leaves an anchor verification starts from; concurrent writers still
//! give a chain without gaps.

use crate::fixtures::{applicant, mobile, now, slots, thursday, venue, weekdays};
use crate::harness::TestDb;
use chrono::{DateTime, Duration, Utc};
use madoguchi_core::booking::Channel;
use madoguchi_store::{
    AccessResult, AccessStamp, Actor, BreakKind, ChainKey, ChainReport, NewAccessEntry, NewBooking,
    Store,
};
use sqlx::Connection;

on_both_backends! {
    #[tokio::test]
    the_chain_verifies_after_many_entries_including_those_written_with_bookings,
    an_edited_entry_is_reported_at_its_number,
    a_deleted_entry_is_reported_at_its_number,
    the_purge_leaves_an_anchor_and_the_rest_still_verifies,
    a_moved_anchor_or_another_key_is_reported,
}

on_both_backends! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    concurrent_writers_and_sealers_give_a_chain_without_gaps,
}

fn key() -> ChainKey {
    ChainKey::derive(b"a deployment secret of 32+ bytes, for tests").unwrap()
}

fn entry(n: usize, at: DateTime<Utc>) -> NewAccessEntry {
    NewAccessEntry {
        at,
        actor: format!("staff:{}", n % 7),
        function: "admin.booking.view".to_owned(),
        target: format!("booking:{n}"),
        client_ip: "192.0.2.1".to_owned(),
        result: AccessResult::Ok,
    }
}

async fn verify(store: &Store) -> anyhow::Result<ChainReport> {
    Ok(store
        .verify_access_log(&key(), now(), Duration::minutes(10))
        .await?)
}

/// Runs `sql` on the database directly, as someone with access to the
/// database (not through the store) would.
async fn tamper(db: &TestDb, sql: &str) -> anyhow::Result<()> {
    if db.target.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(&db.target).await?;
        sqlx::query(sql).execute(&mut c).await?;
        c.close().await?;
    } else {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.target)).await?;
        sqlx::query(sql).execute(&mut c).await?;
        c.close().await?;
    }
    Ok(())
}

/// One number read directly from the database.
async fn number(db: &TestDb, sql: &str) -> anyhow::Result<i64> {
    let (n,): (i64,) = if db.target.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(&db.target).await?;
        sqlx::query_as(sql).fetch_one(&mut c).await?
    } else {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.target)).await?;
        sqlx::query_as(sql).fetch_one(&mut c).await?
    };
    Ok(n)
}

async fn record(store: &Store, count: usize, at: DateTime<Utc>) -> anyhow::Result<()> {
    for n in 0..count {
        store.record_access(&entry(n, at)).await?;
    }
    Ok(())
}

async fn the_chain_verifies_after_many_entries_including_those_written_with_bookings(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let venue = venue(store, "honcho", 1).await?;
    let slots = slots(
        store,
        venue,
        &weekdays(540, 600, 30, 20, 0),
        thursday(),
        thursday(),
    )
    .await?;
    let stamp = AccessStamp {
        actor: "citizen".to_owned(),
        function: "booking.create".to_owned(),
        client_ip: "198.51.100.7".to_owned(),
    };
    record(store, 150, now()).await?;
    // Sealed in two runs: the second continues the first's chain.
    assert_eq!(store.seal_access_log(&key()).await?, 150);
    for n in 0..10 {
        let new = NewBooking {
            slot_id: slots[n % slots.len()].id,
            applicant: applicant(1, &mobile(n)),
            channel: Channel::Web,
            request_key: None,
        };
        store
            .book_recorded(&new, &Actor::Citizen, Some(&stamp), now())
            .await?;
    }
    record(store, 1_200, now()).await?;

    let report = verify(store).await?;
    assert_eq!(report.broken, None, "{report:?}");
    assert_eq!(report.checked, 1_360);
    assert_eq!(report.sealed_now, 1_210);
    assert_eq!(report.head_seq, 1_360);
    assert_eq!(report.head_hash.len(), 64);
    assert_eq!(
        number(
            &db,
            "SELECT COUNT(*) FROM access_log WHERE function = 'booking.create' AND seq IS NOT NULL"
        )
        .await?,
        10
    );
    Ok(())
}

async fn an_edited_entry_is_reported_at_its_number(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    record(store, 20, now()).await?;
    store.seal_access_log(&key()).await?;
    let id = number(&db, "SELECT id FROM access_log WHERE seq = 7").await?;
    tamper(
        &db,
        "UPDATE access_log SET actor = 'staff:99' WHERE seq = 7",
    )
    .await?;

    let broken = verify(store).await?.broken.expect("the edit is found");
    assert_eq!(broken.kind, BreakKind::Edited);
    assert_eq!(broken.seq, 7);
    assert_eq!(broken.entry_id, Some(id));
    assert_eq!(broken.at, Some(now()));
    Ok(())
}

async fn a_deleted_entry_is_reported_at_its_number(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    record(store, 20, now()).await?;
    store.seal_access_log(&key()).await?;
    let next = number(&db, "SELECT id FROM access_log WHERE seq = 6").await?;
    tamper(&db, "DELETE FROM access_log WHERE seq = 5").await?;

    let broken = verify(store).await?.broken.expect("the deletion is found");
    assert_eq!(broken.kind, BreakKind::Missing);
    assert_eq!(broken.seq, 5);
    assert_eq!(broken.entry_id, Some(next), "the next entry still there");

    // The last entries cut off: the head still names them.
    tamper(&db, "DELETE FROM access_log WHERE seq >= 4").await?;
    let broken = verify(store).await?.broken.expect("the cut is found");
    assert_eq!((broken.kind, broken.seq), (BreakKind::Missing, 4));
    Ok(())
}

async fn the_purge_leaves_an_anchor_and_the_rest_still_verifies(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let (day1, day3) = (now() - Duration::days(3), now() - Duration::days(1));
    record(store, 5, day1).await?;
    record(store, 4, day3).await?;
    // Written late with an old time (PostgreSQL commits out of order): it
    // is sealed after the day-3 entries.
    store.record_access(&entry(99, day1)).await?;

    let cutoff = now() - Duration::days(2);
    assert_eq!(store.purge_access_log_before(cutoff, &key()).await?, 5);
    let report = verify(store).await?;
    assert_eq!(report.broken, None, "{report:?}");
    assert_eq!((report.anchor_seq, report.checked), (5, 5));
    assert_eq!(
        number(&db, "SELECT COUNT(*) FROM access_log").await?,
        5,
        "the late old entry waits, the chain stays whole"
    );

    // Once everything before it is old enough, it goes too.
    assert_eq!(store.purge_access_log_before(now(), &key()).await?, 5);
    record(store, 3, now()).await?;
    let report = verify(store).await?;
    assert_eq!(report.broken, None, "{report:?}");
    assert_eq!(
        (report.anchor_seq, report.checked, report.head_seq),
        (10, 3, 13)
    );

    // A chain already broken is not purged: the evidence stays.
    tamper(
        &db,
        "UPDATE access_log SET actor = 'staff:6' WHERE seq = 11",
    )
    .await?;
    assert!(
        store
            .purge_access_log_before(now() + Duration::days(1), &key())
            .await
            .is_err()
    );
    assert_eq!(number(&db, "SELECT COUNT(*) FROM access_log").await?, 3);
    tamper(
        &db,
        "UPDATE access_log SET actor = 'staff:0' WHERE seq = 11",
    )
    .await?;
    tamper(&db, "DELETE FROM access_log WHERE seq = 12").await?;
    assert!(
        store
            .purge_access_log_before(now() + Duration::days(1), &key())
            .await
            .is_err()
    );
    assert_eq!(number(&db, "SELECT COUNT(*) FROM access_log").await?, 2);
    Ok(())
}

async fn a_moved_anchor_or_another_key_is_reported(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    record(store, 6, now() - Duration::days(3)).await?;
    record(store, 6, now()).await?;
    store
        .purge_access_log_before(now() - Duration::days(1), &key())
        .await?;
    let other = ChainKey::derive(&[9u8; 32])?;
    let broken = store
        .verify_access_log(&other, now(), Duration::minutes(10))
        .await?
        .broken
        .expect("another key is noticed");
    assert_eq!(broken.kind, BreakKind::WrongKey);
    store.record_access(&entry(1, now())).await?;
    assert!(store.seal_access_log(&other).await.is_err());

    // Deleting more and moving the anchor to match needs the key.
    tamper(
        &db,
        "UPDATE access_log_head SET anchor_seq = 8, \
         anchor_hash = (SELECT hash FROM access_log WHERE seq = 8) WHERE id = 1",
    )
    .await?;
    tamper(&db, "DELETE FROM access_log WHERE seq <= 8").await?;
    let broken = verify(store)
        .await?
        .broken
        .expect("the moved anchor is found");
    assert_eq!((broken.kind, broken.seq), (BreakKind::AnchorForged, 8));
    Ok(())
}

async fn concurrent_writers_and_sealers_give_a_chain_without_gaps(
    db: TestDb,
) -> anyhow::Result<()> {
    let other = db.connect_again().await?;
    let mut writers = Vec::new();
    for w in 0..8 {
        let store = if w % 2 == 0 {
            db.store.clone()
        } else {
            other.clone()
        };
        writers.push(tokio::spawn(async move {
            for n in 0..40 {
                store.record_access(&entry(w * 100 + n, now())).await?;
                if n % 10 == 0 {
                    store.seal_access_log(&key()).await?;
                }
            }
            anyhow::Ok(())
        }));
    }
    for writer in writers {
        writer.await??;
    }
    let report = verify(&db.store).await?;
    other.close().await;
    assert_eq!(report.broken, None, "{report:?}");
    assert_eq!((report.checked, report.head_seq), (320, 320));
    assert_eq!(
        number(&db, "SELECT COUNT(DISTINCT seq) FROM access_log").await?,
        320
    );
    Ok(())
}
