//! Staff operations on schedules and seats: regenerating slots with a
//! preview, date exceptions, bulk capacity changes.

use crate::fixtures::{assert_seats_consistent, book, booked, day, now, venue, weekdays};
use crate::harness::TestDb;
use madoguchi_core::booking::Channel;
use madoguchi_core::operations::{CapacityOp, ConflictKind, DateException, SlotSelection};
use madoguchi_core::schedule::DayHours;
use madoguchi_store::CapacityError;

on_both_backends! {
    #[tokio::test]
    the_preview_lists_new_slots_and_applying_creates_exactly_those,
    regenerating_refuses_to_remove_or_shrink_booked_slots_and_lists_their_bookings,
    a_closed_date_and_special_hours_override_the_template,
    bulk_plus_one_raises_every_slot_of_the_range,
    lowering_below_booked_is_refused_with_the_bookings_and_changes_nothing,
    closing_an_afternoon_leaves_the_morning_open,
}

async fn the_preview_lists_new_slots_and_applying_creates_exactly_those(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let v = venue(store, "honcho", 1).await?;
    // 9:00–10:00: two slots a weekday, 3 seats, 1 kept for the phone.
    store
        .set_weekly_template(v, &weekdays(540, 600, 30, 3, 1))
        .await?;
    // Tuesday 12/1 .. Monday 12/7: five weekdays.
    let (first, last) = (day(2026, 12, 1), day(2026, 12, 7));

    let preview = store.schedule_preview(v, first, last).await?;
    assert_eq!(preview.add.len(), 10);
    assert!(preview.remove.is_empty() && preview.update.is_empty());
    assert!(preview.conflicts.is_empty());
    assert!(
        store.slots_between(v, first, last).await?.is_empty(),
        "a preview changes nothing"
    );

    let applied = store.apply_schedule(v, first, last).await?;
    assert_eq!(
        (applied.added, applied.removed, applied.updated),
        (10, 0, 0)
    );
    let slots = store.slots_between(v, first, last).await?;
    assert_eq!(slots.len(), 10);
    assert!(slots.iter().all(|s| s.capacity == 3 && s.reserved == 1));
    assert!(
        slots.iter().all(|s| s.date != day(2026, 12, 5)),
        "no Saturday"
    );

    let again = store.schedule_preview(v, first, last).await?;
    assert!(again.is_empty(), "nothing left to do: {again:?}");
    assert_eq!(again.unchanged, 10);
    Ok(())
}

async fn regenerating_refuses_to_remove_or_shrink_booked_slots_and_lists_their_bookings(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let v = venue(store, "honcho", 1).await?;
    let (first, last) = (day(2026, 12, 3), day(2026, 12, 4));
    store
        .set_weekly_template(v, &weekdays(540, 630, 30, 3, 0))
        .await?;
    store.apply_schedule(v, first, last).await?;
    let slots = store.slots_between(v, first, last).await?;
    assert_eq!(slots.len(), 6);
    // Thursday 9:00 has 3 booked; Thursday 10:00 has 1.
    let nine = slots[0].clone();
    let ten = slots[2].clone();
    let full = book(store, nine.id, 3, "090-1111-2222", Channel::Web, now()).await?;
    let one = book(store, ten.id, 1, "090-3333-4444", Channel::Web, now()).await?;

    // New template: 9:00–9:30 only, 2 seats.
    store
        .set_weekly_template(v, &weekdays(540, 570, 30, 2, 0))
        .await?;
    let preview = store.schedule_preview(v, first, last).await?;
    assert_eq!(preview.add.len(), 0);
    // Friday 9:00 shrinks from 3 to 2 (no bookings).
    assert_eq!(preview.update.len(), 1);
    // Thursday 9:30, Friday 9:30 and Friday 10:00 go.
    assert_eq!(preview.remove.len(), 3);
    let conflicts: Vec<_> = preview
        .conflicts
        .iter()
        .map(|c| (c.slot.slot_id, c.kind))
        .collect();
    assert_eq!(
        conflicts,
        vec![
            (nine.id.0, ConflictKind::ShrinkBelowBooked { capacity: 2 }),
            (ten.id.0, ConflictKind::RemoveBooked),
        ]
    );
    let listed = store.bookings_in_conflict(&preview.conflicts).await?;
    let numbers: Vec<_> = listed.iter().map(|b| b.reservation_no.as_str()).collect();
    assert_eq!(
        numbers,
        vec![full.reservation_no.as_str(), one.reservation_no.as_str()]
    );

    let applied = store.apply_schedule(v, first, last).await?;
    assert_eq!((applied.added, applied.removed, applied.updated), (0, 3, 1));
    assert_eq!(applied.refused.len(), 2);
    assert_eq!(applied.refused_bookings, listed);
    let after = store.slots_between(v, first, last).await?;
    let kept: Vec<_> = after
        .iter()
        .map(|s| (s.date, s.start_min, s.capacity, s.booked))
        .collect();
    assert_eq!(
        kept,
        vec![
            (day(2026, 12, 3), 540, 3, 3),
            (day(2026, 12, 3), 600, 3, 1),
            (day(2026, 12, 4), 540, 2, 0),
        ]
    );
    assert_seats_consistent(store).await
}

async fn a_closed_date_and_special_hours_override_the_template(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let v = venue(store, "honcho", 1).await?;
    store
        .set_weekly_template(v, &weekdays(540, 600, 30, 2, 0))
        .await?;
    let closed = DateException {
        date: day(2026, 12, 3),
        hours: vec![],
    };
    // Saturday 12/5: 13:00–14:00, 4 seats.
    let saturday = DateException {
        date: day(2026, 12, 5),
        hours: vec![DayHours {
            weekday: 0,
            open_min: 780,
            close_min: 840,
            slot_minutes: 30,
            capacity: 4,
            reserved: 0,
        }],
    };
    store.set_venue_exception(v, &closed).await?;
    store.set_venue_exception(v, &saturday).await?;
    let (first, last) = (day(2026, 12, 3), day(2026, 12, 5));
    assert_eq!(
        store.venue_exceptions(v, first, last).await?,
        vec![closed.clone(), saturday]
    );
    store.apply_schedule(v, first, last).await?;
    let slots: Vec<_> = store
        .slots_between(v, first, last)
        .await?
        .iter()
        .map(|s| (s.date, s.start_min, s.capacity))
        .collect();
    assert_eq!(
        slots,
        vec![
            (day(2026, 12, 4), 540, 2),
            (day(2026, 12, 4), 570, 2),
            (day(2026, 12, 5), 780, 4),
            (day(2026, 12, 5), 810, 4),
        ]
    );
    // Removing the closure brings Thursday back on the next apply.
    assert!(store.remove_venue_exception(v, closed.date).await?);
    let preview = store.schedule_preview(v, first, last).await?;
    assert_eq!(preview.add.len(), 2);
    Ok(())
}

async fn bulk_plus_one_raises_every_slot_of_the_range(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let v = venue(store, "honcho", 1).await?;
    let other = venue(store, "bisai", 2).await?;
    let (first, last) = (day(2026, 12, 1), day(2026, 12, 4));
    for id in [v, other] {
        store
            .set_weekly_template(id, &weekdays(540, 630, 30, 2, 0))
            .await?;
        store.apply_schedule(id, first, last).await?;
    }
    let changed = store
        .change_capacity(
            v,
            SlotSelection::whole_days(day(2026, 12, 2), last),
            CapacityOp::Add(1),
        )
        .await?;
    assert_eq!(changed.slots, 9);
    assert_eq!(changed.capacity, 27);
    let caps: Vec<_> = store
        .slots_between(v, first, last)
        .await?
        .iter()
        .map(|s| s.capacity)
        .collect();
    assert_eq!(caps, vec![2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
    assert!(
        store
            .slots_between(other, first, last)
            .await?
            .iter()
            .all(|s| s.capacity == 2),
        "other venues are untouched"
    );
    Ok(())
}

async fn lowering_below_booked_is_refused_with_the_bookings_and_changes_nothing(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let v = venue(store, "honcho", 1).await?;
    let (first, last) = (day(2026, 12, 3), day(2026, 12, 3));
    store
        .set_weekly_template(v, &weekdays(540, 630, 30, 3, 0))
        .await?;
    store.apply_schedule(v, first, last).await?;
    let slots = store.slots_between(v, first, last).await?;
    let two = book(store, slots[1].id, 2, "090-1111-2222", Channel::Web, now()).await?;

    let refused = store
        .change_capacity(
            v,
            SlotSelection::whole_days(first, last),
            CapacityOp::Set(1),
        )
        .await
        .expect_err("one slot has 2 booked");
    let CapacityError::BelowBooked(bookings) = refused else {
        panic!("expected BelowBooked, got {refused:?}");
    };
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0].reservation_no, two.reservation_no.as_str());
    assert_eq!((bookings[0].start_min, bookings[0].party_size), (570, 2));
    // All or nothing: the free slots kept their 3 seats as well.
    let caps: Vec<_> = store
        .slots_between(v, first, last)
        .await?
        .iter()
        .map(|s| s.capacity)
        .collect();
    assert_eq!(caps, vec![3, 3, 3]);

    // Closing the day is refused the same way.
    assert!(matches!(
        store
            .change_capacity(v, SlotSelection::whole_days(first, last), CapacityOp::Close)
            .await,
        Err(CapacityError::BelowBooked(_))
    ));
    // Down to exactly the booked seats is allowed.
    store
        .change_capacity(
            v,
            SlotSelection::whole_days(first, last),
            CapacityOp::Set(2),
        )
        .await?;
    assert_eq!(booked(store, slots[1].id).await?, 2);
    assert!(matches!(
        store
            .change_capacity(
                v,
                SlotSelection::whole_days(day(2026, 12, 5), day(2026, 12, 6)),
                CapacityOp::Add(1)
            )
            .await,
        Err(CapacityError::NoSlots)
    ));
    assert_seats_consistent(store).await
}

async fn closing_an_afternoon_leaves_the_morning_open(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let v = venue(store, "honcho", 1).await?;
    let date = day(2026, 12, 3);
    store
        .set_weekly_template(v, &weekdays(660, 840, 60, 2, 1))
        .await?;
    store.apply_schedule(v, date, date).await?;
    let changed = store
        .change_capacity(
            v,
            SlotSelection {
                first: date,
                last: date,
                from_min: Some(720),
                to_min: None,
            },
            CapacityOp::Close,
        )
        .await?;
    assert_eq!(changed.slots, 2);
    let seats: Vec<_> = store
        .slots_between(v, date, date)
        .await?
        .iter()
        .map(|s| (s.start_min, s.capacity, s.reserved))
        .collect();
    assert_eq!(seats, vec![(660, 2, 1), (720, 0, 0), (780, 0, 0)]);
    Ok(())
}
