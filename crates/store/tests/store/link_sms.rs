//! The SMS with the web booking link (issue 6, A15): queued with the call
//! turn, once per call, capped per number, delivered like the outbox,
//! purged with the call.

use crate::fixtures::now;
use crate::harness::TestDb;
use chrono::{DateTime, Duration, Utc};
use madoguchi_store::{CallId, CallTurn, LinkSmsQueued, NewCall, NoticeStatus, Store};

on_both_backends! {
    #[tokio::test]
    a_link_is_queued_once_per_call_and_capped_per_number_per_day,
    a_link_is_claimed_once_sent_once_counted_and_purged_with_its_call,
}

on_both_backends! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    calls_at_once_from_one_number_never_pass_the_cap,
}

const A: &str = "+819011112222";
const B: &str = "+819033334444";

async fn call(store: &Store, at: DateTime<Utc>) -> anyhow::Result<CallId> {
    Ok(store
        .start_call(
            &NewCall {
                kind: "voice".into(),
                caller_id: Some("09011112222".into()),
                scenario_version: None,
                dry_run: false,
            },
            at,
        )
        .await?)
}

fn turn(seq: i64, at: DateTime<Utc>) -> CallTurn {
    CallTurn {
        seq,
        at,
        state: "sms_offer".into(),
        prompt_id: "sms_link_sent".into(),
        prompt_text: "SMSをお送りしました。".into(),
        caller_input: "はい".into(),
        understood: "yes".into(),
        outcome: "failed".into(),
    }
}

async fn a_link_is_queued_once_per_call_and_capped_per_number_per_day(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let first = call(store, now()).await?;
    let queued = accept_link(store, first, &turn(1, now()), A, now()).await?;
    let LinkSmsQueued::Queued(id) = queued else {
        panic!("not queued: {queued:?}");
    };
    // The turn went in with it.
    assert_eq!(store.call_turns(first).await?.len(), 1);
    assert_eq!(store.find_call(first).await?.map(|c| c.turns), Some(1));
    let link = store.link_sms_for_call(first).await?.expect("the link");
    assert_eq!(
        (link.id, link.phone.as_str(), link.status, link.attempts),
        (id, A, NoticeStatus::Queued, 0)
    );
    assert_eq!(link.next_attempt_at, now());
    // A second accept in the same call queues nothing, and the turn is still kept.
    assert_eq!(
        accept_link(store, first, &turn(2, now()), A, now()).await?,
        LinkSmsQueued::AlreadyQueued
    );
    assert_eq!(store.call_turns(first).await?.len(), 2);
    assert_eq!(
        store.queue_link_sms(first, A, 3, now()).await?,
        LinkSmsQueued::AlreadyQueued
    );
    // Two more calls from the number within the day: allowed up to 3 ...
    for minutes in [10, 20] {
        let at = now() + Duration::minutes(minutes);
        let c = call(store, at).await?;
        assert!(matches!(
            store.queue_link_sms(c, A, 3, at).await?,
            LinkSmsQueued::Queued(_)
        ));
    }
    // ... the fourth within 24 hours is refused, another number is not.
    let at = now() + Duration::hours(23);
    let fourth = call(store, at).await?;
    assert_eq!(
        accept_link(store, fourth, &turn(1, at), A, at).await?,
        LinkSmsQueued::CapReached
    );
    assert_eq!(store.call_turns(fourth).await?.len(), 1);
    assert_eq!(store.link_sms_for_call(fourth).await?, None);
    assert!(matches!(
        store.queue_link_sms(fourth, B, 3, at).await?,
        LinkSmsQueued::Queued(_)
    ));
    // A day after the first, one slot is free again.
    let later = now() + Duration::hours(24) + Duration::minutes(1);
    let fifth = call(store, later).await?;
    assert!(matches!(
        store.queue_link_sms(fifth, A, 3, later).await?,
        LinkSmsQueued::Queued(_)
    ));
    let sixth = call(store, later).await?;
    assert_eq!(
        store.queue_link_sms(sixth, A, 3, later).await?,
        LinkSmsQueued::CapReached
    );
    Ok(())
}

async fn a_link_is_claimed_once_sent_once_counted_and_purged_with_its_call(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let c = call(store, now()).await?;
    assert_eq!(store.next_notice_due().await?, None);
    let LinkSmsQueued::Queued(id) = store.queue_link_sms(c, A, 3, now()).await? else {
        panic!("not queued");
    };
    // The worker's sleep takes link messages into account.
    assert_eq!(store.next_notice_due().await?, Some(now()));
    let lease = Duration::minutes(5);
    let claimed = store.claim_link_sms(now(), lease, 10).await?;
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        (claimed[0].id, claimed[0].call_id, claimed[0].phone.as_str()),
        (id, c, A)
    );
    assert_eq!(claimed[0].attempts, 1);
    assert!(store.claim_link_sms(now(), lease, 10).await?.is_empty());
    // A temporary failure: back in the queue for later.
    let retry_at = now() + Duration::minutes(1);
    store.link_sms_retry(id, retry_at, "HTTP 503").await?;
    assert!(store.claim_link_sms(now(), lease, 10).await?.is_empty());
    let again = store.claim_link_sms(retry_at, lease, 10).await?;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    let sent_at = retry_at + Duration::seconds(1);
    let day = sent_at.with_timezone(&madoguchi_core::JST).date_naive();
    assert!(
        store
            .link_sms_sent(id, sent_at, day, Some("SM9"), 2)
            .await?
    );
    assert!(
        !store
            .link_sms_sent(id, sent_at, day, Some("SM9"), 2)
            .await?
    );
    store
        .link_sms_given_up(id, NoticeStatus::Failed, "late")
        .await?;
    let link = store.link_sms(id).await?.expect("the link");
    assert_eq!(link.status, NoticeStatus::Sent);
    assert_eq!(link.provider_id.as_deref(), Some("SM9"));
    assert_eq!(link.segments, Some(2));
    assert_eq!(link.sent_at, Some(sent_at));
    assert_eq!(link.last_error, None);
    assert!(
        store
            .claim_link_sms(now() + Duration::days(2), lease, 10)
            .await?
            .is_empty()
    );
    // Counted once with the SMS charges.
    let usage = store.notify_usage(day, day).await?;
    assert_eq!(usage.len(), 1);
    assert_eq!((usage[0].messages, usage[0].segments), (1, 2));
    // Purged with the call: the number goes with it.
    assert_eq!(
        store
            .purge_calls_before(now() + Duration::seconds(1))
            .await?,
        1
    );
    assert_eq!(store.link_sms(id).await?, None);
    // The anonymous count stays.
    assert_eq!(store.notify_usage(day, day).await?.len(), 1);
    Ok(())
}

/// Two instances (two stores on one database) queue links for eight calls
/// from the same number at once: exactly the cap gets through.
async fn calls_at_once_from_one_number_never_pass_the_cap(db: TestDb) -> anyhow::Result<()> {
    let store = db.store.clone();
    let other = db.connect_again().await?;
    let mut calls = Vec::new();
    for _ in 0..8 {
        calls.push(call(&store, now()).await?);
    }
    let mut tasks = Vec::new();
    for (i, c) in calls.into_iter().enumerate() {
        let s = if i % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        tasks.push(tokio::spawn(async move {
            s.queue_link_sms(c, A, 3, now()).await
        }));
    }
    let mut queued = 0;
    let mut capped = 0;
    for t in tasks {
        match t.await?? {
            LinkSmsQueued::Queued(_) => queued += 1,
            LinkSmsQueued::CapReached => capped += 1,
            LinkSmsQueued::AlreadyQueued => panic!("each call asked once"),
        }
    }
    other.close().await;
    assert_eq!((queued, capped), (3, 5));
    Ok(())
}

/// What the call does when a caller accepts the link: the turn is logged,
/// then the SMS queued.
async fn accept_link(
    store: &madoguchi_store::Store,
    call: madoguchi_store::CallId,
    turn: &madoguchi_store::CallTurn,
    phone: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<LinkSmsQueued> {
    store.record_turn(call, turn).await?;
    Ok(store.queue_link_sms(call, phone, 3, at).await?)
}
