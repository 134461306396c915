//! `madoguchi backup` and `madoguchi restore` through the real binary: a
//! backup taken while bookings are being written holds every booking
//! confirmed before it started, and restoring it into the stopped instance
//! brings them all back, keeping the replaced file aside.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use madoguchi_core::booking::{ApplicantForm, Channel};
use madoguchi_store::{Actor, NewBooking, Store};
use sqlx::Connection;
use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Tuesday 2026-12-01, 10:00 in Japan.
const NOW: &str = "2026-12-01T10:00:00+09:00";
/// Bookings confirmed before the backup starts, and after it ends.
const BEFORE: usize = 60;
const AFTER: usize = 20;
const MAX_ATTEMPTS: usize = 20_000;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_madoguchi")
}

fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc)
}

/// The count printed for `table` in a backup or restore report.
fn printed_rows(output: &Output, table: &str) -> i64 {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(table)).then(|| words.next()?.parse().ok())?
        })
        .unwrap_or_else(|| panic!("no count for {table}: {}", text(output)))
}

async fn reservation_numbers(db: &str) -> BTreeSet<String> {
    let mut raw = sqlx::SqliteConnection::connect(&format!("sqlite://{db}"))
        .await
        .unwrap();
    let rows: Vec<(String,)> = sqlx::query_as("SELECT reservation_no FROM bookings")
        .fetch_all(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    rows.into_iter().map(|(n,)| n).collect()
}

/// Books one seat at a time in the free slots of the demo's first venues,
/// as residents would, until `stop` is set; returns the numbers in the
/// order they were confirmed (`done` counts them as they come).
async fn write_bookings(
    store: Store,
    done: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) -> Vec<String> {
    let venues = store.venues(false).await.unwrap();
    let mut slots = Vec::new();
    for venue in venues.iter().take(4) {
        let first = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let last = chrono::NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        for slot in store.slots_between(venue.id, first, last).await.unwrap() {
            slots.push(slot.id);
        }
    }
    let today = now().with_timezone(&madoguchi_core::JST).date_naive();
    let mut numbers = Vec::new();
    for (n, slot) in slots.into_iter().cycle().enumerate() {
        if stop.load(Ordering::SeqCst) || n > MAX_ATTEMPTS {
            break;
        }
        let applicant = ApplicantForm {
            party_size: "1".into(),
            name: "一宮 五郎".into(),
            name_kana: "いちのみや ごろう".into(),
            birth_date: "昭和40年5月6日".into(),
            phone: format!("090-7{:03}-{:04}", n / 10_000, n % 10_000),
            email: String::new(),
            notify: "sms".into(),
        }
        .validate(today)
        .unwrap();
        let new = NewBooking {
            slot_id: slot,
            applicant,
            channel: Channel::Web,
            request_key: None,
        };
        if let Ok(booking) = store.book(&new, &Actor::Citizen, now()).await {
            numbers.push(booking.reservation_no.as_str().to_owned());
            done.store(numbers.len(), Ordering::SeqCst);
        }
    }
    numbers
}

#[tokio::test]
async fn a_backup_taken_while_booking_restores_every_confirmed_booking() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db").to_string_lossy().into_owned();
    let seeded = run(&["--db", &db, "--now", NOW, "seed", "demo"]);
    assert!(seeded.status.success(), "{}", text(&seeded));

    // The running instance: its store writes bookings while the backup runs
    // in another process, as `madoguchi backup` beside `madoguchi serve`.
    let server = Store::connect(&db).await.unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn(write_bookings(server.clone(), done.clone(), stop.clone()));
    let wait_for = |count: usize| {
        let done = done.clone();
        async move {
            let waited = tokio::time::timeout(std::time::Duration::from_secs(60), async {
                while done.load(Ordering::SeqCst) < count {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            });
            waited.await.expect("the writer keeps booking");
        }
    };
    wait_for(BEFORE).await;
    let backup = dir.path().join("backup.db").to_string_lossy().into_owned();
    let before_backup = done.load(Ordering::SeqCst);
    let backed_up = {
        let (db, backup) = (db.clone(), backup.clone());
        tokio::task::spawn_blocking(move || run(&["--db", &db, "backup", &backup]))
            .await
            .unwrap()
    };
    let after_backup = done.load(Ordering::SeqCst);
    assert!(backed_up.status.success(), "{}", text(&backed_up));
    assert!(
        text(&backed_up).contains("checked: pages sound (quick_check ok)"),
        "{}",
        text(&backed_up)
    );
    // Bookings go on after the backup, as in service.
    wait_for(after_backup + AFTER).await;
    stop.store(true, Ordering::SeqCst);
    let numbers = writer.await.unwrap();
    let written = numbers.len();
    assert!(
        written >= after_backup + AFTER,
        "{written} bookings written"
    );
    let in_backup = printed_rows(&backed_up, "bookings");
    eprintln!(
        "bookings confirmed: {before_backup} before the backup, {after_backup} when it ended, {written} in all"
    );
    // The demo's own sample bookings come first.
    let demo_bookings = reservation_numbers(&db).await.len() as i64 - written as i64;
    assert!(
        in_backup >= demo_bookings + before_backup as i64
            && in_backup <= demo_bookings + after_backup as i64,
        "{in_backup} bookings in the backup; {demo_bookings} demo + {before_backup}..{after_backup} written"
    );

    // A backup never overwrites a file.
    let again = run(&["--db", &db, "backup", &backup]);
    assert!(!again.status.success());
    assert!(text(&again).contains("exists already"), "{}", text(&again));

    // Restoring over a database still open is refused, and changes nothing.
    let refused = run(&["--db", &db, "restore", &backup]);
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(text(&refused).contains("is in use"), "{}", text(&refused));
    server.close().await;
    assert_eq!(
        reservation_numbers(&db).await.len() as i64,
        demo_bookings + written as i64
    );

    // Stopped: the backup goes in, the old file stays beside it.
    let restored = run(&["--db", &db, "restore", &backup]);
    assert!(restored.status.success(), "{}", text(&restored));
    assert_eq!(printed_rows(&restored, "bookings"), in_backup);
    let back = reservation_numbers(&db).await;
    assert_eq!(back.len() as i64, in_backup);
    for number in &numbers[..before_backup] {
        assert!(
            back.contains(number),
            "{number} confirmed before the backup is missing"
        );
    }
    for number in &numbers[after_backup..] {
        assert!(!back.contains(number), "{number} was made after the backup");
    }
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("m.db.before-restore-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let kept = dir.path().join(&kept[0]).to_string_lossy().into_owned();
    assert_eq!(
        reservation_numbers(&kept).await.len() as i64,
        demo_bookings + written as i64,
        "the replaced database is intact"
    );
    // And the instance starts on it: the restored file migrates and serves.
    let store = Store::connect(&db).await.unwrap();
    store.migrate().await.unwrap();
    assert!(store.readiness().await.is_ok());
    store.close().await;
}

#[tokio::test]
async fn restore_refuses_a_file_that_is_not_a_madoguchi_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db").to_string_lossy().into_owned();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let refused = run(&["--db", &db, "restore", junk.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("cannot be restored"),
        "{}",
        text(&refused)
    );
    assert!(
        !std::path::Path::new(&db).exists(),
        "nothing was put in place"
    );
}
