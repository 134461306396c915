//! The notification outbox: messages owed are written with the booking
//! change, claimed once, retried after a lost lease, never resent once sent.

use crate::fixtures::{book, cancel, change, day, form, now, one_slot, thursday, today};
use crate::harness::TestDb;
use chrono::Duration;
use madoguchi_core::booking::Channel;
use madoguchi_store::{Actor, NewBooking, NoticeChannel, NoticeEvent, NoticeStatus, Store};
use std::collections::HashSet;

on_both_backends! {
    #[tokio::test]
    booking_changes_queue_messages_as_the_resident_chose,
    a_claimed_message_is_retried_after_its_lease_and_never_after_it_is_sent,
    temporary_failures_wait_for_their_next_attempt,
    reminders_are_queued_once_per_booking_and_day,
    purging_a_booking_deletes_its_messages,
    resend_queues_a_new_copy_and_keeps_the_old_one,
}

on_both_backends! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    two_drainers_never_claim_the_same_message,
    a_rush_of_bookings_each_owes_the_messages_its_resident_chose,
}

/// (event, channel, status) of a booking's messages, oldest first.
async fn messages(
    store: &Store,
    booking: madoguchi_core::ids::BookingId,
) -> anyhow::Result<Vec<(NoticeEvent, NoticeChannel, NoticeStatus)>> {
    Ok(store
        .notices_for_booking(booking)
        .await?
        .into_iter()
        .map(|m| (m.event, m.channel, m.status))
        .collect())
}

async fn book_with_email(
    store: &Store,
    slot: madoguchi_core::ids::SlotId,
    notify: &str,
    mobile: &str,
) -> anyhow::Result<madoguchi_core::booking::Booking> {
    let mut f = form(1, mobile);
    f.email = "taro@example.jp".to_owned();
    f.notify = notify.to_owned();
    let applicant = f.validate(today()).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(store
        .book(
            &NewBooking {
                slot_id: slot,
                applicant,
                channel: Channel::Web,
                request_key: None,
            },
            &Actor::Citizen,
            now(),
        )
        .await?)
}

async fn booking_changes_queue_messages_as_the_resident_chose(db: TestDb) -> anyhow::Result<()> {
    use NoticeChannel::{Email, Sms};
    use NoticeEvent::{Booked, Cancelled, Changed};
    use NoticeStatus::Queued;
    let store = &db.store;
    let first = one_slot(store, "honcho", thursday(), 8, 0).await?;
    let second = one_slot(store, "bisai", thursday(), 8, 0).await?;

    let sms_only = book(store, first.id, 1, "090-1111-0001", Channel::Web, now()).await?;
    let both = book_with_email(store, first.id, "both", "090-1111-0002").await?;
    let email_only = book_with_email(store, first.id, "email", "0586-28-9999").await?;
    let by_phone = book(store, first.id, 1, "090-1111-0003", Channel::Phone, now()).await?;
    assert_eq!(messages(store, sms_only.id).await?, [(Booked, Sms, Queued)]);
    assert_eq!(
        messages(store, both.id).await?,
        [(Booked, Sms, Queued), (Booked, Email, Queued)]
    );
    assert_eq!(
        messages(store, email_only.id).await?,
        [(Booked, Email, Queued)]
    );
    assert_eq!(messages(store, by_phone.id).await?, [(Booked, Sms, Queued)]);

    change(store, &both, second.id, now()).await?;
    cancel(store, &sms_only, now()).await?;
    assert_eq!(
        messages(store, both.id).await?,
        [
            (Booked, Sms, Queued),
            (Booked, Email, Queued),
            (Changed, Sms, Queued),
            (Changed, Email, Queued)
        ]
    );
    assert_eq!(
        messages(store, sms_only.id).await?,
        [(Booked, Sms, Queued), (Cancelled, Sms, Queued)]
    );

    // A refused change owes nothing.
    let full = one_slot(store, "kisogawa", thursday(), 1, 0).await?;
    book(store, full.id, 1, "090-1111-0004", Channel::Web, now()).await?;
    assert!(change(store, &by_phone, full.id, now()).await.is_err());
    assert_eq!(messages(store, by_phone.id).await?, [(Booked, Sms, Queued)]);
    Ok(())
}

async fn a_claimed_message_is_retried_after_its_lease_and_never_after_it_is_sent(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 8, 0).await?;
    let booking = book(store, slot.id, 2, "090-1111-0001", Channel::Web, now()).await?;
    let lease = Duration::minutes(5);

    let claimed = store.claim_notices(now(), lease, 10).await?;
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].booking_id, booking.id);
    assert_eq!(claimed[0].event, NoticeEvent::Booked);
    assert_eq!(claimed[0].attempts, 1);
    // Claimed: nobody else gets it while the lease runs.
    assert!(store.claim_notices(now(), lease, 10).await?.is_empty());
    assert!(
        store
            .claim_notices(now() + Duration::minutes(4), lease, 10)
            .await?
            .is_empty()
    );
    // The worker vanished without confirming: after the lease it is claimed again.
    let again = store
        .claim_notices(now() + Duration::minutes(6), lease, 10)
        .await?;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, claimed[0].id);
    assert_eq!(again[0].attempts, 2);

    let sent_at = now() + Duration::minutes(7);
    assert!(
        store
            .notice_sent(again[0].id, sent_at, today(), Some("SM123"), 2)
            .await?
    );
    // Confirming twice counts nothing twice.
    assert!(
        !store
            .notice_sent(again[0].id, sent_at, today(), Some("SM123"), 2)
            .await?
    );
    // Sent: never claimed again, however late.
    assert!(
        store
            .claim_notices(now() + Duration::days(3), lease, 10)
            .await?
            .is_empty()
    );
    let stored = store.notices_for_booking(booking.id).await?;
    assert_eq!(stored[0].status, NoticeStatus::Sent);
    assert_eq!(stored[0].provider_id.as_deref(), Some("SM123"));
    assert_eq!(stored[0].segments, Some(2));
    assert_eq!(stored[0].sent_at, Some(sent_at));
    // Marking a sent message failed does not undo the delivery.
    store
        .notice_given_up(stored[0].id, NoticeStatus::Failed, "late")
        .await?;
    assert_eq!(
        store.notice(stored[0].id).await?.map(|m| m.status),
        Some(NoticeStatus::Sent)
    );

    let usage = store.notify_usage(today(), today()).await?;
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].channel, NoticeChannel::Sms);
    assert_eq!((usage[0].messages, usage[0].segments), (1, 2));
    assert!(store.next_notice_due().await?.is_none());
    Ok(())
}

async fn temporary_failures_wait_for_their_next_attempt(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 8, 0).await?;
    book(store, slot.id, 1, "090-1111-0001", Channel::Web, now()).await?;
    let lease = Duration::minutes(5);
    let claimed = store.claim_notices(now(), lease, 10).await?;
    let next = now() + Duration::seconds(30);
    store.notice_retry(claimed[0].id, next, "HTTP 503").await?;
    let waiting = store.notice(claimed[0].id).await?.unwrap();
    assert_eq!(waiting.status, NoticeStatus::Queued);
    assert_eq!(waiting.last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(store.next_notice_due().await?, Some(next));
    assert!(
        store
            .claim_notices(now() + Duration::seconds(29), lease, 10)
            .await?
            .is_empty()
    );
    let retried = store.claim_notices(next, lease, 10).await?;
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].attempts, 2);
    store
        .notice_given_up(retried[0].id, NoticeStatus::Failed, "21211: invalid To")
        .await?;
    let failed = store.notice(retried[0].id).await?.unwrap();
    assert_eq!(failed.status, NoticeStatus::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("21211: invalid To"));
    assert!(
        store
            .claim_notices(now() + Duration::days(1), lease, 10)
            .await?
            .is_empty()
    );
    Ok(())
}

async fn reminders_are_queued_once_per_booking_and_day(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 8, 0).await?;
    let other_day = one_slot(store, "bisai", day(2026, 12, 4), 8, 0).await?;
    let sms = book(store, slot.id, 1, "090-1111-0001", Channel::Web, now()).await?;
    let both = book_with_email(store, slot.id, "both", "090-1111-0002").await?;
    let gone = book(store, slot.id, 1, "090-1111-0003", Channel::Web, now()).await?;
    cancel(store, &gone, now()).await?;
    book(store, other_day.id, 1, "090-1111-0004", Channel::Web, now()).await?;

    assert_eq!(store.queue_reminders(thursday(), now()).await?, 3);
    // Again (a restart, another instance): nothing more.
    assert_eq!(store.queue_reminders(thursday(), now()).await?, 0);
    let reminders = |m: Vec<madoguchi_store::OutboxMessage>| {
        m.into_iter()
            .filter(|m| m.event == NoticeEvent::Reminder)
            .map(|m| m.channel)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        reminders(store.notices_for_booking(sms.id).await?),
        [NoticeChannel::Sms]
    );
    assert_eq!(
        reminders(store.notices_for_booking(both.id).await?),
        [NoticeChannel::Sms, NoticeChannel::Email]
    );
    assert!(reminders(store.notices_for_booking(gone.id).await?).is_empty());
    Ok(())
}

async fn purging_a_booking_deletes_its_messages(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 8, 0).await?;
    let booking = book(store, slot.id, 1, "090-1111-0001", Channel::Web, now()).await?;
    let claimed = store.claim_notices(now(), Duration::minutes(5), 10).await?;
    store
        .notice_sent(claimed[0].id, now(), today(), Some("SM1"), 1)
        .await?;
    store.queue_reminders(thursday(), now()).await?;
    assert_eq!(store.notices_for_booking(booking.id).await?.len(), 2);
    assert_eq!(store.purge_bookings_before(day(2026, 12, 4)).await?, 1);
    assert!(store.notices_for_booking(booking.id).await?.is_empty());
    assert!(store.notice(claimed[0].id).await?.is_none());
    // The anonymous usage counts stay for the charges.
    assert_eq!(store.notify_usage(today(), today()).await?.len(), 1);
    Ok(())
}

async fn resend_queues_a_new_copy_and_keeps_the_old_one(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 8, 0).await?;
    let booking = book(store, slot.id, 1, "090-1111-0001", Channel::Web, now()).await?;
    let claimed = store.claim_notices(now(), Duration::minutes(5), 10).await?;
    store
        .notice_given_up(claimed[0].id, NoticeStatus::Failed, "21614: not a mobile")
        .await?;
    let copy = store.resend_notice(claimed[0].id, now()).await?.unwrap();
    assert_ne!(copy, claimed[0].id);
    assert!(store.resend_notice(999_999, now()).await?.is_none());
    let all = store.notices_for_booking(booking.id).await?;
    assert_eq!(
        all.iter().map(|m| m.status).collect::<Vec<_>>(),
        [NoticeStatus::Failed, NoticeStatus::Queued]
    );
    assert_eq!(all[1].event, NoticeEvent::Booked);
    assert_eq!(all[1].attempts, 0);
    Ok(())
}

async fn two_drainers_never_claim_the_same_message(db: TestDb) -> anyhow::Result<()> {
    let store = db.store.clone();
    let other = db.connect_again().await?;
    let venue = crate::fixtures::venue(&store, "honcho", 0).await?;
    let made = crate::fixtures::slots(
        &store,
        venue,
        &crate::fixtures::weekdays(540, 1020, 30, 4, 0),
        thursday(),
        thursday(),
    )
    .await?;
    let mut n = 0;
    for slot in &made {
        for _ in 0..3 {
            n += 1;
            book(
                &store,
                slot.id,
                1,
                &crate::fixtures::mobile(n),
                Channel::Phone,
                now(),
            )
            .await?;
        }
    }
    let drain = |s: Store| async move {
        let mut mine = Vec::new();
        loop {
            let claimed = s.claim_notices(now(), Duration::minutes(5), 2).await?;
            if claimed.is_empty() {
                return anyhow::Ok(mine);
            }
            for c in claimed {
                s.notice_sent(c.id, now(), today(), None, 1).await?;
                mine.push(c.id);
            }
        }
    };
    let (a, b, c) = tokio::join!(
        tokio::spawn(drain(store.clone())),
        tokio::spawn(drain(other.clone())),
        tokio::spawn(drain(store.clone())),
    );
    let (a, b, c) = (a??, b??, c??);
    other.close().await;
    let all: Vec<i64> = a.iter().chain(&b).chain(&c).copied().collect();
    let distinct: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), n, "every message claimed once: {all:?}");
    assert_eq!(distinct.len(), n);
    let usage = store.notify_usage(today(), today()).await?;
    assert_eq!(usage[0].messages, i64::try_from(n)?);
    Ok(())
}

/// Bookings made at once share one group-commit batch on SQLite, whose
/// confirmations are queued in one statement: each booking still owes
/// exactly what its resident chose, no more, no less.
async fn a_rush_of_bookings_each_owes_the_messages_its_resident_chose(
    db: TestDb,
) -> anyhow::Result<()> {
    use NoticeChannel::{Email, Sms};
    use NoticeEvent::Booked;
    use NoticeStatus::Queued;
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 64, 0).await?;
    let choices = ["sms", "email", "both"];
    let mut rush = tokio::task::JoinSet::new();
    for n in 0..48 {
        let store = store.clone();
        let notify = choices[n % 3];
        let mobile = format!("090-2222-{n:04}");
        rush.spawn(async move {
            let booking = book_with_email(&store, slot.id, notify, &mobile).await?;
            anyhow::Ok((notify, booking.id))
        });
    }
    let mut made = Vec::new();
    while let Some(done) = rush.join_next().await {
        made.push(done??);
    }
    assert_eq!(made.len(), 48);
    for (notify, id) in made {
        let expected: &[_] = match notify {
            "sms" => &[(Booked, Sms, Queued)],
            "email" => &[(Booked, Email, Queued)],
            _ => &[(Booked, Sms, Queued), (Booked, Email, Queued)],
        };
        assert_eq!(messages(store, id).await?, expected, "{notify}");
    }
    Ok(())
}
