//! The `madoguchi` command: serve, migrate, seed. Wires configuration,
//! the store and the web application together.

mod admin;
mod call;
mod config;
mod demo;
mod startup;
mod voice;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use madoguchi_core::Clock;
use madoguchi_core::clock::{ShiftedClock, SystemClock};
use madoguchi_store::Store;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

#[derive(Parser)]
#[command(
    name = "madoguchi",
    version,
    about = "窓口予約 Madoguchi: appointment booking for city counters"
)]
struct Cli {
    /// SQLite file path or postgres:// URL [default: ./data/madoguchi.db]
    #[arg(long, global = true)]
    db: Option<String>,
    /// TOML configuration file.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Behave as if it were this instant (RFC 3339); time moves on from
    /// there. For rehearsals before opening and for tests.
    #[arg(long, global = true, value_parser = parse_instant)]
    now: Option<DateTime<Utc>>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service.
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080, or [web] listen]
        #[arg(long)]
        listen: Option<String>,
        /// Load the demo data first (idempotent).
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations.
    Migrate,
    /// Delete bookings past the retention period, keeping anonymous counts
    /// (`serve` also does this every hour).
    Purge,
    /// Staff accounts of the admin console.
    Admin {
        #[command(subcommand)]
        what: admin::AdminCommand,
    },
    /// Load data.
    Seed {
        #[command(subcommand)]
        what: SeedWhat,
    },
    /// Phone calls: `call simulate` runs one call with text for audio.
    Call {
        #[command(subcommand)]
        what: call::CallCommand,
    },
}

#[derive(Subcommand)]
enum SeedWhat {
    /// The demo data: 14 venues, hours, slots and a few bookings.
    Demo,
}

fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 instant ({e}); example: 2026-12-01T09:00:00+09:00"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(format!(
                    "info,sqlx=warn,{}",
                    madoguchi_voice::sip::LOG_FILTER
                ))
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = config::Config::load(cli.config.as_deref(), std::env::vars())?;
    let clock: Arc<dyn Clock> = match cli.now {
        Some(at) => {
            tracing::warn!(now = %at, "clock override: behaving as if started at this instant");
            Arc::new(ShiftedClock::starting_at(at))
        }
        None => Arc::new(SystemClock),
    };
    let target = cli
        .db
        .or_else(|| config.database.url.clone())
        .unwrap_or_else(|| "data/madoguchi.db".to_owned());
    let store = Store::connect(&target)
        .await
        .with_context(|| format!("opening the database {}", redact(&target)))?;
    store.migrate().await.context("applying migrations")?;
    let mut settings = (*store.settings().await?).clone();
    if config.service.apply(&mut settings)? {
        store.save_settings(&settings).await?;
        tracing::info!("service rules from the configuration applied");
    }

    match cli.command {
        Command::Migrate => {
            println!("migrations applied to {}", redact(&target));
        }
        Command::Purge => {
            let deleted = purge(&store, clock.as_ref()).await?;
            println!("{deleted} bookings past the retention period deleted");
        }
        Command::Seed {
            what: SeedWhat::Demo,
        } => {
            demo::seed(&store, clock.now()).await?;
            println!("demo data loaded into {}", redact(&target));
        }
        Command::Call { what } => {
            call::run(store.clone(), clock.clone(), what).await?;
        }
        Command::Admin { what } => {
            admin::run(&store, what, clock.now()).await?;
        }
        Command::Serve { listen, demo } => {
            let mut account = None;
            if demo {
                demo::seed(&store, clock.now()).await?;
                account = admin::ensure_demo_admin(&store, clock.now())
                    .await?
                    .map(|(user, password)| startup::AdminAccount::DemoCreated { user, password });
            }
            let account = match account {
                Some(created) => created,
                None if store.has_enabled_admin().await? => startup::AdminAccount::Exists,
                None => startup::AdminAccount::Missing,
            };
            let listen = listen.unwrap_or_else(|| config.web.listen.clone());
            serve(store.clone(), clock, &config, &listen, account).await?;
        }
    }
    store.close().await;
    Ok(())
}

/// Deletes bookings whose appointment day is older than the retention
/// period (E2).
async fn purge(store: &Store, clock: &dyn Clock) -> anyhow::Result<u64> {
    let settings = store.settings().await?;
    let days = u64::from(settings.retention.days_after_visit);
    let before = clock
        .today()
        .checked_sub_days(chrono::Days::new(days))
        .context("retention period reaches before the calendar")?;
    let deleted = store.purge_bookings_before(before).await?;
    // Call logs hold what callers said: kept as long as bookings (docs/dialog.md).
    store
        .purge_calls_before(clock.now() - chrono::Duration::days(i64::try_from(days).unwrap_or(30)))
        .await?;
    if deleted > 0 {
        tracing::info!(deleted, %before, "personal data past the retention period deleted");
    }
    Ok(deleted)
}

async fn serve(
    store: Store,
    clock: Arc<dyn Clock>,
    config: &config::Config,
    listen: &str,
    account: startup::AdminAccount,
) -> anyhow::Result<()> {
    let fresh: [u8; 64] = rand::random();
    let fresh_hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
    let secret = store.secret_or_insert("cookie_key", &fresh_hex).await?;
    // Retention runs beside the server, every hour, on every instance (the
    // deletion is idempotent).
    let (purge_store, purge_clock) = (store.clone(), clock.clone());
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            if let Err(e) = purge(&purge_store, purge_clock.as_ref()).await {
                tracing::error!(error = %e, "retention purge failed");
            }
        }
    });
    // Notifications: the outbox worker runs on every instance (the store
    // hands each message to one of them).
    let delivery = madoguchi_notify::Delivery::from_config(&config.email, &config.sms)?;
    if !delivery.sms_configured() || !delivery.email_configured() {
        tracing::warn!(
            sms = delivery.sms_configured(),
            email = delivery.email_configured(),
            "notification delivery is not fully configured; such messages are stored as undeliverable"
        );
    }
    tokio::spawn(
        madoguchi_notify::Worker::new(
            store.clone(),
            clock.clone(),
            delivery.clone(),
            config.site.public_url.clone(),
            madoguchi_notify::RetryPolicy::default(),
        )
        .run(),
    );
    let mut web_config = config.web_config();
    web_config.notify = madoguchi_notify::admin::NotifyStatus {
        sms_configured: delivery.sms_configured(),
        email_configured: delivery.email_configured(),
        public_url: config.site.public_url.clone(),
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let sip = config.sip_config(address);
    let phone_state = if !config.voice.enabled {
        startup::PhoneState::Off
    } else {
        startup::PhoneState::Starting {
            sip: sip.enabled.then(|| startup::sip_uri(&sip)),
        }
    };
    let phone = voice::start(config, sip, store.clone(), clock.clone());
    let state = madoguchi_web::AppState::new(store, clock, web_config, secret.as_bytes())?;
    let mut app = madoguchi_web::app(state);
    if let Some((routes, _)) = &phone {
        app = app.merge(routes.clone());
    }
    // Tools and tests wait for the first line; people read the summary.
    let mut stdout = tokio::io::stdout();
    let summary = startup::summary(address, &account, &phone_state);
    stdout
        .write_all(format!("madoguchi listening on http://{address}\n{summary}").as_bytes())
        .await?;
    stdout.flush().await?;
    tracing::info!(%address, "serving");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    if let Some((_, phone)) = &phone {
        phone.shutdown().await;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// A database target without its password, for messages.
fn redact(target: &str) -> String {
    match (target.find("://"), target.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &target[..scheme], &target[at + 1..])
        }
        _ => target.to_owned(),
    }
}
