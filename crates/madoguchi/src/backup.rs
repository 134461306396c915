//! `madoguchi backup FILE` and `madoguchi restore FILE` for SQLite
//! deployments. PostgreSQL has its own tools (docs/deploy.md).

use anyhow::Context;
use madoguchi_store::{FileReport, Store};
use std::path::{Path, PathBuf};

/// Copies the database to `file` while the service keeps running, then
/// opens the copy, checks it and prints its table counts.
pub async fn backup(store: &Store, file: &Path) -> anyhow::Result<()> {
    store.backup_into(file).await?;
    let report = madoguchi_store::inspect_sqlite_file(file)
        .await
        .context("the backup was written but does not read back")?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!("backup written to {} ({bytes} bytes)", file.display());
    print_report(&report);
    Ok(())
}

/// Puts the backup `file` in place of the SQLite database `target` of a
/// stopped instance. Refuses while anything has `target` open; the file
/// it replaces is kept beside it.
pub async fn restore(file: &Path, target: &str) -> anyhow::Result<()> {
    if target.starts_with("postgres://") || target.starts_with("postgresql://") {
        return Err(madoguchi_store::BackupError::NotSqlite.into());
    }
    let target = PathBuf::from(target.strip_prefix("sqlite://").unwrap_or(target));
    madoguchi_store::inspect_sqlite_file(file)
        .await
        .with_context(|| format!("{} cannot be restored", file.display()))?;
    let mut kept = None;
    if target.exists() {
        madoguchi_store::release_sqlite_file(&target).await?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let aside = suffixed(&target, &format!(".before-restore-{stamp}"));
        std::fs::rename(&target, &aside)
            .with_context(|| format!("moving {} aside", target.display()))?;
        kept = Some(aside);
    } else if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    // Copied under another name first: a half-copied file never sits
    // where the service would open it.
    let partial = suffixed(&target, ".restoring");
    std::fs::copy(file, &partial).with_context(|| format!("copying to {}", partial.display()))?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("flushing {}", partial.display()))?;
    std::fs::rename(&partial, &target)
        .with_context(|| format!("putting the copy at {}", target.display()))?;
    // Opened as the service opens it: migrations newer than the backup
    // are applied now.
    let target_text = target.to_string_lossy().into_owned();
    let store = Store::connect(&target_text).await?;
    store
        .migrate()
        .await
        .context("migrating the restored database")?;
    store.close().await;
    let report = madoguchi_store::inspect_sqlite_file(&target).await?;
    println!("restored {} to {}", file.display(), target.display());
    if let Some(aside) = kept {
        println!("the database it replaced is kept as {}", aside.display());
    }
    print_report(&report);
    Ok(())
}

/// `path` with `suffix` added to its file name.
fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn print_report(report: &FileReport) {
    println!(
        "checked: pages sound (quick_check ok), {} migrations applied",
        report.migrations
    );
    let width = report
        .tables
        .iter()
        .map(|t| t.table.len())
        .max()
        .unwrap_or(0);
    for table in &report.tables {
        println!("  {:<width$}  {:>9}", table.table, table.rows);
    }
}
