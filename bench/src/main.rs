//! Load benchmark for the Madoguchi server. Not part of the test run: it
//! starts a release build of `madoguchi` on a fresh SQLite database with the
//! demo data, on loopback, and measures
//!
//! 1. bookings: concurrent clients sell out slots (one venue's week, then
//!    every venue for `--weeks` weeks), checking that nothing is oversold
//!    and that accepted bookings can be read back;
//! 2. availability: many connections read 7-day availability for a while.
//!
//! See `docs/performance.md` for how to run it and what the figures mean.

mod api;
mod availability;
mod booking;
mod cli;
mod cpu;
mod machine;
mod people;
mod rng;
mod server;
mod stats;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use cli::{Args, Only};
use machine::Machine;
use server::Server;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Goal: durable bookings per second with 64 clients.
const GOAL_BOOKINGS_PER_SECOND: f64 = 2_000.0;
/// Goal: availability p99 at 256 connections.
const GOAL_AVAILABILITY_P99: Duration = Duration::from_millis(50);
/// How far ahead the demo data can be booked.
const WINDOW_WEEKS: u64 = 8;
/// The venue whose week is sold out on its own (the largest counter).
const MAIN_VENUE: &str = "本庁舎";

#[tokio::main]
async fn main() -> ExitCode {
    let args = match cli::parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e:#}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    match run(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            println!("\nRESULT: FAILED (see the checks above)");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("\nerror: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn jst() -> Result<FixedOffset> {
    FixedOffset::east_opt(9 * 3600).context("the +09:00 offset")
}

/// Runs everything; `Ok(false)` when a correctness check failed.
async fn run(args: &Args) -> Result<bool> {
    let bin = resolve_binary(args.bin.as_deref())?;
    let jst = jst()?;
    let machine = Machine::detect();
    println!(
        "Madoguchi load benchmark — {}",
        Utc::now().with_timezone(&jst).format("%Y-%m-%d %H:%M %:z")
    );
    println!("\nMachine");
    print!("{machine}");
    println!("  note           the load generator runs on the same machine and shares its cores");
    println!("\nServer");
    println!("  binary         {}", describe_binary(&bin, jst));

    let dir = temp_dir()?;
    let server = match Server::start(&bin, &dir).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("  (kept {} for inspection)", dir.display());
            return Err(e);
        }
    };
    println!("  command        {}", server.command);
    println!(
        "  listening      {} (ready after {:.2} s)",
        server.base,
        server.startup.as_secs_f64()
    );
    println!("  database       {}", describe_db(&server.db));
    println!("  server log     {}", server.log.display());

    let outcome = benchmarks(args, &machine, server).await;
    let keep = args.keep || !matches!(outcome, Ok(true));
    if keep {
        println!("\nKept {} (database, config, server log).", dir.display());
    } else if let Err(e) = std::fs::remove_dir_all(&dir) {
        eprintln!("could not remove {}: {e}", dir.display());
    }
    outcome
}

/// Runs the benchmarks and stops the server whatever happens.
async fn benchmarks(args: &Args, machine: &Machine, mut server: Server) -> Result<bool> {
    let outcome = measure(args, machine, &mut server).await;
    let alive = server.alive();
    let tail = server.log_tail();
    let stopped = server.stop().await;
    println!();
    match (&stopped, alive) {
        (Ok(status), true) => println!("Server stopped ({status})."),
        (Ok(status), false) => {
            println!("The server DIED during the run ({status}); its log ends:\n{tail}");
            return Ok(false);
        }
        (Err(e), _) => println!("Could not stop the server cleanly: {e:#}"),
    }
    outcome
}

async fn measure(args: &Args, machine: &Machine, server: &mut Server) -> Result<bool> {
    let base = server.base.clone();
    let client = api::client(4)?;
    let venues = api::venues(&client, &base).await?;
    if venues.is_empty() {
        bail!("GET /api/v1/venues returned no venues (is --demo loading the demo data?)");
    }
    let first = first_bookable_day(&client, &base, &venues).await?;
    println!(
        "  demo data      {} venues; first bookable day {first}",
        venues.len()
    );

    let mut passed = true;
    let mut row = Row::default();
    let meter = cpu::Meter::new(server.pid());

    if args.only != Only::Booking {
        println!(
            "\nAvailability: {} connections, {} s, GET /api/v1/venues/{{id}}/availability (random venue, 7 days from a random day of the {WINDOW_WEEKS}-week window)",
            args.connections, args.seconds
        );
        println!("  (runs first, on the fresh demo data, so every answer lists open slots)");
        let ids = venues.iter().map(|v| v.id.clone()).collect();
        let days = WINDOW_WEEKS * 7 - 6;
        let before = meter.read();
        let outcome = availability::run(
            &base,
            ids,
            first,
            days,
            args.connections,
            Duration::from_secs(args.seconds),
        )
        .await?;
        availability::report(&outcome);
        println!(
            "  cpu time              {}",
            meter.describe(before, meter.read(), outcome.elapsed, machine.cores)
        );
        row.availability = Some(AvailabilityFigures {
            per_second: outcome.requests_per_second(),
            p50: outcome.latency.percentile(50.0),
            p90: outcome.latency.percentile(90.0),
            p99: outcome.latency.percentile(99.0),
            max: outcome.latency.max(),
            errors: outcome.error_count(),
        });
        if outcome.ok == 0 {
            println!("  FAILED: no availability request succeeded");
            passed = false;
        }
    }

    if args.only != Only::Availability {
        let people = Arc::new(AtomicU64::new(0));
        let mut rng = rng::Rng::from_time(0);
        let max_time = Duration::from_secs(args.max_booking_seconds);

        // One venue, one week: the sell-out a popular counter sees.
        let main = venues
            .iter()
            .position(|v| v.name.contains(MAIN_VENUE))
            .unwrap_or(0);
        let label = format!("{}, week from {first}", venues[main].name);
        let target = booking::collect(&client, &base, &venues, &[main], first, 1, label).await?;
        println!(
            "\nBooking sell-out, one venue: {} ({} clients, party size 1)",
            target.label, args.clients
        );
        if target.slots.is_empty() {
            println!("  no bookable slots found; skipped");
        } else {
            let before = meter.read();
            let run = booking::sell_out(
                &base,
                &target,
                args.clients,
                max_time,
                args.idempotency_keys,
                Arc::clone(&people),
            )
            .await?;
            let cpu = meter.describe(before, meter.read(), run.elapsed, machine.cores);
            let verdict = booking::verify(
                &client,
                &base,
                &venues,
                &target,
                &run,
                args.spot_checks,
                &mut rng,
            )
            .await?;
            booking::report(&target, &venues, &run, &verdict);
            println!("  cpu time              {cpu}");
            passed &= verdict.passed() && run.error_count() == 0;
            row.venue_week = Some((run.accepted_count(), run.elapsed));
        }

        // Every venue, several weeks: enough bookings for a steady rate.
        let all: Vec<usize> = (0..venues.len()).collect();
        let label = format!(
            "all {} venues × {} week{} from {first}",
            venues.len(),
            args.weeks,
            if args.weeks == 1 { "" } else { "s" }
        );
        let target =
            booking::collect(&client, &base, &venues, &all, first, args.weeks, label).await?;
        println!(
            "\nBooking sell-out, throughput: {} ({} clients, party size 1)",
            target.label, args.clients
        );
        if args.weeks >= 1 {
            println!("  (the one-venue week above is already sold out and not offered again)");
        }
        if target.slots.is_empty() {
            println!("  no bookable slots found; FAILED");
            passed = false;
        } else {
            let before = meter.read();
            let run = booking::sell_out(
                &base,
                &target,
                args.clients,
                max_time,
                args.idempotency_keys,
                Arc::clone(&people),
            )
            .await?;
            let cpu = meter.describe(before, meter.read(), run.elapsed, machine.cores);
            let verdict = booking::verify(
                &client,
                &base,
                &venues,
                &target,
                &run,
                args.spot_checks,
                &mut rng,
            )
            .await?;
            booking::report(&target, &venues, &run, &verdict);
            println!("  cpu time              {cpu}");
            passed &= verdict.passed() && run.error_count() == 0;
            row.booking = Some(BookingFigures {
                accepted: run.accepted_count(),
                per_second: run.bookings_per_second(),
                p50: run.ok_latency.percentile(50.0),
                p99: run.ok_latency.percentile(99.0),
            });
        }
    }

    if !server.alive() {
        println!("\nThe server is no longer running.");
        passed = false;
    }
    summary(args, machine, &row, passed);
    Ok(passed)
}

/// The figures that go into the results table.
#[derive(Default)]
struct Row {
    booking: Option<BookingFigures>,
    /// accepted, elapsed
    venue_week: Option<(u64, Duration)>,
    availability: Option<AvailabilityFigures>,
}

struct BookingFigures {
    accepted: u64,
    per_second: f64,
    p50: Option<Duration>,
    p99: Option<Duration>,
}

struct AvailabilityFigures {
    per_second: f64,
    p50: Option<Duration>,
    p90: Option<Duration>,
    p99: Option<Duration>,
    max: Option<Duration>,
    errors: u64,
}

fn summary(args: &Args, machine: &Machine, row: &Row, passed: bool) {
    let line = |label: String, value: String| println!("  {label:<34}{value}");
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    println!("\nSummary");
    if let Some(b) = &row.booking {
        line(
            format!("bookings/s, {} clients", args.clients),
            format!(
                "{} (goal ≥ {}: {})",
                stats::thousands(b.per_second),
                stats::thousands(GOAL_BOOKINGS_PER_SECOND),
                verdict(b.per_second >= GOAL_BOOKINGS_PER_SECOND)
            ),
        );
    }
    if let Some(a) = &row.availability {
        line(
            format!("availability p99, {} connections", args.connections),
            format!(
                "{} (goal < {} ms: {})",
                stats::ms(a.p99),
                GOAL_AVAILABILITY_P99.as_millis(),
                verdict(a.p99.is_some_and(|p| p < GOAL_AVAILABILITY_P99))
            ),
        );
        if a.errors > 0 {
            line("availability errors".to_owned(), a.errors.to_string());
        }
    }
    line(
        "correctness".to_owned(),
        if passed {
            "OK (no oversell, bookings read back, no errors)".to_owned()
        } else {
            "FAILED".to_owned()
        },
    );

    let jst = jst().map(|tz| Utc::now().with_timezone(&tz).format("%Y-%m-%d").to_string());
    let dash = || "–".to_owned();
    let booking = row.booking.as_ref().map_or_else(
        || (dash(), dash(), dash()),
        |b| {
            (
                stats::thousands(b.per_second),
                format!("{} / {}", stats::ms(b.p50), stats::ms(b.p99)),
                stats::thousands(b.accepted as f64),
            )
        },
    );
    let venue_week = row.venue_week.map_or_else(dash, |(n, elapsed)| {
        format!("{n} in {:.2} s", elapsed.as_secs_f64())
    });
    let availability = row.availability.as_ref().map_or_else(
        || (dash(), dash(), dash()),
        |a| {
            (
                stats::thousands(a.per_second),
                format!(
                    "{} / {} / {} / {}",
                    stats::ms(a.p50),
                    stats::ms(a.p90),
                    stats::ms(a.p99),
                    stats::ms(a.max)
                ),
                a.errors.to_string(),
            )
        },
    );
    println!("\nRow for docs/performance.md:");
    println!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        jst.unwrap_or_else(|_| dash()),
        machine.short(),
        booking.0,
        booking.1,
        booking.2,
        venue_week,
        availability.0,
        availability.1,
        availability.2,
    );
}

/// The first day with a bookable slot at any venue, from tomorrow on.
async fn first_bookable_day(
    client: &reqwest::Client,
    base: &str,
    venues: &[api::Venue],
) -> Result<NaiveDate> {
    let today = Utc::now().with_timezone(&jst()?).date_naive();
    let from = booking::add_days(today, 1)?;
    let to = booking::add_days(from, 13)?;
    let mut first: Option<NaiveDate> = None;
    for venue in venues {
        let availability = api::availability(client, base, &venue.id, from, to).await?;
        for slot in &availability.slots {
            let day = slot.start_time()?.date_naive();
            first = Some(first.map_or(day, |f| f.min(day)));
        }
    }
    first.with_context(|| {
        format!("no venue has a bookable slot between {from} and {to}; is the demo data loaded?")
    })
}

/// `--bin`, else `target/release/madoguchi` under `$CARGO_TARGET_DIR`, the
/// current folder, or the workspace this bench belongs to.
fn resolve_binary(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = given {
        server::check_binary(path)?;
        return Ok(path.to_path_buf());
    }
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(dir).join("release/madoguchi"));
    }
    candidates.push(PathBuf::from("target/release/madoguchi"));
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/madoguchi"));
    for candidate in &candidates {
        if candidate.is_file() {
            return Ok(candidate.clone());
        }
    }
    server::check_binary(Path::new("target/release/madoguchi"))?;
    Ok(PathBuf::from("target/release/madoguchi"))
}

fn describe_binary(bin: &Path, jst: FixedOffset) -> String {
    let shown = bin.canonicalize().unwrap_or_else(|_| bin.to_path_buf());
    match std::fs::metadata(bin) {
        Ok(meta) => {
            let built = meta
                .modified()
                .map(|t| {
                    DateTime::<Utc>::from(t)
                        .with_timezone(&jst)
                        .format(", built %Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default();
            let release = if shown.components().any(|c| c.as_os_str() == "release") {
                ""
            } else {
                " (NOT a release build?)"
            };
            format!(
                "{} ({:.1} MiB{built}){release}",
                shown.display(),
                meta.len() as f64 / 1024.0 / 1024.0
            )
        }
        Err(_) => shown.display().to_string(),
    }
}

fn describe_db(db: &Path) -> String {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    let journal = if Path::new(&wal).exists() {
        "WAL journal"
    } else {
        "journal mode unknown (no -wal file)"
    };
    format!("SQLite {} (fresh, demo data; {journal})", db.display())
}

/// A new folder for this run's database, config and log.
fn temp_dir() -> Result<PathBuf> {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("madoguchi-bench-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
