//! Bookings as staff handle them: search, corrections, party size, visits,
//! cancellation, the daily list, and the history of every change.

use crate::fixtures::{
    assert_seats_consistent, at, book, booked, day, now, one_slot, slots, thursday, venue, weekdays,
};
use crate::harness::TestDb;
use madoguchi_core::booking::{BookingStatus, Channel, PartySize};
use madoguchi_core::name::{NameKana, PersonName};
use madoguchi_store::{Actor, BookingError, BookingSearch};

on_both_backends! {
    #[tokio::test]
    search_finds_by_number_phone_kana_venue_and_day,
    party_size_grows_only_with_room_and_shrinking_frees_seats,
    name_corrections_and_every_change_are_in_the_history,
    attended_and_no_show_keep_the_seats_and_cancelled_cannot_be_marked,
    staff_can_cancel_after_the_citizen_cutoff,
    the_daily_list_groups_active_bookings_by_slot,
    purging_removes_corrected_bookings_with_their_history_and_counts_visits,
}

fn staff() -> Actor {
    Actor::Staff("sato".to_owned())
}

async fn search_finds_by_number_phone_kana_venue_and_day(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let a = one_slot(store, "honcho", thursday(), 4, 0).await?;
    let b = one_slot(store, "bisai", day(2026, 12, 4), 4, 0).await?;
    let first = book(store, a.id, 1, "090-1111-2222", Channel::Web, now()).await?;
    let second = book(store, b.id, 2, "080-3333-4444", Channel::Phone, now()).await?;
    let search = |f: fn(&mut BookingSearch)| {
        let mut s = BookingSearch::default();
        f(&mut s);
        s
    };
    let numbers = |found: Vec<madoguchi_core::booking::Booking>| {
        found
            .into_iter()
            .map(|b| b.reservation_no.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    let n1 = first.reservation_no.as_str().to_owned();
    let n2 = second.reservation_no.as_str().to_owned();

    let by_number = BookingSearch {
        reservation_no: Some(n2.clone()),
        ..Default::default()
    };
    assert_eq!(
        numbers(store.search_bookings(&by_number).await?),
        vec![n2.as_str()]
    );
    // Phone: with hyphens or full-width digits, and only the start.
    let by_phone = search(|s| s.phone = Some("０９０－１１１１".to_owned()));
    assert_eq!(
        numbers(store.search_bookings(&by_phone).await?),
        vec![n1.as_str()]
    );
    // Kana: part of the reading, hiragana for katakana, spaces ignored.
    let by_kana = search(|s| s.kana = Some("みやた".to_owned()));
    assert_eq!(
        numbers(store.search_bookings(&by_kana).await?),
        vec![n1.as_str(), n2.as_str()]
    );
    let by_other_kana = search(|s| s.kana = Some("スズキ".to_owned()));
    assert!(store.search_bookings(&by_other_kana).await?.is_empty());
    let mut by_venue_day = BookingSearch {
        venue: Some(b.venue_id),
        date: Some(day(2026, 12, 4)),
        ..Default::default()
    };
    assert_eq!(
        numbers(store.search_bookings(&by_venue_day).await?),
        vec![n2.as_str()]
    );
    by_venue_day.date = Some(thursday());
    assert!(store.search_bookings(&by_venue_day).await?.is_empty());

    // Cancelled bookings only when asked for.
    store.staff_cancel(first.id, &staff(), now()).await?;
    assert_eq!(
        numbers(store.search_bookings(&by_kana).await?),
        vec![n2.as_str()]
    );
    let mut with_cancelled = by_kana.clone();
    with_cancelled.include_cancelled = true;
    assert_eq!(
        numbers(store.search_bookings(&with_cancelled).await?),
        vec![n1.as_str(), n2.as_str()]
    );
    Ok(())
}

async fn party_size_grows_only_with_room_and_shrinking_frees_seats(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    // 4 seats, 1 kept for phone and staff: staff may use it.
    let slot = one_slot(store, "honcho", thursday(), 4, 1).await?;
    let booking = book(store, slot.id, 1, "090-1111-2222", Channel::Web, now()).await?;
    let other = book(store, slot.id, 1, "090-5555-6666", Channel::Web, now()).await?;
    assert_eq!(booked(store, slot.id).await?, 2);

    let four = PartySize::new(4).expect("4 people");
    let refused = store
        .change_party_size(booking.id, four, &staff(), now())
        .await
        .expect_err("only 2 seats are left");
    assert!(matches!(refused, BookingError::Full), "{refused:?}");
    assert_eq!(booked(store, slot.id).await?, 2, "nothing changed");
    assert_eq!(
        store
            .get_booking(booking.id)
            .await?
            .applicant
            .party_size
            .get(),
        1
    );

    // Up to the last seat, the kept-back one included.
    let three = PartySize::new(3).expect("3 people");
    let grown = store
        .change_party_size(booking.id, three, &staff(), now())
        .await?;
    assert_eq!(grown.applicant.party_size.get(), 3);
    assert_eq!(booked(store, slot.id).await?, 4);
    let one = PartySize::new(1).expect("1 person");
    store
        .change_party_size(booking.id, one, &staff(), now())
        .await?;
    assert_eq!(booked(store, slot.id).await?, 2);
    assert_eq!(
        store
            .get_booking(other.id)
            .await?
            .applicant
            .party_size
            .get(),
        1
    );

    let history = store.booking_events(booking.id).await?;
    let sizes: Vec<_> = history
        .iter()
        .filter(|e| e.action == "party_size_changed")
        .map(|e| e.detail["party_size"].clone())
        .collect();
    assert_eq!(
        sizes,
        vec![serde_json::json!([1, 3]), serde_json::json!([3, 1])]
    );
    assert_seats_consistent(store).await
}

async fn name_corrections_and_every_change_are_in_the_history(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let v = venue(store, "honcho", 1).await?;
    let both = slots(
        store,
        v,
        &weekdays(600, 660, 30, 4, 0),
        thursday(),
        thursday(),
    )
    .await?;
    let booking = book(store, both[0].id, 1, "090-1111-2222", Channel::Staff, now()).await?;
    let later = at("2026-11-26T11:00:00+09:00");
    let fixed = store
        .correct_name(
            booking.id,
            &PersonName::parse("一宮 次郎")?,
            &NameKana::parse("いちのみや じろう")?,
            &staff(),
            later,
        )
        .await?;
    assert_eq!(fixed.applicant.name.as_str(), "一宮\u{3000}次郎");
    assert_eq!(fixed.applicant.name_kana.as_str(), "イチノミヤ　ジロウ");
    assert_eq!(fixed.updated_at, later);
    store
        .staff_move(booking.id, both[1].id, &staff(), later)
        .await?;
    store
        .set_visit_status(booking.id, BookingStatus::Attended, &staff(), later)
        .await?;

    let history = store.booking_events(booking.id).await?;
    let actions: Vec<_> = history
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("booked", "staff:tanaka"),
            ("name_corrected", "staff:sato"),
            ("changed", "staff:sato"),
            ("attended", "staff:sato"),
        ]
    );
    assert_eq!(history[1].at, later);
    assert_eq!(
        history[1].detail["name"],
        serde_json::json!(["一宮\u{3000}太郎", "一宮\u{3000}次郎"])
    );
    assert_eq!(
        history[3].detail["status"],
        serde_json::json!(["booked", "attended"])
    );
    Ok(())
}

async fn attended_and_no_show_keep_the_seats_and_cancelled_cannot_be_marked(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 4, 0).await?;
    let came = book(store, slot.id, 2, "090-1111-2222", Channel::Web, now()).await?;
    let missed = book(store, slot.id, 1, "090-3333-4444", Channel::Web, now()).await?;
    let gone = book(store, slot.id, 1, "090-5555-6666", Channel::Web, now()).await?;
    let visit_day = at("2026-12-03T10:20:00+09:00");
    let done = store
        .set_visit_status(came.id, BookingStatus::Attended, &staff(), visit_day)
        .await?;
    assert_eq!(done.status, BookingStatus::Attended);
    let done = store
        .set_visit_status(missed.id, BookingStatus::NoShow, &staff(), visit_day)
        .await?;
    assert_eq!(done.status, BookingStatus::NoShow);
    // A mistake can be undone.
    let undone = store
        .set_visit_status(missed.id, BookingStatus::Booked, &staff(), visit_day)
        .await?;
    assert_eq!(undone.status, BookingStatus::Booked);
    assert_eq!(booked(store, slot.id).await?, 4, "visits keep their seats");

    store.staff_cancel(gone.id, &staff(), now()).await?;
    let refused = store
        .set_visit_status(gone.id, BookingStatus::Attended, &staff(), visit_day)
        .await
        .expect_err("cancelled");
    assert!(matches!(refused, BookingError::NotActive), "{refused:?}");
    // An attended booking cannot be cancelled or resized any more.
    assert!(matches!(
        store.staff_cancel(came.id, &staff(), visit_day).await,
        Err(BookingError::NotActive)
    ));
    assert_seats_consistent(store).await
}

async fn staff_can_cancel_after_the_citizen_cutoff(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 4, 0).await?;
    let booking = book(store, slot.id, 2, "090-1111-2222", Channel::Web, now()).await?;
    // The morning of the visit: citizens can no longer cancel.
    let morning = at("2026-12-03T08:45:00+09:00");
    assert!(!store.is_changeable(&booking, morning).await?);
    let cancelled = store.staff_cancel(booking.id, &staff(), morning).await?;
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert_eq!(booked(store, slot.id).await?, 0);
    assert!(matches!(
        store.staff_cancel(booking.id, &staff(), morning).await,
        Err(BookingError::NotActive)
    ));
    assert_seats_consistent(store).await
}

async fn the_daily_list_groups_active_bookings_by_slot(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let v = venue(store, "honcho", 1).await?;
    let made = slots(
        store,
        v,
        &weekdays(540, 630, 30, 4, 0),
        thursday(),
        day(2026, 12, 4),
    )
    .await?;
    let a = book(store, made[0].id, 2, "090-1111-2222", Channel::Web, now()).await?;
    let b = book(store, made[2].id, 1, "090-3333-4444", Channel::Phone, now()).await?;
    let c = book(store, made[2].id, 1, "090-5555-6666", Channel::Staff, now()).await?;
    let cancelled = book(store, made[2].id, 1, "090-7777-8888", Channel::Web, now()).await?;
    // Friday: not on Thursday's list.
    book(store, made[3].id, 1, "090-9999-0000", Channel::Web, now()).await?;
    store.staff_cancel(cancelled.id, &staff(), now()).await?;

    let list = store.daily_list(v, thursday()).await?;
    let rows: Vec<_> = list
        .iter()
        .map(|(slot, bookings)| {
            (
                slot.start_min,
                bookings.iter().map(|b| b.id).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![(540, vec![a.id]), (570, vec![]), (600, vec![b.id, c.id])]
    );
    Ok(())
}

async fn purging_removes_corrected_bookings_with_their_history_and_counts_visits(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let slot = one_slot(store, "honcho", thursday(), 4, 0).await?;
    let came = book(store, slot.id, 2, "090-1111-2222", Channel::Web, now()).await?;
    let missed = book(store, slot.id, 1, "090-3333-4444", Channel::Phone, now()).await?;
    let visit_day = at("2026-12-03T11:00:00+09:00");
    store
        .correct_name(
            came.id,
            &PersonName::parse("一宮 次郎")?,
            &NameKana::parse("いちのみや じろう")?,
            &staff(),
            visit_day,
        )
        .await?;
    store
        .set_visit_status(came.id, BookingStatus::Attended, &staff(), visit_day)
        .await?;
    store
        .set_visit_status(missed.id, BookingStatus::NoShow, &staff(), visit_day)
        .await?;

    assert_eq!(store.purge_bookings_before(day(2026, 12, 4)).await?, 2);
    assert!(
        store.booking_events(came.id).await?.is_empty(),
        "history deleted"
    );
    assert!(matches!(
        store.get_booking(came.id).await,
        Err(BookingError::NotFound)
    ));
    let counts: Vec<_> = store
        .booking_counts(thursday(), thursday())
        .await?
        .into_iter()
        .map(|c| (c.channel, c.status, c.bookings, c.seats))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("phone".to_owned(), "no_show".to_owned(), 1, 1),
            ("web".to_owned(), "attended".to_owned(), 1, 2),
        ]
    );
    Ok(())
}
