//! End to end: the server, configured only through `MADOGUCHI_*`
//! variables, takes a booking through the API and its worker delivers the
//! SMS to the provider (a local fake of Twilio's Messages API).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

type Received = Arc<Mutex<Vec<(String, String, String)>>>;

async fn fake_twilio() -> (Received, String) {
    let received: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/2010-04-01/Accounts/ACe2e/Messages.json",
            post(
                |State(r): State<Received>, headers: HeaderMap, body: String| async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    let n = {
                        let mut r = r.lock().unwrap();
                        r.push((
                            "/2010-04-01/Accounts/ACe2e/Messages.json".to_owned(),
                            auth,
                            body,
                        ));
                        r.len()
                    };
                    (
                        axum::http::StatusCode::CREATED,
                        format!(r#"{{"sid": "SMe2e{n}"}}"#),
                    )
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (received, base)
}

#[tokio::test]
async fn a_booking_made_through_the_api_reaches_the_sms_provider() {
    let (received, api_base) = fake_twilio().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e2e.db");
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_madoguchi"))
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
    // Other start-up lines may come first (e.g. the first admin account).
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
    let venues: serde_json::Value = http
        .get(format!("{base}/api/v1/venues"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let venue = venues[0]["id"].as_i64().unwrap();
    let days: serde_json::Value = http
        .get(format!(
            "{base}/api/v1/venues/{venue}/availability?from=2026-12-03&to=2026-12-10"
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
    let response = http
        .post(format!("{base}/api/v1/bookings"))
        .json(&serde_json::json!({
            "slot_id": slot,
            "party_size": 1,
            "name": "尾張 一郎",
            "name_kana": "おわり いちろう",
            "birth_date": "1960-04-01",
            "phone": "090-5555-0123",
            "email": "",
            "notify": "sms",
        }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let booked: serde_json::Value = response.json().await.unwrap();
    assert!(status.is_success(), "{status} {booked}");
    let number = booked["reservation_no"].as_str().unwrap().to_owned();
    let grouped = format!("{}-{}", &number[..4], &number[4..]);

    // The worker polls every few seconds; wait for our message.
    let ours = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let found = received
                .lock()
                .unwrap()
                .iter()
                .find(|(_, _, body)| body.contains("To=%2B819055550123"))
                .cloned();
            if let Some(found) = found {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the SMS reaches the provider within 60 s");
    // The demo's sample bookings never notify anyone: ours is the only message.
    let all: Vec<String> = received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, body)| body.clone())
        .collect();
    assert_eq!(
        all.len(),
        1,
        "only the booking made here was texted: {all:?}"
    );
    let (_, auth, body) = ours;
    assert!(auth.starts_with("Basic "), "{auth}");
    assert!(body.contains("From=%2B815012345678"), "{body}");
    let text = decode_form_value(&body, "Body");
    assert!(text.contains(&grouped), "{text}");
    assert!(text.contains("https://yoyaku.example.jp/lookup"), "{text}");
    server.kill().await.unwrap();
}

fn decode_form_value(body: &str, key: &str) -> String {
    let raw = body
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{key}=")))
        .unwrap_or("");
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                out.push(
                    u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap(), 16)
                        .unwrap(),
                );
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
