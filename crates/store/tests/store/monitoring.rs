//! What the monitoring reads from the store: readiness, the outbox
//! backlog, this process's counters, and (SQLite) online backups.

use crate::fixtures::{book, mobile, now, one_slot, thursday};
use crate::harness::TestDb;
use madoguchi_core::booking::Channel;
use madoguchi_store::{Backend, BackupError, CallEnd, ChannelLabel, NewCall, OutcomeLabel};

on_both_backends!(
    #[tokio::test]
    counters_backlog_and_readiness,
    backups
);

async fn counters_backlog_and_readiness(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    assert_eq!(store.readiness().await, Ok(()));
    let empty = store.outbox_backlog().await?;
    assert_eq!((empty.messages, empty.oldest), (0, None));

    let slot = one_slot(store, "honcho", thursday(), 4, 2).await?;
    book(store, slot.id, 1, &mobile(1), Channel::Web, now()).await?;
    book(store, slot.id, 1, &mobile(2), Channel::Phone, now()).await?;
    book(store, slot.id, 1, &mobile(3), Channel::Phone, now()).await?;
    let activity = store.activity();
    let count = |channel| {
        activity
            .bookings
            .get(&ChannelLabel { channel })
            .map_or(0, |c| c.get())
    };
    assert_eq!((count("web"), count("phone"), count("staff")), (1, 2, 0));
    // Each booking owes its confirmation SMS.
    let backlog = store.outbox_backlog().await?;
    assert_eq!(backlog.messages, 3);
    assert_eq!(backlog.oldest, Some(now()));

    let call = NewCall {
        kind: "voice".into(),
        caller_id: None,
        scenario_version: None,
        dry_run: false,
    };
    let id = store.start_call(&call, now()).await?;
    assert_eq!(activity.calls_in_progress.get(), 1);
    let end = CallEnd {
        outcome: "said something new".into(),
        ..CallEnd::default()
    };
    store.end_call(id, &end, now()).await?;
    store.end_call(id, &end, now()).await?;
    assert_eq!(activity.calls_in_progress.get(), 0, "a call ends once");
    let other = activity.calls_ended.get(&OutcomeLabel { outcome: "other" });
    assert_eq!(
        other.map_or(0, |c| c.get()),
        1,
        "unknown outcomes are bounded"
    );

    store.purge_bookings_before(thursday()).await?;
    assert_eq!(activity.purge_runs.get(), 1);
    assert_eq!(activity.purged_bookings.get(), 0);
    // Another store on the same database counts for itself (per process).
    let again = db.connect_again().await?;
    assert_eq!(again.readiness().await, Ok(()));
    assert_eq!(again.activity().purge_runs.get(), 0);
    again.close().await;
    Ok(())
}

async fn backups(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let dir = tempfile::tempdir()?;
    let to = dir.path().join("copy.db");
    if store.backend() == Backend::Postgres {
        assert!(matches!(
            store.backup_into(&to).await,
            Err(BackupError::NotSqlite)
        ));
        return Ok(());
    }
    let slot = one_slot(store, "honcho", thursday(), 4, 0).await?;
    book(store, slot.id, 2, &mobile(1), Channel::Web, now()).await?;
    store.backup_into(&to).await?;
    let report = madoguchi_store::inspect_sqlite_file(&to).await?;
    assert_eq!(report.rows("bookings"), 1);
    assert_eq!(report.rows("slots"), 1);
    assert_eq!(report.rows("venues"), 1);
    assert!(report.migrations >= 10, "{report:?}");
    assert!(
        matches!(store.backup_into(&to).await, Err(BackupError::Exists(_))),
        "never over an existing file"
    );
    // The live database is open: it cannot be released for a restore, but
    // the copy, which nothing has open, can.
    let live = std::path::Path::new(&db.target);
    assert!(matches!(
        madoguchi_store::release_sqlite_file(live).await,
        Err(BackupError::InUse(_))
    ));
    madoguchi_store::release_sqlite_file(&to).await?;
    assert_eq!(madoguchi_store::inspect_sqlite_file(&to).await?, report);
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database")?;
    assert!(matches!(
        madoguchi_store::inspect_sqlite_file(&junk).await,
        Err(BackupError::Unsound { .. })
    ));
    Ok(())
}
