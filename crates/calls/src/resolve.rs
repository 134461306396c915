//! Answers the engine's queries with the store: availability, holds and the
//! booking operations, with the phone's channel and actor.

use crate::{Call, CallError, CallKind, LINK_SMS_PER_NUMBER_PER_DAY};
use chrono::NaiveDate;
use madoguchi_core::booking::{Applicant, BookingStatus, Channel, Notify, PartySize};
use madoguchi_core::capacity::SeatPolicy;
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::era::BirthDate;
use madoguchi_core::ids::{SlotId, VenueId};
use madoguchi_core::name::{NameKana, PersonName};
use madoguchi_core::reservation_no::ReservationNo;
use madoguchi_dialog::{
    Answer, BookingInfo, DateWish, Factor, Query, Refusal, SlotOffer, SlotSearch, TimeWish,
    Unavailable,
};
use madoguchi_store::{Actor, BookingError, HoldId, LinkSmsQueued, NewBooking, Slot};

pub(crate) async fn answer(call: &Call, query: Query) -> Result<Answer, CallError> {
    Ok(match query {
        Query::FindSlot {
            venue_id,
            date,
            time,
            seats,
        } => Answer::Slot(find_slot(call, VenueId(venue_id), date, time, i64::from(seats)).await?),
        Query::Hold { slot_id, seats } => {
            if call.dry_run {
                // Nothing is written in a dry run; a pretend hold.
                Answer::Held(Some(0))
            } else {
                let hold = call
                    .store
                    .hold_seats(SlotId(slot_id), i64::from(seats), call.now(), call.hold_ttl)
                    .await?;
                Answer::Held(hold.map(|h| h.id.0))
            }
        }
        Query::Book(request) => Answer::Booked(book(call, request).await?),
        Query::FindBooking { number, factor } => {
            Answer::Booking(find(call, &number, &factor).await?)
        }
        Query::Change {
            number,
            phone,
            slot_id,
            hold_id,
        } => Answer::Changed(change(call, &number, &phone, SlotId(slot_id), hold_id).await?),
        Query::Cancel { number, phone } => Answer::Cancelled(cancel(call, &number, &phone).await?),
        Query::SendLink { to } => Answer::LinkQueued(send_link(call, &to).await?),
        Query::ReadName { name } => Answer::Reading(match &call.reader {
            Some(reader) => reader.read(&name).await,
            None => None,
        }),
    })
}

/// Queues the web link SMS (A15) for the notification worker, within the
/// per-number daily cap; false when the cap was reached, so that the agent
/// does not say it was sent. Dry runs and rehearsals (staff trying the
/// scenario) send nothing.
async fn send_link(call: &Call, to: &str) -> Result<bool, CallError> {
    if call.dry_run || call.kind == CallKind::Rehearsal {
        return Ok(true);
    }
    let queued = call
        .store
        .queue_link_sms(call.id, to, LINK_SMS_PER_NUMBER_PER_DAY, call.now())
        .await?;
    Ok(match queued {
        LinkSmsQueued::Queued(id) => {
            tracing::info!(call = call.id.0, link_sms = id, "web link sms queued");
            true
        }
        LinkSmsQueued::AlreadyQueued => true,
        LinkSmsQueued::CapReached => {
            tracing::warn!(
                call = call.id.0,
                cap = LINK_SMS_PER_NUMBER_PER_DAY,
                "web link sms not queued: the number had its daily share"
            );
            false
        }
    })
}

fn venue_name(call: &Call, id: VenueId) -> String {
    call.venues
        .iter()
        .find(|v| v.id == id)
        .map(|v| v.name.clone())
        .unwrap_or_default()
}

fn offer(call: &Call, slot: &Slot) -> SlotOffer {
    SlotOffer {
        slot_id: slot.id.0,
        venue_id: slot.venue_id.0,
        venue_name: venue_name(call, slot.venue_id),
        date: slot.date,
        start_min: slot.start_min,
    }
}

/// Whether `seats` fit in `slot` for a phone booking now: core's one seat
/// rule (seats held for other callers count as taken).
fn has_room(call: &Call, policy: &SeatPolicy, slot: &Slot, seats: i64) -> bool {
    policy.fits(&slot.seats(), seats, Channel::Phone, call.now())
}

async fn is_bookable(call: &Call, slot: &Slot) -> Result<bool, CallError> {
    let settings = call.store.settings().await?;
    let Some(venue) = call.venues.iter().find(|v| v.id == slot.venue_id) else {
        return Ok(false);
    };
    Ok(venue
        .window_or(&settings.window)
        .is_bookable(&settings.period, slot.date, call.now()))
}

/// Up to 3 free slots from `(day, minute)`: the same venue first, then
/// others (A14), without slots held for other callers.
async fn alternatives(
    call: &Call,
    venue: VenueId,
    from: (NaiveDate, u32),
    seats: i64,
    excluding: Option<SlotId>,
) -> Result<Vec<SlotOffer>, CallError> {
    let policy = call.store.settings().await?.seats;
    let slots = call
        .store
        .alternatives(venue, from, seats, Channel::Phone, call.now(), excluding, 6)
        .await?;
    Ok(slots
        .iter()
        .filter(|slot| has_room(call, &policy, slot, seats))
        .take(3)
        .map(|slot| offer(call, slot))
        .collect())
}

async fn find_slot(
    call: &Call,
    venue: VenueId,
    date: DateWish,
    time: TimeWish,
    seats: i64,
) -> Result<SlotSearch, CallError> {
    let settings = call.store.settings().await?;
    let now = call.now();
    let Some((first, last)) = settings.window.bookable_range(&settings.period, now) else {
        return Ok(SlotSearch::Unavailable {
            why: Unavailable::NoSlot,
            alternatives: Vec::new(),
        });
    };
    let (from_min, to_min) = match time {
        TimeWish::At(m) => (m, m + 1),
        TimeWish::Range(a, b) => (a, b),
        TimeWish::Any => (0, 24 * 60),
    };
    let (day_from, day_to) = match date {
        DateWish::Day(d) => (d, d),
        DateWish::Earliest => (first, last),
    };
    let slots = call.store.slots_between(venue, day_from, day_to).await?;
    // The slot(s) the caller asked for: the one containing the time, or
    // those starting inside the range.
    let wanted: Vec<&Slot> = slots
        .iter()
        .filter(|s| match time {
            TimeWish::At(m) => s.start_min <= m && m < s.end_min,
            _ => s.start_min >= from_min && s.start_min < to_min,
        })
        .collect();
    let mut any_bookable = false;
    for slot in &wanted {
        if !is_bookable(call, slot).await? {
            continue;
        }
        any_bookable = true;
        if has_room(call, &settings.seats, slot, seats) {
            return Ok(SlotSearch::Available(offer(call, slot)));
        }
    }
    let start_day = match date {
        DateWish::Day(d) => d.max(first),
        DateWish::Earliest => first,
    };
    let excluding = wanted.first().map(|s| s.id);
    let others = alternatives(call, venue, (start_day, from_min), seats, excluding).await?;
    if others.is_empty() {
        // Nothing for the whole party: can a smaller one come together?
        for fewer in (1..seats).rev() {
            let smaller = alternatives(call, venue, (start_day, from_min), fewer, None).await?;
            if !smaller.is_empty() {
                return Ok(SlotSearch::Unavailable {
                    why: Unavailable::PartyTooLarge {
                        at_most: u8::try_from(fewer).unwrap_or(1),
                    },
                    alternatives: Vec::new(),
                });
            }
        }
    }
    Ok(SlotSearch::Unavailable {
        why: if any_bookable {
            Unavailable::Full
        } else {
            Unavailable::NoSlot
        },
        alternatives: others,
    })
}

fn refusal(e: BookingError) -> Result<Refusal, CallError> {
    match e {
        BookingError::Full => Ok(Refusal::Full),
        BookingError::TooLate | BookingError::NotActive => Ok(Refusal::TooLate),
        BookingError::NotFound => Ok(Refusal::NotFound),
        BookingError::SlotNotFound | BookingError::NotBookable(_) => Ok(Refusal::Full),
        BookingError::Store(e) => Err(e.into()),
    }
}

async fn info(
    call: &Call,
    booking: &madoguchi_core::booking::Booking,
) -> Result<BookingInfo, CallError> {
    let changeable = booking.status == BookingStatus::Booked
        && call.store.is_changeable(booking, call.now()).await?;
    Ok(BookingInfo {
        reservation_no: booking.reservation_no.as_str().to_owned(),
        phone: booking.applicant.phone.as_str().to_owned(),
        venue_id: booking.venue_id.0,
        venue_name: venue_name(call, booking.venue_id),
        date: booking.slot_date,
        start_min: booking.start_min,
        party_size: booking.applicant.party_size.get(),
        changeable,
    })
}

async fn book(
    call: &Call,
    request: madoguchi_dialog::BookRequest,
) -> Result<Result<BookingInfo, Refusal>, CallError> {
    let today = call.now().with_timezone(&madoguchi_core::JST).date_naive();
    let parsed = (
        PartySize::new(request.party_size),
        PersonName::parse(&request.name).ok(),
        NameKana::parse(&request.name_kana).ok(),
        BirthDate::parse(&request.birth_date.format("%Y-%m-%d").to_string(), today).ok(),
        PhoneNumber::parse(&request.phone).ok(),
    );
    let (Some(party_size), Some(name), Some(name_kana), Some(birth_date), Some(phone)) = parsed
    else {
        return Ok(Err(Refusal::Failed));
    };
    let applicant = Applicant {
        party_size,
        name,
        name_kana,
        birth_date,
        phone,
        email: None,
        // The confirmation goes by SMS to the number given (a landline
        // cannot receive it; the notification layer skips those).
        notify: Notify::Sms,
    };
    if call.dry_run {
        let Some(slot) = call.store.find_slot(SlotId(request.slot_id)).await? else {
            return Ok(Err(Refusal::Full));
        };
        return Ok(Ok(BookingInfo {
            reservation_no: ReservationNo::generate(&mut rand_rng()).as_str().to_owned(),
            phone: applicant.phone.as_str().to_owned(),
            venue_id: slot.venue_id.0,
            venue_name: venue_name(call, slot.venue_id),
            date: slot.date,
            start_min: slot.start_min,
            party_size: request.party_size,
            changeable: true,
        }));
    }
    let new = NewBooking {
        slot_id: SlotId(request.slot_id),
        applicant,
        channel: Channel::Phone,
        request_key: Some(format!("call-{}-{}", call.id.0, request.slot_id)),
    };
    match call
        .store
        .book_held(
            request.hold_id.map(HoldId),
            &new,
            &Actor::Phone,
            // Shown to staff on the booking and the daily list.
            request.name_to_check,
            call.now(),
        )
        .await
    {
        Ok(booking) => Ok(Ok(info(call, &booking).await?)),
        Err(e) => Ok(Err(refusal(e)?)),
    }
}

async fn find(
    call: &Call,
    number: &str,
    factor: &Factor,
) -> Result<Option<BookingInfo>, CallError> {
    let Ok(number) = ReservationNo::parse(number) else {
        return Ok(None);
    };
    let found = match factor {
        Factor::Phone(p) => match PhoneNumber::parse(p) {
            Ok(phone) => call.store.find_booking(&number, &phone).await,
            Err(_) => return Ok(None),
        },
        Factor::BirthDate(d) => {
            let today = call.now().with_timezone(&madoguchi_core::JST).date_naive();
            match BirthDate::parse(&d.format("%Y-%m-%d").to_string(), today) {
                Ok(birth) => call.store.find_booking_by_birth_date(&number, &birth).await,
                Err(_) => return Ok(None),
            }
        }
    };
    let booking = match found {
        Ok(Some(b)) if b.status == BookingStatus::Booked => b,
        Ok(_) => return Ok(None),
        Err(e) => {
            refusal(e)?;
            return Ok(None);
        }
    };
    Ok(Some(info(call, &booking).await?))
}

async fn change(
    call: &Call,
    number: &str,
    phone: &str,
    slot: SlotId,
    hold: Option<i64>,
) -> Result<Result<BookingInfo, Refusal>, CallError> {
    let (Ok(number), Ok(phone)) = (ReservationNo::parse(number), PhoneNumber::parse(phone)) else {
        return Ok(Err(Refusal::NotFound));
    };
    if call.dry_run {
        let (Some(booking), Some(target)) = (
            call.store
                .find_booking(&number, &phone)
                .await
                .map_err(store_error)?,
            call.store.find_slot(slot).await?,
        ) else {
            return Ok(Err(Refusal::NotFound));
        };
        let mut info = info(call, &booking).await?;
        info.venue_id = target.venue_id.0;
        info.venue_name = venue_name(call, target.venue_id);
        info.date = target.date;
        info.start_min = target.start_min;
        return Ok(Ok(info));
    }
    // The hold kept the seats until now; the change claims them again in
    // its own transaction.
    if let Some(hold) = hold {
        call.store.release_hold(HoldId(hold)).await?;
    }
    match call
        .store
        .change(
            &number,
            &phone,
            slot,
            &Actor::Phone,
            Channel::Phone,
            call.now(),
        )
        .await
    {
        Ok(booking) => Ok(Ok(info(call, &booking).await?)),
        Err(e) => Ok(Err(refusal(e)?)),
    }
}

async fn cancel(
    call: &Call,
    number: &str,
    phone: &str,
) -> Result<Result<BookingInfo, Refusal>, CallError> {
    let (Ok(number), Ok(phone)) = (ReservationNo::parse(number), PhoneNumber::parse(phone)) else {
        return Ok(Err(Refusal::NotFound));
    };
    if call.dry_run {
        return match call
            .store
            .find_booking(&number, &phone)
            .await
            .map_err(store_error)?
        {
            Some(b) => Ok(Ok(info(call, &b).await?)),
            None => Ok(Err(Refusal::NotFound)),
        };
    }
    match call
        .store
        .cancel(&number, &phone, &Actor::Phone, call.now())
        .await
    {
        Ok(booking) => Ok(Ok(info(call, &booking).await?)),
        Err(e) => Ok(Err(refusal(e)?)),
    }
}

fn store_error(e: BookingError) -> CallError {
    match e {
        BookingError::Store(e) => CallError::Store(e),
        other => CallError::Store(madoguchi_store::StoreError::Corrupt(other.to_string())),
    }
}

fn rand_rng() -> impl rand::Rng {
    rand::rng()
}
