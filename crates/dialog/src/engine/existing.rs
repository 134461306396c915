//! A booking already made: look-up, change and cancel (reservation number
//! and a second factor), and the SMS with the web link offered when the
//! agent cannot go on.

use super::heard::Verdict;
use super::keys::yes_no;
use super::{Engine, Input, Pending, Step, Task};
use crate::prompts;
use crate::types::*;
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::reservation_no::ReservationNo;
use madoguchi_ja as ja;

impl Engine {
    pub(super) fn on_number(&mut self, out: &mut Vec<Output>, input: &Input) {
        let digits = match input {
            Input::Speech(t) => ja::parse_digits(t),
            Input::Keys(k) => Some(k.clone()),
        };
        if let Some(number) = digits.and_then(|d| ReservationNo::parse(&d).ok()) {
            self.understood = "reservation_no".into();
            self.draft.number = Some(number.as_str().to_owned());
            self.go(Step::Factor);
            return self.ask(out);
        }
        // The errand said back was wrong: "いいえ、予約したいんです".
        if let Input::Speech(t) = input
            && !t.contains("番号")
        {
            if crate::ja_gaps::parse_intent(t).is_some_and(|i| i != self.task_intent()) {
                self.go(Step::Intent);
                return self.on_intent(out, input);
            }
            if ja::parse_yes_no(t) == Some(ja::YesNo::No) {
                self.understood = "errand_wrong".into();
                self.go(Step::Intent);
                return self.ask(out);
            }
        }
        self.fail(out);
    }

    fn task_intent(&self) -> ja::Intent {
        match self.task {
            Task::New => ja::Intent::NewBooking,
            Task::LookUp => ja::Intent::LookUp,
            Task::Change => ja::Intent::Change,
            Task::Cancel => ja::Intent::Cancel,
        }
    }

    pub(super) fn on_factor(&mut self, out: &mut Vec<Output>, input: &Input) {
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

    pub(super) fn on_confirm_change(&mut self, out: &mut Vec<Output>, input: &Input) {
        match self.verdict(input) {
            Verdict::Yes => {
                self.understood = "yes".into();
                self.submit_change(out);
            }
            Verdict::Ambiguous => self.ambiguous(out),
            Verdict::Missed => self.fail(out),
            Verdict::No(heard) if heard.has_values() => {
                self.understood = "no".into();
                self.correct(out, &heard);
            }
            Verdict::No(_) => {
                self.understood = "no".into();
                // Another day and time: the venue and party stay.
                self.release_slot(out);
                self.draft.date = None;
                self.draft.time = None;
                self.draft.day_checked = None;
                self.go(Step::Date);
                self.ask(out);
            }
        }
    }

    pub(super) fn on_confirm_cancel(&mut self, out: &mut Vec<Output>, input: &Input) {
        match yes_no(input) {
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
        }
    }

    pub(super) fn on_sms_offer(&mut self, out: &mut Vec<Output>, input: &Input, reason: EndReason) {
        match yes_no(input) {
            Some(ja::YesNo::Yes) => {
                self.understood = "yes".into();
                match self.ctx.caller_id.as_ref().map(PhoneNumber::e164) {
                    Some(to) => {
                        self.step = Step::Waiting(Pending::Link(reason));
                        out.push(Output::Query(Query::SendLink { to }));
                    }
                    None => self.close(out, Outcome::Failed, reason),
                }
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
        }
    }

    pub(super) fn submit_change(&mut self, out: &mut Vec<Output>) {
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

    /// The booking asked for was found: read it, then what the task does.
    pub(super) fn found(&mut self, out: &mut Vec<Output>, info: BookingInfo) {
        let vars = [
            ("venue", prompts::value(info.venue_name.clone())),
            ("date", prompts::date(info.date)),
            ("time", prompts::time(info.start_min)),
            ("party", prompts::value(info.party_size.to_string())),
        ];
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
