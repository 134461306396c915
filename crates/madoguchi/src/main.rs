//! The `madoguchi` command: serve, migrate, seed. Wires configuration,
//! the store and the web application together.

mod admin;
mod backup;
mod call;
mod config;
mod demo;
mod monitoring;
mod rehearse;
mod startup;
mod voice;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use madoguchi_core::Clock;
use madoguchi_core::clock::{ShiftedClock, SystemClock};
use madoguchi_store::{ChainKey, Store};
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
    /// Delete bookings and access-log entries past their retention
    /// periods, keeping anonymous counts (`serve` also does this every hour).
    Purge,
    /// Copy the SQLite database to FILE while the service runs (a
    /// consistent snapshot), then open the copy, check it and print its
    /// table counts. PostgreSQL: pg_dump (docs/deploy.md).
    Backup { file: PathBuf },
    /// Put the backup FILE in place of the database of a stopped instance;
    /// refused while anything has the database open. The replaced file is
    /// kept beside it (`….before-restore-<time>`).
    Restore { file: PathBuf },
    /// The access log's hash chain.
    Audit {
        #[command(subcommand)]
        what: AuditCommand,
    },
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
    /// Opening day on a rehearsal instance: many web bookings and phone
    /// calls at once, then what happened, checked against the database.
    Rehearse(rehearse::RehearseArgs),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Seal the newest entries, then check the whole chain: prints OK with
    /// the counts and the head hash (note it down: it proves later that
    /// nothing was cut off the end), or the first broken link and why.
    /// Exits with status 1 when the chain is broken.
    Verify {
        /// An entry still unsealed this many minutes after it was written
        /// counts as a break.
        #[arg(long, default_value_t = 10)]
        grace_minutes: u32,
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
    // Before anything opens the database it replaces.
    if let Command::Restore { file } = &cli.command {
        return backup::restore(file, &target).await;
    }
    let store = Store::connect(&target)
        .await
        .with_context(|| format!("opening the database {}", redact(&target)))?
        .with_rehearsal(config.service.rehearsal);
    if store.is_rehearsal() {
        tracing::warn!(
            "rehearsal mode: pages and calls say so, SMS and email are kept for staff, never sent"
        );
    }
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
        Command::Backup { file } => backup::backup(&store, &file).await?,
        // Handled above, before the database is opened.
        Command::Restore { .. } => {}
        Command::Purge => {
            let key = chain_key(&store, &config).await?;
            let deleted = purge(&store, clock.as_ref(), &key).await?;
            println!(
                "{} bookings and {} access-log entries past their retention periods deleted",
                deleted.bookings, deleted.access_log
            );
        }
        Command::Audit {
            what: AuditCommand::Verify { grace_minutes },
        } => {
            let key = chain_key(&store, &config).await?;
            let whole = audit_verify(&store, &key, clock.now(), grace_minutes).await?;
            store.close().await;
            if !whole {
                std::process::exit(1);
            }
            return Ok(());
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
        Command::Rehearse(args) => {
            rehearse::run(store.clone(), clock.clone(), &config, args).await?;
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
            let key = chain_key(&store, &config).await?;
            serve(store.clone(), clock, &config, &listen, account, key.clone()).await?;
            // Entries of the last seconds, so the chain ends where the log does.
            if let Err(e) = store.seal_access_log(&key).await {
                tracing::warn!(error = %e, "access log not sealed at shutdown");
            }
        }
    }
    store.close().await;
    Ok(())
}

/// The key of the access log's chain: derived from `[security]
/// secret_key`, else from a secret kept in the database (with a warning:
/// whoever copies the database can then re-forge the chain).
async fn chain_key(store: &Store, config: &config::Config) -> anyhow::Result<ChainKey> {
    if let Some(secret) = config.security.secret()? {
        return ChainKey::derive(&secret).context("[security] secret_key");
    }
    tracing::warn!(
        "[security] secret_key is not set: the access log's chain key is kept in the database, \
         so anyone with a copy of the database can re-forge the chain; set it \
         (MADOGUCHI_SECURITY_SECRET_KEY, see docs/operations.md)"
    );
    let fresh: [u8; 32] = rand::random();
    let fresh_hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
    let secret = store
        .secret_or_insert("access_chain_secret", &fresh_hex)
        .await?;
    ChainKey::derive(secret.as_bytes()).context("the stored access_chain_secret")
}

/// `audit verify`: prints the outcome; true when the chain is whole.
async fn audit_verify(
    store: &Store,
    key: &ChainKey,
    now: DateTime<Utc>,
    grace_minutes: u32,
) -> anyhow::Result<bool> {
    let report = store
        .verify_access_log(
            key,
            now,
            chrono::Duration::minutes(i64::from(grace_minutes)),
        )
        .await?;
    let Some(broken) = report.broken else {
        println!(
            "access log chain OK: {} entries checked (seq {}..{}; {} purged before), {} sealed now",
            report.checked,
            report.anchor_seq + 1,
            report.head_seq,
            report.anchor_seq,
            report.sealed_now
        );
        println!("head: seq {} hash {}", report.head_seq, report.head_hash);
        return Ok(true);
    };
    let entry = match (broken.entry_id, broken.at) {
        (Some(id), Some(at)) => format!(
            " (entry id {id}, {})",
            at.with_timezone(&madoguchi_core::JST).to_rfc3339()
        ),
        _ => String::new(),
    };
    let what = if broken.kind == madoguchi_store::BreakKind::Missing && broken.entry_id.is_some() {
        format!(
            "{}; the next entry still there is shown",
            broken.kind.describe()
        )
    } else {
        broken.kind.describe().to_owned()
    };
    // Some breaks have no number (an unsealed entry, another key).
    let place = if broken.seq > 0 {
        format!(" at seq {}", broken.seq)
    } else {
        String::new()
    };
    println!("access log chain BROKEN{place}{entry}: {what}");
    println!(
        "checked before the break: {} entries from seq {}",
        report.checked,
        report.anchor_seq + 1
    );
    Ok(false)
}

/// What a retention purge deleted.
struct Purged {
    bookings: u64,
    access_log: u64,
}

/// Deletes bookings whose appointment day is older than the retention
/// period (E2), and access-log entries older than theirs.
async fn purge(store: &Store, clock: &dyn Clock, key: &ChainKey) -> anyhow::Result<Purged> {
    let settings = store.settings().await?;
    let days = u64::from(settings.retention.days_after_visit);
    let before = clock
        .today()
        .checked_sub_days(chrono::Days::new(days))
        .context("retention period reaches before the calendar")?;
    let deleted = store.purge_bookings_before(before).await?;
    // Call logs hold what callers said: kept as long as bookings (docs/dialog.md).
    let kept_until = clock.now() - chrono::Duration::days(i64::try_from(days).unwrap_or(30));
    store.purge_calls_before(kept_until).await?;
    // A rehearsal's kept messages hold what residents would have been sent.
    store.purge_diverted_before(kept_until).await?;
    if deleted > 0 {
        tracing::info!(deleted, %before, "personal data past the retention period deleted");
    }
    let log_before =
        clock.now() - chrono::Duration::days(i64::from(settings.retention.access_log_days));
    let access_log = store.purge_access_log_before(log_before, key).await?;
    if access_log > 0 {
        tracing::info!(deleted = access_log, before = %log_before, "access-log entries past their retention period deleted");
    }
    Ok(Purged {
        bookings: deleted,
        access_log,
    })
}

async fn serve(
    store: Store,
    clock: Arc<dyn Clock>,
    config: &config::Config,
    listen: &str,
    account: startup::AdminAccount,
    key: ChainKey,
) -> anyhow::Result<()> {
    let fresh: [u8; 64] = rand::random();
    let fresh_hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
    let secret = store.secret_or_insert("cookie_key", &fresh_hex).await?;
    // Retention runs beside the server, every hour, on every instance (the
    // deletion is idempotent).
    let (purge_store, purge_clock, purge_key) = (store.clone(), clock.clone(), key.clone());
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            if let Err(e) = purge(&purge_store, purge_clock.as_ref(), &purge_key).await {
                tracing::error!(error = %e, "retention purge failed");
            }
        }
    });
    // The access log's sealer, every few seconds on every instance (they
    // take turns on the chain's head row). It yields to bookings.
    let seal_store = store.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SEAL_EVERY);
        let mut failing = false;
        loop {
            every.tick().await;
            match seal_store.seal_access_log(&key).await {
                Ok(_) => failing = false,
                // Said once, not every few seconds.
                Err(e) if !failing => {
                    tracing::error!(error = %e, "access log not sealed");
                    failing = true;
                }
                Err(_) => {}
            }
        }
    });
    // Notifications: the outbox worker runs on every instance (the store
    // hands each message to one of them).
    let delivery = if store.is_rehearsal() {
        madoguchi_notify::Delivery::rehearsal_sink(store.clone(), clock.clone())
    } else {
        madoguchi_notify::Delivery::from_config(&config.email, &config.sms)?
    };
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
    let phone = voice::start(config, sip, address, store.clone(), clock.clone());
    let state = madoguchi_web::AppState::new(store, clock, web_config, secret.as_bytes())?;
    let state = monitoring::with_phone_readiness(state, phone.as_ref().map(|(_, p)| p));
    let metrics = match &config.metrics.listen {
        Some(listen) => Some(monitoring::serve_metrics(listen, state.clone()).await?),
        None => None,
    };
    let app = web_app(state, phone.as_ref().map(|(routes, _)| routes.clone()));
    // Tools and tests wait for the first line; people read the summary.
    let mut stdout = tokio::io::stdout();
    let summary = startup::summary(address, &account, &phone_state, metrics);
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

/// How often the access log is sealed.
const SEAL_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The web application with the phone's routes, inside its security headers.
fn web_app(state: madoguchi_web::AppState, phone: Option<axum::Router>) -> axum::Router {
    madoguchi_web::app_with(state, phone.unwrap_or_default())
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use axum::body::Body;
    use axum::http::{Request, header};
    use tower::ServiceExt;

    /// The phone's Twilio entrance is merged into the application after the
    /// web routes: its answers carry the same security headers as every
    /// page (they were missing when it was merged outside the layers).
    #[tokio::test]
    async fn phone_routes_carry_the_security_headers_like_every_page() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(dir.path().join("m.db").to_str().unwrap())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let state = madoguchi_web::AppState::new(
            store.clone(),
            Arc::new(SystemClock),
            madoguchi_web::WebConfig::default(),
            &[7u8; 64],
        )
        .unwrap();
        let handler: madoguchi_voice::line::LineHandler = Arc::new(|_line| {});
        let auth = madoguchi_voice::line::twilio_auth::StreamAuth::Unsigned;
        let app = web_app(
            state,
            Some(madoguchi_voice::line::twilio::router(handler, auth)),
        );
        for path in [
            madoguchi_voice::line::twilio::PATH,
            "/voice/other",
            "/",
            "/healthz",
            "/static/style.css",
        ] {
            let response = app
                .clone()
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let headers = response.headers();
            for name in [
                header::CONTENT_SECURITY_POLICY,
                header::X_CONTENT_TYPE_OPTIONS,
                header::X_FRAME_OPTIONS,
                header::REFERRER_POLICY,
                header::CACHE_CONTROL,
            ] {
                assert!(
                    headers.contains_key(&name),
                    "{path} ({}) has no {name}",
                    response.status()
                );
            }
        }
        store.close().await;
    }
}
