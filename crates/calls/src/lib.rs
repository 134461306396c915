//! Runs phone conversations: feeds the dialog engine what it asks of the
//! store (free slots, holds, bookings) and records every turn of the call.
//!
//! Text in, text out: [`Call::start`] and [`Call::input`] return what the
//! agent says and does. The CLI simulator, the admin rehearsal page and the
//! voice channel all drive calls through this API.
//!
//! Every turn is stored (C3) with the state, the prompts said, the caller's
//! input as received and what was understood; a call that ends early
//! records its state and reason (C6). Nothing personal goes to the logs.

mod resolve;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use madoguchi_core::Clock;
use madoguchi_core::booking::Channel;
use madoguchi_core::contact::PhoneNumber;
use madoguchi_dialog::{self as dialog, Engine, Event, Scenario};
use madoguchi_ja as ja;
use madoguchi_store::{CallEnd, CallId, CallTurn, NewCall, Store, StoreError};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the stored scenario is invalid: {0}")]
    Scenario(#[from] dialog::ScenarioError),
}

/// At most this many web link SMS go to one number in any 24 hours, so
/// that nobody can use the phone line to flood someone's phone (one per
/// call in any case).
pub const LINK_SMS_PER_NUMBER_PER_DAY: u32 = 3;

/// Where a call comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Simulator,
    Rehearsal,
    Voice,
}

impl CallKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CallKind::Simulator => "simulator",
            CallKind::Rehearsal => "rehearsal",
            CallKind::Voice => "voice",
        }
    }
}

/// Which scenario a call uses.
#[derive(Debug, Clone)]
pub enum ScenarioChoice {
    /// The published version (the built-in default if none was published).
    Published,
    /// The draft being edited (the published one if there is no draft).
    Draft,
    /// A scenario given as is (tests); recorded without a version.
    Given(Box<Scenario>),
}

/// Reads a name written in kanji as katakana (the voice layer's
/// pronunciation dictionary), so that the caller is not asked for its
/// reading. `None`: no reading known; the caller is asked.
pub trait NameReader: Send + Sync {
    fn read<'a>(
        &'a self,
        name: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<String>> + Send + 'a>>;
}

#[derive(Clone)]
pub struct CallOptions {
    pub kind: CallKind,
    /// The caller's number as the network gave it (`+8190…` or `090…`).
    pub caller_id: Option<String>,
    /// Nothing is booked, held, changed or cancelled.
    pub dry_run: bool,
    pub scenario: ScenarioChoice,
    /// Reads names heard in kanji (voice calls); none in the simulator.
    pub reader: Option<Arc<dyn NameReader>>,
}

impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOptions")
            .field("kind", &self.kind)
            .field("dry_run", &self.dry_run)
            .field("scenario", &self.scenario)
            .field("reader", &self.reader.is_some())
            .finish_non_exhaustive()
    }
}

/// What the caller did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerInput {
    Said(String),
    Dtmf(String),
    Silence,
    HangUp,
}

/// The result of a call, for the simulator's last line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CallResult {
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_size: Option<u8>,
    /// Why the call ended (not part of the simulator's contract).
    #[serde(skip)]
    pub reason: String,
}

/// What the agent says or does.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Say(dialog::Utterance),
    Action(dialog::Action),
    End(CallResult),
}

/// One call in progress.
pub struct Call {
    store: Store,
    clock: Arc<dyn Clock>,
    engine: Engine,
    id: CallId,
    seq: i64,
    kind: CallKind,
    dry_run: bool,
    hold_ttl: chrono::Duration,
    corrections: Vec<(String, String)>,
    venues: Vec<madoguchi_core::venue::Venue>,
    venue_words: Vec<String>,
    possible: Possible,
    reader: Option<Arc<dyn NameReader>>,
    ended: bool,
}

/// What a caller can name in this call, for choosing among the
/// recognizer's N-best hypotheses the one that says something possible
/// (the voice layer). Read once when the call opens: cheap to consult on
/// every turn, and a day that fills up meanwhile is still refused by the
/// dialog's own search.
pub struct Possible {
    /// Today in Japan.
    pub today: NaiveDate,
    /// Days in the reception window with a free seat for the phone at
    /// some venue, in order.
    pub days: Vec<NaiveDate>,
    /// Earliest opening and latest closing over the venues (minutes after
    /// midnight): an hour outside them cannot be booked.
    pub open_min: u32,
    pub close_min: u32,
    /// The venues by name, reading and alias (the dialog's own matcher).
    pub venues: ja::VenueMatcher,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("id", &self.id)
            .field("seq", &self.seq)
            .finish()
    }
}

impl Call {
    /// Loads the scenario, venues and corrections and records the call.
    pub async fn open(
        store: Store,
        clock: Arc<dyn Clock>,
        options: CallOptions,
    ) -> Result<Call, CallError> {
        let (version, scenario) = load_scenario(&store, &options.scenario).await?;
        let settings = store.settings().await?;
        let now = clock.now();
        let local = now.with_timezone(&madoguchi_core::JST);
        let today = local.date_naive();
        let venues = store.venues(false).await?;
        let aliases = store.venue_aliases().await?;
        let mut infos = Vec::new();
        for v in &venues {
            let template = store.weekly_template(v.id).await?;
            let open_min = template
                .days
                .iter()
                .map(|d| d.open_min)
                .min()
                .unwrap_or(9 * 60);
            let close_min = template
                .days
                .iter()
                .map(|d| d.close_min)
                .max()
                .unwrap_or(17 * 60);
            infos.push(dialog::VenueInfo {
                id: v.id.0,
                name: v.name.clone(),
                kana: v.kana.clone(),
                aliases: aliases
                    .iter()
                    .filter(|a| a.venue_id == v.id)
                    .map(|a| a.alias.clone())
                    .collect(),
                open_min,
                close_min,
            });
        }
        // Names, readings and aliases steer the recognizer at the venue step.
        let venue_words = infos
            .iter()
            .flat_map(|v| {
                std::iter::once(v.name.clone())
                    .chain(std::iter::once(v.kana.clone()))
                    .chain(v.aliases.iter().cloned())
            })
            .filter(|w| !w.is_empty())
            .collect();
        let possible = Possible {
            today,
            days: bookable_days(&store, &venues, &settings, now).await?,
            open_min: infos.iter().map(|v| v.open_min).min().unwrap_or(9 * 60),
            close_min: infos.iter().map(|v| v.close_min).max().unwrap_or(17 * 60),
            venues: ja::VenueMatcher::new(
                infos
                    .iter()
                    .map(|v| ja::VenueEntry {
                        id: v.id,
                        name: v.name.clone(),
                        kana: v.kana.clone(),
                        aliases: v.aliases.clone(),
                    })
                    .collect(),
            ),
        };
        let caller_id = options
            .caller_id
            .as_deref()
            .and_then(|raw| PhoneNumber::parse(raw).ok());
        let weekday = u8::try_from(local.weekday().num_days_from_monday()).unwrap_or(0);
        let staffed_now = scenario.is_staffed(
            weekday,
            local.hour() * 60 + local.minute(),
            settings.closed_days.is_closed(today),
        );
        let ctx = dialog::CallContext {
            today,
            staffed_now,
            caller_id,
            venues: infos,
            checklist: settings.checklist.clone(),
            city_name: settings.city.name.clone(),
            city_phone: settings.city.phone.clone(),
        };
        let corrections = store
            .recognition_corrections()
            .await?
            .into_iter()
            .map(|c| (c.from_text, c.to_text))
            .collect();
        let id = store
            .start_call(
                &NewCall {
                    kind: options.kind.as_str().to_owned(),
                    caller_id: options.caller_id.clone(),
                    scenario_version: version,
                    dry_run: options.dry_run,
                },
                now,
            )
            .await?;
        tracing::info!(
            call = id.0,
            kind = options.kind.as_str(),
            dry_run = options.dry_run,
            "call started"
        );
        Ok(Call {
            store,
            clock,
            hold_ttl: chrono::Duration::seconds(i64::from(scenario.hold_seconds)),
            engine: Engine::new(scenario, ctx),
            id,
            seq: 0,
            kind: options.kind,
            dry_run: options.dry_run,
            corrections,
            venues,
            venue_words,
            possible,
            reader: options.reader,
            ended: false,
        })
    }

    pub fn id(&self) -> CallId {
        self.id
    }

    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// The step the conversation is at, as recorded in the call log
    /// (`venue`, `reservation_no`, `confirm_booking`, …).
    pub fn state(&self) -> String {
        self.engine.state()
    }

    /// What the caller is expected to answer next (hints, keypad,
    /// end-of-turn timing in the voice layer).
    pub fn expect(&self) -> dialog::Expect {
        self.engine.expect()
    }

    /// Venue names, their readings and aliases, for recognizer hints.
    pub fn venue_words(&self) -> &[String] {
        &self.venue_words
    }

    /// What can be named in this call (bookable days, hours, venues).
    pub fn possible(&self) -> &Possible {
        &self.possible
    }

    /// `text` with the staff's recognition corrections applied, as the
    /// dialog will hear it.
    pub fn corrected(&self, text: &str) -> String {
        self.correct(text)
    }

    /// How many turns have been recorded; the last one has this `seq`.
    pub fn turns(&self) -> i64 {
        self.seq
    }

    /// A scenario prompt said outside the dialog (`transfer_failed`), with
    /// the city's name and dedicated number filled in.
    pub fn prompt(&self, id: &str) -> dialog::Utterance {
        self.engine.utterance(id)
    }

    /// The current speaking rate (C1).
    pub fn rate(&self) -> f32 {
        self.engine.rate()
    }

    /// Answers the call: the greeting and the first question.
    pub async fn start(&mut self) -> Result<Vec<Output>, CallError> {
        self.turn(Event::Start, String::new()).await
    }

    /// One input of the caller.
    pub async fn input(&mut self, input: CallerInput) -> Result<Vec<Output>, CallError> {
        if self.ended {
            return Ok(Vec::new());
        }
        let (event, raw) = match input {
            CallerInput::Said(text) => {
                let corrected = self.correct(&text);
                (Event::Said(corrected), text)
            }
            CallerInput::Dtmf(keys) => {
                let keys: String = keys
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '*' || *c == '#')
                    .collect();
                (Event::Dtmf(keys.clone()), format!("#dtmf {keys}"))
            }
            CallerInput::Silence => (Event::Silence, "#silence".to_owned()),
            CallerInput::HangUp => (Event::HangUp, "#hangup".to_owned()),
        };
        self.turn(event, raw).await
    }

    /// Applies the staff's recognition corrections.
    fn correct(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (from, to) in &self.corrections {
            text = text.replace(from.as_str(), to);
        }
        text
    }

    async fn turn(&mut self, event: Event, raw: String) -> Result<Vec<Output>, CallError> {
        let state = self.engine.state();
        let mut outputs = Vec::new();
        let mut pending = self.engine.handle(event);
        let mut understood = self.engine.understood().to_owned();
        let mut prompt_ids = Vec::new();
        let mut prompt_texts = Vec::new();
        let mut end = None;
        // Queries are answered at once; the engine may ask several in a row.
        let mut rounds = 0;
        while !pending.is_empty() {
            rounds += 1;
            let mut next = Vec::new();
            for output in pending {
                match output {
                    dialog::Output::Say(u) => {
                        prompt_ids.push(u.prompt_id.clone());
                        prompt_texts.push(u.text.clone());
                        outputs.push(Output::Say(u));
                    }
                    dialog::Output::Action(dialog::Action::ReleaseHold { hold_id }) => {
                        if !self.dry_run {
                            self.store
                                .release_hold(madoguchi_store::HoldId(hold_id))
                                .await?;
                        }
                    }
                    dialog::Output::Action(action) => {
                        outputs.push(Output::Action(action));
                    }
                    dialog::Output::Query(query) => {
                        let answer = if rounds > 20 {
                            // A loop between engine and store: give up safely.
                            dialog::Answer::Held(None)
                        } else {
                            resolve::answer(self, query).await?
                        };
                        next.extend(self.engine.handle(Event::Answer(answer)));
                        let more = self.engine.understood();
                        if !more.is_empty() {
                            understood.push_str(" → ");
                            understood.push_str(more);
                        }
                    }
                    dialog::Output::End(call_end) => end = Some(call_end),
                }
            }
            pending = next;
        }
        let now = self.clock.now();
        self.seq += 1;
        let turn = CallTurn {
            seq: self.seq,
            at: now,
            state,
            prompt_id: prompt_ids.join(","),
            prompt_text: prompt_texts.join("\n"),
            caller_input: raw,
            understood,
            outcome: end
                .as_ref()
                .map(|e| e.outcome.as_str().to_owned())
                .unwrap_or_default(),
        };
        self.store.record_turn(self.id, &turn).await?;
        if let Some(call_end) = end {
            let result = self.result(&call_end);
            self.store
                .end_call(
                    self.id,
                    &CallEnd {
                        outcome: call_end.outcome.as_str().to_owned(),
                        end_state: call_end.state.clone(),
                        end_reason: call_end.reason.as_str().to_owned(),
                        reservation_no: result.reservation_no.clone(),
                    },
                    now,
                )
                .await?;
            tracing::info!(
                call = self.id.0,
                outcome = call_end.outcome.as_str(),
                reason = call_end.reason.as_str(),
                state = %call_end.state,
                "call ended"
            );
            self.ended = true;
            outputs.push(Output::End(result));
        }
        Ok(outputs)
    }

    fn result(&self, end: &dialog::CallEnd) -> CallResult {
        let booking = end.booking.as_ref();
        CallResult {
            outcome: end.outcome.as_str().to_owned(),
            reservation_no: booking.map(|b| b.reservation_no.clone()),
            venue: booking.map(|b| b.venue_name.clone()),
            start: booking.map(|b| {
                madoguchi_core::clock::jst_instant(b.date, b.start_min)
                    .with_timezone(&madoguchi_core::JST)
                    .to_rfc3339()
            }),
            party_size: booking.map(|b| b.party_size),
            reason: end.reason.as_str().to_owned(),
        }
    }

    /// Ends a call the line dropped without a hang-up event (a broken
    /// connection, the simulator's input closing).
    pub async fn abandon(&mut self) -> Result<Vec<Output>, CallError> {
        self.input(CallerInput::HangUp).await
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// Days of the reception window (per venue) where a phone caller could
/// book a seat now: one query for the whole window.
async fn bookable_days(
    store: &Store,
    venues: &[madoguchi_core::venue::Venue],
    settings: &madoguchi_core::settings::ServiceSettings,
    now: DateTime<Utc>,
) -> Result<Vec<NaiveDate>, CallError> {
    let ranges: Vec<(NaiveDate, NaiveDate)> = venues
        .iter()
        .filter_map(|v| {
            v.window_or(&settings.window)
                .bookable_range(&settings.period, now)
        })
        .collect();
    let (Some(first), Some(last)) = (
        ranges.iter().map(|r| r.0).min(),
        ranges.iter().map(|r| r.1).max(),
    ) else {
        return Ok(Vec::new());
    };
    let rows = store
        .remaining_by_day(first, last, &settings.seats, Channel::Phone, now)
        .await?;
    let mut days: Vec<NaiveDate> = rows
        .into_iter()
        .filter(|(venue, day, free)| {
            *free > 0
                && venues.iter().any(|v| {
                    v.id == *venue
                        && v.window_or(&settings.window)
                            .is_bookable(&settings.period, *day, now)
                })
        })
        .map(|(_, day, _)| day)
        .collect();
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

async fn load_scenario(
    store: &Store,
    choice: &ScenarioChoice,
) -> Result<(Option<i64>, Scenario), CallError> {
    let stored = match choice {
        ScenarioChoice::Given(s) => return Ok((None, (**s).clone())),
        ScenarioChoice::Draft => match store.draft_scenario().await? {
            Some(v) => Some(v),
            None => store.published_scenario().await?,
        },
        ScenarioChoice::Published => store.published_scenario().await?,
    };
    match stored {
        Some(v) => Ok((Some(v.id), Scenario::from_json(&v.body)?)),
        None => Ok((None, Scenario::default())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Web handlers and the voice loop run calls on a multi-threaded
    /// runtime: a call and its futures must be `Send`.
    #[allow(dead_code)]
    fn calls_can_move_between_threads(call: &mut Call) {
        fn is_send<T: Send>(_: &T) {}
        is_send(call);
        is_send(&call.input(CallerInput::Silence));
        is_send(&call.start());
        let store = call.store.clone();
        let clock = call.clock.clone();
        is_send(&Call::open(
            store,
            clock,
            CallOptions {
                kind: CallKind::Rehearsal,
                caller_id: None,
                dry_run: true,
                scenario: ScenarioChoice::Published,
                reader: None,
            },
        ));
    }
}
