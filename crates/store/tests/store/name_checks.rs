//! The "name to check" mark the phone agent leaves for staff.

use crate::fixtures::{applicant, book, day, mobile, now, slots, venue, weekdays};
use crate::harness::TestDb;
use madoguchi_core::booking::Channel;
use madoguchi_store::{Actor, NewBooking};

on_both_backends! {
    #[tokio::test]
    a_name_marked_for_checking_is_written_with_its_booking_listed_until_cleared_and_purged_with_it,
}

async fn a_name_marked_for_checking_is_written_with_its_booking_listed_until_cleared_and_purged_with_it(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let honcho = venue(store, "honcho", 1).await?;
    let made = slots(
        store,
        honcho,
        &weekdays(600, 630, 30, 4, 0),
        day(2026, 11, 26),
        day(2026, 12, 3),
    )
    .await?;
    let first = made.first().unwrap().id;
    let phone_booking = |n| NewBooking {
        slot_id: first,
        applicant: applicant(1, &mobile(n)),
        channel: Channel::Phone,
        request_key: None,
    };
    let before = store.write_counts().transactions;
    let unsure = store
        .book_held(None, &phone_booking(1), &Actor::Phone, true, now())
        .await?;
    // The mark is part of the booking's own transaction: never a booking
    // without its mark after a crash, never a mark without its booking.
    assert_eq!(store.write_counts().transactions - before, 1);
    let heard = store
        .book_held(None, &phone_booking(2), &Actor::Phone, false, now())
        .await?;
    let web = book(store, first, 1, "090-0000-0003", Channel::Web, now()).await?;
    let all = [unsure.id, heard.id, web.id];
    let marked = store.names_to_check(&all).await?;
    assert_eq!(marked.into_iter().collect::<Vec<_>>(), [unsure.id]);
    assert!(store.names_to_check(&[]).await?.is_empty());
    store.clear_name_to_check(unsure.id).await?;
    assert!(store.names_to_check(&all).await?.is_empty());
    // Purged with its booking.
    let again = store
        .book_held(None, &phone_booking(4), &Actor::Phone, true, now())
        .await?;
    assert_eq!(store.names_to_check(&[again.id]).await?.len(), 1);
    store.purge_bookings_before(day(2026, 12, 31)).await?;
    assert!(store.names_to_check(&[again.id]).await?.is_empty());
    Ok(())
}
