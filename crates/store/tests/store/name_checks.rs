//! The "name to check" mark the phone agent leaves for staff.

use crate::fixtures::{book, day, now, slots, venue, weekdays};
use crate::harness::TestDb;
use madoguchi_core::booking::Channel;

on_both_backends! {
    #[tokio::test]
    a_name_marked_for_checking_is_listed_until_cleared_and_goes_with_its_booking,
}

async fn a_name_marked_for_checking_is_listed_until_cleared_and_goes_with_its_booking(
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
    let heard = book(store, first, 1, "090-0000-0001", Channel::Phone, now()).await?;
    let other = book(store, first, 1, "090-0000-0002", Channel::Phone, now()).await?;
    let both = [heard.id, other.id];
    assert!(store.names_to_check(&both).await?.is_empty());
    store.mark_name_to_check(heard.id, now()).await?;
    // Marking twice is harmless.
    store.mark_name_to_check(heard.id, now()).await?;
    let marked = store.names_to_check(&both).await?;
    assert!(marked.contains(&heard.id) && !marked.contains(&other.id));
    assert!(store.names_to_check(&[]).await?.is_empty());
    store.clear_name_to_check(heard.id).await?;
    assert!(store.names_to_check(&both).await?.is_empty());
    // Purged with its booking.
    store.mark_name_to_check(other.id, now()).await?;
    store.purge_bookings_before(day(2026, 12, 31)).await?;
    assert!(store.names_to_check(&both).await?.is_empty());
    Ok(())
}
