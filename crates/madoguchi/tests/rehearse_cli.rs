//! `madoguchi rehearse` against a fresh demo database, through the real
//! binary: opening day's rush of web bookings and phone calls, and its
//! summary checked against what the database holds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use madoguchi_store::Store;
use serde_json::Value;
use std::process::{Command, Stdio};

const NOW: &str = "2026-12-01T10:00:00+09:00";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_madoguchi")
}

fn seeded(dir: &tempfile::TempDir) -> String {
    let db = dir.path().join("m.db").to_string_lossy().into_owned();
    let status = Command::new(bin())
        .args(["--db", &db, "--now", NOW, "seed", "demo"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    db
}

fn rehearse(db: &str, rehearsal: bool, web: u32, calls: u32) -> std::process::Output {
    let mut command = Command::new(bin());
    command
        .args(["--db", db, "--now", NOW, "rehearse", "--json"])
        .args(["--web", &web.to_string(), "--calls", &calls.to_string()])
        .env_remove("MADOGUCHI_SERVICE_REHEARSAL")
        .env("RUST_LOG", "warn");
    if rehearsal {
        command.env("MADOGUCHI_SERVICE_REHEARSAL", "true");
    }
    command.output().unwrap()
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

#[tokio::test]
async fn opening_day_rush_adds_up_against_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(&dir);
    let store = Store::connect(&db).await.unwrap();
    let before = store.active_bookings().await.unwrap();

    let output = rehearse(&db, true, 300, 30);
    assert!(
        output.status.success(),
        "rehearse failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    let (web, calls, check) = (&summary["web"], &summary["calls"], &summary["store"]);

    // Every web resident is accounted for: booked, gave up, or an error.
    let errors: u64 = web["errors"].as_object().unwrap().values().map(n).sum();
    assert_eq!(errors, 0, "{web}");
    assert_eq!(n(&web["booked"]) + n(&web["not_booked_full"]), 300, "{web}");
    // A rush on a few venues: slots fill, refusals offer other times.
    assert!(n(&web["booked"]) > 50, "{web}");
    assert!(n(&web["refusals"]) > 0, "{web}");
    assert!(n(&web["alternatives_offered"]) > 0, "{web}");
    assert!(n(&web["booked_alternative"]) > 0, "{web}");
    assert!(n(&web["booking_ms"]["count"]) >= n(&web["booked"]));

    // Every call ended, each greeting said it is a rehearsal.
    let outcomes: u64 = calls["outcomes"].as_object().unwrap().values().map(n).sum();
    assert_eq!(outcomes, 30, "{calls}");
    assert_eq!(n(&calls["errors"]), 0, "{calls}");
    assert_eq!(n(&calls["rehearsal_notice"]), 30, "{calls}");
    assert!(n(&calls["booked"]) > 10, "{calls}");
    assert_eq!(n(&calls["booked"]), n(&calls["outcomes"]["booked"]));

    // The printed figures against the database, read here independently.
    let after = store.active_bookings().await.unwrap();
    assert_eq!(n(&check["bookings_before"]), before);
    assert_eq!(n(&check["bookings_after"]), after);
    assert_eq!(after - before, n(&web["booked"]) + n(&calls["booked"]));
    assert_eq!(check["adds_up"], true);
    for (slot, booked, seats) in store.seat_audit().await.unwrap() {
        assert_eq!(booked, seats, "slot {slot:?} miscounted");
    }
    let oversold: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM slots WHERE booked > capacity")
        .fetch_one(
            &sqlx::SqlitePool::connect(&format!("sqlite://{db}"))
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(oversold.0, 0);

    // Nothing was sent: the messages are in the sink, as counted.
    let (sms, email) = store.diverted_counts().await.unwrap();
    assert!(sms > 0 && email > 0, "sms {sms} email {email}");
    assert_eq!(n(&summary["kept_sms"]), sms);
    assert_eq!(n(&summary["kept_email"]), email);
    let kept = store.diverted_messages(1000).await.unwrap();
    assert!(
        kept.iter()
            .any(|m| m.channel == "sms" && m.recipient.starts_with("+8190"))
    );
    store.close().await;
}

#[tokio::test]
async fn rehearse_refuses_an_instance_that_is_not_a_rehearsal() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(&dir);
    let store = Store::connect(&db).await.unwrap();
    let before = store.active_bookings().await.unwrap();
    let output = rehearse(&db, false, 5, 1);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("rehearsal instance"));
    assert_eq!(store.active_bookings().await.unwrap(), before);
    store.close().await;
}

/// The greeting of `call simulate`, with or without rehearsal mode.
fn greeting(db: &str, rehearsal: bool) -> String {
    use std::io::Write;
    let mut command = Command::new(bin());
    command
        .args([
            "--db",
            db,
            "--now",
            NOW,
            "call",
            "simulate",
            "--json",
            "--dry-run",
        ])
        .env_remove("MADOGUCHI_SERVICE_REHEARSAL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if rehearsal {
        command.env("MADOGUCHI_SERVICE_REHEARSAL", "true");
    }
    let mut child = command.spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "#hangup").unwrap();
    let output = child.wait_with_output().unwrap();
    let first = String::from_utf8(output.stdout).unwrap();
    let line: Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    line["agent"].as_str().unwrap().to_owned()
}

#[test]
fn every_call_on_a_rehearsal_instance_says_so_right_after_the_greeting() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(&dir);
    let said = greeting(&db, true);
    assert!(
        said.starts_with("一宮市、マイナンバーカードの予約窓口です。これは練習用の環境です。予約は実際には行われません。ご用件をどうぞ。"),
        "{said}"
    );
    let normal = greeting(&db, false);
    assert!(!normal.contains("練習用"), "{normal}");
}
