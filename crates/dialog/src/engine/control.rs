//! The call's control: the global commands (repeat, slower, start over,
//! a person), failed answers, handing the caller over, and the end.

use super::{Draft, Engine, Step, Task};
use crate::types::*;
use madoguchi_core::contact::PhoneNumber;
use madoguchi_ja as ja;

impl Engine {
    pub(super) fn end(&mut self, out: &mut Vec<Output>, outcome: Outcome, reason: EndReason) {
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

    pub(super) fn close(&mut self, out: &mut Vec<Output>, outcome: Outcome, reason: EndReason) {
        self.say(out, "closing", &[]);
        self.end(out, outcome, reason);
    }

    /// Hands the caller over: transfer during staffed hours, otherwise the
    /// number and hours and an SMS with the web link (A15).
    pub(super) fn escalate(&mut self, out: &mut Vec<Output>, reason: EndReason) {
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
        let vars = self.city_vars();
        self.say(out, "escalate_closed", &vars);
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
    pub(super) fn fail(&mut self, out: &mut Vec<Output>) {
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

    pub(super) fn ambiguous(&mut self, out: &mut Vec<Output>) {
        self.understood = "ambiguous".into();
        self.say(out, "ask_yes_no", &[]);
    }

    pub(super) fn command(&mut self, out: &mut Vec<Output>, command: ja::Command) {
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
}
