//! What each step says: its question, and its rephrasing after a miss
//! (with the keypad offered in the same breath).

use super::{Engine, Step, Task};
use crate::prompts::{self, Pieces};
use crate::types::*;

impl Engine {
    fn venue_name(&self) -> Pieces {
        self.draft
            .venue
            .and_then(|i| self.ctx.venues.get(i))
            .map(|v| prompts::value(v.name.clone()))
            .unwrap_or_default()
    }

    fn venue_list(&self, ids: Option<&[i64]>) -> Pieces {
        let items: Vec<Pieces> = match ids {
            None => self
                .ctx
                .venues
                .iter()
                .map(|v| prompts::value(v.name.clone()))
                .collect(),
            Some(ids) => ids
                .iter()
                .filter_map(|id| self.ctx.venues.iter().find(|v| v.id == *id))
                .map(|v| prompts::value(v.name.clone()))
                .collect(),
        };
        prompts::numbered(&items, "、")
    }

    fn statements(&self) -> Vec<Pieces> {
        self.ctx
            .checklist
            .items
            .iter()
            .map(|i| prompts::statement(&i.statement))
            .collect()
    }

    pub(super) fn ask(&mut self, out: &mut Vec<Output>) {
        match self.step.clone() {
            Step::Intent => self.say(out, "ask_intent", &[]),
            Step::Eligibility => {
                let statements = prompts::joined(&self.statements(), "");
                let vars = [
                    ("statements", statements.clone()),
                    ("statement", statements),
                ];
                self.say(out, "ask_eligibility", &vars);
            }
            Step::EligibilityWhich => {
                let choices = prompts::numbered(&self.statements(), "");
                self.say(out, "ask_eligibility_which", &[("choices", choices)]);
            }
            Step::Venue => self.say(out, "ask_venue", &[]),
            Step::VenueWhich(ids) => {
                let choices = self.venue_list(Some(&ids));
                self.say(out, "ask_venue_which", &[("choices", choices)]);
            }
            Step::Party => {
                let v = self.venue_name();
                self.say(out, "ask_party", &[("venue", v)]);
            }
            Step::Date => {
                let id = if self.task == Task::Change {
                    "ask_new_date"
                } else {
                    "ask_date"
                };
                let party = prompts::value(self.draft.party.unwrap_or(1).to_string());
                self.say(out, id, &[("party", party)]);
            }
            Step::ConfirmDate(day) => {
                self.say(out, "confirm_date", &[("date", prompts::date(day))]);
            }
            Step::Time => {
                if self.draft.hour_missing {
                    self.say(out, "ask_time_hour", &[]);
                } else {
                    let d = match self.draft.date {
                        Some(DateWish::Day(d)) => prompts::date(d),
                        _ => Vec::new(),
                    };
                    self.say(out, "ask_time", &[("date", d)]);
                }
            }
            Step::ConfirmSlot => {
                if let Some(slot) = self.draft.slot.clone() {
                    let vars = [
                        ("venue", prompts::value(slot.venue_name.clone())),
                        ("date", prompts::date(slot.date)),
                        ("time", prompts::time(slot.start_min)),
                    ];
                    self.say(out, "offer_slot", &vars);
                }
            }
            Step::ChooseAlternative(alts) => {
                let items: Vec<Pieces> = alts
                    .iter()
                    .map(|s| {
                        prompts::joined(
                            &[
                                prompts::date(s.date),
                                prompts::time(s.start_min),
                                prompts::value(s.venue_name.clone()),
                            ],
                            "、",
                        )
                    })
                    .collect();
                let list = prompts::numbered(&items, "。");
                self.say(out, "offer_alternatives", &[("list", list)]);
            }
            Step::Name => self.say(out, "ask_name", &[]),
            Step::Kana => self.say(out, "ask_kana", &[]),
            Step::Birth => self.say(out, "ask_birth", &[]),
            Step::Phone if self.draft.contact_any => self.say(out, "ask_contact", &[]),
            Step::Phone => self.say(out, "ask_phone", &[]),
            Step::ConfirmBooking => self.read_back(out),
            Step::Fix => self.say(out, "ask_fix", &[]),
            Step::Number => self.say(out, "ask_number", &[]),
            Step::Factor => self.say(out, "ask_factor", &[]),
            Step::ConfirmChange => {
                if let Some(slot) = self.draft.slot.clone() {
                    let vars = [
                        ("date", prompts::date(slot.date)),
                        ("time", prompts::time(slot.start_min)),
                    ];
                    self.say(out, "confirm_change", &vars);
                }
            }
            Step::ConfirmCancel => self.say(out, "confirm_cancel", &[]),
            Step::SmsOffer(_) => self.say(out, "offer_sms_link", &[]),
            Step::Waiting(_) | Step::Ended => {}
        }
    }

    /// The read-back: only what can be wrong (venue, day with weekday,
    /// time, party, the name's reading, the birth date; the number when it
    /// was said).
    fn read_back(&mut self, out: &mut Vec<Output>) {
        let d = &self.draft;
        let (Some(slot), Some(party), Some(kana), Some(birth), Some(phone)) = (
            d.slot.clone(),
            d.party,
            d.kana.clone(),
            d.birth,
            d.phone.clone(),
        ) else {
            return;
        };
        let mut vars = vec![
            ("venue", prompts::value(slot.venue_name.clone())),
            ("date", prompts::date(slot.date)),
            ("time", prompts::time(slot.start_min)),
            ("party", prompts::value(party.to_string())),
            ("name", prompts::name(kana)),
            // Misheard most often (ついたち → 2日), and the key to look-ups.
            ("birth", prompts::birth(birth)),
        ];
        let id = if d.phone_given {
            vars.push(("phone", prompts::digits(&phone.display())));
            "confirm_booking_phone"
        } else {
            "confirm_booking"
        };
        self.say(out, id, &vars);
    }

    pub(super) fn ask_retry(&mut self, out: &mut Vec<Output>) {
        match self.step.clone() {
            Step::Intent => self.say(out, "ask_intent_retry", &[]),
            Step::Eligibility => self.say(out, "ask_eligibility_retry", &[]),
            Step::Venue | Step::VenueWhich(_) => {
                let list = self.venue_list(None);
                // `go` keeps the count when the step is the same.
                self.go(Step::Venue);
                self.say(out, "ask_venue_retry", &[("venue_list", list)]);
            }
            Step::Party => self.say(out, "ask_party_retry", &[]),
            Step::Date | Step::ConfirmDate(_) => {
                self.go(Step::Date);
                self.say(out, "ask_date_retry", &[]);
            }
            Step::Time if self.draft.hour_missing => self.say(out, "ask_time_hour", &[]),
            Step::Time => self.say(out, "ask_time_retry", &[]),
            Step::ConfirmSlot => self.say(out, "offer_slot_retry", &[]),
            Step::ChooseAlternative(_) => self.say(out, "offer_alternatives_retry", &[]),
            Step::Name => self.say(out, "ask_name_retry", &[]),
            Step::Kana => self.say(out, "ask_kana_retry", &[]),
            Step::Birth => self.say(out, "ask_birth_retry", &[]),
            Step::Phone if self.draft.contact_any => self.say(out, "ask_contact_retry", &[]),
            Step::Phone => self.say(out, "ask_phone_retry", &[]),
            Step::ConfirmBooking => self.say(out, "confirm_booking_retry", &[]),
            Step::Fix => self.say(out, "ask_fix_retry", &[]),
            Step::Number => self.say(out, "ask_number_retry", &[]),
            Step::Factor => self.say(out, "ask_factor_retry", &[]),
            Step::ConfirmChange => self.say(out, "confirm_change_retry", &[]),
            Step::ConfirmCancel => self.say(out, "confirm_cancel_retry", &[]),
            Step::EligibilityWhich => self.ask(out),
            Step::SmsOffer(_) => self.say(out, "ask_yes_no", &[]),
            Step::Waiting(_) | Step::Ended => {}
        }
    }
}
