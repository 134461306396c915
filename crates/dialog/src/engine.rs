//! The state machine of one call, sans I/O: [`Engine::handle`] takes an
//! [`Event`] and returns what to say and do. When it needs the world (free
//! slots, a hold, a booking) it returns a [`Query`] as the last output and
//! waits for the matching [`Event::Answer`].
//!
//! A new booking collects, in order: intent, the eligibility checklist,
//! venue, party size, date, time (then a slot is searched and held), name,
//! its reading, birth date, mobile number, and a read-back. The next
//! question is always "the first thing still missing", so a correction
//! clears a field and the flow asks for it again.

use crate::scenario::Scenario;
use crate::types::*;
use chrono::{Datelike, NaiveDate};
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::era::BirthDate;
use madoguchi_core::name::{NameKana, PersonName};
use madoguchi_core::reservation_no::ReservationNo;
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
    Eligibility(usize),
    Venue,
    VenueWhich(Vec<i64>),
    Party,
    Date,
    Time,
    ConfirmSlot,
    ChooseAlternative(Vec<SlotOffer>),
    Name,
    Kana,
    Birth,
    UseCallerId,
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

#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Slot,
    /// `confirm`: ask "この時間でよろしいですか" once held.
    Hold {
        offer: SlotOffer,
        confirm: bool,
    },
    Book,
    Find,
    Change,
    Cancel,
}

impl Pending {
    fn name(&self) -> &'static str {
        match self {
            Pending::Slot => "slot",
            Pending::Hold { .. } => "hold",
            Pending::Book => "book",
            Pending::Find => "find",
            Pending::Change => "change",
            Pending::Cancel => "cancel",
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
    slot: Option<SlotOffer>,
    hold: Option<i64>,
    name: Option<String>,
    kana: Option<String>,
    birth: Option<NaiveDate>,
    phone: Option<PhoneNumber>,
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
            Step::Eligibility(i) => format!("eligibility:{i}"),
            Step::Venue => "venue".into(),
            Step::VenueWhich(_) => "venue_which".into(),
            Step::Party => "party".into(),
            Step::Date => "date".into(),
            Step::Time => "time".into(),
            Step::ConfirmSlot => "confirm_slot".into(),
            Step::ChooseAlternative(_) => "choose_alternative".into(),
            Step::Name => "name".into(),
            Step::Kana => "kana".into(),
            Step::Birth => "birth_date".into(),
            Step::UseCallerId => "use_caller_id".into(),
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
        match &self.step {
            Step::Intent => Expect::Intent,
            Step::Eligibility(_) | Step::UseCallerId | Step::SmsOffer(_) | Step::ConfirmCancel => {
                Expect::YesNo
            }
            Step::ConfirmSlot | Step::ConfirmBooking | Step::ConfirmChange => Expect::Confirm,
            Step::Venue => Expect::Venue,
            Step::VenueWhich(ids) => Expect::Choice(u8::try_from(ids.len()).unwrap_or(u8::MAX)),
            Step::ChooseAlternative(alts) => {
                Expect::Choice(u8::try_from(alts.len()).unwrap_or(u8::MAX))
            }
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
        let phone = ja::to_spoken_digits(&self.ctx.city_phone);
        Utterance {
            prompt_id: id.to_owned(),
            text: self
                .scenario
                .render(id, &[("city", &self.ctx.city_name), ("phone", &phone)]),
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
                let city = self.ctx.city_name.clone();
                self.say(&mut out, "greeting", &[("city", &city)]);
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

    fn say(&mut self, out: &mut Vec<Output>, id: &str, vars: &[(&str, &str)]) {
        out.push(Output::Say(Utterance {
            prompt_id: id.to_owned(),
            text: self.scenario.render(id, vars),
            rate: self.rate,
            interruptible: id != "booked",
        }));
    }

    /// Says again the question of the current step (after a command or
    /// silence), at the current rate.
    fn repeat_question(&mut self, out: &mut Vec<Output>) {
        let last = self.last_said.clone();
        // Only the question itself: the last utterance said.
        if let Some(u) = last.last() {
            out.push(Output::Say(Utterance {
                rate: self.rate,
                ..u.clone()
            }));
        } else {
            self.say(out, "ask_intent", &[]);
        }
    }

    fn end(&mut self, out: &mut Vec<Output>, outcome: Outcome, reason: EndReason) {
        if let Some(hold) = self.draft.hold.take() {
            out.push(Output::Action(Action::ReleaseHold { hold_id: hold }));
        }
        let state = self.state();
        let booking = match outcome {
            Outcome::Booked | Outcome::Changed | Outcome::Cancelled | Outcome::LookedUp => {
                self.draft.found.clone()
            }
            _ => None,
        };
        out.push(Output::End(CallEnd {
            outcome,
            reason,
            state,
            booking,
        }));
        self.step = Step::Ended;
    }

    fn close(&mut self, out: &mut Vec<Output>, outcome: Outcome, reason: EndReason) {
        self.say(out, "closing", &[]);
        self.end(out, outcome, reason);
    }

    /// Hands the caller over: transfer during staffed hours, otherwise the
    /// number and hours and an SMS with the web link (A15).
    fn escalate(&mut self, out: &mut Vec<Output>, reason: EndReason) {
        if let Some(hold) = self.draft.hold.take() {
            out.push(Output::Action(Action::ReleaseHold { hold_id: hold }));
        }
        if self.ctx.staffed_now {
            self.say(out, "transfer", &[]);
            out.push(Output::Action(Action::Transfer {
                to: self.scenario.transfer_number.clone(),
            }));
            self.end(out, Outcome::Transferred, reason);
            return;
        }
        let city = self.ctx.city_name.clone();
        let phone = ja::to_spoken_digits(&self.ctx.city_phone);
        let hours = self.scenario.staffed_hours_text.clone();
        self.say(
            out,
            "escalate_closed",
            &[("city", &city), ("phone", &phone), ("hours", &hours)],
        );
        if self
            .ctx
            .caller_id
            .as_ref()
            .is_some_and(PhoneNumber::is_mobile)
        {
            self.step = Step::SmsOffer(reason);
            self.failures = 0;
            self.say(out, "offer_sms_link", &[]);
        } else {
            self.close(out, Outcome::Failed, reason);
        }
    }

    /// A failed answer: rephrase with the keypad offer, or escalate after
    /// too many.
    fn fail(&mut self, out: &mut Vec<Output>) {
        self.failures += 1;
        if self.understood.is_empty() {
            self.understood = "not_understood".into();
        }
        if self.failures >= self.scenario.max_failures {
            self.escalate(out, EndReason::RepeatedFailures);
            return;
        }
        self.ask_retry(out);
    }

    fn go(&mut self, step: Step) {
        if step != self.step {
            self.failures = 0;
        }
        self.step = step;
    }

    // ---- questions ----

    fn venue_name(&self) -> String {
        self.draft
            .venue
            .and_then(|i| self.ctx.venues.get(i))
            .map(|v| v.name.clone())
            .unwrap_or_default()
    }

    fn eligibility_statement(&self, i: usize) -> String {
        self.ctx
            .checklist
            .items
            .get(i)
            .map(|item| item.statement.clone())
            .unwrap_or_default()
    }

    fn venue_list(&self) -> String {
        self.ctx
            .venues
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{}番、{}", i + 1, v.name))
            .collect::<Vec<_>>()
            .join("、")
    }

    fn ask(&mut self, out: &mut Vec<Output>) {
        match self.step.clone() {
            Step::Intent => self.say(out, "ask_intent", &[]),
            Step::Eligibility(i) => {
                let s = self.eligibility_statement(i);
                let id = if i == 0 {
                    "ask_eligibility"
                } else {
                    "ask_eligibility_next"
                };
                self.say(out, id, &[("statement", &s)]);
            }
            Step::Venue => self.say(out, "ask_venue", &[]),
            Step::VenueWhich(ids) => {
                let choices = ids
                    .iter()
                    .enumerate()
                    .filter_map(|(n, id)| {
                        self.ctx
                            .venues
                            .iter()
                            .find(|v| v.id == *id)
                            .map(|v| format!("{}番、{}", n + 1, v.name))
                    })
                    .collect::<Vec<_>>()
                    .join("、");
                self.say(out, "ask_venue_which", &[("choices", &choices)]);
            }
            Step::Party => {
                let v = self.venue_name();
                self.say(out, "ask_party", &[("venue", &v)]);
            }
            Step::Date => {
                if self.task == Task::Change {
                    self.say(out, "ask_new_date", &[]);
                } else {
                    let p = self.draft.party.unwrap_or(1).to_string();
                    self.say(out, "ask_date", &[("party", &p)]);
                }
            }
            Step::Time => {
                let d = match self.draft.date {
                    Some(DateWish::Day(d)) => ja::speak_date(d),
                    _ => String::new(),
                };
                self.say(out, "ask_time", &[("date", &d)]);
            }
            Step::ConfirmSlot => {
                if let Some(slot) = self.draft.slot.clone() {
                    self.say(
                        out,
                        "offer_slot",
                        &[
                            ("venue", &slot.venue_name),
                            ("date", &ja::speak_date(slot.date)),
                            ("time", &ja::speak_time(slot.start_min)),
                        ],
                    );
                }
            }
            Step::ChooseAlternative(alts) => {
                let list = alternatives_list(&alts);
                self.say(out, "offer_alternatives", &[("list", &list)]);
            }
            Step::Name => self.say(out, "ask_name", &[]),
            Step::Kana => self.say(out, "ask_kana", &[]),
            Step::Birth => self.say(out, "ask_birth", &[]),
            Step::UseCallerId => {
                let phone = self
                    .ctx
                    .caller_id
                    .as_ref()
                    .map(|p| ja::to_spoken_digits(&p.display()))
                    .unwrap_or_default();
                self.say(out, "ask_use_caller_id", &[("phone", &phone)]);
            }
            Step::Phone => self.say(out, "ask_phone", &[]),
            Step::ConfirmBooking => {
                let d = &self.draft;
                let (Some(slot), Some(party), Some(name), Some(birth), Some(phone)) = (
                    d.slot.clone(),
                    d.party,
                    d.name.clone(),
                    d.birth,
                    d.phone.clone(),
                ) else {
                    return;
                };
                let birth = BirthDate::parse(&birth.format("%Y-%m-%d").to_string(), self.ctx.today)
                    .map(|b| b.display_ja())
                    .unwrap_or_else(|_| birth.format("%Y年%-m月%-d日").to_string());
                self.say(
                    out,
                    "confirm_booking",
                    &[
                        ("venue", &slot.venue_name),
                        ("date", &ja::speak_date(slot.date)),
                        ("time", &ja::speak_time(slot.start_min)),
                        ("party", &party.to_string()),
                        ("name", &name),
                        ("birth", &birth),
                        ("phone", &ja::to_spoken_digits(&phone.display())),
                    ],
                );
            }
            Step::Fix => self.say(out, "ask_fix", &[]),
            Step::Number => self.say(out, "ask_number", &[]),
            Step::Factor => self.say(out, "ask_factor", &[]),
            Step::ConfirmChange => {
                if let Some(slot) = self.draft.slot.clone() {
                    self.say(
                        out,
                        "confirm_change",
                        &[
                            ("date", &ja::speak_date(slot.date)),
                            ("time", &ja::speak_time(slot.start_min)),
                        ],
                    );
                }
            }
            Step::ConfirmCancel => self.say(out, "confirm_cancel", &[]),
            Step::SmsOffer(_) => self.say(out, "offer_sms_link", &[]),
            Step::Waiting(_) | Step::Ended => {}
        }
    }

    fn ask_retry(&mut self, out: &mut Vec<Output>) {
        match self.step.clone() {
            Step::Intent => self.say(out, "ask_intent_retry", &[]),
            Step::Eligibility(i) => {
                let s = self.eligibility_statement(i);
                self.say(out, "ask_eligibility_retry", &[("statement", &s)]);
            }
            Step::Venue | Step::VenueWhich(_) => {
                let list = self.venue_list();
                self.go(Step::Venue);
                // `go` keeps the count when the step is the same.
                self.say(out, "ask_venue_retry", &[("venue_list", &list)]);
            }
            Step::Party => self.say(out, "ask_party_retry", &[]),
            Step::Date => self.say(out, "ask_date_retry", &[]),
            Step::Time => self.say(out, "ask_time_retry", &[]),
            Step::ConfirmSlot => self.say(out, "offer_slot_retry", &[]),
            Step::ChooseAlternative(_) => self.say(out, "offer_alternatives_retry", &[]),
            Step::Name => self.say(out, "ask_name_retry", &[]),
            Step::Kana => self.say(out, "ask_kana_retry", &[]),
            Step::Birth => self.say(out, "ask_birth_retry", &[]),
            Step::UseCallerId => self.say(out, "ask_use_caller_id_retry", &[]),
            Step::Phone => self.say(out, "ask_phone_retry", &[]),
            Step::ConfirmBooking => self.say(out, "confirm_booking_retry", &[]),
            Step::Fix => self.say(out, "ask_fix_retry", &[]),
            Step::Number => self.say(out, "ask_number_retry", &[]),
            Step::Factor => self.say(out, "ask_factor_retry", &[]),
            Step::ConfirmChange => self.say(out, "confirm_change_retry", &[]),
            Step::ConfirmCancel => self.say(out, "confirm_cancel_retry", &[]),
            Step::SmsOffer(_) => self.say(out, "ask_yes_no", &[]),
            Step::Waiting(_) | Step::Ended => {}
        }
    }

    /// Moves to the first thing a new booking (or a change) still lacks.
    fn next(&mut self, out: &mut Vec<Output>) {
        let d = &self.draft;
        let step = if self.task == Task::New && !d.eligible {
            Step::Eligibility(0)
        } else if d.venue.is_none() {
            Step::Venue
        } else if d.party.is_none() {
            Step::Party
        } else if d.date.is_none() {
            Step::Date
        } else if d.time.is_none() {
            Step::Time
        } else if d.slot.is_none() {
            return self.search(out);
        } else if self.task == Task::Change {
            Step::ConfirmChange
        } else if d.name.is_none() {
            Step::Name
        } else if d.kana.is_none() {
            Step::Kana
        } else if d.birth.is_none() {
            Step::Birth
        } else if d.phone.is_none() {
            if self
                .ctx
                .caller_id
                .as_ref()
                .is_some_and(PhoneNumber::is_mobile)
                && self.step != Step::UseCallerId
                && self.step != Step::Phone
            {
                Step::UseCallerId
            } else {
                Step::Phone
            }
        } else {
            Step::ConfirmBooking
        };
        self.go(step);
        self.ask(out);
    }

    fn search(&mut self, out: &mut Vec<Output>) {
        let (Some(venue), Some(date), Some(time)) =
            (self.draft.venue, self.draft.date, self.draft.time)
        else {
            return;
        };
        let Some(venue_id) = self.ctx.venues.get(venue).map(|v| v.id) else {
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

    fn hold_offer(&mut self, out: &mut Vec<Output>, offer: SlotOffer, confirm: bool) {
        let seats = self.draft.party.unwrap_or(1);
        let slot_id = offer.slot_id;
        self.step = Step::Waiting(Pending::Hold { offer, confirm });
        out.push(Output::Query(Query::Hold { slot_id, seats }));
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
            Step::Eligibility(i) => match yes_no(&input) {
                Some(ja::YesNo::Yes) => {
                    self.understood = "yes".into();
                    if i + 1 < self.ctx.checklist.items.len() {
                        self.go(Step::Eligibility(i + 1));
                        self.ask(out);
                    } else {
                        self.draft.eligible = true;
                        self.next(out);
                    }
                }
                Some(ja::YesNo::No) => {
                    self.understood = "no".into();
                    let if_not = self
                        .ctx
                        .checklist
                        .items
                        .get(i)
                        .map(|item| item.if_not.clone())
                        .unwrap_or_default();
                    self.say(out, "ineligible", &[("if_not", &if_not)]);
                    self.close(out, Outcome::Ineligible, EndReason::Ineligible);
                }
                Some(ja::YesNo::Ambiguous) => self.ambiguous(out),
                None => self.fail(out),
            },
            Step::Venue => self.on_venue(out, &input, None),
            Step::VenueWhich(ids) => self.on_venue(out, &input, Some(ids)),
            Step::Party => {
                let n = match &input {
                    Input::Speech(t) => ja::parse_party_size(t),
                    Input::Keys(k) => k.parse::<u8>().ok(),
                };
                match n {
                    Some(n @ 1..=4) => {
                        self.understood = format!("party={n}");
                        self.draft.party = Some(n);
                        self.next(out);
                    }
                    Some(n) if n > 4 => {
                        self.understood = format!("party={n}");
                        self.say(out, "party_too_many", &[]);
                        self.fail(out);
                    }
                    _ => self.fail(out),
                }
            }
            Step::Date => self.on_date(out, &input),
            Step::Time => self.on_time(out, &input),
            Step::ConfirmSlot | Step::ConfirmChange => match yes_no(&input) {
                Some(ja::YesNo::Yes) => {
                    self.understood = "yes".into();
                    if self.step == Step::ConfirmChange {
                        self.submit_change(out);
                    } else {
                        self.next(out);
                    }
                }
                Some(ja::YesNo::No) => {
                    self.understood = "no".into();
                    self.release_slot(out);
                    self.draft.date = None;
                    self.draft.time = None;
                    self.go(Step::Date);
                    self.say(out, "ask_new_date", &[]);
                }
                Some(ja::YesNo::Ambiguous) => self.ambiguous(out),
                None => self.fail(out),
            },
            Step::ChooseAlternative(alts) => self.on_alternative(out, &input, &alts),
            Step::Name => self.on_name(out, &input),
            Step::Kana => match &input {
                Input::Speech(t) => {
                    let cleaned = clean_free_text(t);
                    match NameKana::parse(&cleaned) {
                        Ok(kana) => {
                            self.understood = "kana".into();
                            self.draft.kana = Some(kana.as_str().to_owned());
                            self.next(out);
                        }
                        Err(_) => self.fail(out),
                    }
                }
                Input::Keys(_) => self.fail(out),
            },
            Step::Birth => {
                let text = match &input {
                    Input::Speech(t) | Input::Keys(t) => t,
                };
                match ja::parse_birth_date(text, self.ctx.today) {
                    Some(d) => {
                        self.understood = format!("birth_date={d}");
                        self.draft.birth = Some(d);
                        self.next(out);
                    }
                    None => self.fail(out),
                }
            }
            Step::UseCallerId => match yes_no(&input) {
                Some(ja::YesNo::Yes) => {
                    self.understood = "yes".into();
                    self.draft.phone = self.ctx.caller_id.clone();
                    self.next(out);
                }
                Some(ja::YesNo::No) => {
                    self.understood = "no".into();
                    self.go(Step::Phone);
                    self.ask(out);
                }
                Some(ja::YesNo::Ambiguous) => self.ambiguous(out),
                None => {
                    // A number said straight away is an answer too.
                    if let Some(phone) = phone_of(&input) {
                        self.understood = "phone".into();
                        self.draft.phone = Some(phone);
                        self.next(out);
                    } else {
                        self.fail(out);
                    }
                }
            },
            Step::Phone => match phone_of(&input) {
                Some(phone) => {
                    self.understood = "phone".into();
                    self.draft.phone = Some(phone);
                    self.next(out);
                }
                None => self.fail(out),
            },
            Step::ConfirmBooking => match yes_no(&input) {
                Some(ja::YesNo::Yes) => {
                    self.understood = "yes".into();
                    self.submit_booking(out);
                }
                Some(ja::YesNo::No) => {
                    self.understood = "no".into();
                    self.go(Step::Fix);
                    self.ask(out);
                }
                Some(ja::YesNo::Ambiguous) => self.ambiguous(out),
                None => self.fail(out),
            },
            Step::Fix => self.on_fix(out, &input),
            Step::Number => {
                let digits = match &input {
                    Input::Speech(t) => ja::parse_digits(t),
                    Input::Keys(k) => Some(k.clone()),
                };
                match digits.and_then(|d| ReservationNo::parse(&d).ok()) {
                    Some(number) => {
                        self.understood = "reservation_no".into();
                        self.draft.number = Some(number.as_str().to_owned());
                        self.go(Step::Factor);
                        self.ask(out);
                    }
                    None => self.fail(out),
                }
            }
            Step::Factor => self.on_factor(out, &input),
            Step::ConfirmCancel => match yes_no(&input) {
                Some(ja::YesNo::Yes) => {
                    self.understood = "yes".into();
                    let Some(found) = self.draft.found.clone() else {
                        return self.escalate(out, EndReason::Error);
                    };
                    self.step = Step::Waiting(Pending::Cancel);
                    out.push(Output::Query(Query::Cancel {
                        number: found.reservation_no,
                        phone: found.phone,
                    }));
                }
                Some(ja::YesNo::No) => {
                    self.understood = "no".into();
                    self.say(out, "not_cancelled", &[]);
                    self.close(out, Outcome::LookedUp, EndReason::Completed);
                }
                Some(ja::YesNo::Ambiguous) => self.ambiguous(out),
                None => self.fail(out),
            },
            Step::SmsOffer(reason) => match yes_no(&input) {
                Some(ja::YesNo::Yes) => {
                    self.understood = "yes".into();
                    if let Some(to) = self.ctx.caller_id.as_ref().map(PhoneNumber::e164) {
                        out.push(Output::Action(Action::SmsLink { to }));
                        self.say(out, "sms_link_sent", &[]);
                    }
                    self.close(out, Outcome::Failed, reason);
                }
                Some(ja::YesNo::No) => {
                    self.understood = "no".into();
                    self.close(out, Outcome::Failed, reason);
                }
                _ => {
                    self.failures += 1;
                    if self.failures >= self.scenario.max_failures {
                        self.close(out, Outcome::Failed, reason);
                    } else {
                        self.say(out, "ask_yes_no", &[]);
                    }
                }
            },
            Step::Waiting(_) | Step::Ended => {}
        }
    }

    fn ambiguous(&mut self, out: &mut Vec<Output>) {
        self.understood = "ambiguous".into();
        self.say(out, "ask_yes_no", &[]);
    }

    fn command(&mut self, out: &mut Vec<Output>, command: ja::Command) {
        match command {
            ja::Command::Repeat => {
                self.understood = "command=repeat".into();
                let last = self.last_said.clone();
                for u in last {
                    out.push(Output::Say(Utterance {
                        rate: self.rate,
                        ..u
                    }));
                }
            }
            ja::Command::Slower => {
                self.understood = "command=slower".into();
                self.rate = self.scenario.slow_rate;
                self.say(out, "slower", &[]);
                self.repeat_question(out);
            }
            ja::Command::StartOver => {
                self.understood = "command=start_over".into();
                self.release_slot(out);
                self.draft = Draft::default();
                self.task = Task::New;
                self.go(Step::Intent);
                self.say(out, "start_over", &[]);
                self.ask(out);
            }
            ja::Command::Operator => {
                self.understood = "command=operator".into();
                self.escalate(out, EndReason::Transfer);
            }
        }
    }

    fn on_intent(&mut self, out: &mut Vec<Output>, input: &Input) {
        let intent = match input {
            Input::Speech(t) => crate::ja_gaps::parse_intent(t),
            Input::Keys(k) => match k.as_str() {
                "1" => Some(ja::Intent::NewBooking),
                "2" => Some(ja::Intent::LookUp),
                "3" => Some(ja::Intent::Change),
                "4" => Some(ja::Intent::Cancel),
                "0" | "9" => Some(ja::Intent::Operator),
                _ => None,
            },
        };
        let Some(intent) = intent else {
            return self.fail(out);
        };
        self.understood = format!("intent={intent:?}").to_lowercase();
        match intent {
            ja::Intent::NewBooking => {
                self.task = Task::New;
                if self.ctx.checklist.items.is_empty() {
                    self.draft.eligible = true;
                }
                self.next(out);
            }
            ja::Intent::LookUp | ja::Intent::Change | ja::Intent::Cancel => {
                self.task = match intent {
                    ja::Intent::LookUp => Task::LookUp,
                    ja::Intent::Change => Task::Change,
                    _ => Task::Cancel,
                };
                self.go(Step::Number);
                self.ask(out);
            }
            ja::Intent::Operator => self.escalate(out, EndReason::Transfer),
        }
    }

    fn on_venue(&mut self, out: &mut Vec<Output>, input: &Input, among: Option<Vec<i64>>) {
        let pick_index = |n: usize, ids: &[i64], venues: &[VenueInfo]| -> Option<usize> {
            let id = *ids.get(n.checked_sub(1)?)?;
            venues.iter().position(|v| v.id == id)
        };
        let all: Vec<i64> = self.ctx.venues.iter().map(|v| v.id).collect();
        let ids = among.clone().unwrap_or(all);
        let chosen = match input {
            Input::Keys(k) => k
                .parse::<usize>()
                .ok()
                .and_then(|n| pick_index(n, &ids, &self.ctx.venues)),
            Input::Speech(t) => {
                let matcher = ja::VenueMatcher::new(
                    self.matcher_entries
                        .iter()
                        .filter(|e| ids.contains(&e.id))
                        .cloned()
                        .collect(),
                );
                match matcher.find(t) {
                    ja::VenueMatch::One(id) => self.ctx.venues.iter().position(|v| v.id == id),
                    ja::VenueMatch::Several(several) if among.is_none() => {
                        self.understood = format!("venues={several:?}");
                        self.go(Step::VenueWhich(several));
                        self.ask(out);
                        return;
                    }
                    _ => {
                        // "2番" while choosing among several.
                        if among.is_some() {
                            choice_number(t).and_then(|n| pick_index(n, &ids, &self.ctx.venues))
                        } else {
                            None
                        }
                    }
                }
            }
        };
        match chosen {
            Some(i) => {
                self.understood = format!("venue={}", self.ctx.venues[i].id);
                self.draft.venue = Some(i);
                self.next(out);
            }
            None => self.fail(out),
        }
    }

    fn on_date(&mut self, out: &mut Vec<Output>, input: &Input) {
        let today = self.ctx.today;
        let wish = match input {
            Input::Speech(t) => ja::parse_date(t, &ja::DateContext { today }),
            Input::Keys(k) => keyed_date(k, today).map(ja::DateAnswer::Day),
        };
        match wish {
            Some(ja::DateAnswer::Day(d)) if d < today => {
                self.understood = format!("date={d}");
                self.say(out, "date_past", &[]);
                self.fail(out);
            }
            Some(ja::DateAnswer::Day(d)) => {
                self.understood = format!("date={d}");
                self.draft.date = Some(DateWish::Day(d));
                // A time said together with the date ("明日の午後2時") counts.
                if let Input::Speech(t) = input
                    && let Some(time) = self.time_of(t)
                {
                    self.understood.push_str(&format!(" time={time:?}"));
                    self.draft.time = Some(time);
                }
                self.next(out);
            }
            Some(ja::DateAnswer::Earliest) => {
                self.understood = "date=earliest".into();
                self.draft.date = Some(DateWish::Earliest);
                self.draft.time = Some(TimeWish::Any);
                self.next(out);
            }
            None => self.fail(out),
        }
    }

    fn time_of(&self, text: &str) -> Option<TimeWish> {
        let (open, close) = self
            .draft
            .venue
            .and_then(|i| self.ctx.venues.get(i))
            .map(|v| (v.open_min, v.close_min))
            .unwrap_or((9 * 60, 17 * 60));
        match ja::resolve_hour(ja::parse_time(text)?, open, close) {
            ja::TimeAnswer::At { minute_of_day, .. } => Some(TimeWish::At(minute_of_day)),
            ja::TimeAnswer::Range { from_min, to_min } => Some(TimeWish::Range(from_min, to_min)),
        }
    }

    fn on_time(&mut self, out: &mut Vec<Output>, input: &Input) {
        let wish = match input {
            Input::Speech(t) => self.time_of(t),
            Input::Keys(k) => keyed_time(k).map(TimeWish::At),
        };
        match wish {
            Some(time) => {
                self.understood = format!("time={time:?}");
                self.draft.time = Some(time);
                self.next(out);
            }
            None => self.fail(out),
        }
    }

    fn on_alternative(&mut self, out: &mut Vec<Output>, input: &Input, alts: &[SlotOffer]) {
        let n = match input {
            Input::Keys(k) => k.parse::<usize>().ok(),
            Input::Speech(t) => {
                if t.contains('別') || t.contains("べつ") {
                    Some(0)
                } else if let Some(n) = choice_number(t) {
                    Some(n)
                } else if t.contains("最初") || t.contains("さいしょ") {
                    Some(1)
                } else {
                    match ja::parse_yes_no(t) {
                        Some(ja::YesNo::No) => Some(0),
                        // "はい" picks the only offer; among several it is no answer.
                        Some(ja::YesNo::Yes) => (alts.len() == 1).then_some(1),
                        _ => None,
                    }
                }
            }
        };
        match n {
            Some(0) => {
                self.understood = "another_day".into();
                self.draft.date = None;
                self.draft.time = None;
                self.go(Step::Date);
                self.say(out, "ask_new_date", &[]);
            }
            Some(n) if (1..=alts.len()).contains(&n) => {
                self.understood = format!("alternative={n}");
                let offer = alts[n - 1].clone();
                self.hold_offer(out, offer, false);
            }
            _ => self.fail(out),
        }
    }

    fn on_name(&mut self, out: &mut Vec<Output>, input: &Input) {
        let Input::Speech(text) = input else {
            return self.fail(out);
        };
        let cleaned = clean_free_text(text);
        match PersonName::parse(&cleaned) {
            Ok(name) => {
                self.understood = "name".into();
                self.draft.name = Some(name.as_str().to_owned());
                // A name heard in kana is its own reading.
                if let Ok(kana) = NameKana::parse(name.as_str()) {
                    self.draft.kana = Some(kana.as_str().to_owned());
                } else {
                    self.draft.kana = None;
                }
                self.next(out);
            }
            Err(_) => self.fail(out),
        }
    }

    fn on_factor(&mut self, out: &mut Vec<Output>, input: &Input) {
        let text = match input {
            Input::Speech(t) | Input::Keys(t) => t.clone(),
        };
        let keyed_birth = matches!(input, Input::Keys(k) if k.len() == 8 && (k.starts_with("19") || k.starts_with("20")));
        let factor = if keyed_birth
            || matches!(input, Input::Speech(_)) && ja::parse_phone(&text).is_none()
        {
            ja::parse_birth_date(&text, self.ctx.today).map(Factor::BirthDate)
        } else {
            None
        }
        .or_else(|| ja::parse_phone(&text).map(|p| Factor::Phone(p.as_str().to_owned())));
        let (Some(factor), Some(number)) = (factor, self.draft.number.clone()) else {
            return self.fail(out);
        };
        self.understood = match factor {
            Factor::Phone(_) => "phone".into(),
            Factor::BirthDate(_) => "birth_date".into(),
        };
        self.step = Step::Waiting(Pending::Find);
        out.push(Output::Query(Query::FindBooking { number, factor }));
    }

    fn on_fix(&mut self, out: &mut Vec<Output>, input: &Input) {
        let which = match input {
            Input::Keys(k) => k.parse::<u8>().ok(),
            Input::Speech(t) => {
                let t = t.as_str();
                if t.contains("会場") || t.contains("場所") || t.contains("かいじょう") {
                    Some(1)
                } else if t.contains("人数") || t.contains("にんずう") {
                    Some(2)
                } else if t.contains("生年月日")
                    || t.contains("誕生日")
                    || t.contains("せいねんがっぴ")
                {
                    Some(5)
                } else if t.contains('日') || t.contains("時間") || t.contains("じかん") {
                    Some(3)
                } else if t.contains("名前") || t.contains("なまえ") {
                    Some(4)
                } else if t.contains("電話") || t.contains("番号") || t.contains("でんわ") {
                    Some(6)
                } else {
                    None
                }
            }
        };
        let d = &mut self.draft;
        match which {
            Some(1) => d.venue = None,
            Some(2) => d.party = None,
            Some(3) => {
                d.date = None;
                d.time = None;
            }
            Some(4) => {
                d.name = None;
                d.kana = None;
            }
            Some(5) => d.birth = None,
            Some(6) => d.phone = None,
            _ => return self.fail(out),
        }
        self.understood = format!("fix={}", which.unwrap_or(0));
        if matches!(which, Some(1..=3)) {
            self.release_slot(out);
        }
        if which == Some(6) {
            self.go(Step::Phone);
            return self.ask(out);
        }
        self.next(out);
    }

    fn submit_booking(&mut self, out: &mut Vec<Output>) {
        let d = &self.draft;
        let (Some(slot), Some(party), Some(name), Some(kana), Some(birth), Some(phone)) = (
            d.slot.clone(),
            d.party,
            d.name.clone(),
            d.kana.clone(),
            d.birth,
            d.phone.clone(),
        ) else {
            return self.next(out);
        };
        let request = BookRequest {
            slot_id: slot.slot_id,
            hold_id: d.hold,
            party_size: party,
            name,
            name_kana: kana,
            birth_date: birth,
            phone: phone.as_str().to_owned(),
        };
        self.step = Step::Waiting(Pending::Book);
        out.push(Output::Query(Query::Book(request)));
    }

    fn submit_change(&mut self, out: &mut Vec<Output>) {
        let (Some(found), Some(slot)) = (self.draft.found.clone(), self.draft.slot.clone()) else {
            return self.escalate(out, EndReason::Error);
        };
        self.step = Step::Waiting(Pending::Change);
        out.push(Output::Query(Query::Change {
            number: found.reservation_no,
            phone: found.phone,
            slot_id: slot.slot_id,
            hold_id: self.draft.hold,
        }));
    }

    // ---- answers ----

    fn answer(&mut self, out: &mut Vec<Output>, answer: Answer) {
        let Step::Waiting(pending) = self.step.clone() else {
            return;
        };
        match (pending, answer) {
            (Pending::Slot, Answer::Slot(SlotSearch::Available(offer))) => {
                self.understood = format!("slot={}", offer.slot_id);
                self.hold_offer(out, offer, true);
            }
            (Pending::Slot, Answer::Slot(SlotSearch::Unavailable { why, alternatives })) => {
                self.understood =
                    format!("unavailable={why:?} alternatives={}", alternatives.len());
                self.say(
                    out,
                    match why {
                        Unavailable::Full => "slot_full",
                        Unavailable::NoSlot => "slot_closed",
                    },
                    &[],
                );
                self.offer_alternatives(out, alternatives);
            }
            (Pending::Hold { offer, confirm }, Answer::Held(Some(hold))) => {
                self.understood = format!("held={hold}");
                self.draft.hold = Some(hold);
                self.draft.slot = Some(offer);
                self.draft.hold_misses = 0;
                if confirm && self.task == Task::New {
                    self.go(Step::ConfirmSlot);
                    self.ask(out);
                } else {
                    self.next(out);
                }
            }
            (Pending::Hold { .. }, Answer::Held(None)) => {
                self.understood = "hold_failed".into();
                self.say(out, "slot_taken", &[]);
                self.retry_search(out);
            }
            (Pending::Book, Answer::Booked(Ok(info))) => {
                self.understood = "booked".into();
                self.draft.hold = None;
                let spoken = ja::to_spoken_digits(&info.reservation_no);
                self.draft.found = Some(info);
                self.say(out, "booked", &[("number", &spoken)]);
                self.close(out, Outcome::Booked, EndReason::Completed);
            }
            (
                Pending::Book | Pending::Change,
                Answer::Booked(Err(Refusal::Full)) | Answer::Changed(Err(Refusal::Full)),
            ) => {
                self.understood = "full".into();
                self.draft.hold = None;
                self.draft.slot = None;
                self.say(out, "slot_taken", &[]);
                self.retry_search(out);
            }
            (Pending::Change, Answer::Changed(Ok(info))) => {
                self.understood = "changed".into();
                self.draft.hold = None;
                let vars = [
                    ("venue", info.venue_name.clone()),
                    ("date", ja::speak_date(info.date)),
                    ("time", ja::speak_time(info.start_min)),
                ];
                self.draft.found = Some(info);
                let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
                self.say(out, "changed", &vars);
                self.close(out, Outcome::Changed, EndReason::Completed);
            }
            (
                Pending::Change | Pending::Cancel,
                Answer::Changed(Err(Refusal::TooLate)) | Answer::Cancelled(Err(Refusal::TooLate)),
            ) => {
                self.understood = "too_late".into();
                self.say(out, "too_late", &[]);
                self.close(out, Outcome::Failed, EndReason::Completed);
            }
            (Pending::Cancel, Answer::Cancelled(Ok(info))) => {
                self.understood = "cancelled".into();
                self.draft.found = Some(info);
                self.say(out, "cancelled", &[]);
                self.close(out, Outcome::Cancelled, EndReason::Completed);
            }
            (Pending::Find, Answer::Booking(Some(info))) => {
                self.understood = "found".into();
                self.found(out, info);
            }
            (Pending::Find, Answer::Booking(None)) => {
                self.understood = "not_found".into();
                self.draft.number = None;
                self.say(out, "not_found", &[]);
                self.step = Step::Number;
                self.failures += 1;
                if self.failures >= self.scenario.max_failures {
                    self.escalate(out, EndReason::RepeatedFailures);
                } else {
                    self.ask(out);
                }
            }
            _ => {
                self.understood = "error".into();
                self.say(out, "error", &[]);
                self.escalate(out, EndReason::Error);
            }
        }
    }

    fn retry_search(&mut self, out: &mut Vec<Output>) {
        self.draft.hold_misses += 1;
        self.draft.slot = None;
        if self.draft.hold_misses >= 3 {
            self.say(out, "all_full", &[]);
            self.close(out, Outcome::Failed, EndReason::NoAvailability);
        } else {
            self.search(out);
        }
    }

    fn offer_alternatives(&mut self, out: &mut Vec<Output>, alternatives: Vec<SlotOffer>) {
        if alternatives.is_empty() {
            self.say(out, "all_full", &[]);
            let city = self.ctx.city_name.clone();
            let phone = ja::to_spoken_digits(&self.ctx.city_phone);
            let hours = self.scenario.staffed_hours_text.clone();
            self.say(
                out,
                "escalate_closed",
                &[("city", &city), ("phone", &phone), ("hours", &hours)],
            );
            self.close(out, Outcome::Failed, EndReason::NoAvailability);
            return;
        }
        self.go(Step::ChooseAlternative(alternatives));
        self.ask(out);
    }

    fn found(&mut self, out: &mut Vec<Output>, info: BookingInfo) {
        let vars = [
            ("venue", info.venue_name.clone()),
            ("date", ja::speak_date(info.date)),
            ("time", ja::speak_time(info.start_min)),
            ("party", info.party_size.to_string()),
        ];
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.say(out, "read_booking", &vars);
        self.draft.found = Some(info.clone());
        match self.task {
            Task::LookUp | Task::New => self.close(out, Outcome::LookedUp, EndReason::Completed),
            Task::Change | Task::Cancel if !info.changeable => {
                self.say(out, "too_late", &[]);
                self.close(out, Outcome::LookedUp, EndReason::Completed);
            }
            Task::Change => {
                self.draft.venue = self.ctx.venues.iter().position(|v| v.id == info.venue_id);
                self.draft.party = Some(info.party_size);
                self.draft.eligible = true;
                if self.draft.venue.is_none() {
                    return self.escalate(out, EndReason::Error);
                }
                self.next(out);
            }
            Task::Cancel => {
                self.go(Step::ConfirmCancel);
                self.ask(out);
            }
        }
    }
}

fn alternatives_list(alts: &[SlotOffer]) -> String {
    alts.iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "{}番、{}、{}、{}",
                i + 1,
                ja::speak_date(s.date),
                ja::speak_time(s.start_min),
                s.venue_name
            )
        })
        .collect::<Vec<_>>()
        .join("。")
}

/// "2番", "にばんめ", "2": the number of an offered choice.
fn choice_number(text: &str) -> Option<usize> {
    if let Some(n) = ja::parse_digits(text).and_then(|d| d.parse::<usize>().ok()) {
        return Some(n);
    }
    let canonical = ja::canonical(text);
    let digits: String = canonical
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn yes_no(input: &Input) -> Option<ja::YesNo> {
    match input {
        Input::Speech(t) => ja::parse_yes_no(t),
        Input::Keys(k) => match k.as_str() {
            "1" => Some(ja::YesNo::Yes),
            "2" => Some(ja::YesNo::No),
            _ => None,
        },
    }
}

fn phone_of(input: &Input) -> Option<PhoneNumber> {
    match input {
        Input::Speech(t) => ja::parse_phone(t),
        Input::Keys(k) => PhoneNumber::parse(k).ok(),
    }
}

/// MMDD on the keypad: the next such day from today.
fn keyed_date(keys: &str, today: NaiveDate) -> Option<NaiveDate> {
    if keys.len() != 4 || !keys.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let month: u32 = keys[..2].parse().ok()?;
    let day: u32 = keys[2..].parse().ok()?;
    let this_year = NaiveDate::from_ymd_opt(today.year(), month, day)?;
    if this_year >= today {
        Some(this_year)
    } else {
        NaiveDate::from_ymd_opt(today.year() + 1, month, day)
    }
}

/// HHMM (or HMM) on the keypad, 24-hour.
fn keyed_time(keys: &str) -> Option<u32> {
    if !(3..=4).contains(&keys.len()) || !keys.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u32 = keys.parse().ok()?;
    let (h, m) = (n / 100, n % 100);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A name or reading as said: hesitations and polite endings removed.
fn clean_free_text(text: &str) -> String {
    let mut s = text.trim().to_owned();
    for filler in [
        "えーと",
        "えっと",
        "えー",
        "あのー",
        "あの",
        "ええと",
        "んー",
        "、",
        "。",
    ] {
        if let Some(rest) = s.strip_prefix(filler) {
            s = rest.trim_start().to_owned();
        }
    }
    for prefix in [
        "名前は",
        "なまえは",
        "お名前は",
        "読み方は",
        "よみかたは",
        "わたしは",
        "私は",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start().to_owned();
        }
    }
    for suffix in [
        "と申します",
        "ともうします",
        "といいます",
        "と言います",
        "でございます",
        "です",
        "。",
        "、",
    ] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.trim_end().to_owned();
        }
    }
    s.replace(['、', '。'], "")
}

#[cfg(test)]
mod tests;
