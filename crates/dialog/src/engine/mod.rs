//! The state machine of one call, sans I/O: [`Engine::handle`] takes an
//! [`Event`] and returns what to say and do. When it needs the world (free
//! slots, a hold, a booking) it returns a [`Query`] as the last output and
//! waits for the matching [`Event::Answer`].
//!
//! A new booking collects: intent, the eligibility checklist (one question),
//! venue, party size, date and time (then a slot is searched and held),
//! name, its reading, birth date, mobile number (the caller's own when it
//! is a mobile), and a short read-back. Every utterance is searched for
//! everything it may hold ([`heard`]), so the next question is always "the
//! first thing still missing", and a correction clears or replaces a field
//! and the flow goes on from there.
//!
//! Files by task: `control` (commands, failures, the end), `questions` (what each step says), `heard` (mixed
//! initiative and corrections), `booking` (a new booking's answers),
//! `existing` (look-up, change, cancel), `world` (answers to queries),
//! `keys` (small parsers of keys and free text).

mod booking;
mod control;
mod existing;
mod heard;
mod keys;
mod questions;
mod world;

use crate::prompts::{self, Pieces};
use crate::scenario::Scenario;
use crate::types::*;
use chrono::NaiveDate;
use madoguchi_core::contact::PhoneNumber;
use madoguchi_ja as ja;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    New,
    LookUp,
    Change,
    Cancel,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Intent,
    Eligibility,
    /// Which checklist item is not true.
    EligibilityWhich,
    Venue,
    VenueWhich(Vec<i64>),
    Party,
    Date,
    /// A date whose weekday differs from the one the caller said.
    ConfirmDate(NaiveDate),
    Time,
    ConfirmSlot,
    ChooseAlternative(Vec<SlotOffer>),
    Name,
    Kana,
    Birth,
    Phone,
    ConfirmBooking,
    Fix,
    Number,
    Factor,
    ConfirmChange,
    ConfirmCancel,
    SmsOffer(EndReason),
    /// Waiting for the answer to a query.
    Waiting(Pending),
    Ended,
}

/// How a held slot is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OfferMode {
    /// What the caller asked for, to the minute: said, not asked.
    Exact,
    /// Another time or the earliest: asked as a yes/no question.
    Ask,
    /// Picked by the caller from alternatives.
    Chosen,
}

#[derive(Debug, Clone, PartialEq)]
enum Pending {
    /// A day said without a time: is it bookable at all?
    Probe(NaiveDate),
    Slot,
    Hold {
        offer: SlotOffer,
        mode: OfferMode,
    },
    Book,
    Find,
    Change,
    Cancel,
    Link(EndReason),
    Reading,
}

impl Pending {
    fn name(&self) -> &'static str {
        match self {
            Pending::Probe(_) => "probe",
            Pending::Slot => "slot",
            Pending::Hold { .. } => "hold",
            Pending::Book => "book",
            Pending::Find => "find",
            Pending::Change => "change",
            Pending::Cancel => "cancel",
            Pending::Link(_) => "link",
            Pending::Reading => "reading",
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Draft {
    eligible: bool,
    venue: Option<usize>,
    party: Option<u8>,
    date: Option<DateWish>,
    time: Option<TimeWish>,
    /// The caller said a time without its hour ("午後 時"): ask for it.
    hour_missing: bool,
    /// The day found bookable (a date said without a time).
    day_checked: Option<NaiveDate>,
    /// The day said back with its weekday in the time question.
    day_said_back: Option<NaiveDate>,
    slot: Option<SlotOffer>,
    hold: Option<i64>,
    name: Option<String>,
    kana: Option<String>,
    /// Best name and reading heard when neither was sure.
    heard_name: Option<String>,
    name_to_check: bool,
    /// Times the name was corrected at the read-back.
    name_fixes: u32,
    /// The dictionary was asked how the name is read (once per call: a
    /// reading the caller corrected is asked of the caller).
    reading_looked_up: bool,
    birth: Option<NaiveDate>,
    phone: Option<PhoneNumber>,
    /// The number was said or keyed (not the caller's own): read it back.
    phone_given: bool,
    /// The caller has no mobile and no number came with the call: any
    /// number to reach them (a landline) is asked for.
    contact_any: bool,
    number: Option<String>,
    found: Option<BookingInfo>,
    /// Times a slot could not be held in a row.
    hold_misses: u32,
}

enum Input {
    Speech(String),
    Keys(String),
}

/// One call's conversation.
#[derive(Debug, Clone)]
pub struct Engine {
    scenario: Scenario,
    ctx: CallContext,
    matcher_entries: Vec<ja::VenueEntry>,
    step: Step,
    task: Task,
    draft: Draft,
    rate: f32,
    failures: u32,
    silences: u32,
    last_said: Vec<Utterance>,
    understood: String,
}

impl Engine {
    pub fn new(scenario: Scenario, ctx: CallContext) -> Self {
        let matcher_entries = ctx
            .venues
            .iter()
            .map(|v| ja::VenueEntry {
                id: v.id,
                name: v.name.clone(),
                kana: v.kana.clone(),
                aliases: v.aliases.clone(),
            })
            .collect();
        Self {
            rate: scenario.speaking_rate,
            scenario,
            ctx,
            matcher_entries,
            step: Step::Intent,
            task: Task::New,
            draft: Draft::default(),
            failures: 0,
            silences: 0,
            last_said: Vec::new(),
            understood: String::new(),
        }
    }

    /// The state, as recorded in the call log.
    pub fn state(&self) -> String {
        match &self.step {
            Step::Intent => "intent".into(),
            Step::Eligibility => "eligibility".into(),
            Step::EligibilityWhich => "eligibility_which".into(),
            Step::Venue => "venue".into(),
            Step::VenueWhich(_) => "venue_which".into(),
            Step::Party => "party".into(),
            Step::Date => "date".into(),
            Step::ConfirmDate(_) => "confirm_date".into(),
            Step::Time => "time".into(),
            Step::ConfirmSlot => "confirm_slot".into(),
            Step::ChooseAlternative(_) => "choose_alternative".into(),
            Step::Name => "name".into(),
            Step::Kana => "kana".into(),
            Step::Birth => "birth_date".into(),
            Step::Phone => "phone".into(),
            Step::ConfirmBooking => "confirm_booking".into(),
            Step::Fix => "fix".into(),
            Step::Number => "reservation_no".into(),
            Step::Factor => "identity".into(),
            Step::ConfirmChange => "confirm_change".into(),
            Step::ConfirmCancel => "confirm_cancel".into(),
            Step::SmsOffer(_) => "sms_offer".into(),
            Step::Waiting(p) => format!("waiting:{}", p.name()),
            Step::Ended => "ended".into(),
        }
    }

    /// What the caller is expected to answer next.
    pub fn expect(&self) -> Expect {
        let count = |n: usize| Expect::Choice(u8::try_from(n).unwrap_or(u8::MAX));
        match &self.step {
            Step::Intent => Expect::Intent,
            Step::Eligibility | Step::SmsOffer(_) | Step::ConfirmCancel => Expect::YesNo,
            Step::ConfirmDate(_)
            | Step::ConfirmSlot
            | Step::ConfirmBooking
            | Step::ConfirmChange => Expect::Confirm,
            Step::EligibilityWhich => count(self.ctx.checklist.items.len()),
            Step::Venue => Expect::Venue,
            Step::VenueWhich(ids) => count(ids.len()),
            Step::ChooseAlternative(alts) => count(alts.len()),
            Step::Party => Expect::PartySize,
            Step::Date => Expect::Date,
            Step::Time => Expect::Time,
            Step::Name => Expect::Name,
            Step::Kana => Expect::NameReading,
            Step::Birth => Expect::BirthDate,
            Step::Phone => Expect::Phone,
            Step::Fix => Expect::Correction,
            Step::Number => Expect::ReservationNo,
            Step::Factor => Expect::Identity,
            Step::Waiting(_) | Step::Ended => Expect::Nothing,
        }
    }

    /// What the engine made of the last input, for the call log.
    pub fn understood(&self) -> &str {
        &self.understood
    }

    pub fn is_ended(&self) -> bool {
        self.step == Step::Ended
    }

    /// The current speaking rate.
    pub fn rate(&self) -> f32 {
        self.rate
    }

    /// A prompt said outside the conversation (by the voice layer: a
    /// failed transfer), with the city's name and dedicated number filled in.
    pub fn utterance(&self, id: &str) -> Utterance {
        let pieces = self.scenario.render_pieces(id, &self.city_vars());
        Utterance {
            prompt_id: id.to_owned(),
            text: pieces.iter().map(|p| p.text.as_str()).collect(),
            pieces,
            rate: self.rate,
            interruptible: false,
        }
    }

    /// The hold the call owns, if any (to release it if the call breaks).
    pub fn current_hold(&self) -> Option<i64> {
        self.draft.hold
    }

    pub fn handle(&mut self, event: Event) -> Vec<Output> {
        let mut out = Vec::new();
        if self.step == Step::Ended {
            return out;
        }
        self.understood.clear();
        match event {
            Event::Start => {
                let city = prompts::value(self.ctx.city_name.clone());
                self.say(&mut out, "greeting", &[("city", city)]);
                self.say(&mut out, "ask_intent", &[]);
            }
            Event::HangUp => {
                self.understood = "hangup".into();
                self.end(&mut out, Outcome::Abandoned, EndReason::HangUp);
            }
            Event::Silence => {
                self.understood = "silence".into();
                self.silences += 1;
                if self.silences >= self.scenario.max_silences {
                    self.say(&mut out, "silence_end", &[]);
                    self.end(&mut out, Outcome::Abandoned, EndReason::Silence);
                } else {
                    self.say(&mut out, "silence", &[]);
                    self.repeat_question(&mut out);
                }
            }
            Event::Said(text) => {
                self.silences = 0;
                self.input(&mut out, Input::Speech(text));
            }
            Event::Dtmf(keys) => {
                self.silences = 0;
                self.input(&mut out, Input::Keys(keys));
            }
            Event::Answer(answer) => self.answer(&mut out, answer),
        }
        let said: Vec<Utterance> = out
            .iter()
            .filter_map(|o| match o {
                Output::Say(u) => Some(u.clone()),
                _ => None,
            })
            .collect();
        if !said.is_empty() && !matches!(self.step, Step::Waiting(_)) {
            self.last_said = said;
        }
        out
    }

    // ---- speaking ----

    fn say(&mut self, out: &mut Vec<Output>, id: &str, vars: &[(&str, Pieces)]) {
        let pieces = self.scenario.render_pieces(id, vars);
        // The reservation number is said slowly and to the end.
        let number = id == "read_number";
        out.push(Output::Say(Utterance {
            prompt_id: id.to_owned(),
            text: pieces.iter().map(|p| p.text.as_str()).collect(),
            pieces,
            rate: if number {
                self.rate.min(self.scenario.slow_rate)
            } else {
                self.rate
            },
            interruptible: !number,
        }));
    }

    fn city_vars(&self) -> Vec<(&'static str, Pieces)> {
        vec![
            ("city", prompts::value(self.ctx.city_name.clone())),
            ("phone", prompts::digits(&self.ctx.city_phone)),
            (
                "hours",
                prompts::value(self.scenario.staffed_hours_text.clone()),
            ),
        ]
    }

    /// Says again the question of the current step (after a command or
    /// silence), at the current rate.
    fn repeat_question(&mut self, out: &mut Vec<Output>) {
        if let Some(u) = self.last_said.last() {
            out.push(Output::Say(Utterance {
                rate: self.rate,
                ..u.clone()
            }));
        } else {
            self.say(out, "ask_intent", &[]);
        }
    }

    fn go(&mut self, step: Step) {
        if step != self.step {
            self.failures = 0;
        }
        self.step = step;
    }

    fn venue_hours(&self) -> (u32, u32) {
        self.draft
            .venue
            .and_then(|i| self.ctx.venues.get(i))
            .map(|v| (v.open_min, v.close_min))
            .unwrap_or((9 * 60, 17 * 60))
    }

    /// Moves to the first thing a new booking (or a change) still lacks.
    fn next(&mut self, out: &mut Vec<Output>) {
        if self.draft.phone.is_none()
            && self.task == Task::New
            && let Some(own) = self.ctx.caller_id.clone().filter(PhoneNumber::is_mobile)
        {
            // The caller's own mobile gets the SMS; not asked, not read back.
            self.draft.phone = Some(own);
        }
        let d = &self.draft;
        let step = if self.task == Task::New && !d.eligible {
            Step::Eligibility
        } else if d.venue.is_none() {
            Step::Venue
        } else if d.party.is_none() {
            Step::Party
        } else if d.date.is_none() {
            Step::Date
        } else if let (Some(DateWish::Day(day)), None) = (d.date, d.time)
            && d.day_checked != Some(day)
            && !d.hour_missing
        {
            return self.probe(out, day);
        } else if d.time.is_none() {
            Step::Time
        } else if d.slot.is_none() {
            return self.search(out);
        } else if self.task == Task::Change {
            Step::ConfirmChange
        } else if d.name.is_none() {
            Step::Name
        } else if d.kana.is_none() {
            if !d.reading_looked_up && d.name_fixes == 0 {
                return self.look_up_reading(out);
            }
            Step::Kana
        } else if d.birth.is_none() {
            Step::Birth
        } else if d.phone.is_none() {
            Step::Phone
        } else {
            Step::ConfirmBooking
        };
        self.go(step);
        self.ask(out);
    }

    fn venue_id(&self) -> Option<i64> {
        self.draft
            .venue
            .and_then(|i| self.ctx.venues.get(i))
            .map(|v| v.id)
    }

    /// Checks that a day said without a time can be booked at all.
    fn probe(&mut self, out: &mut Vec<Output>, day: NaiveDate) {
        let Some(venue_id) = self.venue_id() else {
            return;
        };
        self.step = Step::Waiting(Pending::Probe(day));
        out.push(Output::Query(Query::FindSlot {
            venue_id,
            date: DateWish::Day(day),
            time: TimeWish::Any,
            seats: self.draft.party.unwrap_or(1),
        }));
    }

    fn search(&mut self, out: &mut Vec<Output>) {
        let (Some(venue_id), Some(date), Some(time)) =
            (self.venue_id(), self.draft.date, self.draft.time)
        else {
            return;
        };
        self.step = Step::Waiting(Pending::Slot);
        out.push(Output::Query(Query::FindSlot {
            venue_id,
            date,
            time,
            seats: self.draft.party.unwrap_or(1),
        }));
    }

    fn hold_offer(&mut self, out: &mut Vec<Output>, offer: SlotOffer, mode: OfferMode) {
        let seats = self.draft.party.unwrap_or(1);
        let slot_id = offer.slot_id;
        self.step = Step::Waiting(Pending::Hold { offer, mode });
        out.push(Output::Query(Query::Hold { slot_id, seats }));
    }

    /// A name heard in kanji: its reading from the dictionary saves asking
    /// for it (the read-back says it, and the caller can correct it).
    fn look_up_reading(&mut self, out: &mut Vec<Output>) {
        let Some(name) = self.draft.name.clone() else {
            return;
        };
        self.draft.reading_looked_up = true;
        self.step = Step::Waiting(Pending::Reading);
        out.push(Output::Query(Query::ReadName { name }));
    }

    fn release_slot(&mut self, out: &mut Vec<Output>) {
        if let Some(hold) = self.draft.hold.take() {
            out.push(Output::Action(Action::ReleaseHold { hold_id: hold }));
        }
        self.draft.slot = None;
    }

    // ---- input ----

    fn input(&mut self, out: &mut Vec<Output>, input: Input) {
        if matches!(self.step, Step::Waiting(_)) {
            // Not expected: queries are answered before the caller speaks.
            return;
        }
        if let Input::Speech(text) = &input
            && let Some(command) = ja::parse_command(text)
        {
            return self.command(out, command);
        }
        match self.step.clone() {
            Step::Intent => self.on_intent(out, &input),
            Step::Eligibility => self.on_eligibility(out, &input),
            Step::EligibilityWhich => self.on_eligibility_which(out, &input),
            Step::Venue => self.on_venue(out, &input, None),
            Step::VenueWhich(ids) => self.on_venue(out, &input, Some(ids)),
            Step::Party | Step::Date | Step::Time => self.on_detail(out, &input),
            Step::ConfirmDate(day) => self.on_confirm_date(out, &input, day),
            Step::ConfirmSlot => self.on_offer(out, &input),
            Step::ChooseAlternative(alts) => self.on_alternative(out, &input, &alts),
            Step::Name => self.on_name(out, &input),
            Step::Kana => self.on_kana(out, &input),
            Step::Birth => self.on_birth(out, &input),
            Step::Phone => self.on_phone(out, &input),
            Step::ConfirmBooking => self.on_confirm_booking(out, &input),
            Step::Fix => self.on_fix(out, &input),
            Step::Number => self.on_number(out, &input),
            Step::Factor => self.on_factor(out, &input),
            Step::ConfirmChange => self.on_confirm_change(out, &input),
            Step::ConfirmCancel => self.on_confirm_cancel(out, &input),
            Step::SmsOffer(reason) => self.on_sms_offer(out, &input, reason),
            Step::Waiting(_) | Step::Ended => {}
        }
    }
}

#[cfg(test)]
mod tests;
