//! The booking benchmark: concurrent clients sell out a set of slots, then
//! the bench checks that no slot was oversold and reads bookings back.

use crate::api::{self, BookingResponse, Id, Venue};
use crate::people;
use crate::rng::Rng;
use crate::stats::{self, Latencies};
use anyhow::{Context, Result};
use chrono::{Days, NaiveDate};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::Barrier;

/// Errors on one slot after which the clients leave it alone.
const SLOT_ERROR_LIMIT: u32 = 3;
/// Errors with not a single booking accepted after which the run stops.
const HOPELESS_ERRORS: u64 = 500;
/// Bodies of unexpected answers kept for the report.
const ERROR_SAMPLES: usize = 5;
/// Times a POST with an idempotency key is sent when no answer comes.
const POST_TRIES: u32 = 3;

/// A slot offered for booking when the run started.
#[derive(Debug, Clone)]
pub struct SlotInfo {
    pub id: Id,
    /// `id` as text, for comparisons.
    pub key: String,
    pub venue: usize,
    pub capacity: i64,
    /// Seats open to web bookings before the run.
    pub remaining: i64,
}

/// One availability query: venue (index) and date range.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    pub venue: usize,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// What is to be sold out.
pub struct Target {
    pub label: String,
    pub slots: Vec<SlotInfo>,
    pub ranges: Vec<Range>,
}

impl Target {
    pub fn seats(&self) -> i64 {
        self.slots.iter().map(|s| s.remaining).sum()
    }
}

pub fn add_days(date: NaiveDate, days: u64) -> Result<NaiveDate> {
    date.checked_add_days(Days::new(days))
        .with_context(|| format!("{date} + {days} days is out of range"))
}

/// Reads the bookable slots of `venues` (indices into `all`), `weeks` weeks
/// from `first`, one 7-day availability query per venue and week.
pub async fn collect(
    client: &reqwest::Client,
    base: &str,
    all: &[Venue],
    venues: &[usize],
    first: NaiveDate,
    weeks: u32,
    label: String,
) -> Result<Target> {
    let mut slots = Vec::new();
    let mut ranges = Vec::new();
    let mut seen = HashMap::new();
    for &venue in venues {
        for week in 0..u64::from(weeks) {
            let from = add_days(first, 7 * week)?;
            let to = add_days(from, 6)?;
            ranges.push(Range { venue, from, to });
            let availability = api::availability(client, base, &all[venue].id, from, to).await?;
            for slot in availability.slots {
                let key = slot.id.to_string();
                if slot.remaining <= 0 || seen.contains_key(&key) {
                    continue;
                }
                seen.insert(key.clone(), slots.len());
                slots.push(SlotInfo {
                    id: slot.id,
                    key,
                    venue,
                    capacity: slot.capacity,
                    remaining: slot.remaining,
                });
            }
        }
    }
    Ok(Target {
        label,
        slots,
        ranges,
    })
}

/// A booking the server accepted.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub slot: usize,
    pub reservation_no: Id,
    pub phone: String,
}

/// The outcome of one sell-out.
pub struct SellOut {
    pub clients: usize,
    pub elapsed: Duration,
    pub accepted: Vec<Accepted>,
    /// 201 answers per slot (index as in the target).
    pub per_slot: Vec<u32>,
    pub ok_latency: Latencies,
    pub full_latency: Latencies,
    /// 409 answers.
    pub full: u64,
    pub errors: BTreeMap<String, u64>,
    pub error_samples: Vec<String>,
    /// 201 answers naming another slot than the one asked for.
    pub mismatched: u64,
    /// POSTs sent again (same key) after no answer came.
    pub resent: u64,
    pub idempotency_keys: bool,
    pub requests: u64,
    /// Why the run ended before every slot was sold out, if it did.
    pub cut_short: Option<String>,
}

impl SellOut {
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
    pub fn bookings_per_second(&self) -> f64 {
        stats::rate(self.accepted_count(), self.elapsed)
    }
    /// Counts 201s, including any whose body could not be read.
    pub fn accepted_count(&self) -> u64 {
        self.per_slot.iter().map(|&n| u64::from(n)).sum()
    }
}

/// Slots still open, with O(1) removal.
struct OpenSlots {
    items: Vec<usize>,
    position: Vec<Option<usize>>,
}

impl OpenSlots {
    fn new(count: usize) -> Self {
        Self {
            items: (0..count).collect(),
            position: (0..count).map(Some).collect(),
        }
    }

    fn close(&mut self, slot: usize) {
        let Some(at) = self.position.get_mut(slot).and_then(Option::take) else {
            return;
        };
        self.items.swap_remove(at);
        if let Some(&moved) = self.items.get(at) {
            self.position[moved] = Some(at);
        }
    }
}

struct Shared {
    base: String,
    slots: Vec<SlotInfo>,
    open: Mutex<OpenSlots>,
    cursor: AtomicUsize,
    requests: AtomicU64,
    max_requests: u64,
    deadline: Instant,
    per_slot: Vec<AtomicU32>,
    slot_errors: Vec<AtomicU32>,
    accepted_total: AtomicU64,
    errors_total: AtomicU64,
    stop: AtomicBool,
    /// `Idempotency-Key` prefix, when keys are sent.
    key_prefix: Option<String>,
    /// Applicant numbers, shared across runs so phones never repeat.
    people: Arc<AtomicU64>,
}

impl Shared {
    /// The next open slot, round-robin; `None` when all are sold out.
    fn pick(&self) -> Option<usize> {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.items.is_empty() {
            return None;
        }
        let i = self.cursor.fetch_add(1, Ordering::Relaxed) % open.items.len();
        Some(open.items[i])
    }

    fn close(&self, slot: usize) {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .close(slot);
    }

    fn slot_error(&self, slot: usize) {
        if self.slot_errors[slot].fetch_add(1, Ordering::Relaxed) + 1 >= SLOT_ERROR_LIMIT {
            self.close(slot);
        }
        let errors = self.errors_total.fetch_add(1, Ordering::Relaxed) + 1;
        if errors >= HOPELESS_ERRORS && self.accepted_total.load(Ordering::Relaxed) == 0 {
            self.stop.store(true, Ordering::Relaxed);
        }
    }
}

#[derive(Default)]
struct TaskOutcome {
    accepted: Vec<Accepted>,
    ok: Vec<Duration>,
    full: Vec<Duration>,
    errors: BTreeMap<String, u64>,
    samples: Vec<String>,
    mismatched: u64,
    resent: u64,
    cut_short: Option<String>,
}

impl TaskOutcome {
    fn error(&mut self, kind: String, sample: String) {
        *self.errors.entry(kind).or_default() += 1;
        if self.samples.len() < ERROR_SAMPLES {
            self.samples.push(sample);
        }
    }
}

/// Sells out every slot of `target` with `clients` concurrent clients, each
/// on its own keep-alive connection, giving up after `max_time`.
pub async fn sell_out(
    base: &str,
    target: &Target,
    clients: usize,
    max_time: Duration,
    idempotency_keys: bool,
    people: Arc<AtomicU64>,
) -> Result<SellOut> {
    let count = target.slots.len();
    let seats = u64::try_from(target.seats().max(0)).unwrap_or(0);
    // Each slot needs its seats' worth of 201s and then a 409 from every
    // client that raced for it at the end; anything beyond is a bug.
    let max_requests = seats + (count as u64) * (clients as u64 + SLOT_ERROR_LIMIT as u64) + 1_000;
    let shared = Arc::new(Shared {
        base: base.to_owned(),
        slots: target.slots.clone(),
        open: Mutex::new(OpenSlots::new(count)),
        cursor: AtomicUsize::new(0),
        requests: AtomicU64::new(0),
        max_requests,
        deadline: Instant::now() + max_time,
        per_slot: (0..count).map(|_| AtomicU32::new(0)).collect(),
        slot_errors: (0..count).map(|_| AtomicU32::new(0)).collect(),
        accepted_total: AtomicU64::new(0),
        errors_total: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        key_prefix: idempotency_keys.then(|| format!("bench-{}", std::process::id())),
        people,
    });

    let mut http = Vec::with_capacity(clients);
    for _ in 0..clients {
        http.push(api::client(1)?);
    }
    // Every client connects first (not measured); all start together.
    let barrier = Arc::new(Barrier::new(clients + 1));
    let tasks: Vec<_> = http
        .into_iter()
        .map(|client| {
            tokio::spawn(client_loop(
                Arc::clone(&shared),
                client,
                Arc::clone(&barrier),
            ))
        })
        .collect();
    barrier.wait().await;
    let started = Instant::now();
    let mut outcomes = Vec::with_capacity(clients);
    for task in tasks {
        outcomes.push(task.await.context("a booking client panicked")?);
    }
    let elapsed = started.elapsed();

    let mut accepted = Vec::new();
    let mut ok = Vec::new();
    let mut full = Vec::new();
    let mut errors = BTreeMap::new();
    let mut error_samples = Vec::new();
    let mut mismatched = 0;
    let mut resent = 0;
    let mut cut_short = None;
    for outcome in outcomes {
        accepted.extend(outcome.accepted);
        ok.extend(outcome.ok);
        full.extend(outcome.full);
        for (kind, n) in outcome.errors {
            *errors.entry(kind).or_default() += n;
        }
        for sample in outcome.samples {
            if error_samples.len() < ERROR_SAMPLES {
                error_samples.push(sample);
            }
        }
        mismatched += outcome.mismatched;
        resent += outcome.resent;
        cut_short = cut_short.or(outcome.cut_short);
    }
    let full_count = full.len() as u64;
    Ok(SellOut {
        clients,
        elapsed,
        accepted,
        per_slot: shared
            .per_slot
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .collect(),
        ok_latency: Latencies::new(ok),
        full_latency: Latencies::new(full),
        full: full_count,
        errors,
        error_samples,
        mismatched,
        resent,
        idempotency_keys,
        requests: shared.requests.load(Ordering::Relaxed).min(max_requests),
        cut_short,
    })
}

async fn client_loop(
    shared: Arc<Shared>,
    client: reqwest::Client,
    barrier: Arc<Barrier>,
) -> TaskOutcome {
    let mut out = TaskOutcome::default();
    if let Ok(response) = client
        .get(format!("{}/api/v1/venues", shared.base))
        .send()
        .await
    {
        let _ = response.bytes().await;
    }
    barrier.wait().await;
    let url = format!("{}/api/v1/bookings", shared.base);
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            out.cut_short = Some(format!(
                "stopped after {HOPELESS_ERRORS} errors and no booking accepted"
            ));
            break;
        }
        if Instant::now() >= shared.deadline {
            out.cut_short = Some("time limit reached (--max-booking-seconds)".to_owned());
            break;
        }
        let Some(slot) = shared.pick() else { break };
        if shared.requests.fetch_add(1, Ordering::Relaxed) >= shared.max_requests {
            out.cut_short = Some(format!("request cap of {} reached", shared.max_requests));
            break;
        }
        let n = shared.people.fetch_add(1, Ordering::Relaxed);
        let info = &shared.slots[slot];
        let request = people::applicant(n, &info.id);
        let key = shared
            .key_prefix
            .as_ref()
            .map(|prefix| format!("{prefix}-{n}"));
        let started = Instant::now();
        let mut tries = 0;
        // With a key, a POST whose answer was lost is sent again: the server
        // answers with the booking it made, if it made one, so every seat
        // taken is known. Without one, the outcome of a lost answer is unknown.
        let answer = loop {
            tries += 1;
            let mut post = client.post(&url).json(&request);
            if let Some(key) = &key {
                post = post.header("Idempotency-Key", key);
            }
            match post.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    break Some((status, response.bytes().await));
                }
                Err(e) => {
                    out.error(
                        transport_kind(&e),
                        format!("POST slot {}: {}", info.key, describe(&e)),
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    if key.is_some() && tries < POST_TRIES {
                        out.resent += 1;
                        continue;
                    }
                    shared.slot_error(slot);
                    break None;
                }
            }
        };
        let Some((status, body)) = answer else {
            continue;
        };
        let latency = started.elapsed();
        match (status, body) {
            (201, body) => {
                shared.per_slot[slot].fetch_add(1, Ordering::Relaxed);
                shared.accepted_total.fetch_add(1, Ordering::Relaxed);
                out.ok.push(latency);
                let parsed = body.map_err(anyhow::Error::from).and_then(|b| {
                    serde_json::from_slice::<BookingResponse>(&b).map_err(anyhow::Error::from)
                });
                match parsed {
                    Ok(booked) => {
                        if booked.slot_id.to_string() != info.key {
                            out.mismatched += 1;
                        }
                        out.accepted.push(Accepted {
                            slot,
                            reservation_no: booked.reservation_no,
                            phone: request.phone,
                        });
                    }
                    Err(e) => out.error(
                        "201 with an unreadable body".to_owned(),
                        format!("slot {}: {e}", info.key),
                    ),
                }
            }
            (409, _) => {
                out.full.push(latency);
                shared.close(slot);
            }
            (status, body) => {
                let text = body
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                out.error(
                    format!("HTTP {status}"),
                    format!("POST slot {} → {status}: {}", info.key, api::excerpt(&text)),
                );
                shared.slot_error(slot);
            }
        }
    }
    out
}

/// The error with its causes (reqwest's own message hides them).
pub fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub fn transport_kind(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".to_owned()
    } else if e.is_connect() {
        "connect error".to_owned()
    } else {
        "transport error".to_owned()
    }
}

/// The correctness checks after a sell-out.
pub struct Verdict {
    /// Slots with more 201s than their capacity: (slot, accepted).
    pub oversold: Vec<(usize, u32)>,
    /// Slots with more 201s than the web seats they showed before the run.
    pub over_quota: Vec<(usize, u32)>,
    /// Slots the availability API still offers after the run.
    pub still_offered: Vec<String>,
    pub spot_checked: usize,
    pub spot_failures: Vec<String>,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.oversold.is_empty()
            && self.over_quota.is_empty()
            && self.still_offered.is_empty()
            && self.spot_failures.is_empty()
    }
}

pub async fn verify(
    client: &reqwest::Client,
    base: &str,
    venues: &[Venue],
    target: &Target,
    run: &SellOut,
    spot_checks: usize,
    rng: &mut Rng,
) -> Result<Verdict> {
    let mut oversold = Vec::new();
    let mut over_quota = Vec::new();
    for (i, (slot, &accepted)) in target.slots.iter().zip(&run.per_slot).enumerate() {
        if i64::from(accepted) > slot.capacity {
            oversold.push((i, accepted));
        } else if i64::from(accepted) > slot.remaining {
            over_quota.push((i, accepted));
        }
    }

    let ours: HashMap<&str, usize> = target
        .slots
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key.as_str(), i))
        .collect();
    let mut still_offered = Vec::new();
    for range in &target.ranges {
        let availability =
            api::availability(client, base, &venues[range.venue].id, range.from, range.to).await?;
        for slot in availability.slots {
            let key = slot.id.to_string();
            if slot.remaining > 0 && ours.contains_key(key.as_str()) {
                still_offered.push(format!("{key} ({} left)", slot.remaining));
            }
        }
    }

    // Spot check: a random sample of accepted bookings, read back.
    let mut picks: Vec<usize> = (0..run.accepted.len()).collect();
    let sample = spot_checks.min(picks.len());
    for i in 0..sample {
        let j = i + rng.below(picks.len() - i);
        picks.swap(i, j);
    }
    let mut spot_failures = Vec::new();
    for &pick in &picks[..sample] {
        let booking = &run.accepted[pick];
        let url = format!(
            "{base}/api/v1/bookings/{}",
            api::segment(&booking.reservation_no.to_string())
        );
        let outcome = match client
            .get(&url)
            .query(&[("phone", &booking.phone)])
            .send()
            .await
        {
            Ok(response) => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                if status.as_u16() != 200 {
                    Err(format!("{status}: {}", api::excerpt(&body)))
                } else {
                    match serde_json::from_str::<BookingResponse>(&body) {
                        Ok(read)
                            if read.reservation_no == booking.reservation_no
                                && read.slot_id.to_string() == target.slots[booking.slot].key =>
                        {
                            Ok(())
                        }
                        Ok(_) => Err(format!("200 with another booking: {}", api::excerpt(&body))),
                        Err(e) => Err(format!(
                            "200 with an unreadable body ({e}): {}",
                            api::excerpt(&body)
                        )),
                    }
                }
            }
            Err(e) => Err(describe(&e)),
        };
        if let Err(why) = outcome {
            spot_failures.push(format!("GET booking {}: {why}", booking.reservation_no));
        }
    }

    Ok(Verdict {
        oversold,
        over_quota,
        still_offered,
        spot_checked: sample,
        spot_failures,
    })
}

/// Prints one sell-out and its checks.
pub fn report(target: &Target, venues: &[Venue], run: &SellOut, verdict: &Verdict) {
    let accepted = run.accepted_count();
    println!(
        "  slots                 {} ({} seats open to web bookings)",
        target.slots.len(),
        target.seats()
    );
    println!(
        "  clients               {} ({})",
        run.clients,
        if run.idempotency_keys {
            "each POST with an Idempotency-Key"
        } else {
            "no Idempotency-Key"
        }
    );
    println!("  accepted (201)        {accepted}");
    println!("  full (409)            {}", run.full);
    println!("  errors                {}", run.error_count());
    for (kind, n) in &run.errors {
        println!("    {kind:<20}{n}");
    }
    for sample in &run.error_samples {
        println!("    e.g. {sample}");
    }
    println!("  elapsed               {:.3} s", run.elapsed.as_secs_f64());
    println!(
        "  bookings/s            {}",
        stats::thousands(run.bookings_per_second())
    );
    println!(
        "  requests/s            {} (201 + 409 + errors)",
        stats::thousands(stats::rate(run.requests, run.elapsed))
    );
    println!(
        "  POST 201 latency      p50 {}  p99 {}  (p90 {}, max {})",
        stats::ms(run.ok_latency.percentile(50.0)),
        stats::ms(run.ok_latency.percentile(99.0)),
        stats::ms(run.ok_latency.percentile(90.0)),
        stats::ms(run.ok_latency.max())
    );
    println!("  POST 409 latency      {}", run.full_latency.summary());
    if let Some(why) = &run.cut_short {
        println!("  NOTE                  the run was cut short: {why}");
    }
    if run.resent > 0 {
        println!(
            "  NOTE                  {} POSTs were sent again with the same Idempotency-Key after no answer came",
            run.resent
        );
    }
    if !run.idempotency_keys && run.errors.contains_key("timeout") {
        println!(
            "  NOTE                  a POST that timed out may still have taken a seat; the checks count answered 201s only"
        );
    }
    if run.mismatched > 0 {
        println!(
            "  NOTE                  {} answers named another slot than the one asked for",
            run.mismatched
        );
    }

    let max_fill = target
        .slots
        .iter()
        .zip(&run.per_slot)
        .map(|(s, &n)| (i64::from(n), s.capacity))
        .max_by(|a, b| (a.0 * b.1).cmp(&(b.0 * a.1)));
    if verdict.oversold.is_empty() {
        let fill = max_fill
            .map(|(n, c)| format!(" (fullest slot {n}/{c})"))
            .unwrap_or_default();
        println!(
            "  oversell check        OK: no slot accepted more bookings than its capacity{fill}"
        );
    } else {
        println!(
            "  oversell check        FAILED: {} slots oversold",
            verdict.oversold.len()
        );
        for &(i, n) in verdict.oversold.iter().take(10) {
            let slot = &target.slots[i];
            println!(
                "    slot {} at {}: {n} accepted, capacity {}",
                slot.key, venues[slot.venue].name, slot.capacity
            );
        }
    }
    if verdict.over_quota.is_empty() {
        println!(
            "  web seat check        OK: no slot accepted more than the seats it offered before the run"
        );
    } else {
        println!(
            "  web seat check        FAILED: {} slots accepted more than the seats they offered (kept-back seats leaked?)",
            verdict.over_quota.len()
        );
        for &(i, n) in verdict.over_quota.iter().take(10) {
            let slot = &target.slots[i];
            println!(
                "    slot {}: {n} accepted, {} offered",
                slot.key, slot.remaining
            );
        }
    }
    let sold = accepted == u64::try_from(target.seats()).unwrap_or(0);
    if verdict.still_offered.is_empty() {
        println!(
            "  availability after    OK: none of the {} slots is offered any more{}",
            target.slots.len(),
            if sold { " (every seat sold)" } else { "" }
        );
    } else {
        println!(
            "  availability after    NOT SOLD OUT: {} slots still offered, e.g. {}",
            verdict.still_offered.len(),
            verdict
                .still_offered
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if verdict.spot_failures.is_empty() {
        println!(
            "  spot check            OK: {} of {} random accepted bookings read back with GET (200)",
            verdict.spot_checked, verdict.spot_checked
        );
    } else {
        println!(
            "  spot check            FAILED: {} of {} look-ups failed",
            verdict.spot_failures.len(),
            verdict.spot_checked
        );
        for failure in verdict.spot_failures.iter().take(5) {
            println!("    {failure}");
        }
    }
}
