//! The world the scenarios share: a fixed "now", applicants built through
//! the citizen form, venues and their slots.

use anyhow::{Context, anyhow};
use chrono::{DateTime, NaiveDate, Utc};
use madoguchi_core::booking::{Applicant, ApplicantForm, Booking, Channel};
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::ids::{SlotId, VenueId};
use madoguchi_core::schedule::{DayHours, WeeklyTemplate};
use madoguchi_core::venue::VenueForm;
use madoguchi_store::{Actor, BookingError, NewBooking, Slot, Store};

/// Wednesday 2026-11-25, 10:00 in Japan: inside the default service period
/// (2026-11-02 .. 2027-03-31). Tomorrow is bookable until 17:00 today; days
/// up to 2027-01-20 are open.
pub fn now() -> DateTime<Utc> {
    at("2026-11-25T10:00:00+09:00")
}

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("a valid RFC 3339 instant")
        .with_timezone(&Utc)
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

pub fn today() -> NaiveDate {
    now().with_timezone(&madoguchi_core::JST).date_naive()
}

/// Thursday 2026-12-03: an ordinary working day well inside the window.
pub fn thursday() -> NaiveDate {
    day(2026, 12, 3)
}

/// A complete citizen form for `party` people, validated as the web does.
/// `mobile` is typed with full-width digits and dashes, as IMEs produce it.
pub fn applicant(party: u8, mobile: &str) -> Applicant {
    form(party, mobile)
        .validate(today())
        .map_err(|e| anyhow!("fixture form rejected: {e:?}"))
        .expect("a valid applicant")
}

pub fn form(party: u8, mobile: &str) -> ApplicantForm {
    ApplicantForm {
        party_size: party.to_string(),
        name: "一宮 太郎".to_owned(),
        name_kana: "いちのみや たろう".to_owned(),
        birth_date: "昭和35年4月1日".to_owned(),
        phone: mobile.to_owned(),
        email: String::new(),
        notify: "sms".to_owned(),
    }
}

/// A distinct mobile number per `n`, e.g. `090-0000-0042`.
pub fn mobile(n: usize) -> String {
    format!("090-{:04}-{:04}", (n / 10_000) % 10_000, n % 10_000)
}

pub fn phone(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text).expect("a valid phone number")
}

pub async fn venue(store: &Store, code: &str, display_order: i64) -> anyhow::Result<VenueId> {
    Ok(store
        .upsert_venue(&VenueForm {
            code: code.to_owned(),
            name: format!("{code}会場"),
            kana: "かいじょう".to_owned(),
            address: "愛知県一宮市本町2丁目5番6号".to_owned(),
            phone: "0586-28-8100".to_owned(),
            note: String::new(),
            display_order,
        })
        .await?)
}

/// Monday to Friday, `open`..`close` (minutes) in `slot_minutes` slots.
pub fn weekdays(
    open: u32,
    close: u32,
    slot_minutes: u32,
    capacity: u32,
    reserved: u32,
) -> WeeklyTemplate {
    WeeklyTemplate {
        days: (0..5)
            .map(|weekday| DayHours {
                weekday,
                open_min: open,
                close_min: close,
                slot_minutes,
                capacity,
                reserved,
            })
            .collect(),
    }
}

/// Stores `template` for `venue`, creates its slots from `first` to `last`
/// under the stored closed days, and returns them in time order.
pub async fn slots(
    store: &Store,
    venue: VenueId,
    template: &WeeklyTemplate,
    first: NaiveDate,
    last: NaiveDate,
) -> anyhow::Result<Vec<Slot>> {
    store.set_weekly_template(venue, template).await?;
    let closed = store.settings().await?.closed_days.clone();
    store
        .create_slots(venue, &template.generate(&closed, first, last))
        .await?;
    Ok(store.slots_between(venue, first, last).await?)
}

/// A new venue `code` with one 30-minute slot at 10:00 on `date`.
pub async fn one_slot(
    store: &Store,
    code: &str,
    date: NaiveDate,
    capacity: u32,
    reserved: u32,
) -> anyhow::Result<Slot> {
    let venue = venue(store, code, 0).await?;
    let mut made = slots(
        store,
        venue,
        &weekdays(600, 630, 30, capacity, reserved),
        date,
        date,
    )
    .await?;
    anyhow::ensure!(made.len() == 1, "expected one slot on {date}, got {made:?}");
    Ok(made.remove(0))
}

/// The slot as stored now.
pub async fn reload(store: &Store, slot: SlotId) -> anyhow::Result<Slot> {
    store
        .find_slot(slot)
        .await?
        .with_context(|| format!("slot {slot} vanished"))
}

pub async fn booked(store: &Store, slot: SlotId) -> anyhow::Result<i64> {
    Ok(reload(store, slot).await?.booked)
}

/// Books `party` people on `slot` through `channel`, as a citizen (web),
/// the phone line or staff.
pub async fn book(
    store: &Store,
    slot: SlotId,
    party: u8,
    mobile: &str,
    channel: Channel,
    now: DateTime<Utc>,
) -> Result<Booking, BookingError> {
    let actor = match channel {
        Channel::Web => Actor::Citizen,
        Channel::Phone => Actor::Phone,
        Channel::Staff => Actor::Staff("tanaka".to_owned()),
    };
    let new = NewBooking {
        slot_id: slot,
        applicant: applicant(party, mobile),
        channel,
        request_key: None,
    };
    store.book(&new, &actor, now).await
}

/// Moves `booking` to `to` as its citizen would on the web.
pub async fn change(
    store: &Store,
    booking: &Booking,
    to: SlotId,
    now: DateTime<Utc>,
) -> Result<Booking, BookingError> {
    store
        .change(
            &booking.reservation_no,
            &booking.applicant.phone,
            to,
            &Actor::Citizen,
            Channel::Web,
            now,
        )
        .await
}

/// Cancels `booking` as its citizen would on the web.
pub async fn cancel(
    store: &Store,
    booking: &Booking,
    now: DateTime<Utc>,
) -> Result<Booking, BookingError> {
    store
        .cancel(
            &booking.reservation_no,
            &booking.applicant.phone,
            &Actor::Citizen,
            now,
        )
        .await
}

/// Every slot's `booked` equals the seats of its active bookings.
pub async fn assert_seats_consistent(store: &Store) -> anyhow::Result<()> {
    let audit = store.seat_audit().await?;
    let wrong: Vec<_> = audit
        .iter()
        .filter(|(_, booked, sum)| booked != sum)
        .collect();
    anyhow::ensure!(
        wrong.is_empty(),
        "slots whose booked differs from their bookings: {wrong:?}"
    );
    Ok(())
}
