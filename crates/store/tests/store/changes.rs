//! Changing and cancelling bookings.

use crate::fixtures::{
    at, book, booked, day, now, one_slot, phone, slots, thursday, venue, weekdays,
};
use crate::harness::TestDb;
use madoguchi_core::booking::{BookingStatus, Channel};
use madoguchi_core::reservation_no::ReservationNo;
use madoguchi_store::{Actor, BookingError};

on_both_backends! {
    #[tokio::test]
    changing_a_booking_moves_its_seats_and_records_an_event,
    changing_to_a_full_slot_is_refused_and_the_booking_stays_where_it_was,
    cancelling_frees_the_seats_and_a_second_cancel_is_refused_as_not_active,
    cancelling_or_changing_after_the_cutoff_is_refused_as_too_late,
}

async fn changing_a_booking_moves_its_seats_and_records_an_event(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let honcho = venue(store, "honcho", 1).await?;
    let from = slots(
        store,
        honcho,
        &weekdays(600, 630, 30, 4, 0),
        thursday(),
        thursday(),
    )
    .await?[0]
        .clone();
    let to = one_slot(store, "bisai", day(2026, 12, 4), 4, 0).await?;
    let mobile = "090-1234-5678";
    let booking = book(store, from.id, 3, mobile, Channel::Web, now()).await?;
    assert_eq!(booked(store, from.id).await?, 3);

    let later = at("2026-11-27T09:00:00+09:00");
    let changed = store
        .change(
            &booking.reservation_no,
            &phone(mobile),
            to.id,
            &Actor::Citizen,
            Channel::Web,
            later,
        )
        .await?;

    assert_eq!(changed.id, booking.id);
    assert_eq!(
        changed.reservation_no, booking.reservation_no,
        "the number stays"
    );
    assert_eq!((changed.slot_id, changed.venue_id), (to.id, to.venue_id));
    assert_eq!(
        (changed.slot_date, changed.start_min, changed.end_min),
        (day(2026, 12, 4), 600, 630)
    );
    assert_eq!(changed.applicant, booking.applicant);
    assert_eq!(changed.status, BookingStatus::Booked);
    assert_eq!((changed.created_at, changed.updated_at), (now(), later));
    assert_eq!(booked(store, from.id).await?, 0, "old seats freed");
    assert_eq!(booked(store, to.id).await?, 3, "new seats taken");
    assert!(store.bookings_in_slot(from.id).await?.is_empty());
    assert_eq!(store.bookings_in_slot(to.id).await?, vec![changed.clone()]);
    assert_eq!(
        store
            .find_booking(&booking.reservation_no, &phone(mobile))
            .await?,
        Some(changed)
    );

    let events = store.booking_events(booking.id).await?;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["booked", "changed"]);
    assert_eq!(events[1].at, later);
    assert_eq!(events[1].actor, "citizen");
    assert_eq!(
        events[1].detail,
        serde_json::json!({ "from_slot_id": from.id.0, "to_slot_id": to.id.0 })
    );

    // Staff move it back; the history names the account.
    store
        .change(
            &booking.reservation_no,
            &phone(mobile),
            from.id,
            &Actor::Staff("tanaka".to_owned()),
            Channel::Staff,
            later,
        )
        .await?;
    assert_eq!(
        (booked(store, from.id).await?, booked(store, to.id).await?),
        (3, 0)
    );
    let events = store.booking_events(booking.id).await?;
    assert_eq!(events.len(), 3);
    assert_eq!(events[2].actor, "staff:tanaka");

    // "Changing" to the slot it is in changes nothing.
    let same = store
        .change(
            &booking.reservation_no,
            &phone(mobile),
            from.id,
            &Actor::Citizen,
            Channel::Web,
            later,
        )
        .await?;
    assert_eq!(same.slot_id, from.id);
    assert_eq!(booked(store, from.id).await?, 3);
    assert_eq!(store.booking_events(booking.id).await?.len(), 3);

    // A wrong phone finds nothing to change.
    let refused = store
        .change(
            &booking.reservation_no,
            &phone("090-9999-9999"),
            to.id,
            &Actor::Citizen,
            Channel::Web,
            later,
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, BookingError::NotFound), "{refused:?}");
    assert_eq!(
        (booked(store, from.id).await?, booked(store, to.id).await?),
        (3, 0)
    );
    Ok(())
}

async fn changing_to_a_full_slot_is_refused_and_the_booking_stays_where_it_was(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let venue = venue(store, "honcho", 1).await?;
    let two = slots(
        store,
        venue,
        &weekdays(600, 660, 30, 3, 0),
        thursday(),
        thursday(),
    )
    .await?;
    let (from, to) = (&two[0], &two[1]);
    let mobile = "090-1234-5678";
    let booking = book(store, from.id, 2, mobile, Channel::Web, now()).await?;
    // The target has one seat left: too few for a party of two.
    book(store, to.id, 2, "090-0000-0001", Channel::Web, now()).await?;

    let refused = store
        .change(
            &booking.reservation_no,
            &phone(mobile),
            to.id,
            &Actor::Citizen,
            Channel::Web,
            now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, BookingError::Full), "{refused:?}");

    let stayed = store
        .find_booking(&booking.reservation_no, &phone(mobile))
        .await?;
    assert_eq!(
        stayed.as_ref(),
        Some(&booking),
        "unchanged, updated_at included"
    );
    assert_eq!(booked(store, from.id).await?, 2);
    assert_eq!(booked(store, to.id).await?, 2);
    let actions: Vec<String> = store
        .booking_events(booking.id)
        .await?
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["booked"]);

    // A slot that is completely full refuses as well.
    book(store, to.id, 1, "090-0000-0002", Channel::Web, now()).await?;
    let refused = store
        .change(
            &booking.reservation_no,
            &phone(mobile),
            to.id,
            &Actor::Phone,
            Channel::Phone,
            now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, BookingError::Full), "{refused:?}");
    assert_eq!(
        (booked(store, from.id).await?, booked(store, to.id).await?),
        (2, 3)
    );
    crate::fixtures::assert_seats_consistent(store).await
}

async fn cancelling_frees_the_seats_and_a_second_cancel_is_refused_as_not_active(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 4, 0).await?;
    let other = one_slot(store, "bisai", thursday(), 4, 0).await?;
    let mobile = "090-1234-5678";
    let booking = book(store, slot.id, 3, mobile, Channel::Web, now()).await?;
    let kept = book(store, slot.id, 1, "090-0000-0001", Channel::Web, now()).await?;
    assert_eq!(booked(store, slot.id).await?, 4);

    let later = at("2026-11-26T12:00:00+09:00");
    let cancelled = store
        .cancel(
            &booking.reservation_no,
            &phone(mobile),
            &Actor::Citizen,
            later,
        )
        .await?;
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert_eq!(cancelled.updated_at, later);
    assert_eq!(booked(store, slot.id).await?, 1);

    // Still found, as cancelled; the other booking is untouched.
    let found = store
        .find_booking(&booking.reservation_no, &phone(mobile))
        .await?;
    assert_eq!(found.map(|b| b.status), Some(BookingStatus::Cancelled));
    let kept_now = store
        .find_booking(&kept.reservation_no, &phone("090-0000-0001"))
        .await?;
    assert_eq!(kept_now, Some(kept));

    // Neither a second cancel nor a change revives it or frees seats again.
    let again = store
        .cancel(
            &booking.reservation_no,
            &phone(mobile),
            &Actor::Citizen,
            later,
        )
        .await
        .unwrap_err();
    assert!(matches!(again, BookingError::NotActive), "{again:?}");
    let change = store
        .change(
            &booking.reservation_no,
            &phone(mobile),
            other.id,
            &Actor::Citizen,
            Channel::Web,
            later,
        )
        .await
        .unwrap_err();
    assert!(matches!(change, BookingError::NotActive), "{change:?}");
    assert_eq!(
        (
            booked(store, slot.id).await?,
            booked(store, other.id).await?
        ),
        (1, 0)
    );

    let events = store.booking_events(booking.id).await?;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["booked", "cancelled"]);
    assert_eq!(events[1].at, later);

    // The freed seats can be booked again.
    book(store, slot.id, 3, "090-0000-0002", Channel::Web, later).await?;
    assert_eq!(booked(store, slot.id).await?, 4);
    crate::fixtures::assert_seats_consistent(store).await
}

async fn cancelling_or_changing_after_the_cutoff_is_refused_as_too_late(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    // Friday 11-27: changes close at 17:00 on Thursday 11-26.
    let slot = one_slot(store, "honcho", day(2026, 11, 27), 4, 0).await?;
    let other = one_slot(store, "bisai", thursday(), 4, 0).await?;
    let mobile = "090-1234-5678";
    let booking = book(store, slot.id, 2, mobile, Channel::Web, now()).await?;
    let number: &ReservationNo = &booking.reservation_no;

    let cutoff = at("2026-11-26T17:00:00+09:00");
    for when in [cutoff, at("2026-11-27T09:00:00+09:00")] {
        let cancel = store
            .cancel(number, &phone(mobile), &Actor::Citizen, when)
            .await
            .unwrap_err();
        assert!(
            matches!(cancel, BookingError::TooLate),
            "{when}: {cancel:?}"
        );
        let change = store
            .change(
                number,
                &phone(mobile),
                other.id,
                &Actor::Citizen,
                Channel::Web,
                when,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(change, BookingError::TooLate),
            "{when}: {change:?}"
        );
    }
    let still = store.find_booking(number, &phone(mobile)).await?;
    assert_eq!(still.as_ref(), Some(&booking));
    assert_eq!(
        (
            booked(store, slot.id).await?,
            booked(store, other.id).await?
        ),
        (2, 0)
    );

    // A second before the cut-off it still works.
    let just_before = at("2026-11-26T16:59:59+09:00");
    let cancelled = store
        .cancel(number, &phone(mobile), &Actor::Citizen, just_before)
        .await?;
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert_eq!(booked(store, slot.id).await?, 0);
    Ok(())
}
