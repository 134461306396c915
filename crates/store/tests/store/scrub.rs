//! Purged personal data is gone from the files on disk, not only from query
//! results: the SQLite file, its write-ahead log and a backup hold none of
//! it. SQLite only (PostgreSQL's files are the server's; docs/operations.md).

use crate::fixtures::{day, now, slots, venue, weekdays};
use crate::harness::{Kind, TestDb};
use chrono::Duration;
use madoguchi_core::booking::{ApplicantForm, Channel};
use madoguchi_core::name::{NameKana, PersonName};
use madoguchi_store::{Actor, CallTurn, NewBooking, NewCall};
use std::path::Path;

/// Strings found in no other fixture, in every form they may be stored in.
const CANARIES: &[&str] = &[
    "鍵盤",
    "けんばん",
    "桜子",
    "さくらこ",
    "1937-02-19",
    "09087654321",
    "090-8765-4321",
    "canary-x7q@example.jp",
];

#[tokio::test]
async fn purged_personal_data_is_not_in_the_database_file_its_log_or_a_backup() -> anyhow::Result<()>
{
    crate::harness::run(Kind::Sqlite, purged_personal_data_leaves_no_bytes).await
}

async fn purged_personal_data_leaves_no_bytes(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let honcho = venue(store, "honcho", 1).await?;
    let made = slots(
        store,
        honcho,
        &weekdays(600, 630, 30, 4, 0),
        day(2026, 11, 26),
        day(2026, 11, 26),
    )
    .await?;
    let form = ApplicantForm {
        party_size: "1".to_owned(),
        name: "鍵盤 花子".to_owned(),
        name_kana: "けんばん はなこ".to_owned(),
        birth_date: "昭和12年2月19日".to_owned(),
        phone: CANARIES[6].to_owned(),
        email: CANARIES[7].to_owned(),
        notify: "email".to_owned(),
    };
    let applicant = form
        .validate(crate::fixtures::today())
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let booking = store
        .book(
            &NewBooking {
                slot_id: made[0].id,
                applicant,
                channel: Channel::Web,
                request_key: None,
            },
            &Actor::Citizen,
            now(),
        )
        .await?;
    // A staff rename leaves the first name in the history and rewrites the row.
    store
        .correct_name(
            booking.id,
            &PersonName::parse("鍵盤 桜子")?,
            &NameKana::parse("けんばん さくらこ")?,
            &Actor::Staff("tanaka".to_owned()),
            now(),
        )
        .await?;
    let call = store
        .start_call(
            &NewCall {
                kind: "voice".to_owned(),
                caller_id: Some(CANARIES[5].to_owned()),
                scenario_version: None,
                dry_run: false,
            },
            now(),
        )
        .await?;
    store
        .record_turn(
            call,
            &CallTurn {
                seq: 1,
                at: now(),
                state: "ask_phone".to_owned(),
                prompt_id: "ask_phone".to_owned(),
                prompt_text: String::new(),
                caller_input: format!("{} です", CANARIES[6]),
                understood: CANARIES[5].to_owned(),
                outcome: String::new(),
            },
        )
        .await?;
    // Before the purge the canaries are on disk (else this test proves nothing).
    let path = Path::new(&db.target);
    assert!(
        !found_in(&files(path)).is_empty(),
        "the canaries should be on disk before the purge"
    );

    assert_eq!(store.purge_bookings_before(day(2026, 12, 1)).await?, 1);
    assert_eq!(
        store
            .purge_calls_before(now() + Duration::seconds(1))
            .await?,
        1
    );

    let backup = path.with_file_name("backup.db");
    take_backup(path, &backup)?;
    // And the copy `madoguchi backup` makes (VACUUM INTO).
    let vacuumed = path.with_file_name("vacuumed.db");
    store.backup_into(&vacuumed).await?;
    let mut checked = files(path);
    checked.push(backup);
    checked.push(vacuumed);
    let hits = found_in(&checked);
    assert!(hits.is_empty(), "purged data still on disk: {hits:?}");

    // At shutdown no log is left behind either.
    store.close().await;
    let wal = path.with_file_name("madoguchi.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal)?.len() == 0,
        "the write-ahead log should be gone or empty after close"
    );
    Ok(())
}

/// The database file and, when present, its write-ahead log.
fn files(db: &Path) -> Vec<std::path::PathBuf> {
    let wal = db.with_file_name("madoguchi.db-wal");
    let mut files = vec![db.to_path_buf()];
    if wal.exists() {
        files.push(wal);
    }
    files
}

/// `(file, canary)` for each canary whose bytes occur in a file.
fn found_in(files: &[std::path::PathBuf]) -> Vec<(String, &'static str)> {
    let mut hits = Vec::new();
    for file in files {
        let bytes = std::fs::read(file).unwrap_or_default();
        for canary in CANARIES {
            let needle = canary.as_bytes();
            if bytes.windows(needle.len()).any(|w| w == needle) {
                hits.push((file.display().to_string(), *canary));
            }
        }
    }
    hits
}

/// A backup as docs/operations.md takes it (`sqlite3 .backup`), or a plain
/// file copy where the sqlite3 tool is not installed.
fn take_backup(db: &Path, to: &Path) -> anyhow::Result<()> {
    let ran = std::process::Command::new("sqlite3")
        .arg(db)
        .arg(format!(".backup '{}'", to.display()))
        .status();
    match ran {
        Ok(status) if status.success() => Ok(()),
        _ => {
            eprintln!("sqlite3 not available: checking a file copy instead of .backup");
            std::fs::copy(db, to)?;
            Ok(())
        }
    }
}
