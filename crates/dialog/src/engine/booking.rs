//! A new booking's answers: errand, checklist, venue, party, date, time,
//! the slot offered, name, reading, birth date, phone, the read-back.

use super::heard::{Field, Heard, Verdict};
use super::keys::{choice_number, digits_as_kanji, keyed_date, keyed_time, phone_of, yes_no};
use super::{Engine, Input, OfferMode, Pending, Step, Task};
use crate::types::*;
use madoguchi_core::name::{NameKana, PersonName};
use madoguchi_ja as ja;

impl Engine {
    pub(super) fn on_intent(&mut self, out: &mut Vec<Output>, input: &Input) {
        let (intent, heard) = match input {
            Input::Speech(t) => {
                let heard = self.hear(t);
                let intent = crate::ja_gaps::parse_intent(t)
                    // Details of a booking said straight away are a booking.
                    .or_else(|| heard.has_values().then_some(ja::Intent::NewBooking));
                (intent, heard)
            }
            Input::Keys(k) => {
                let intent = match k.as_str() {
                    "1" => Some(ja::Intent::NewBooking),
                    "2" => Some(ja::Intent::LookUp),
                    "3" => Some(ja::Intent::Change),
                    "4" => Some(ja::Intent::Cancel),
                    "0" | "9" => Some(ja::Intent::Operator),
                    _ => None,
                };
                (intent, Heard::default())
            }
        };
        let Some(intent) = intent else {
            return self.fail(out);
        };
        self.understood = format!("intent={intent:?}").to_lowercase();
        let (task, said_back) = match intent {
            ja::Intent::NewBooking => (Task::New, "intent_new"),
            ja::Intent::LookUp => (Task::LookUp, "intent_look_up"),
            ja::Intent::Change => (Task::Change, "intent_change"),
            ja::Intent::Cancel => (Task::Cancel, "intent_cancel"),
            ja::Intent::Operator => return self.escalate(out, EndReason::Transfer),
        };
        self.task = task;
        // The errand said back, so that a mishearing shows at once.
        self.say(out, said_back, &[]);
        if task == Task::New {
            if self.ctx.checklist.items.is_empty() {
                self.draft.eligible = true;
            }
            let clash = self.take(out, &heard);
            self.proceed(out, clash);
        } else {
            self.go(Step::Number);
            self.ask(out);
        }
    }

    pub(super) fn on_eligibility(&mut self, out: &mut Vec<Output>, input: &Input) {
        match yes_no(input) {
            Some(ja::YesNo::Yes) => {
                self.understood = "yes".into();
                self.draft.eligible = true;
                self.next(out);
            }
            Some(ja::YesNo::No) => {
                self.understood = "no".into();
                if self.ctx.checklist.items.len() > 1 {
                    self.go(Step::EligibilityWhich);
                    self.ask(out);
                } else {
                    self.ineligible(out, 0);
                }
            }
            Some(ja::YesNo::Ambiguous) => self.ambiguous(out),
            None => self.fail(out),
        }
    }

    pub(super) fn on_eligibility_which(&mut self, out: &mut Vec<Output>, input: &Input) {
        let n = match input {
            Input::Keys(k) => k.parse::<usize>().ok(),
            Input::Speech(t) => choice_number(t),
        };
        match n {
            Some(n) if (1..=self.ctx.checklist.items.len()).contains(&n) => {
                self.understood = format!("not_true={n}");
                self.ineligible(out, n - 1);
            }
            _ => self.fail(out),
        }
    }

    /// What to do instead, then the call ends.
    fn ineligible(&mut self, out: &mut Vec<Output>, item: usize) {
        let if_not = self
            .ctx
            .checklist
            .items
            .get(item)
            .map(|i| crate::prompts::value(i.if_not.clone()))
            .unwrap_or_default();
        self.say(out, "ineligible", &[("if_not", if_not)]);
        self.close(out, Outcome::Ineligible, EndReason::Ineligible);
    }

    pub(super) fn on_venue(
        &mut self,
        out: &mut Vec<Output>,
        input: &Input,
        among: Option<Vec<i64>>,
    ) {
        let pick = |n: usize, ids: &[i64], venues: &[VenueInfo]| -> Option<usize> {
            let id = *ids.get(n.checked_sub(1)?)?;
            venues.iter().position(|v| v.id == id)
        };
        let all: Vec<i64> = self.ctx.venues.iter().map(|v| v.id).collect();
        let ids = among.clone().unwrap_or(all);
        let (chosen, heard) = match input {
            Input::Keys(k) => (
                k.parse::<usize>()
                    .ok()
                    .and_then(|n| pick(n, &ids, &self.ctx.venues)),
                Heard::default(),
            ),
            Input::Speech(t) => {
                let matcher = ja::VenueMatcher::new(
                    self.matcher_entries
                        .iter()
                        .filter(|e| ids.contains(&e.id))
                        .cloned()
                        .collect(),
                );
                let chosen = match matcher.find(t) {
                    ja::VenueMatch::One(id) => self.ctx.venues.iter().position(|v| v.id == id),
                    ja::VenueMatch::Several(several) if among.is_none() => {
                        self.understood = format!("venues={several:?}");
                        self.go(Step::VenueWhich(several));
                        return self.ask(out);
                    }
                    // "2番" while choosing among several.
                    _ if among.is_some() => {
                        choice_number(t).and_then(|n| pick(n, &ids, &self.ctx.venues))
                    }
                    _ => None,
                };
                (chosen, self.hear(t))
            }
        };
        let Some(i) = chosen else {
            return self.fail(out);
        };
        let clash = self.take(
            out,
            &Heard {
                venue: Some(i),
                ..heard
            },
        );
        self.proceed(out, clash);
    }

    /// The party, date and time questions: whatever the answer holds is
    /// taken; the question's own value missing and nothing else new is a miss.
    pub(super) fn on_detail(&mut self, out: &mut Vec<Output>, input: &Input) {
        let heard = match input {
            Input::Speech(t) => self.hear(t),
            Input::Keys(k) => {
                let mut heard = Heard::default();
                match self.step {
                    Step::Party => heard.party = k.parse::<u8>().ok(),
                    Step::Date => {
                        heard.date = keyed_date(k, self.ctx.today).map(ja::DateAnswer::Day)
                    }
                    Step::Time => heard.time = keyed_time(k).map(TimeWish::At),
                    _ => {}
                }
                heard
            }
        };
        let before = (self.draft.party, self.draft.date, self.draft.time);
        let clash = self.take(out, &heard);
        let after = (self.draft.party, self.draft.date, self.draft.time);
        let answered = match self.step {
            Step::Party => self.draft.party.is_some(),
            Step::Date => self.draft.date.is_some(),
            _ => self.draft.time.is_some(),
        };
        if clash.is_some() || answered || (before != after && !heard.hour_missing) {
            self.proceed(out, clash);
        } else {
            self.fail(out);
        }
    }

    pub(super) fn on_confirm_date(
        &mut self,
        out: &mut Vec<Output>,
        input: &Input,
        day: chrono::NaiveDate,
    ) {
        let heard = self.heard_of(input);
        match yes_no(input) {
            _ if heard.date.is_some() => {
                let clash = self.take(out, &heard);
                self.proceed(out, clash);
            }
            Some(ja::YesNo::Yes) => {
                self.understood = format!("date={day}");
                self.draft.date = Some(DateWish::Day(day));
                self.draft.day_checked = None;
                let clash = self.take(out, &heard);
                self.proceed(out, clash);
            }
            Some(ja::YesNo::No) => {
                self.understood = "no".into();
                self.draft.date = None;
                self.fail(out);
            }
            Some(ja::YesNo::Ambiguous) => self.ambiguous(out),
            None => self.fail(out),
        }
    }

    /// The slot offered as a question.
    pub(super) fn on_offer(&mut self, out: &mut Vec<Output>, input: &Input) {
        match self.verdict(input) {
            Verdict::Yes => {
                self.understood = "yes".into();
                if let Some(slot) = &self.draft.slot {
                    self.draft.date = Some(DateWish::Day(slot.date));
                    self.draft.time = Some(TimeWish::At(slot.start_min));
                }
                self.next(out);
            }
            Verdict::Ambiguous => self.ambiguous(out),
            Verdict::Missed => self.fail(out),
            Verdict::No(heard) => {
                self.understood = "no".into();
                self.correct(out, &heard);
            }
        }
    }

    pub(super) fn on_alternative(
        &mut self,
        out: &mut Vec<Output>,
        input: &Input,
        alts: &[SlotOffer],
    ) {
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
                self.draft.day_checked = None;
                self.go(Step::Date);
                self.say(out, "ask_new_date", &[]);
            }
            Some(n) if (1..=alts.len()).contains(&n) => {
                self.understood = format!("alternative={n}");
                let offer = alts[n - 1].clone();
                // The caller chose again: earlier lost races are not a loop.
                self.draft.hold_misses = 0;
                self.hold_offer(out, offer, OfferMode::Chosen);
            }
            _ => self.fail(out),
        }
    }

    pub(super) fn on_name(&mut self, out: &mut Vec<Output>, input: &Input) {
        // 「いいえ、時間が違います」 after "お取りできます": a correction, not a name.
        if let Input::Speech(t) = input
            && ["いいえ", "違", "ちが"]
                .iter()
                .any(|w| ja::normalize(t).starts_with(w))
        {
            let heard = self.hear(t);
            return self.correct(out, &heard);
        }
        let cleaned = match input {
            Input::Speech(t) => ja::parse_name(t).unwrap_or_default(),
            Input::Keys(_) => String::new(),
        };
        let (cleaned, had_digits) = digits_as_kanji(&cleaned);
        match PersonName::parse(&cleaned) {
            Ok(name) => {
                self.understood = "name".into();
                if had_digits {
                    self.understood = "name_with_digits".into();
                    self.draft.name_to_check = true;
                }
                self.draft.name = Some(name.as_str().to_owned());
                // A name heard in kana is its own reading.
                self.draft.kana = NameKana::parse(name.as_str())
                    .ok()
                    .map(|k| k.as_str().to_owned());
                self.next(out);
            }
            Err(_) => self.name_missed(out, None),
        }
    }

    pub(super) fn on_kana(&mut self, out: &mut Vec<Output>, input: &Input) {
        let cleaned = match input {
            Input::Speech(t) => ja::parse_name(t).unwrap_or_default(),
            Input::Keys(_) => String::new(),
        };
        match NameKana::parse(&cleaned) {
            Ok(kana) => {
                self.understood = "kana".into();
                self.draft.kana = Some(kana.as_str().to_owned());
                self.next(out);
            }
            Err(_) => {
                // Keep the kana heard, in case it is all we get.
                let kana: String = cleaned.chars().filter(|c| is_kana(*c)).collect();
                self.name_missed(out, NameKana::parse(&kana).ok())
            }
        }
    }

    /// A name is never a reason to transfer: after a second miss, what was
    /// heard is kept, marked for staff to check, and the call goes on.
    fn name_missed(&mut self, out: &mut Vec<Output>, kana: Option<NameKana>) {
        if let Some(k) = kana {
            self.draft.heard_name = Some(k.as_str().to_owned());
        }
        self.failures += 1;
        self.understood = "not_understood".into();
        if self.failures < 2 {
            return self.ask_retry(out);
        }
        self.understood = "name_to_check".into();
        let best = self.draft.heard_name.clone();
        let d = &mut self.draft;
        d.name_to_check = true;
        if d.name.is_none() {
            d.name = Some(best.clone().unwrap_or_else(|| "（聞き取れず）".to_owned()));
        }
        d.kana = Some(best.unwrap_or_else(|| "ミカクニン".to_owned()));
        self.say(out, "name_to_check", &[]);
        self.next(out);
    }

    pub(super) fn on_birth(&mut self, out: &mut Vec<Output>, input: &Input) {
        let text = match input {
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

    pub(super) fn on_phone(&mut self, out: &mut Vec<Output>, input: &Input) {
        if !self.draft.contact_any && has_no_mobile(input) {
            self.understood = "no_mobile".into();
            return match self.ctx.caller_id.clone() {
                // Calling from a landline: that is where to reach them.
                Some(own) => {
                    self.draft.phone = Some(own);
                    self.draft.phone_given = false;
                    self.say(out, "contact_is_caller", &[]);
                    self.next(out)
                }
                None => {
                    self.draft.contact_any = true;
                    self.go(Step::Phone);
                    self.ask(out);
                }
            };
        }
        match phone_of(input) {
            Some(phone) => {
                self.understood = "phone".into();
                self.draft.phone = Some(phone);
                self.draft.phone_given = true;
                self.next(out);
            }
            None => self.fail(out),
        }
    }

    pub(super) fn on_confirm_booking(&mut self, out: &mut Vec<Output>, input: &Input) {
        match self.verdict(input) {
            Verdict::Yes => {
                self.understood = "yes".into();
                self.submit_booking(out);
            }
            Verdict::Ambiguous => self.ambiguous(out),
            Verdict::Missed => self.fail(out),
            Verdict::No(heard) => {
                self.understood = "no".into();
                self.correct(out, &heard);
            }
        }
    }

    /// "What to change": by key, by name, or with the new value itself.
    pub(super) fn on_fix(&mut self, out: &mut Vec<Output>, input: &Input) {
        match input {
            Input::Keys(k) => match Field::from_key(k) {
                Some(fields) => {
                    self.understood = format!("fix={k}");
                    self.clear(out, &fields);
                }
                None => self.fail(out),
            },
            Input::Speech(t) => {
                let heard = self.hear(t);
                if heard.has_values() || !heard.fix.is_empty() {
                    self.correct(out, &heard);
                } else {
                    self.fail(out);
                }
            }
        }
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
            name_to_check: d.name_to_check,
        };
        self.step = Step::Waiting(Pending::Book);
        out.push(Output::Query(Query::Book(request)));
    }
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー' | '\u{3000}' | ' ')
}

/// 「携帯はありません」「持っていません」 or 0 on the keypad, at the mobile
/// number question.
fn has_no_mobile(input: &Input) -> bool {
    match input {
        Input::Keys(k) => k == "0",
        Input::Speech(t) => {
            let c = ja::normalize(t);
            ja::parse_phone(t).is_none()
                && ([
                    "ない",
                    "ありません",
                    "もってません",
                    "持ってません",
                    "持っていません",
                ]
                .iter()
                .any(|w| c.contains(w))
                    || ja::parse_yes_no(t) == Some(ja::YesNo::No))
        }
    }
}
