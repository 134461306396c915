//! Deleting personal data after the retention period.

use crate::fixtures::{book, cancel, day, now, phone, slots, venue, weekdays};
use crate::harness::TestDb;
use madoguchi_core::booking::Channel;

on_both_backends! {
    #[tokio::test]
    purging_deletes_old_bookings_and_keeps_only_anonymous_counts,
}

async fn purging_deletes_old_bookings_and_keeps_only_anonymous_counts(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let honcho = venue(store, "honcho", 1).await?;
    // Thursday 26th and Friday 27th November, and Thursday 3rd December.
    let made = slots(
        store,
        honcho,
        &weekdays(600, 630, 30, 4, 0),
        day(2026, 11, 26),
        day(2026, 12, 3),
    )
    .await?;
    let on = |d| made.iter().find(|s| s.date == d).map(|s| s.id).unwrap();
    let old_web = book(
        store,
        on(day(2026, 11, 26)),
        2,
        "090-0000-0001",
        Channel::Web,
        now(),
    )
    .await?;
    let old_phone = book(
        store,
        on(day(2026, 11, 27)),
        1,
        "090-0000-0002",
        Channel::Phone,
        now(),
    )
    .await?;
    let old_cancelled = book(
        store,
        on(day(2026, 11, 27)),
        3,
        "090-0000-0003",
        Channel::Web,
        now(),
    )
    .await?;
    cancel(store, &old_cancelled, now()).await?;
    let recent = book(
        store,
        on(day(2026, 12, 3)),
        1,
        "090-0000-0004",
        Channel::Web,
        now(),
    )
    .await?;

    let deleted = store.purge_bookings_before(day(2026, 12, 1)).await?;
    assert_eq!(deleted, 3);

    for gone in [&old_web, &old_phone, &old_cancelled] {
        assert!(
            store
                .find_booking(&gone.reservation_no, &gone.applicant.phone)
                .await?
                .is_none(),
            "{} should be gone",
            gone.reservation_no
        );
        assert!(
            store.booking_events(gone.id).await?.is_empty(),
            "its history goes too"
        );
    }
    let kept = store
        .find_booking(&recent.reservation_no, &phone("090-0000-0004"))
        .await?;
    assert!(kept.is_some(), "a booking still to come is kept");

    let counts = store
        .booking_counts(day(2026, 11, 1), day(2026, 12, 31))
        .await?;
    let summary: Vec<(String, &str, &str, i64, i64)> = counts
        .iter()
        .map(|c| {
            (
                c.day.to_string(),
                c.channel.as_str(),
                c.status.as_str(),
                c.bookings,
                c.seats,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("2026-11-26".to_owned(), "web", "booked", 1, 2),
            ("2026-11-27".to_owned(), "phone", "booked", 1, 1),
            ("2026-11-27".to_owned(), "web", "cancelled", 1, 3),
        ]
    );

    // Purging again deletes nothing and counts nothing twice.
    assert_eq!(store.purge_bookings_before(day(2026, 12, 1)).await?, 0);
    assert_eq!(
        store
            .booking_counts(day(2026, 11, 1), day(2026, 12, 31))
            .await?,
        counts
    );
    Ok(())
}
