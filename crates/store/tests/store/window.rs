//! The reception window: which days can be booked at a given moment.

use crate::fixtures::{at, book, booked, day, now, slots, venue, weekdays};
use crate::harness::TestDb;
use chrono::NaiveDate;
use madoguchi_core::booking::Channel;
use madoguchi_core::ids::SlotId;
use madoguchi_core::window::DayClosedReason;
use madoguchi_store::{BookingError, Slot};

on_both_backends! {
    #[tokio::test]
    booking_outside_the_reception_window_is_refused_as_not_bookable,
}

fn slot_on(slots: &[Slot], date: NaiveDate) -> SlotId {
    slots
        .iter()
        .find(|s| s.date == date)
        .unwrap_or_else(|| panic!("no slot on {date}"))
        .id
}

async fn booking_outside_the_reception_window_is_refused_as_not_bookable(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let venue = venue(store, "honcho", 0).await?;
    // One 10:00 slot on every working day from today to past the window.
    let slots = slots(
        store,
        venue,
        &weekdays(600, 630, 30, 5, 0),
        day(2026, 11, 25),
        day(2027, 1, 22),
    )
    .await?;

    let refused = |result: Result<_, BookingError>| match result {
        Err(BookingError::NotBookable(reason)) => Some(reason),
        other => {
            eprintln!("expected NotBookable, got {other:?}");
            None
        }
    };

    // Today, Wednesday 11-25, closed at 17:00 yesterday.
    let today = slot_on(&slots, day(2026, 11, 25));
    assert_eq!(
        refused(book(store, today, 1, "090-0000-0001", Channel::Web, now()).await),
        Some(DayClosedReason::Closed)
    );
    // Too far ahead: 8 weeks ahead is 2027-01-20; the 21st is not open yet.
    let too_far = slot_on(&slots, day(2027, 1, 21));
    assert_eq!(
        refused(book(store, too_far, 1, "090-0000-0001", Channel::Web, now()).await),
        Some(DayClosedReason::NotYetOpen)
    );
    book(
        store,
        slot_on(&slots, day(2027, 1, 20)),
        1,
        "090-0000-0001",
        Channel::Web,
        now(),
    )
    .await?;

    // Tomorrow, until 17:00 today and not from then on; phone and staff too.
    let tomorrow = slot_on(&slots, day(2026, 11, 26));
    book(
        store,
        tomorrow,
        1,
        "090-0000-0002",
        Channel::Web,
        at("2026-11-25T16:59:59+09:00"),
    )
    .await?;
    for channel in [Channel::Web, Channel::Phone, Channel::Staff] {
        let result = book(
            store,
            tomorrow,
            1,
            "090-0000-0003",
            channel,
            at("2026-11-25T17:00:00+09:00"),
        )
        .await;
        assert_eq!(refused(result), Some(DayClosedReason::Closed), "{channel}");
    }
    assert_eq!(booked(store, tomorrow).await?, 1);

    // Outside the service period: the city ends the campaign on 12-18.
    let mut settings = (*store.settings().await?).clone();
    settings.period.last_day = day(2026, 12, 18);
    store.save_settings(&settings).await?;
    book(
        store,
        slot_on(&slots, day(2026, 12, 18)),
        1,
        "090-0000-0004",
        Channel::Web,
        now(),
    )
    .await?;
    let after_period = slot_on(&slots, day(2026, 12, 21));
    assert_eq!(
        refused(book(store, after_period, 1, "090-0000-0004", Channel::Web, now()).await),
        Some(DayClosedReason::OutsidePeriod)
    );
    // And before it: the period starts on 12-01.
    settings.period.first_day = day(2026, 12, 1);
    store.save_settings(&settings).await?;
    assert_eq!(
        refused(
            book(
                store,
                slot_on(&slots, day(2026, 11, 30)),
                1,
                "090-0000-0005",
                Channel::Web,
                now()
            )
            .await
        ),
        Some(DayClosedReason::OutsidePeriod)
    );

    // Nothing was stored for the refusals.
    for refused_slot in [today, too_far, after_period] {
        assert_eq!(booked(store, refused_slot).await?, 0);
        assert!(store.bookings_in_slot(refused_slot).await?.is_empty());
    }
    Ok(())
}
