//! The callers of a rehearsal: text calls through `madoguchi_calls::Call`,
//! answering whatever the agent asks.

use super::summary::CallSummary;
use super::{ms, popular};
use madoguchi_calls::{Call, CallKind, CallOptions, CallerInput, Output, ScenarioChoice};
use madoguchi_core::Clock;
use madoguchi_store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::Instant;

/// One caller booking by phone, answering whatever the agent asks.
pub(super) struct Caller {
    pub(super) store: Store,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) venues: Vec<String>,
    pub(super) n: u32,
}

#[derive(Default)]
pub(super) struct CallDone {
    pub(super) outcome: String,
    pub(super) booked: bool,
    pub(super) heard_full: bool,
    pub(super) offered: bool,
    pub(super) notice: bool,
    pub(super) error: bool,
    pub(super) turn_ms: Vec<f64>,
}

impl CallSummary {
    pub(super) fn add(&mut self, done: &CallDone) {
        self.booked += u32::from(done.booked);
        self.heard_full += u32::from(done.heard_full);
        self.alternatives_offered += u32::from(done.offered);
        self.rehearsal_notice += u32::from(done.notice);
        self.errors += u32::from(done.error);
        *self.outcomes.entry(done.outcome.clone()).or_default() += 1;
    }
}

impl CallDone {
    fn heard(&mut self, outputs: &[Output]) {
        for output in outputs {
            match output {
                Output::Say(u) => match u.prompt_id.as_str() {
                    "rehearsal_notice" => self.notice = true,
                    "slot_full" | "day_full" => self.heard_full = true,
                    "offer_alternatives" => self.offered = true,
                    _ => {}
                },
                Output::End(result) => {
                    self.booked = result.outcome == "booked";
                    self.outcome = result.outcome.clone();
                }
                Output::Action(_) => {}
            }
        }
    }
}

/// At most this many caller turns; then the caller hangs up.
const MAX_TURNS: usize = 40;

impl Caller {
    pub(super) async fn call(self, seed: u64) -> CallDone {
        let mut done = CallDone::default();
        if let Err(e) = self.talk(seed, &mut done).await {
            tracing::warn!(error = %e, "rehearsal call failed");
            done.error = true;
            done.outcome = "error".to_owned();
        }
        done
    }

    async fn talk(&self, seed: u64, done: &mut CallDone) -> anyhow::Result<()> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut call = Call::open(
            self.store.clone(),
            self.clock.clone(),
            CallOptions {
                kind: CallKind::Simulator,
                caller_id: Some(format!("+8190{:08}", 30_000_000 + self.n)),
                dry_run: false,
                scenario: ScenarioChoice::Published,
                reader: None,
            },
        )
        .await?;
        let at = Instant::now();
        let outputs = call.start().await?;
        done.turn_ms.push(ms(at));
        done.heard(&outputs);
        let venue = self.venues[popular(&mut rng, self.venues.len())].clone();
        let days = &call.possible().days;
        let day = days
            .get(rng.random_range(0..days.len().clamp(1, 3)))
            .copied();
        let minute = 9 * 60 + 30 * rng.random_range(0..15u32);
        let time = madoguchi_ja::speak_time(minute);
        let party = if rng.random_bool(0.15) { 2 } else { 1 };
        let mut last_state = String::new();
        let mut same = 0;
        for _ in 0..MAX_TURNS {
            if call.is_ended() {
                break;
            }
            let state = call.state();
            same = if state == last_state { same + 1 } else { 0 };
            let input = if same >= 3 {
                // Going round in circles: a real caller would give up too.
                CallerInput::HangUp
            } else {
                answer(&state, &venue, day, &time, party)
            };
            last_state = state;
            let at = Instant::now();
            let outputs = call.input(input).await?;
            done.turn_ms.push(ms(at));
            done.heard(&outputs);
        }
        if !call.is_ended() {
            let outputs = call.abandon().await?;
            done.heard(&outputs);
        }
        Ok(())
    }
}

/// What the caller says at each step of the dialog.
pub(super) fn answer(
    state: &str,
    venue: &str,
    day: Option<chrono::NaiveDate>,
    time: &str,
    party: u8,
) -> CallerInput {
    use chrono::Datelike;
    let said = |s: &str| CallerInput::Said(s.to_owned());
    match state {
        "intent" => said("新しく予約したいです"),
        "eligibility" | "confirm_date" | "confirm_slot" | "confirm_booking" => said("はい"),
        "venue" => said(venue),
        "venue_which" | "eligibility_which" => CallerInput::Dtmf("1".to_owned()),
        "party" => said(&format!("{party}人です")),
        "date" => match day {
            Some(d) => said(&format!("{}月{}日の{time}", d.month(), d.day())),
            None => CallerInput::HangUp,
        },
        "time" => said(time),
        "choose_alternative" => said("1番"),
        "name" => said("一宮 太郎"),
        "kana" => said("いちのみや たろう"),
        "birth_date" => said("昭和35年4月1日"),
        "phone" => CallerInput::Dtmf("09012345678".to_owned()),
        "sms_offer" | "fix" => said("いいえ"),
        _ => CallerInput::HangUp,
    }
}
