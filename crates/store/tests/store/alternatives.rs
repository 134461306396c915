//! Offering other slots when the one asked for is full, and disabled venues.

use crate::fixtures::{book, booked, day, now, slots, thursday, venue};
use crate::harness::TestDb;
use madoguchi_core::booking::Channel;
use madoguchi_core::capacity::SeatPolicy;
use madoguchi_core::ids::VenueId;
use madoguchi_core::schedule::{DayHours, WeeklyTemplate};
use madoguchi_store::{BookingError, FreeSlotQuery, Slot, TimeFilter, VenueFilter};

on_both_backends! {
    #[tokio::test]
    alternatives_offer_the_same_venue_later_then_other_venues_then_earlier_and_skip_full_slots,
    a_disabled_venues_slots_cannot_be_booked_or_offered,
}

/// Thursday and Friday, 9:00 and 10:00, one seat each.
fn two_days_two_slots() -> WeeklyTemplate {
    WeeklyTemplate {
        days: [3, 4]
            .into_iter()
            .map(|weekday| DayHours {
                weekday,
                open_min: 540,
                close_min: 660,
                slot_minutes: 60,
                capacity: 1,
                reserved: 0,
            })
            .collect(),
    }
}

/// (venue, day of December, start minute) of each slot, for readable asserts.
fn keys(slots: &[Slot], a: VenueId) -> Vec<(char, u32, u32)> {
    use chrono::Datelike;
    slots
        .iter()
        .map(|s| {
            (
                if s.venue_id == a { 'A' } else { 'B' },
                s.date.day(),
                s.start_min,
            )
        })
        .collect()
}

async fn alternatives_offer_the_same_venue_later_then_other_venues_then_earlier_and_skip_full_slots(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let a = venue(store, "honcho", 1).await?;
    let b = venue(store, "bisai", 2).await?;
    let (thu, fri) = (thursday(), day(2026, 12, 4));
    let slots_a = slots(store, a, &two_days_two_slots(), thu, fri).await?;
    let slots_b = slots(store, b, &two_days_two_slots(), thu, fri).await?;
    assert_eq!((slots_a.len(), slots_b.len()), (4, 4));
    let find = |slots: &[Slot], date, start| {
        slots
            .iter()
            .find(|s| s.date == date && s.start_min == start)
            .map(|s| s.id)
            .expect("a generated slot")
    };

    // The requested slot (A, Thursday 10:00) is full, and so is B's.
    let requested = find(&slots_a, thu, 600);
    book(store, requested, 1, "090-0000-0001", Channel::Web, now()).await?;
    book(
        store,
        find(&slots_b, thu, 600),
        1,
        "090-0000-0002",
        Channel::Web,
        now(),
    )
    .await?;

    let offer = |count| {
        store.alternatives(
            a,
            (thu, 600),
            1,
            Channel::Web,
            now(),
            Some(requested),
            count,
        )
    };
    // Same venue from the requested time on, then other venues from that
    // time on, then the same venue earlier; full slots never.
    assert_eq!(
        keys(&offer(10).await?, a),
        [
            ('A', 4, 540),
            ('A', 4, 600),
            ('B', 4, 540),
            ('B', 4, 600),
            ('A', 3, 540)
        ]
    );
    assert_eq!(
        keys(&offer(3).await?, a),
        [('A', 4, 540), ('A', 4, 600), ('B', 4, 540)]
    );

    // When A's later slots fill up, other venues come first.
    book(
        store,
        find(&slots_a, fri, 540),
        1,
        "090-0000-0003",
        Channel::Web,
        now(),
    )
    .await?;
    book(
        store,
        find(&slots_a, fri, 600),
        1,
        "090-0000-0004",
        Channel::Web,
        now(),
    )
    .await?;
    assert_eq!(
        keys(&offer(10).await?, a),
        [('B', 4, 540), ('B', 4, 600), ('A', 3, 540)]
    );

    // A party larger than any slot gets nothing.
    let for_two = store
        .alternatives(a, (thu, 600), 2, Channel::Web, now(), Some(requested), 10)
        .await?;
    assert!(for_two.is_empty(), "{for_two:?}");

    // Every offer is bookable as offered.
    for slot in offer(10).await? {
        book(store, slot.id, 1, "090-0000-0005", Channel::Web, now()).await?;
    }
    assert!(offer(10).await?.is_empty());
    Ok(())
}

async fn a_disabled_venues_slots_cannot_be_booked_or_offered(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let a = venue(store, "honcho", 1).await?;
    let b = venue(store, "bisai", 2).await?;
    let slots_a = slots(store, a, &two_days_two_slots(), thursday(), thursday()).await?;
    let slots_b = slots(store, b, &two_days_two_slots(), thursday(), thursday()).await?;
    let mobile = "090-1234-5678";
    let booking = book(store, slots_a[0].id, 1, mobile, Channel::Web, now()).await?;

    store.set_venue_enabled(b, false).await?;
    assert_eq!(
        store
            .venues(false)
            .await?
            .iter()
            .map(|v| v.id)
            .collect::<Vec<_>>(),
        [a]
    );
    assert_eq!(store.venues(true).await?.len(), 2);

    for channel in [Channel::Web, Channel::Phone, Channel::Staff] {
        let refused = book(store, slots_b[0].id, 1, mobile, channel, now())
            .await
            .unwrap_err();
        assert!(
            matches!(refused, BookingError::SlotNotFound),
            "{channel}: {refused:?}"
        );
    }
    let moved = store
        .change(
            &booking.reservation_no,
            &booking.applicant.phone,
            slots_b[1].id,
            &madoguchi_store::Actor::Citizen,
            Channel::Web,
            now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(moved, BookingError::SlotNotFound), "{moved:?}");
    assert_eq!(
        (
            booked(store, slots_b[0].id).await?,
            booked(store, slots_b[1].id).await?
        ),
        (0, 0)
    );
    assert_eq!(booked(store, slots_a[0].id).await?, 1);

    // Not offered either: neither as a free slot nor as an alternative.
    let free = store
        .free_slots(
            FreeSlotQuery {
                first: thursday(),
                last: thursday(),
                seats: 1,
                venue: VenueFilter::Only(b),
                time: TimeFilter::From,
                at: (thursday(), 0),
            },
            &SeatPolicy::default(),
            Channel::Web,
            now(),
            10,
        )
        .await?;
    assert!(free.is_empty(), "{free:?}");
    let offered = store
        .alternatives(
            a,
            (thursday(), 540),
            1,
            Channel::Web,
            now(),
            Some(slots_a[0].id),
            10,
        )
        .await?;
    assert_eq!(keys(&offered, a), [('A', 3, 600)]);

    // Enabled again, it is bookable again.
    store.set_venue_enabled(b, true).await?;
    book(store, slots_b[0].id, 1, mobile, Channel::Web, now()).await?;
    let offered = store
        .alternatives(
            a,
            (thursday(), 540),
            1,
            Channel::Web,
            now(),
            Some(slots_a[0].id),
            10,
        )
        .await?;
    assert_eq!(keys(&offered, a), [('A', 3, 600), ('B', 3, 600)]);
    Ok(())
}
