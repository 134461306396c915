//! `madoguchi audit verify` through the real binary: status 0 and the head
//! hash on a whole chain, status 1 and the broken link's number once an
//! entry is edited behind the store's back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use madoguchi_store::{AccessResult, NewAccessEntry, Store};
use sqlx::Connection;
use std::process::{Command, Output};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_madoguchi")
}

fn verify(db: &str, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(bin());
    command
        .args(["--db", db, "audit", "verify"])
        .env_remove("MADOGUCHI_SECURITY_SECRET_KEY");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn verify_exits_zero_on_a_whole_chain_and_one_at_the_first_broken_link() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db").to_string_lossy().into_owned();
    let store = Store::connect(&db).await.unwrap();
    store.migrate().await.unwrap();
    for n in 0..5 {
        store
            .record_access(&NewAccessEntry {
                at: chrono::Utc::now(),
                actor: format!("staff:{n}"),
                function: "admin.signin".to_owned(),
                target: String::new(),
                client_ip: "192.0.2.1".to_owned(),
                result: AccessResult::Ok,
            })
            .await
            .unwrap();
    }
    store.close().await;

    let whole = verify(&db, &[]);
    assert_eq!(whole.status.code(), Some(0), "{}", stdout(&whole));
    assert!(stdout(&whole).contains("access log chain OK: 5 entries checked"));
    assert!(stdout(&whole).contains("head: seq 5 hash "));
    // Without [security] secret_key the operator is told what that costs.
    assert!(String::from_utf8_lossy(&whole.stderr).contains("secret_key is not set"));

    let mut raw = sqlx::SqliteConnection::connect(&format!("sqlite://{db}"))
        .await
        .unwrap();
    sqlx::query("UPDATE access_log SET actor = 'staff:0' WHERE seq = 3")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    let broken = verify(&db, &[]);
    assert_eq!(broken.status.code(), Some(1), "{}", stdout(&broken));
    assert!(
        stdout(&broken).contains("BROKEN at seq 3 (entry id 3, "),
        "{}",
        stdout(&broken)
    );
    assert!(stdout(&broken).contains("(edited)"));

    // Another key than the one that sealed: said as such, not as an edit.
    let other = verify(&db, &[("MADOGUCHI_SECURITY_SECRET_KEY", &"ab".repeat(32))]);
    assert_eq!(other.status.code(), Some(1));
    assert!(stdout(&other).contains("another key"), "{}", stdout(&other));
}
