//! `madoguchi rehearse --web N --calls M`: opening day on a rehearsal
//! instance. N residents book on the web (through the JSON API over real
//! HTTP, the way the city site and partners book) and M callers book by
//! phone (text calls through `madoguchi_calls::Call`, as `call simulate`),
//! all at once, most wanting the same few venues and first days, so that
//! slots fill, refusals happen and alternatives are offered. Prints what
//! happened and checks it against the database: every booking counted is
//! stored, no slot holds more than its seats.
//!
//! It books for real, so it refuses to run unless the instance is a
//! rehearsal (`[service] rehearsal = true`). Without `--url` it starts the
//! web application in this process on a free local port.

use anyhow::{Context, bail};
use madoguchi_calls::{Call, CallKind, CallOptions, CallerInput, Output, ScenarioChoice};
use madoguchi_core::Clock;
use madoguchi_store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct RehearseArgs {
    /// Web bookings to make at once.
    #[arg(long, default_value_t = 300)]
    web: u32,
    /// Phone calls to simulate at the same time.
    #[arg(long, default_value_t = 30)]
    calls: u32,
    /// A running rehearsal instance on the same database (e.g.
    /// http://127.0.0.1:8080); by default one is started in this process.
    #[arg(long)]
    url: Option<String>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
    /// Seed of the residents' and callers' choices (same seed, same wishes).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// What a run did; printed, and as JSON with `--json`.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub seconds: f64,
    pub web: WebSummary,
    pub calls: CallSummary,
    pub store: StoreCheck,
    pub kept_sms: u64,
    pub kept_email: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct WebSummary {
    pub attempted: u32,
    pub booked: u32,
    /// Of `booked`: after taking an alternative the refusal offered.
    pub booked_alternative: u32,
    /// Refusals (409, slot full) answered.
    pub refusals: u32,
    /// Of `refusals`: those that offered alternatives.
    pub alternatives_offered: u32,
    /// Residents who gave up: nothing free where they looked.
    pub not_booked_full: u32,
    /// Other failures by HTTP status or cause.
    pub errors: BTreeMap<String, u32>,
    pub availability_ms: Latency,
    pub booking_ms: Latency,
}

#[derive(Debug, Default, Serialize)]
pub struct CallSummary {
    pub placed: u32,
    pub booked: u32,
    pub outcomes: BTreeMap<String, u32>,
    /// Calls that heard a slot was full.
    pub heard_full: u32,
    /// Calls offered alternatives.
    pub alternatives_offered: u32,
    /// Calls whose greeting said it is a rehearsal.
    pub rehearsal_notice: u32,
    pub errors: u32,
    /// Time the service took to answer one caller turn.
    pub turn_ms: Latency,
}

#[derive(Debug, Default, Serialize)]
pub struct Latency {
    pub count: usize,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

impl Latency {
    fn of(mut ms: Vec<f64>) -> Self {
        ms.sort_by(f64::total_cmp);
        let at = |p: usize| {
            ms.get((ms.len().saturating_sub(1)) * p / 100)
                .copied()
                .unwrap_or(0.0)
        };
        Latency {
            count: ms.len(),
            p50: at(50),
            p95: at(95),
            max: ms.last().copied().unwrap_or(0.0),
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct StoreCheck {
    pub bookings_before: u64,
    pub bookings_after: u64,
    /// Slots whose seat count differs from their bookings, or over capacity.
    pub slots_miscounted: u64,
    /// Bookings stored = bookings counted, and no slot miscounted.
    pub adds_up: bool,
}

#[derive(Deserialize)]
struct VenueJson {
    id: i64,
    name: String,
}

#[derive(Deserialize)]
struct SlotJson {
    id: i64,
    remaining: i64,
}

#[derive(Deserialize)]
struct AvailabilityJson {
    slots: Vec<SlotJson>,
}

#[derive(Deserialize)]
struct NoRoomJson {
    #[serde(default)]
    alternatives: Vec<SlotJson>,
}

/// Runs the rehearsal and prints its summary; an error when it does not
/// add up.
pub async fn run(
    store: Store,
    clock: Arc<dyn Clock>,
    config: &crate::config::Config,
    args: RehearseArgs,
) -> anyhow::Result<()> {
    if !store.is_rehearsal() {
        bail!(
            "refused: rehearse makes real bookings, so it runs only on a rehearsal instance \
             ([service] rehearsal = true or MADOGUCHI_SERVICE_REHEARSAL=true; docs/operations.md)"
        );
    }
    let bookings_before = store.active_bookings().await?;
    let (base, worker) = match &args.url {
        Some(url) => (url.trim_end_matches('/').to_owned(), None),
        None => {
            let (base, worker) = start_in_process(&store, &clock, config).await?;
            (base, Some(worker))
        }
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let health = client.get(format!("{base}/healthz")).send().await?;
    if !health.headers().contains_key("madoguchi-rehearsal") {
        bail!("refused: {base} is not a rehearsal instance");
    }
    let venues: Vec<VenueJson> = client
        .get(format!("{base}/api/v1/venues"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    if venues.is_empty() {
        bail!("no venues: load some first (madoguchi seed demo)");
    }
    let settings = store.settings().await?;
    let (first, last) = settings
        .window
        .bookable_range(&settings.period, clock.now())
        .context("no day can be booked now (service period, --now)")?;
    let fortnight = (first + chrono::Days::new(13)).min(last);
    let venues = Arc::new(venues);

    let started = Instant::now();
    let mut web_tasks = Vec::new();
    for n in 0..args.web {
        let web = WebResident {
            client: client.clone(),
            base: base.clone(),
            venues: venues.clone(),
            first,
            last: fortnight,
            n,
        };
        let seed = args.seed.wrapping_mul(1_000_003).wrapping_add(u64::from(n));
        web_tasks.push(tokio::spawn(web.book(seed)));
    }
    let mut call_tasks = Vec::new();
    for n in 0..args.calls {
        let caller = Caller {
            store: store.clone(),
            clock: clock.clone(),
            venues: venues.iter().map(|v| v.name.clone()).collect(),
            n,
        };
        let seed = args
            .seed
            .wrapping_mul(7_919)
            .wrapping_add(u64::from(n) << 32);
        call_tasks.push(tokio::spawn(caller.call(seed)));
    }
    let mut web = WebSummary {
        attempted: args.web,
        ..WebSummary::default()
    };
    let (mut looked, mut booked_ms) = (Vec::new(), Vec::new());
    for task in web_tasks {
        let done = task.await.context("a web resident panicked")?;
        web.add(&done);
        looked.extend(done.availability_ms);
        booked_ms.extend(done.booking_ms);
    }
    web.availability_ms = Latency::of(looked);
    web.booking_ms = Latency::of(booked_ms);
    let mut calls = CallSummary {
        placed: args.calls,
        ..CallSummary::default()
    };
    let mut turns = Vec::new();
    for task in call_tasks {
        let done = task.await.context("a caller panicked")?;
        calls.add(&done);
        turns.extend(done.turn_ms);
    }
    calls.turn_ms = Latency::of(turns);
    let seconds = started.elapsed().as_secs_f64();

    if let Some(worker) = worker {
        // Hand the queued messages to the sink, as the instance's worker would.
        for _ in 0..100 {
            let pass = worker.run_once().await?;
            if pass.sent == 0 && pass.retrying == 0 {
                break;
            }
        }
    }
    let bookings_after = store.active_bookings().await?;
    let slots_miscounted = store
        .seat_audit()
        .await?
        .into_iter()
        .filter(|(_, booked, seats)| booked != seats)
        .count() as u64;
    let counted = u64::from(web.booked) + u64::from(calls.booked);
    let (kept_sms, kept_email) = store.diverted_counts().await?;
    let summary = Summary {
        seconds,
        store: StoreCheck {
            bookings_before,
            bookings_after,
            slots_miscounted,
            adds_up: bookings_after == bookings_before + counted && slots_miscounted == 0,
        },
        web,
        calls,
        kept_sms,
        kept_email,
    };
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print!("{}", summary.text());
    }
    if !summary.store.adds_up {
        bail!("the rehearsal does not add up against the database (see above)");
    }
    Ok(())
}

/// The web application on a free local port, and the outbox worker that
/// keeps its messages in the sink.
async fn start_in_process(
    store: &Store,
    clock: &Arc<dyn Clock>,
    config: &crate::config::Config,
) -> anyhow::Result<(String, madoguchi_notify::Worker)> {
    let mut web_config = config.web_config();
    // One client address for everyone: the rehearsal is not an attack.
    web_config.rate_limit.exempt_loopback = true;
    let secret: [u8; 64] = rand::random();
    let state = madoguchi_web::AppState::new(store.clone(), clock.clone(), web_config, &secret)?;
    let app = madoguchi_web::app(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        if let Err(e) = axum::serve(listener, service).await {
            tracing::error!(error = %e, "rehearsal server stopped");
        }
    });
    let worker = madoguchi_notify::Worker::new(
        store.clone(),
        clock.clone(),
        madoguchi_notify::Delivery::rehearsal_sink(store.clone(), clock.clone()),
        config.site.public_url.clone(),
        madoguchi_notify::RetryPolicy::default(),
    );
    Ok((format!("http://{address}"), worker))
}

/// Most people want the same few venues on opening day.
fn popular(rng: &mut StdRng, count: usize) -> usize {
    if rng.random_bool(0.7) {
        rng.random_range(0..count.min(3))
    } else {
        rng.random_range(0..count)
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Tries of one resident: the first choice, then offered alternatives.
const WEB_ATTEMPTS: u32 = 5;

/// One resident booking on the web.
struct WebResident {
    client: reqwest::Client,
    base: String,
    venues: Arc<Vec<VenueJson>>,
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
    n: u32,
}

#[derive(Default)]
struct WebDone {
    booked: bool,
    via_alternative: bool,
    refusals: u32,
    offered: u32,
    gave_up_full: bool,
    error: Option<String>,
    availability_ms: Vec<f64>,
    booking_ms: Vec<f64>,
}

impl WebSummary {
    fn add(&mut self, done: &WebDone) {
        self.booked += u32::from(done.booked);
        self.booked_alternative += u32::from(done.booked && done.via_alternative);
        self.refusals += done.refusals;
        self.alternatives_offered += done.offered;
        self.not_booked_full += u32::from(done.gave_up_full);
        if let Some(e) = &done.error {
            *self.errors.entry(e.clone()).or_default() += 1;
        }
    }
}

impl WebResident {
    async fn book(self, seed: u64) -> WebDone {
        let mut done = WebDone::default();
        if let Err(e) = self.try_book(seed, &mut done).await {
            done.error = Some(e);
        }
        done
    }

    async fn try_book(&self, seed: u64, done: &mut WebDone) -> Result<(), String> {
        let mut rng = StdRng::seed_from_u64(seed);
        let party: i64 = if rng.random_bool(0.15) { 2 } else { 1 };
        // A resident looks at up to three venues for a free time in the first fortnight.
        let mut chosen = None;
        for _ in 0..3 {
            let venue = &self.venues[popular(&mut rng, self.venues.len())];
            let at = Instant::now();
            let reply = self
                .client
                .get(format!(
                    "{}/api/v1/venues/{}/availability?from={}&to={}",
                    self.base, venue.id, self.first, self.last
                ))
                .send()
                .await
                .map_err(|e| format!("availability: {e}"))?;
            if !reply.status().is_success() {
                return Err(format!("availability {}", reply.status().as_u16()));
            }
            let free: AvailabilityJson = reply.json().await.map_err(|e| e.to_string())?;
            done.availability_ms.push(ms(at));
            let fitting: Vec<i64> = free
                .slots
                .iter()
                .filter(|s| s.remaining >= party)
                .map(|s| s.id)
                .take(3)
                .collect();
            if !fitting.is_empty() {
                chosen = Some(fitting[rng.random_range(0..fitting.len())]);
                break;
            }
        }
        let Some(mut slot) = chosen else {
            done.gave_up_full = true;
            return Ok(());
        };
        for attempt in 0..WEB_ATTEMPTS {
            let at = Instant::now();
            let reply = self
                .client
                .post(format!("{}/api/v1/bookings", self.base))
                .header("Idempotency-Key", format!("rehearse-{seed}-{attempt}"))
                .json(&self.applicant(slot, party))
                .send()
                .await
                .map_err(|e| format!("booking: {e}"))?;
            let status = reply.status().as_u16();
            let body = reply.text().await.map_err(|e| e.to_string())?;
            done.booking_ms.push(ms(at));
            match status {
                201 => {
                    done.booked = true;
                    done.via_alternative = attempt > 0;
                    return Ok(());
                }
                409 => {
                    done.refusals += 1;
                    let refusal: NoRoomJson =
                        serde_json::from_str(&body).map_err(|e| format!("409 body: {e}"))?;
                    if !refusal.alternatives.is_empty() {
                        done.offered += 1;
                    }
                    // The resident takes one of the offered times that seat the party.
                    let fitting: Vec<i64> = refusal
                        .alternatives
                        .iter()
                        .filter(|s| s.remaining >= party)
                        .map(|s| s.id)
                        .collect();
                    if fitting.is_empty() {
                        done.gave_up_full = true;
                        return Ok(());
                    }
                    slot = fitting[rng.random_range(0..fitting.len())];
                }
                other => return Err(format!("booking {other}")),
            }
        }
        done.gave_up_full = true;
        Ok(())
    }

    /// Made-up residents; a third of them want email, the rest SMS.
    fn applicant(&self, slot: i64, party: i64) -> serde_json::Value {
        let n = self.n;
        let email = n.is_multiple_of(3);
        serde_json::json!({
            "slot_id": slot,
            "party_size": party,
            "name": "練習 太郎",
            "name_kana": "レンシュウ タロウ",
            "birth_date": format!("{}-{:02}-{:02}", 1950 + n % 50, 1 + n % 12, 1 + n % 28),
            "phone": format!("090{:08}", 20_000_000 + n),
            "email": if email { format!("rehearsal{n}@example.jp") } else { String::new() },
            "notify": if email { "email" } else { "sms" },
        })
    }
}

/// One caller booking by phone, answering whatever the agent asks.
struct Caller {
    store: Store,
    clock: Arc<dyn Clock>,
    venues: Vec<String>,
    n: u32,
}

#[derive(Default)]
struct CallDone {
    outcome: String,
    booked: bool,
    heard_full: bool,
    offered: bool,
    notice: bool,
    error: bool,
    turn_ms: Vec<f64>,
}

impl CallSummary {
    fn add(&mut self, done: &CallDone) {
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
    async fn call(self, seed: u64) -> CallDone {
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
fn answer(
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

impl Summary {
    /// The summary as people read it.
    pub fn text(&self) -> String {
        let w = &self.web;
        let c = &self.calls;
        let s = &self.store;
        let errors = |m: &BTreeMap<String, u32>| {
            if m.is_empty() {
                "0".to_owned()
            } else {
                m.iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let outcomes = c
            .outcomes
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let counted = u64::from(w.booked) + u64::from(c.booked);
        format!(
            "rehearsal: {} web bookings and {} phone calls at once, {:.1} s\n\
             web:   booked {} ({} after taking an offered alternative), refusals (full) {}, \
             alternatives offered {}, gave up (nothing free) {}, errors {}\n\
             \x20      latency ms: availability p50 {:.0} p95 {:.0}; booking p50 {:.0} p95 {:.0} (max {:.0})\n\
             calls: booked {}; outcomes: {}; heard \"full\" {}, offered alternatives {}, \
             rehearsal notice in greeting {}/{}, errors {}\n\
             \x20      turn latency ms: p50 {:.0} p95 {:.0} (max {:.0}, {} turns)\n\
             store: active bookings {} -> {} (+{}; counted {} = {} web + {} phone), \
             slots miscounted or oversold {}: {}\n\
             messages kept instead of sent: {} SMS, {} email\n",
            w.attempted,
            c.placed,
            self.seconds,
            w.booked,
            w.booked_alternative,
            w.refusals,
            w.alternatives_offered,
            w.not_booked_full,
            errors(&w.errors),
            w.availability_ms.p50,
            w.availability_ms.p95,
            w.booking_ms.p50,
            w.booking_ms.p95,
            w.booking_ms.max,
            c.booked,
            outcomes,
            c.heard_full,
            c.alternatives_offered,
            c.rehearsal_notice,
            c.placed,
            c.errors,
            c.turn_ms.p50,
            c.turn_ms.p95,
            c.turn_ms.max,
            c.turn_ms.count,
            s.bookings_before,
            s.bookings_after,
            s.bookings_after.saturating_sub(s.bookings_before),
            counted,
            w.booked,
            c.booked,
            s.slots_miscounted,
            if s.adds_up {
                "adds up"
            } else {
                "DOES NOT ADD UP"
            },
            self.kept_sms,
            self.kept_email,
        )
    }
}
