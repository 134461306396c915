//! Answers to the engine's queries: slots found or not, holds, bookings
//! made, changed, cancelled or found, the link SMS queued or capped.

use super::{Engine, OfferMode, Pending, Step, Task};
use crate::prompts;
use crate::types::*;
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::name::NameKana;

impl Engine {
    pub(super) fn answer(&mut self, out: &mut Vec<Output>, answer: Answer) {
        let Step::Waiting(pending) = self.step.clone() else {
            return;
        };
        match (pending, answer) {
            (Pending::Probe(day), Answer::Slot(SlotSearch::Available(_))) => {
                self.understood = format!("day_open={day}");
                self.draft.day_checked = Some(day);
                self.draft.day_said_back = Some(day);
                self.next(out);
            }
            (
                Pending::Probe(_) | Pending::Slot,
                Answer::Slot(SlotSearch::Unavailable {
                    why: Unavailable::PartyTooLarge { at_most },
                    ..
                }),
            ) => self.party_too_large(out, at_most),
            (Pending::Probe(day), Answer::Slot(SlotSearch::Unavailable { why, alternatives })) => {
                self.understood = format!("day_unavailable={why:?}");
                let id = match why {
                    Unavailable::NoSlot => "day_closed",
                    _ => "day_full",
                };
                self.say(out, id, &[("date", prompts::date(day))]);
                self.offer_nearest(out, alternatives);
            }
            (Pending::Slot, Answer::Slot(SlotSearch::Available(offer))) => {
                self.understood = format!("slot={}", offer.slot_id);
                let exact = self.draft.date == Some(DateWish::Day(offer.date))
                    && self.draft.time == Some(TimeWish::At(offer.start_min));
                let mode = if exact {
                    OfferMode::Exact
                } else {
                    OfferMode::Ask
                };
                self.hold_offer(out, offer, mode);
            }
            (Pending::Slot, Answer::Slot(SlotSearch::Unavailable { why, alternatives })) => {
                self.understood =
                    format!("unavailable={why:?} alternatives={}", alternatives.len());
                let id = match why {
                    Unavailable::NoSlot => "slot_closed",
                    _ => "slot_full",
                };
                self.say(out, id, &[]);
                self.offer_alternatives(out, alternatives);
            }
            (Pending::Hold { offer, mode }, Answer::Held(Some(hold))) => {
                self.understood = format!("held={hold}");
                self.draft.hold = Some(hold);
                self.draft.hold_misses = 0;
                let (date, time) = (offer.date, offer.start_min);
                self.draft.slot = Some(offer);
                match (mode, self.task) {
                    (OfferMode::Ask, Task::New) => {
                        self.go(Step::ConfirmSlot);
                        self.ask(out);
                    }
                    (OfferMode::Exact, Task::New) => {
                        let venue = self.draft.slot.as_ref().map(|s| s.venue_name.clone());
                        let vars = [
                            ("venue", prompts::value(venue.unwrap_or_default())),
                            ("date", prompts::date(date)),
                            ("time", prompts::time(time)),
                        ];
                        // The day was just said back with the time question.
                        let id = if self.draft.day_said_back == Some(date) {
                            "slot_ok_time"
                        } else {
                            "slot_ok"
                        };
                        self.say(out, id, &vars);
                        self.next(out);
                    }
                    _ => {
                        if mode == OfferMode::Chosen {
                            self.draft.date = Some(DateWish::Day(date));
                            self.draft.time = Some(TimeWish::At(time));
                        }
                        self.next(out);
                    }
                }
            }
            (Pending::Hold { .. }, Answer::Held(None)) => {
                self.understood = "hold_failed".into();
                self.say(out, "slot_taken", &[]);
                self.retry_search(out);
            }
            (Pending::Book, Answer::Booked(Ok(info))) => {
                self.understood = if self.draft.name_to_check {
                    "booked name_to_check".into()
                } else {
                    "booked".into()
                };
                self.draft.hold = None;
                let number = prompts::digits(&info.reservation_no);
                self.draft.found = Some(info);
                self.say(out, "booked", &[("number", number.clone())]);
                self.say(out, "read_number", &[("number", number)]);
                // The SMS is promised only where it can go.
                if self
                    .draft
                    .phone
                    .as_ref()
                    .is_some_and(PhoneNumber::is_mobile)
                {
                    self.say(out, "booked_after", &[]);
                }
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
                    ("venue", prompts::value(info.venue_name.clone())),
                    ("date", prompts::date(info.date)),
                    ("time", prompts::time(info.start_min)),
                ];
                self.draft.found = Some(info);
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
            (Pending::Reading, Answer::Reading(reading)) => {
                if let Some(kana) = reading.and_then(|r| NameKana::parse(&r).ok()) {
                    self.understood = "kana_from_dictionary".into();
                    self.draft.kana = Some(kana.as_str().to_owned());
                }
                self.next(out);
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
            (Pending::Link(reason), Answer::LinkQueued(queued)) => {
                self.understood = format!("link_queued={queued}");
                if queued {
                    if let Some(to) = self.ctx.caller_id.as_ref().map(|p| p.e164()) {
                        out.push(Output::Action(Action::SmsLink { to }));
                    }
                    self.say(out, "sms_link_sent", &[]);
                } else {
                    // The number had its share today: do not claim it was sent.
                    self.say(out, "sms_link_capped", &[]);
                }
                self.close(out, Outcome::Failed, reason);
            }
            _ => {
                self.understood = "error".into();
                self.say(out, "error", &[]);
                self.escalate(out, EndReason::Error);
            }
        }
    }

    /// Not all together anywhere: say how many can come together and ask
    /// the party again, keeping the venue, day and time.
    fn party_too_large(&mut self, out: &mut Vec<Output>, at_most: u8) {
        self.understood = format!("party_too_large at_most={at_most}");
        let party = self.draft.party.unwrap_or(at_most.saturating_add(1));
        self.release_slot(out);
        self.draft.party = None;
        self.draft.day_checked = None;
        let vars = [
            ("party", prompts::value(party.to_string())),
            ("at_most", prompts::value(at_most.to_string())),
        ];
        self.say(out, "party_too_large", &vars);
        self.go(Step::Party);
        self.ask(out);
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

    /// A day that cannot be booked: the nearest bookable slot, as a question.
    fn offer_nearest(&mut self, out: &mut Vec<Output>, alternatives: Vec<SlotOffer>) {
        match alternatives.into_iter().next() {
            Some(nearest) => self.hold_offer(out, nearest, OfferMode::Ask),
            None => self.offer_alternatives(out, Vec::new()),
        }
    }

    fn offer_alternatives(&mut self, out: &mut Vec<Output>, alternatives: Vec<SlotOffer>) {
        if alternatives.is_empty() {
            self.say(out, "all_full", &[]);
            let vars = self.city_vars();
            self.say(out, "escalate_closed", &vars);
            self.close(out, Outcome::Failed, EndReason::NoAvailability);
            return;
        }
        self.go(Step::ChooseAlternative(alternatives));
        self.ask(out);
    }
}
