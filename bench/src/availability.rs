//! The availability benchmark: many connections read 7-day availability of
//! random venues for a fixed time.

use crate::api::{self, Availability, Id};
use crate::booking::{add_days, describe, transport_kind};
use crate::rng::Rng;
use crate::stats::{self, Latencies};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Barrier;

/// Every this many answers a task parses the body, to check its shape
/// without spending the shared CPU on parsing every one.
const PARSE_EVERY: u64 = 32;

pub struct Outcome {
    pub connections: usize,
    /// The measuring window (`--seconds`).
    pub window: Duration,
    /// Until the last answer came in (requests in flight at the end of the
    /// window are waited for; their latencies count, they themselves don't
    /// count towards requests/s).
    pub elapsed: Duration,
    /// Requests answered (200 or not) within the window.
    pub in_window: u64,
    pub ok: u64,
    pub latency: Latencies,
    pub errors: BTreeMap<String, u64>,
    pub error_samples: Vec<String>,
    pub parsed: u64,
    pub slots_in_parsed: u64,
    pub bytes: u64,
}

impl Outcome {
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
    pub fn requests_per_second(&self) -> f64 {
        stats::rate(self.in_window, self.window)
    }
}

#[derive(Default)]
struct TaskOutcome {
    ok: Vec<Duration>,
    in_window: u64,
    errors: BTreeMap<String, u64>,
    samples: Vec<String>,
    parsed: u64,
    slots: u64,
    bytes: u64,
}

impl TaskOutcome {
    fn error(&mut self, kind: String, sample: String) {
        *self.errors.entry(kind).or_default() += 1;
        if self.samples.len() < 3 {
            self.samples.push(sample);
        }
    }
}

/// Runs `connections` tasks, each with a client of one keep-alive
/// connection, for `duration`. Date ranges start within `days` days of
/// `first`.
pub async fn run(
    base: &str,
    venues: Vec<Id>,
    first: NaiveDate,
    days: u64,
    connections: usize,
    duration: Duration,
) -> Result<Outcome> {
    let venues = Arc::new(venues);
    let mut starts = Vec::with_capacity(days as usize);
    for day in 0..days.max(1) {
        starts.push(add_days(first, day)?);
    }
    let starts = Arc::new(starts);
    // Everyone (and this task) meets here once connected, so connection
    // set-up is not measured.
    let barrier = Arc::new(Barrier::new(connections + 1));
    let mut tasks = Vec::with_capacity(connections);
    for n in 0..connections {
        let client = api::client(1)?;
        let ctx = Ctx {
            base: base.to_owned(),
            venues: Arc::clone(&venues),
            starts: Arc::clone(&starts),
            barrier: Arc::clone(&barrier),
            duration,
        };
        tasks.push(tokio::spawn(worker(
            ctx,
            client,
            Rng::from_time(n as u64 + 1),
        )));
    }
    barrier.wait().await;
    let started = Instant::now();
    let mut outcomes = Vec::with_capacity(connections);
    for task in tasks {
        outcomes.push(task.await.context("an availability client panicked")?);
    }
    let elapsed = started.elapsed();

    let mut ok = Vec::new();
    let mut errors = BTreeMap::new();
    let mut error_samples = Vec::new();
    let (mut parsed, mut slots_in_parsed, mut bytes, mut in_window) = (0, 0, 0, 0);
    for outcome in outcomes {
        in_window += outcome.in_window;
        ok.extend(outcome.ok);
        for (kind, n) in outcome.errors {
            *errors.entry(kind).or_default() += n;
        }
        for sample in outcome.samples {
            if error_samples.len() < 5 {
                error_samples.push(sample);
            }
        }
        parsed += outcome.parsed;
        slots_in_parsed += outcome.slots;
        bytes += outcome.bytes;
    }
    Ok(Outcome {
        connections,
        window: duration,
        elapsed,
        in_window,
        ok: ok.len() as u64,
        latency: Latencies::new(ok),
        errors,
        error_samples,
        parsed,
        slots_in_parsed,
        bytes,
    })
}

struct Ctx {
    base: String,
    venues: Arc<Vec<Id>>,
    starts: Arc<Vec<NaiveDate>>,
    barrier: Arc<Barrier>,
    duration: Duration,
}

impl Ctx {
    fn url(&self, rng: &mut Rng) -> Result<String> {
        let venue = &self.venues[rng.below(self.venues.len())];
        let from = self.starts[rng.below(self.starts.len())];
        Ok(api::availability_url(
            &self.base,
            venue,
            from,
            add_days(from, 6)?,
        ))
    }
}

async fn worker(ctx: Ctx, client: reqwest::Client, mut rng: Rng) -> TaskOutcome {
    let mut out = TaskOutcome::default();
    // Warm-up: open the connection (not measured). Errors show up below.
    if let Ok(url) = ctx.url(&mut rng)
        && let Ok(response) = client.get(&url).send().await
    {
        let _ = response.bytes().await;
    }
    ctx.barrier.wait().await;
    let deadline = Instant::now() + ctx.duration;
    let mut count: u64 = 0;
    while Instant::now() < deadline {
        let url = match ctx.url(&mut rng) {
            Ok(url) => url,
            Err(e) => {
                out.error("bad date".to_owned(), e.to_string());
                break;
            }
        };
        count += 1;
        let started = Instant::now();
        let response = match client.get(&url).send().await {
            Ok(response) => response,
            Err(e) => {
                out.error(transport_kind(&e), format!("GET {url}: {}", describe(&e)));
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let status = response.status().as_u16();
        let body = response.bytes().await;
        if Instant::now() <= deadline {
            out.in_window += 1;
        }
        match body {
            Ok(body) if status == 200 => {
                out.ok.push(started.elapsed());
                out.bytes += body.len() as u64;
                if count % PARSE_EVERY == 1 {
                    match serde_json::from_slice::<Availability>(&body) {
                        Ok(a) => {
                            out.parsed += 1;
                            out.slots += a.slots.len() as u64;
                        }
                        Err(e) => out.error(
                            "200 with an unreadable body".to_owned(),
                            format!("GET {url}: {e}"),
                        ),
                    }
                }
            }
            Ok(body) => out.error(
                format!("HTTP {status}"),
                format!(
                    "GET {url} → {status}: {}",
                    api::excerpt(&String::from_utf8_lossy(&body))
                ),
            ),
            Err(e) => out.error(transport_kind(&e), format!("GET {url}: {}", describe(&e))),
        }
    }
    out
}

pub fn report(outcome: &Outcome) {
    println!("  connections           {}", outcome.connections);
    println!(
        "  duration              {:.2} s (last answer after {:.2} s)",
        outcome.window.as_secs_f64(),
        outcome.elapsed.as_secs_f64()
    );
    println!("  answered 200          {}", outcome.ok);
    println!("  errors                {}", outcome.error_count());
    for (kind, n) in &outcome.errors {
        println!("    {kind:<20}{n}");
    }
    for sample in &outcome.error_samples {
        println!("    e.g. {sample}");
    }
    println!(
        "  requests/s            {} ({} answered within the window)",
        stats::thousands(outcome.requests_per_second()),
        outcome.in_window
    );
    println!("  latency (200)         {}", outcome.latency.summary());
    if outcome.ok > 0 {
        println!(
            "  answer size           {:.1} KiB on average; {:.1} slots per sampled answer",
            outcome.bytes as f64 / outcome.ok as f64 / 1024.0,
            if outcome.parsed > 0 {
                outcome.slots_in_parsed as f64 / outcome.parsed as f64
            } else {
                0.0
            }
        );
    }
}
