//! Seat holds for phone callers: a held seat cannot be taken by another
//! booking, expires by itself, and is consumed once by the phone booking.

use crate::fixtures::{applicant, book, booked, mobile, now, one_slot, reload, thursday};
use crate::harness::TestDb;
use chrono::Duration;
use madoguchi_core::booking::Channel;
use madoguchi_store::{Actor, BookingError, NewBooking};

on_both_backends! {
    #[tokio::test]
    a_held_seat_cannot_be_taken_by_a_web_booking_until_the_hold_expires,
    a_hold_is_consumed_once_by_the_phone_booking,
    a_released_hold_frees_the_seat_at_once,
    holds_never_exceed_the_seats_left,
    a_phone_booking_whose_hold_expired_still_books_if_there_is_room,
}

fn phone_booking(slot: madoguchi_core::ids::SlotId, party: u8, n: usize) -> NewBooking {
    NewBooking {
        slot_id: slot,
        applicant: applicant(party, &mobile(n)),
        channel: Channel::Phone,
        request_key: None,
    }
}

async fn a_held_seat_cannot_be_taken_by_a_web_booking_until_the_hold_expires(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "a", thursday(), 1, 0).await?;
    let hold = store
        .hold_seats(slot.id, 1, now(), Duration::minutes(5))
        .await?
        .expect("the free seat can be held");
    assert_eq!(store.held_seats(slot.id).await?, 1);
    // The calendar shows the held seat as taken.
    let policy = store.settings().await?.seats;
    let left = store
        .remaining_by_day(thursday(), thursday(), &policy, Channel::Web, now())
        .await?;
    assert_eq!(left.iter().map(|(_, _, n)| *n).sum::<i64>(), 0, "{left:?}");
    // Web and phone alike find the slot full while the seat is held.
    let web = book(store, slot.id, 1, &mobile(1), Channel::Web, now()).await;
    assert!(matches!(web, Err(BookingError::Full)), "{web:?}");
    let other = book(
        store,
        slot.id,
        1,
        &mobile(2),
        Channel::Phone,
        now() + Duration::minutes(4),
    )
    .await;
    assert!(matches!(other, Err(BookingError::Full)), "{other:?}");
    assert!(
        store
            .hold_seats(slot.id, 1, now(), Duration::minutes(5))
            .await?
            .is_none()
    );
    // After expiry, the next booking releases the hold and takes the seat.
    let later = now() + Duration::minutes(6);
    book(store, slot.id, 1, &mobile(3), Channel::Web, later).await?;
    let stored = reload(store, slot.id).await?;
    assert_eq!((stored.booked, store.held_seats(slot.id).await?), (1, 0));
    // The caller whose hold expired is told the slot is full.
    let late = store
        .book_held(
            Some(hold.id),
            &phone_booking(slot.id, 1, 4),
            &Actor::Phone,
            false,
            later,
        )
        .await;
    assert!(matches!(late, Err(BookingError::Full)), "{late:?}");
    assert_eq!(booked(store, slot.id).await?, 1);
    Ok(())
}

async fn a_hold_is_consumed_once_by_the_phone_booking(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "a", thursday(), 2, 0).await?;
    let hold = store
        .hold_seats(slot.id, 2, now(), Duration::minutes(5))
        .await?
        .expect("two free seats can be held");
    let booking = store
        .book_held(
            Some(hold.id),
            &phone_booking(slot.id, 2, 1),
            &Actor::Phone,
            false,
            now(),
        )
        .await?;
    assert_eq!(booking.channel, Channel::Phone);
    let stored = reload(store, slot.id).await?;
    assert_eq!((stored.booked, store.held_seats(slot.id).await?), (2, 0));
    // The same hold cannot book again: the slot is full.
    let again = store
        .book_held(
            Some(hold.id),
            &phone_booking(slot.id, 1, 2),
            &Actor::Phone,
            false,
            now(),
        )
        .await;
    assert!(matches!(again, Err(BookingError::Full)), "{again:?}");
    assert_eq!(booked(store, slot.id).await?, 2);
    let audit = store.seat_audit().await?;
    assert!(
        audit.iter().all(|(_, booked, sum)| booked == sum),
        "{audit:?}"
    );
    Ok(())
}

async fn a_released_hold_frees_the_seat_at_once(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "a", thursday(), 1, 0).await?;
    let hold = store
        .hold_seats(slot.id, 1, now(), Duration::minutes(5))
        .await?
        .expect("held");
    store.release_hold(hold.id).await?;
    store.release_hold(hold.id).await?;
    assert_eq!(store.held_seats(slot.id).await?, 0);
    book(store, slot.id, 1, &mobile(1), Channel::Web, now()).await?;
    Ok(())
}

async fn holds_never_exceed_the_seats_left(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "a", thursday(), 3, 0).await?;
    book(store, slot.id, 1, &mobile(1), Channel::Web, now()).await?;
    assert!(
        store
            .hold_seats(slot.id, 3, now(), Duration::minutes(5))
            .await?
            .is_none()
    );
    let a = store
        .hold_seats(slot.id, 1, now(), Duration::minutes(5))
        .await?;
    let b = store
        .hold_seats(slot.id, 1, now(), Duration::minutes(5))
        .await?;
    let c = store
        .hold_seats(slot.id, 1, now(), Duration::minutes(5))
        .await?;
    assert!(a.is_some() && b.is_some() && c.is_none());
    let stored = reload(store, slot.id).await?;
    assert_eq!(
        stored.booked + store.held_seats(slot.id).await?,
        stored.capacity
    );
    Ok(())
}

async fn a_phone_booking_whose_hold_expired_still_books_if_there_is_room(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "a", thursday(), 2, 0).await?;
    let hold = store
        .hold_seats(slot.id, 1, now(), Duration::minutes(5))
        .await?
        .expect("held");
    let later = now() + Duration::minutes(30);
    // Someone else's expired hold was released meanwhile.
    let other = store
        .hold_seats(slot.id, 2, later, Duration::minutes(5))
        .await?;
    assert!(
        other.is_some(),
        "the expired hold was released to make room"
    );
    if let Some(other) = other {
        store.release_hold(other.id).await?;
    }
    store
        .book_held(
            Some(hold.id),
            &phone_booking(slot.id, 1, 1),
            &Actor::Phone,
            false,
            later,
        )
        .await?;
    let stored = reload(store, slot.id).await?;
    assert_eq!((stored.booked, store.held_seats(slot.id).await?), (1, 0));
    Ok(())
}
