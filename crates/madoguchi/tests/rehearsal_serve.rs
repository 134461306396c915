//! End to end: `serve` in rehearsal mode, with a real SMS provider
//! configured, sends nothing to it: the booking's SMS is kept for staff.
//! Its pages carry the banner, and `rehearse --url` drives it from another
//! process on the same database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::routing::post;
use madoguchi_store::Store;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

const NOW: &str = "2026-11-25T10:00:00+09:00";

/// A stand-in for Twilio that only counts what reaches it.
async fn counting_provider() -> (Arc<AtomicUsize>, String) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/2010-04-01/Accounts/ACe2e/Messages.json",
        post(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { (axum::http::StatusCode::CREATED, r#"{"sid": "SM1"}"#) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (hits, base)
}

#[tokio::test]
async fn a_rehearsal_instance_keeps_its_sms_whatever_the_provider_configuration() {
    let (hits, api_base) = counting_provider().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db").to_string_lossy().into_owned();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args([
            "--db",
            &db,
            "--now",
            NOW,
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ])
        .env("MADOGUCHI_SERVICE_REHEARSAL", "true")
        .env("MADOGUCHI_WEB_RATE_LIMIT_EXEMPT_LOOPBACK", "true")
        .env("MADOGUCHI_VOICE_ENABLED", "false")
        .env("MADOGUCHI_SMS_PROVIDER", "twilio")
        .env("MADOGUCHI_SMS_API_BASE", &api_base)
        .env("MADOGUCHI_SMS_ACCOUNT_SID", "ACe2e")
        .env("MADOGUCHI_SMS_AUTH_TOKEN", "123456")
        .env("MADOGUCHI_SMS_FROM", "+815012345678")
        .env("MADOGUCHI_SITE_PUBLIC_URL", "https://yoyaku.example.jp")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let base = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let line = lines.next_line().await.unwrap().expect("the server starts");
            if let Some(base) = line.strip_prefix("madoguchi listening on ") {
                return base.to_owned();
            }
        }
    })
    .await
    .expect("the server starts within 60 s");

    let http = reqwest::Client::new();
    let start = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(start.headers()["madoguchi-rehearsal"], "1");
    assert!(
        start
            .text()
            .await
            .unwrap()
            .contains("これは練習用の環境です")
    );

    // Another process drives the running instance on the same database.
    let rehearse = tokio::process::Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args([
            "--db", &db, "--now", NOW, "rehearse", "--json", "--url", &base,
        ])
        .args(["--web", "20", "--calls", "3"])
        .env("MADOGUCHI_SERVICE_REHEARSAL", "true")
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(
        rehearse.status.success(),
        "{}",
        String::from_utf8_lossy(&rehearse.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&rehearse.stdout).unwrap();
    assert_eq!(summary["store"]["adds_up"], true, "{summary}");
    assert!(summary["web"]["booked"].as_u64().unwrap() > 0, "{summary}");

    // The server's worker keeps the SMS of those bookings; none reaches Twilio.
    let store = Store::connect(&db).await.unwrap();
    let kept = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let (sms, _) = store.diverted_counts().await.unwrap();
            if sms > 0 {
                return sms;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the worker keeps the SMS within 60 s");
    assert!(kept > 0);
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "a message reached the provider"
    );
    server.kill().await.unwrap();
    store.close().await;
}
