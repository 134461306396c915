//! What goes in and out of the engine.

use chrono::NaiveDate;
use serde::Serialize;

/// Something that happened on the line, or the answer to a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The call was answered.
    Start,
    /// What the recognizer returned.
    Said(String),
    /// Keypad digits.
    Dtmf(String),
    /// No answer within the wait.
    Silence,
    HangUp,
    /// The answer to the engine's last [`Query`].
    Answer(Answer),
}

/// A venue as the engine knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueInfo {
    pub id: i64,
    pub name: String,
    pub kana: String,
    pub aliases: Vec<String>,
    /// Usual opening hours, to settle "2時" as 14:00.
    pub open_min: u32,
    pub close_min: u32,
}

/// What the engine needs to know about the call and the city.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// Today in Japan.
    pub today: NaiveDate,
    /// Whether a transfer would be answered now.
    pub staffed_now: bool,
    /// The caller's number, when the network gave one.
    pub caller_id: Option<madoguchi_core::contact::PhoneNumber>,
    /// Enabled venues in display order (keypad numbers follow this order).
    pub venues: Vec<VenueInfo>,
    pub checklist: madoguchi_core::eligibility::Checklist,
    pub city_name: String,
    /// The dedicated line as said to callers.
    pub city_phone: String,
}

/// A slot the engine may offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlotOffer {
    pub slot_id: i64,
    pub venue_id: i64,
    pub venue_name: String,
    pub date: NaiveDate,
    pub start_min: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateWish {
    Day(NaiveDate),
    Earliest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeWish {
    At(u32),
    /// `from <= start < to`.
    Range(u32, u32),
    Any,
}

/// Second factor when identifying a booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Factor {
    Phone(String),
    BirthDate(NaiveDate),
}

/// A booking to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookRequest {
    pub slot_id: i64,
    pub hold_id: Option<i64>,
    pub party_size: u8,
    pub name: String,
    pub name_kana: String,
    pub birth_date: NaiveDate,
    pub phone: String,
    /// The name or its reading could not be heard for sure: kept as best
    /// heard, for staff to check.
    pub name_to_check: bool,
}

/// Questions the engine asks of the world; each is answered with one
/// [`Event::Answer`] before anything else happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    FindSlot {
        venue_id: i64,
        date: DateWish,
        time: TimeWish,
        seats: u8,
    },
    Hold {
        slot_id: i64,
        seats: u8,
    },
    Book(BookRequest),
    FindBooking {
        number: String,
        factor: Factor,
    },
    Change {
        number: String,
        phone: String,
        slot_id: i64,
        hold_id: Option<i64>,
    },
    Cancel {
        number: String,
        phone: String,
    },
    /// Queue the SMS with the web booking link (A15), within the
    /// per-number cap.
    SendLink {
        to: String,
    },
    /// How a name heard in kanji is read (katakana), from a pronunciation
    /// dictionary; answered `None` where there is none (the text
    /// simulator), and the caller is asked for the reading.
    ReadName {
        name: String,
    },
}

/// Why the requested slot cannot be offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// No slot in the reception window has room for the whole party, but
    /// this many together can be booked.
    PartyTooLarge {
        at_most: u8,
    },
    Full,
    /// No slot then (closed, out of hours, outside the reception window).
    NoSlot,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SlotSearch {
    Available(SlotOffer),
    Unavailable {
        why: Unavailable,
        /// Up to 3 earliest free slots after it, same venue first.
        alternatives: Vec<SlotOffer>,
    },
}

/// A booking as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BookingInfo {
    pub reservation_no: String,
    pub phone: String,
    pub venue_id: i64,
    pub venue_name: String,
    pub date: NaiveDate,
    pub start_min: u32,
    pub party_size: u8,
    pub changeable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Full,
    TooLate,
    NotFound,
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Slot(SlotSearch),
    /// The hold's id, or `None` when the seats were gone.
    Held(Option<i64>),
    Booked(Result<BookingInfo, Refusal>),
    Booking(Option<BookingInfo>),
    Changed(Result<BookingInfo, Refusal>),
    Cancelled(Result<BookingInfo, Refusal>),
    /// Whether the link SMS is (or already was) queued; false at the cap.
    LinkQueued(bool),
    /// The dictionary reading of the name, if every part of it has one.
    Reading(Option<String>),
}

/// Something the agent says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Utterance {
    pub prompt_id: String,
    pub text: String,
    /// The text cut into pre-synthesizable pieces (joined, they are `text`).
    pub pieces: Vec<crate::prompts::Piece>,
    /// Speaking rate (1.0 normal).
    pub rate: f32,
    /// Said to the end even if the caller speaks (reservation numbers).
    pub interruptible: bool,
}

/// Things the call layer does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Transfer {
        to: String,
    },
    /// The SMS with the web booking link was queued for the caller.
    SmsLink {
        to: String,
    },
    /// Give held seats back.
    ReleaseHold {
        hold_id: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Booked,
    Changed,
    Cancelled,
    LookedUp,
    Transferred,
    Ineligible,
    Abandoned,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Booked => "booked",
            Outcome::Changed => "changed",
            Outcome::Cancelled => "cancelled",
            Outcome::LookedUp => "looked_up",
            Outcome::Transferred => "transferred",
            Outcome::Ineligible => "ineligible",
            Outcome::Abandoned => "abandoned",
            Outcome::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    Completed,
    HangUp,
    Silence,
    RepeatedFailures,
    Transfer,
    Ineligible,
    NoAvailability,
    Error,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Completed => "completed",
            EndReason::HangUp => "hangup",
            EndReason::Silence => "silence",
            EndReason::RepeatedFailures => "repeated_failures",
            EndReason::Transfer => "transfer",
            EndReason::Ineligible => "ineligible",
            EndReason::NoAvailability => "no_availability",
            EndReason::Error => "error",
        }
    }
}

/// How the call ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallEnd {
    pub outcome: Outcome,
    pub reason: EndReason,
    /// The state the call was in when it ended.
    pub state: String,
    /// The booking made, changed, cancelled or looked up.
    pub booking: Option<BookingInfo>,
}

/// One thing the engine wants done, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Say(Utterance),
    Query(Query),
    Action(Action),
    End(CallEnd),
}

/// What the dialog expects the caller to answer next: the voice layer
/// picks recognizer hints, keypad handling and end-of-turn timing from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "expect", content = "choices", rename_all = "snake_case")]
pub enum Expect {
    /// The errand (new booking, look-up, change, cancel), or a whole
    /// request said in one breath.
    Intent,
    /// はい / いいえ only (eligibility, use the caller's number, SMS offer).
    YesNo,
    /// はい / いいえ, or a correction with its new value ("いいえ、十日です"):
    /// the slot offer and the read-back.
    Confirm,
    /// A venue by name or reading.
    Venue,
    /// One of `n` numbered choices (1..=n), by voice or key.
    Choice(u8),
    /// 1–4 people.
    PartySize,
    /// A day (or "the earliest").
    Date,
    /// A time of day.
    Time,
    /// The caller's name.
    Name,
    /// Its reading, in kana.
    NameReading,
    BirthDate,
    /// A mobile phone number.
    Phone,
    /// The 8-digit reservation number.
    ReservationNo,
    /// A phone number or a birth date, to identify a booking.
    Identity,
    /// Which item of the read-back to change.
    Correction,
    /// Nothing: the engine waits for the world or the call has ended.
    Nothing,
}

impl Expect {
    /// Answers keyed as a number of several digits (ended by `#` or a
    /// pause) rather than a single key.
    pub fn takes_number(self) -> bool {
        matches!(
            self,
            Expect::Date
                | Expect::Time
                | Expect::BirthDate
                | Expect::Phone
                | Expect::ReservationNo
                | Expect::Identity
        )
    }

    /// Answers that are one short word (はい, a key, a digit).
    pub fn is_yes_no(self) -> bool {
        matches!(self, Expect::YesNo | Expect::Confirm)
    }
}
