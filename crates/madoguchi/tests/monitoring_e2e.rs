//! The monitoring through the real `madoguchi serve`: `[metrics] listen`
//! opens a listener of its own whose `/metrics` shows a booking made on the
//! public one (which never serves `/metrics`), and `/readyz` says whether
//! the instance can serve, the phone's speech engines included.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

struct Server {
    _child: Child,
    _dir: tempfile::TempDir,
    lines: Lines<BufReader<ChildStdout>>,
    base: String,
}

async fn serve(env: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    command
        .args([
            "--db",
            db.to_str().unwrap(),
            "--now",
            "2026-11-25T10:00:00+09:00",
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ])
        .env("MADOGUCHI_SIP_ENABLED", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = wait_for(&mut lines, "madoguchi listening on ").await;
    Server {
        _child: child,
        _dir: dir,
        lines,
        base,
    }
}

/// The rest of the first line of standard output that starts with `prefix`.
async fn wait_for(lines: &mut Lines<BufReader<ChildStdout>>, prefix: &str) -> String {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let line = lines.next_line().await.unwrap().expect("the server runs");
            if let Some(rest) = line.trim_start().strip_prefix(prefix) {
                return rest.trim().to_owned();
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no line starting with {prefix:?} within 60 s"))
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The value of the sample `name` (with its labels, as printed), if any.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_on_their_own_listener_show_a_booking_made_on_the_web() {
    let mut server = serve(&[
        ("MADOGUCHI_VOICE_ENABLED", "false"),
        ("MADOGUCHI_METRICS_LISTEN", "127.0.0.1:0"),
    ])
    .await;
    let metrics = wait_for(&mut server.lines, "Metrics (Prometheus):").await;
    assert!(metrics.starts_with("http://127.0.0.1:"), "{metrics}");
    let base = server.base.clone();

    assert_eq!(get(&format!("{base}/readyz")).await, (200, "ok".to_owned()));
    assert_eq!(get(&format!("{base}/metrics")).await.0, 404, "not public");

    let http = reqwest::Client::new();
    let days: serde_json::Value = http
        .get(format!(
            "{base}/api/v1/venues/1/availability?from=2026-12-03&to=2026-12-10"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let slot = days["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["remaining"].as_i64().unwrap_or(0) > 0)
        .expect("a slot with room")["id"]
        .as_i64()
        .unwrap();
    let booked = http
        .post(format!("{base}/api/v1/bookings"))
        .json(&serde_json::json!({
            "slot_id": slot, "party_size": 1, "name": "尾張 一郎",
            "name_kana": "おわり いちろう", "birth_date": "1960-04-01",
            "phone": "090-5555-0123", "notify": "sms",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status().as_u16(), 201);

    let (status, text) = get(&metrics).await;
    assert_eq!(status, 200);
    // The demo's sample bookings are made by the same process at start.
    assert_eq!(
        sample(&text, "madoguchi_bookings_total{channel=\"web\"}").map(|n| n >= 1.0),
        Some(true),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "madoguchi_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/bookings\",status=\"201\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert!(
        text.contains("route=\"/api/v1/venues/{venue_id}/availability\""),
        "{text}"
    );
    assert!(!text.contains("090-5555-0123") && !text.contains("09055550123"));
    // The metrics listener answers readiness too, for the monitoring.
    let ready = metrics.replace("/metrics", "/readyz");
    assert_eq!(get(&ready).await, (200, "ok".to_owned()));
}

#[tokio::test]
async fn readyz_waits_for_the_phones_speech_engines() {
    let server = serve(&[
        ("MADOGUCHI_VOICE_ENABLED", "true"),
        ("MADOGUCHI_ASR_PYTHON", "/nonexistent/python3"),
    ])
    .await;
    let base = server.base.clone();
    // The web pages serve; the instance is not ready while the phone is off.
    assert_eq!(get(&format!("{base}/healthz")).await.0, 200);
    let (status, body) = get(&format!("{base}/readyz")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, "not ready: phone: speech engines not loaded");
}
