//! The seat audit after a mixed sequence of bookings, changes and cancels.

use crate::fixtures::{at, book, cancel, change, now, phone, slots, thursday, venue, weekdays};
use crate::harness::TestDb;
use madoguchi_core::booking::Channel;
use madoguchi_store::{Actor, BookingError};

on_both_backends! {
    #[tokio::test]
    the_seat_audit_matches_active_party_sizes_after_mixed_bookings_changes_and_cancels,
}

async fn the_seat_audit_matches_active_party_sizes_after_mixed_bookings_changes_and_cancels(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let venue = venue(store, "honcho", 1).await?;
    // Three slots of four seats, and a fourth nobody touches.
    let s = slots(
        store,
        venue,
        &weekdays(540, 660, 30, 4, 0),
        thursday(),
        thursday(),
    )
    .await?;
    let (s1, s2, s3) = (s[0].id, s[1].id, s[2].id);
    let later = at("2026-11-27T09:00:00+09:00");

    let a = book(store, s1, 2, "090-0000-0001", Channel::Web, now()).await?;
    let b = book(store, s1, 1, "090-0000-0002", Channel::Phone, now()).await?;
    let c = book(store, s2, 3, "090-0000-0003", Channel::Web, now()).await?;
    // a (2) does not fit in s2 (3 of 4 taken); b (1) does.
    assert!(matches!(
        change(store, &a, s2, later).await,
        Err(BookingError::Full)
    ));
    change(store, &b, s2, later).await?;
    cancel(store, &c, later).await?;
    change(store, &a, s3, later).await?;
    let d = book(store, s1, 4, "090-0000-0004", Channel::Staff, later).await?;
    assert!(matches!(
        book(store, s1, 1, "090-0000-0005", Channel::Web, later).await,
        Err(BookingError::Full)
    ));
    store
        .cancel(
            &d.reservation_no,
            &phone("090-0000-0004"),
            &Actor::Phone,
            later,
        )
        .await?;
    let e = book(store, s1, 2, "090-0000-0005", Channel::Web, later).await?;
    change(store, &e, s2, later).await?;
    assert!(matches!(
        cancel(store, &c, later).await,
        Err(BookingError::NotActive)
    ));

    // s1: nothing left; s2: b (1) + e (2); s3: a (2). s1 appears because
    // it holds (cancelled and moved) bookings.
    let mut audit = store.seat_audit().await?;
    audit.sort();
    assert_eq!(audit, vec![(s1, 0, 0), (s2, 3, 3), (s3, 2, 2)]);
    for (slot, _, seats) in &audit {
        let active: i64 = store
            .bookings_in_slot(*slot)
            .await?
            .iter()
            .filter(|b| b.status == madoguchi_core::booking::BookingStatus::Booked)
            .map(|b| b.applicant.party_size.seats())
            .sum();
        assert_eq!(active, *seats, "slot {slot}");
    }
    Ok(())
}
