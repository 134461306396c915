//! A fresh, migrated database per test, removed afterwards, also when the
//! test fails.

use anyhow::{Context, anyhow};
use madoguchi_store::Store;
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::future::Future;
use std::time::Duration;

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// What a scenario gets: the store, and where it lives so that a second
/// store (another process, another instance) can open the same database.
#[derive(Debug, Clone)]
pub struct TestDb {
    pub store: Store,
    pub target: String,
}

impl TestDb {
    /// A second, independent store on the same database, as another process
    /// would open it. The caller closes it.
    pub async fn connect_again(&self) -> anyhow::Result<Store> {
        Ok(Store::connect(&self.target).await?)
    }
}

/// Creates a database of `kind`, runs `scenario` on it, then closes the store
/// and removes the database. Returns the scenario's result.
pub async fn run<F, Fut>(kind: Kind, scenario: F) -> anyhow::Result<()>
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let (target, cleanup) = match kind {
        Kind::Sqlite => {
            let dir = tempfile::tempdir()?;
            let path = dir.path().join("madoguchi.db");
            let target = path
                .to_str()
                .context("temporary path is not UTF-8")?
                .to_owned();
            (target, Cleanup::Sqlite(dir))
        }
        Kind::Postgres => {
            if std::env::var("MADOGUCHI_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
                eprintln!("skipped: MADOGUCHI_SKIP_POSTGRES=1, the PostgreSQL variant did not run");
                return Ok(());
            }
            let db = PgTestDatabase::create().await?;
            (db.url(), Cleanup::Postgres(db))
        }
    };
    let store = Store::connect(&target)
        .await
        .with_context(|| format!("opening {target}"))?;
    store.migrate().await?;
    let result = scenario(TestDb {
        store: store.clone(),
        target,
    })
    .await;
    store.close().await;
    let cleaned = cleanup.finish().await;
    result.and(cleaned)
}

enum Cleanup {
    /// Removed with the folder when dropped.
    Sqlite(tempfile::TempDir),
    Postgres(PgTestDatabase),
}

impl Cleanup {
    async fn finish(self) -> anyhow::Result<()> {
        match self {
            Cleanup::Sqlite(dir) => Ok(dir.close()?),
            Cleanup::Postgres(mut db) => {
                db.dropped = true;
                drop_database(&db.admin_url, &db.name).await
            }
        }
    }
}

/// A database `madoguchi_t_<hex>` on the test server. Dropped by
/// [`Cleanup::finish`] normally, or by `Drop` when the test panicked.
struct PgTestDatabase {
    base: String,
    admin_url: String,
    name: String,
    dropped: bool,
}

impl PgTestDatabase {
    async fn create() -> anyhow::Result<Self> {
        let base = std::env::var("MADOGUCHI_TEST_POSTGRES")
            .unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
        let admin_url = with_database(&base, "postgres");
        let mut admin = connect_admin(&admin_url).await.map_err(|e| {
            anyhow!(
                "PostgreSQL is not reachable at {admin_url}: {e:#}\n\
                 Start a server there, point MADOGUCHI_TEST_POSTGRES at one, \
                 or set MADOGUCHI_SKIP_POSTGRES=1 to skip the PostgreSQL variants."
            )
        })?;
        let name = format!("madoguchi_t_{:016x}", rand::random::<u64>());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .with_context(|| format!("creating database {name}"))?;
        admin.close().await?;
        Ok(Self {
            base,
            admin_url,
            name,
            dropped: false,
        })
    }

    fn url(&self) -> String {
        with_database(&self.base, &self.name)
    }
}

impl Drop for PgTestDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // We may be inside the test's runtime, which cannot block on another
        // future: clean up from a thread with its own runtime.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let cleanup = std::thread::spawn(move || -> anyhow::Result<()> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(drop_database(&admin_url, &name))
        });
        match cleanup.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {}: {e:#}", self.name),
            Err(_) => eprintln!(
                "could not drop test database {}: cleanup thread panicked",
                self.name
            ),
        }
    }
}

async fn connect_admin(url: &str) -> anyhow::Result<PgConnection> {
    tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(url))
        .await
        .map_err(|_| anyhow!("timed out after 5 s"))?
        .map_err(Into::into)
}

async fn drop_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut admin = connect_admin(admin_url).await?;
    // FORCE ends connections a failed test may have left open.
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .with_context(|| format!("dropping database {name}"))?;
    admin.close().await?;
    Ok(())
}

/// `base` (`postgres://user@host:port[/db][?params]`) with its database
/// replaced by `database`.
fn with_database(base: &str, database: &str) -> String {
    let (without_query, query) = match base.split_once('?') {
        Some((url, query)) => (url, Some(query)),
        None => (base, None),
    };
    let authority_start = without_query.find("://").map_or(0, |i| i + 3);
    let server = match without_query[authority_start..].find('/') {
        Some(slash) => &without_query[..authority_start + slash],
        None => without_query,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

#[test]
fn the_database_name_replaces_any_in_the_base_url() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u@h/old?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgresql://u@h:1/", "x"),
        "postgresql://u@h:1/x"
    );
}
