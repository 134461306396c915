//! Taking seats: what is stored, and when a booking is refused.

use crate::fixtures::{at, book, booked, now, one_slot, phone, thursday, today};
use crate::harness::TestDb;
use madoguchi_core::booking::{ApplicantForm, BookingStatus, Channel, Notify};
use madoguchi_core::capacity::SeatPolicy;
use madoguchi_core::reservation_no::ReservationNo;
use madoguchi_store::{Actor, BookingError, NewBooking};

on_both_backends! {
    #[tokio::test]
    booking_a_slot_takes_its_seats_and_reads_back_with_every_field,
    finding_a_booking_needs_the_right_phone_number,
    booking_a_full_slot_is_refused_and_stores_nothing,
    a_party_larger_than_the_seats_left_is_refused,
    web_cannot_take_seats_kept_for_phone_until_they_are_released_but_phone_can,
}

async fn booking_a_slot_takes_its_seats_and_reads_back_with_every_field(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 5, 0).await?;
    let applicant = ApplicantForm {
        party_size: "２".to_owned(),
        name: " 一宮　太郎 ".to_owned(),
        name_kana: "いちのみや たろう".to_owned(),
        birth_date: "昭和35年4月1日".to_owned(),
        phone: "０９０－１２３４－５６７８".to_owned(),
        email: "Taro@Example.JP".to_owned(),
        notify: "both".to_owned(),
    }
    .validate(today())
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let new = NewBooking {
        slot_id: slot.id,
        applicant: applicant.clone(),
        channel: Channel::Web,
        request_key: None,
    };

    let booking = store.book(&new, &Actor::Citizen, now()).await?;

    let number = booking.reservation_no.as_str();
    assert_eq!(number.len(), 8);
    assert!(number.bytes().all(|b| b.is_ascii_digit()), "{number}");
    assert_eq!(
        ReservationNo::parse(number)?,
        booking.reservation_no,
        "the check digit holds"
    );
    assert_eq!(booking.venue_id, slot.venue_id);
    assert_eq!(booking.slot_id, slot.id);
    assert_eq!(
        (booking.slot_date, booking.start_min, booking.end_min),
        (thursday(), 600, 630)
    );
    assert_eq!(booking.applicant, applicant);
    assert_eq!(booking.applicant.party_size.get(), 2);
    assert_eq!(booking.applicant.name.as_str(), "一宮\u{3000}太郎");
    assert_eq!(
        booking.applicant.name_kana.as_str(),
        "イチノミヤ\u{3000}タロウ"
    );
    assert_eq!(
        booking.applicant.birth_date.date(),
        crate::fixtures::day(1960, 4, 1)
    );
    assert_eq!(booking.applicant.phone.as_str(), "09012345678");
    assert_eq!(
        booking.applicant.email.as_ref().map(|e| e.as_str()),
        Some("Taro@example.jp")
    );
    assert_eq!(booking.applicant.notify, Notify::Both);
    assert_eq!(booking.channel, Channel::Web);
    assert_eq!(booking.status, BookingStatus::Booked);
    assert_eq!((booking.created_at, booking.updated_at), (now(), now()));

    // Read back by number and phone, and in the slot's list.
    let found = store
        .find_booking(&booking.reservation_no, &phone("090-1234-5678"))
        .await?;
    assert_eq!(found.as_ref(), Some(&booking));
    assert_eq!(
        store.bookings_in_slot(slot.id).await?,
        vec![booking.clone()]
    );
    assert_eq!(store.get_booking(booking.id).await?, booking);

    // Two seats gone.
    assert_eq!(booked(store, slot.id).await?, 2);
    let policy = SeatPolicy::default();
    let left = crate::fixtures::reload(store, slot.id).await?;
    assert_eq!(policy.remaining(&left.seats(), Channel::Web, now()), 3);
    let by_day = store
        .remaining_by_day(thursday(), thursday(), &policy, Channel::Web, now())
        .await?;
    assert_eq!(by_day, vec![(slot.venue_id, thursday(), 3)]);

    // The history says who booked, when and where.
    let events = store.booking_events(booking.id).await?;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].at, now());
    assert_eq!(events[0].actor, "citizen");
    assert_eq!(events[0].action, "booked");
    assert_eq!(
        events[0].detail,
        serde_json::json!({ "slot_id": slot.id.0, "channel": "web" })
    );

    // A second booking draws another number.
    let other = book(store, slot.id, 1, "080-1111-2222", Channel::Phone, now()).await?;
    assert_ne!(other.reservation_no, booking.reservation_no);
    assert_eq!(other.channel, Channel::Phone);
    assert_eq!(store.booking_events(other.id).await?[0].actor, "phone");
    assert_eq!(booked(store, slot.id).await?, 3);
    Ok(())
}

async fn finding_a_booking_needs_the_right_phone_number(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 5, 0).await?;
    let booking = book(store, slot.id, 1, "090-1234-5678", Channel::Web, now()).await?;
    let number = &booking.reservation_no;

    // However the phone is typed, it is the same number.
    for typed in [
        "09012345678",
        "090 1234 5678",
        "+81 90-1234-5678",
        "０９０ー１２３４ー５６７８",
    ] {
        let found = store.find_booking(number, &phone(typed)).await?;
        assert_eq!(found.map(|b| b.id), Some(booking.id), "typed as {typed}");
    }
    // The grouped form read out over the phone is the same number.
    let grouped = ReservationNo::parse(&number.display_grouped())?;
    assert!(
        store
            .find_booking(&grouped, &phone("09012345678"))
            .await?
            .is_some()
    );

    // A wrong phone and an unknown number look the same: nothing.
    assert_eq!(
        store.find_booking(number, &phone("090-1234-5679")).await?,
        None
    );
    assert_eq!(
        store.find_booking(number, &phone("0586-28-9131")).await?,
        None
    );
    let unknown = ReservationNo::generate(&mut rand::rng());
    if &unknown != number {
        assert_eq!(
            store.find_booking(&unknown, &phone("09012345678")).await?,
            None
        );
    }
    // Nor can it be cancelled with the wrong phone.
    let refused = store
        .cancel(number, &phone("090-1234-5679"), &Actor::Citizen, now())
        .await
        .unwrap_err();
    assert!(matches!(refused, BookingError::NotFound), "{refused:?}");
    assert_eq!(booked(store, slot.id).await?, 1);
    Ok(())
}

async fn booking_a_full_slot_is_refused_and_stores_nothing(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 3, 0).await?;
    let first = book(store, slot.id, 3, "090-0000-0001", Channel::Web, now()).await?;
    assert_eq!(booked(store, slot.id).await?, 3);

    for channel in [Channel::Web, Channel::Phone, Channel::Staff] {
        let refused = book(store, slot.id, 1, "090-0000-0002", channel, now())
            .await
            .unwrap_err();
        assert!(
            matches!(refused, BookingError::Full),
            "{channel}: {refused:?}"
        );
    }

    assert_eq!(booked(store, slot.id).await?, 3);
    assert_eq!(store.bookings_in_slot(slot.id).await?, vec![first]);
    assert_eq!(store.seat_audit().await?, vec![(slot.id, 3, 3)]);
    Ok(())
}

async fn a_party_larger_than_the_seats_left_is_refused(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 4, 0).await?;
    book(store, slot.id, 2, "090-0000-0001", Channel::Web, now()).await?;

    for party in [3, 4] {
        let refused = book(store, slot.id, party, "090-0000-0002", Channel::Web, now())
            .await
            .unwrap_err();
        assert!(
            matches!(refused, BookingError::Full),
            "party of {party}: {refused:?}"
        );
    }
    assert_eq!(booked(store, slot.id).await?, 2);
    assert_eq!(store.bookings_in_slot(slot.id).await?.len(), 1);

    // Exactly the seats left fit.
    book(store, slot.id, 2, "090-0000-0003", Channel::Web, now()).await?;
    assert_eq!(booked(store, slot.id).await?, 4);
    Ok(())
}

async fn web_cannot_take_seats_kept_for_phone_until_they_are_released_but_phone_can(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    // Thursday 12-03 10:00, 4 seats, 2 kept for phone. With the default
    // policy they are released two days before: Tuesday 12-01 10:00.
    let slot = one_slot(store, "honcho", thursday(), 4, 2).await?;
    let policy = SeatPolicy::default();
    assert_eq!(
        policy.release_at(slot.starts_at),
        at("2026-12-01T10:00:00+09:00")
    );
    let web_left =
        |when| store.remaining_by_day(thursday(), thursday(), &policy, Channel::Web, when);
    assert_eq!(web_left(now()).await?, vec![(slot.venue_id, thursday(), 2)]);

    // Web can have the two open seats, not a third.
    let refused = book(store, slot.id, 3, "090-0000-0001", Channel::Web, now())
        .await
        .unwrap_err();
    assert!(matches!(refused, BookingError::Full), "{refused:?}");
    book(store, slot.id, 2, "090-0000-0001", Channel::Web, now()).await?;
    let refused = book(store, slot.id, 1, "090-0000-0002", Channel::Web, now())
        .await
        .unwrap_err();
    assert!(matches!(refused, BookingError::Full), "{refused:?}");
    assert_eq!(web_left(now()).await?, vec![(slot.venue_id, thursday(), 0)]);

    // The phone line can take a kept seat.
    book(store, slot.id, 1, "090-0000-0003", Channel::Phone, now()).await?;
    assert_eq!(booked(store, slot.id).await?, 3);

    // Just before the release web still cannot; from the release on it can.
    let before = at("2026-12-01T09:59:00+09:00");
    let refused = book(store, slot.id, 1, "090-0000-0004", Channel::Web, before)
        .await
        .unwrap_err();
    assert!(matches!(refused, BookingError::Full), "{refused:?}");
    let released = at("2026-12-01T10:00:00+09:00");
    assert_eq!(
        web_left(released).await?,
        vec![(slot.venue_id, thursday(), 1)]
    );
    book(store, slot.id, 1, "090-0000-0004", Channel::Web, released).await?;
    assert_eq!(booked(store, slot.id).await?, 4);

    // Now the slot is full for everyone.
    let refused = book(store, slot.id, 1, "090-0000-0005", Channel::Phone, released)
        .await
        .unwrap_err();
    assert!(matches!(refused, BookingError::Full), "{refused:?}");
    Ok(())
}
