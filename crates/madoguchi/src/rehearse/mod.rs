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
use madoguchi_core::Clock;
use madoguchi_store::Store;
use rand::Rng;
use rand::rngs::StdRng;
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

mod phone;
mod summary;
mod web;

use phone::Caller;
pub use summary::{CallSummary, Latency, StoreCheck, Summary, WebSummary};
use web::{VenueJson, WebResident};

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
