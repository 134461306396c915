//! Many requests at once, through two independent stores on one database
//! (two processes on one SQLite file, two instances on one PostgreSQL).

use crate::fixtures::{
    assert_seats_consistent, book, cancel, change, mobile, now, one_slot, reload, slots, thursday,
    venue, weekdays,
};
use crate::harness::TestDb;
use anyhow::bail;
use madoguchi_core::booking::{Booking, BookingStatus, Channel};
use madoguchi_core::ids::SlotId;
use madoguchi_store::{BookingError, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

on_both_backends! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    concurrent_bookings_never_oversell_a_slot_and_every_accepted_booking_is_stored,
    concurrent_changes_and_cancels_keep_every_slots_seat_count_equal_to_its_bookings,
    the_same_request_sent_many_times_at_once_books_once,
}

/// A double click, or a client retrying: the same request key arrives many
/// times at once, through both stores. Exactly one booking is made, every
/// caller gets it, and its seats are taken once.
async fn the_same_request_sent_many_times_at_once_books_once(db: TestDb) -> anyhow::Result<()> {
    let store = db.store.clone();
    let second = db.connect_again().await?;
    // Exactly room for one copy: the others must not be told "full".
    let slot = one_slot(&store, "honcho", thursday(), 2, 0).await?;
    let copies = 16;
    let start = Arc::new(Barrier::new(copies));
    let mut tasks = JoinSet::new();
    for i in 0..copies {
        let via = if i % 2 == 0 {
            store.clone()
        } else {
            second.clone()
        };
        let start = start.clone();
        tasks.spawn(async move {
            let new = madoguchi_store::NewBooking {
                slot_id: slot.id,
                applicant: crate::fixtures::applicant(2, &mobile(1)),
                channel: Channel::Web,
                request_key: Some("web:same-confirmation".to_owned()),
            };
            start.wait().await;
            via.book(&new, &madoguchi_store::Actor::Citizen, now())
                .await
        });
    }
    let mut numbers = BTreeSet::new();
    while let Some(joined) = tasks.join_next().await {
        numbers.insert(joined??.reservation_no.as_str().to_owned());
    }
    assert_eq!(
        numbers.len(),
        1,
        "every copy got the same booking: {numbers:?}"
    );
    assert_eq!(reload(&store, slot.id).await?.booked, 2);
    assert_seats_consistent(&store).await?;
    Ok(())
}

const CAPACITY: i64 = 7;
const REQUESTS: usize = 200;

async fn concurrent_bookings_never_oversell_a_slot_and_every_accepted_booking_is_stored(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = db.store.clone();
    let second = db.connect_again().await?;
    let slot = one_slot(&store, "honcho", thursday(), CAPACITY as u32, 0).await?;

    // Every task waits at the barrier, so all requests arrive together.
    let start = Arc::new(Barrier::new(REQUESTS));
    let mut tasks = JoinSet::new();
    for i in 0..REQUESTS {
        let via = if i % 2 == 0 {
            store.clone()
        } else {
            second.clone()
        };
        let start = start.clone();
        let party = u8::try_from(i % 3 + 1)?;
        tasks.spawn(async move {
            start.wait().await;
            let result = book(&via, slot.id, party, &mobile(i), Channel::Web, now()).await;
            (i, party, result)
        });
    }
    let mut accepted: Vec<(usize, Booking)> = Vec::new();
    let mut refused: Vec<u8> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (i, party, result) = joined?;
        match result {
            Ok(booking) => {
                assert_eq!(booking.applicant.party_size.get(), party);
                accepted.push((i, booking));
            }
            Err(BookingError::Full) => refused.push(party),
            Err(other) => bail!("request {i} failed with something other than Full: {other:?}"),
        }
    }

    let seats: i64 = accepted
        .iter()
        .map(|(_, b)| b.applicant.party_size.seats())
        .sum();
    assert!(
        seats <= CAPACITY,
        "oversold: {seats} seats accepted of {CAPACITY}"
    );
    assert_eq!(accepted.len() + refused.len(), REQUESTS);
    let booked = reload(&store, slot.id).await?.booked;
    assert_eq!(
        booked, seats,
        "slots.booked against the accepted party sizes"
    );
    // Nothing refused would have fitted at the end: seats only ever go.
    let smallest_refused = refused.iter().copied().min().map_or(i64::MAX, i64::from);
    assert!(
        booked == CAPACITY || CAPACITY - booked < smallest_refused,
        "{} seats left, yet a party of {smallest_refused} was refused",
        CAPACITY - booked
    );

    // Every accepted booking is stored, under its own number, for both stores.
    let numbers: BTreeSet<_> = accepted
        .iter()
        .map(|(_, b)| b.reservation_no.clone())
        .collect();
    assert_eq!(
        numbers.len(),
        accepted.len(),
        "reservation numbers are unique"
    );
    for (i, booking) in &accepted {
        for via in [&store, &second] {
            let found = via
                .find_booking(
                    &booking.reservation_no,
                    &crate::fixtures::phone(&mobile(*i)),
                )
                .await?;
            assert_eq!(found.as_ref(), Some(booking), "request {i}");
        }
    }
    let mut in_slot: Vec<_> = store
        .bookings_in_slot(slot.id)
        .await?
        .into_iter()
        .map(|b| b.id)
        .collect();
    let mut ids: Vec<_> = accepted.iter().map(|(_, b)| b.id).collect();
    in_slot.sort();
    ids.sort();
    assert_eq!(in_slot, ids, "no booking stored beyond the accepted ones");
    assert_eq!(store.seat_audit().await?, vec![(slot.id, booked, booked)]);
    second.close().await;
    Ok(())
}

/// What one concurrent operation was.
#[derive(Debug, Clone, Copy)]
enum Op {
    Change(usize, SlotId),
    Cancel(usize),
    Book(SlotId, u8),
}

const ROUNDS: usize = 8;
const SLOTS_PER_ROUND: usize = 4;
const MIX_CAPACITY: u32 = 6;
const SLOTS: usize = ROUNDS * SLOTS_PER_ROUND;

async fn concurrent_changes_and_cancels_keep_every_slots_seat_count_equal_to_its_bookings(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = db.store.clone();
    let second = db.connect_again().await?;
    let venue = venue(&store, "honcho", 1).await?;
    // From 9:00 on, 15-minute slots, four per round.
    let all = slots(
        &store,
        venue,
        &weekdays(540, 540 + 15 * u32::try_from(SLOTS)?, 15, MIX_CAPACITY, 0),
        thursday(),
        thursday(),
    )
    .await?;
    assert_eq!(all.len(), SLOTS);

    for (round, group) in all.chunks(SLOTS_PER_ROUND).enumerate() {
        let ids: Vec<SlotId> = group.iter().map(|s| s.id).collect();
        // Each slot starts with parties of 1, 2 and 1: four of six seats.
        let mut bookings = Vec::new();
        for (k, slot) in ids.iter().enumerate() {
            for party in [1, 2, 1] {
                let n = 1000 * round + bookings.len();
                bookings.push(book(&store, *slot, party, &mobile(n), Channel::Web, now()).await?);
            }
            assert_eq!(reload(&store, ids[k]).await?.booked, 4);
        }

        // Every booking is moved forward and backward at once (so bookings
        // swap slots in both directions), every third is also cancelled, and
        // new bookings compete for the same seats.
        let mut ops = Vec::new();
        for (j, _) in bookings.iter().enumerate() {
            let k = j / 3;
            ops.push(Op::Change(j, ids[(k + 1) % SLOTS_PER_ROUND]));
            ops.push(Op::Change(
                j,
                ids[(k + SLOTS_PER_ROUND - 1) % SLOTS_PER_ROUND],
            ));
            if j % 3 == 0 {
                ops.push(Op::Cancel(j));
            }
        }
        for n in 0..16 {
            ops.push(Op::Book(ids[n % SLOTS_PER_ROUND], u8::try_from(n % 2 + 1)?));
        }

        let start = Arc::new(Barrier::new(ops.len()));
        let mut tasks = JoinSet::new();
        for (t, op) in ops.iter().copied().enumerate() {
            let via: Store = if t % 2 == 0 {
                store.clone()
            } else {
                second.clone()
            };
            let start = start.clone();
            let target = match op {
                Op::Change(j, _) | Op::Cancel(j) => Some(bookings[j].clone()),
                Op::Book(..) => None,
            };
            let phone_no = mobile(1000 * round + 500 + t);
            tasks.spawn(async move {
                start.wait().await;
                let result = match (op, target) {
                    (Op::Change(_, to), Some(b)) => change(&via, &b, to, now()).await,
                    (Op::Cancel(_), Some(b)) => cancel(&via, &b, now()).await,
                    (Op::Book(slot, party), _) => {
                        book(&via, slot, party, &phone_no, Channel::Web, now()).await
                    }
                    _ => unreachable!("every change and cancel has its booking"),
                };
                (op, result)
            });
        }

        let mut cancelled = BTreeSet::new();
        let mut new_bookings = Vec::new();
        let mut outcomes: BTreeMap<&'static str, usize> = BTreeMap::new();
        while let Some(joined) = tasks.join_next().await {
            let (op, result) = joined?;
            let outcome = match (&op, result) {
                (Op::Cancel(j), Ok(b)) => {
                    assert_eq!(b.status, BookingStatus::Cancelled);
                    cancelled.insert(*j);
                    "ok"
                }
                (Op::Book(..), Ok(b)) => {
                    new_bookings.push(b);
                    "ok"
                }
                (Op::Change(..), Ok(_)) => "ok",
                (_, Err(BookingError::Full)) => "full",
                // Cancelled, or moved by a concurrent change, in the meantime.
                (_, Err(BookingError::NotActive)) => "not active",
                (_, Err(other)) => bail!("round {round}: {op:?} failed unexpectedly: {other:?}"),
            };
            *outcomes.entry(outcome).or_default() += 1;
        }
        eprintln!("round {round}: {outcomes:?}");

        // The books balance, slot by slot.
        assert_seats_consistent(&store).await?;
        for slot in &ids {
            let stored = reload(&store, *slot).await?;
            assert!(stored.booked <= stored.capacity, "{stored:?}");
        }
        // Cancels that succeeded stuck; new bookings are stored and active.
        for (j, booking) in bookings.iter().enumerate() {
            let now_stored = store
                .find_booking(&booking.reservation_no, &booking.applicant.phone)
                .await?
                .expect("bookings are never deleted");
            if cancelled.contains(&j) {
                assert_eq!(now_stored.status, BookingStatus::Cancelled, "booking {j}");
            } else {
                assert_eq!(now_stored.status, BookingStatus::Booked, "booking {j}");
                assert!(
                    ids.contains(&now_stored.slot_id),
                    "booking {j} left its round's slots"
                );
            }
        }
        for booking in &new_bookings {
            let found = second
                .find_booking(&booking.reservation_no, &booking.applicant.phone)
                .await?;
            assert_eq!(found.as_ref(), Some(booking));
        }
    }
    second.close().await;
    Ok(())
}
