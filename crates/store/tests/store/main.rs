//! Integration tests of `madoguchi-store`: every scenario is written once and
//! runs on both backends, a fresh temporary SQLite file and a fresh
//! PostgreSQL database, each test on its own database.
//!
//! Test paths read `<group>::<scenario>::<backend>`, so
//! `cargo test -p madoguchi-store -- ::postgres` runs one backend only.
//! PostgreSQL comes from `MADOGUCHI_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432`); `MADOGUCHI_SKIP_POSTGRES=1` skips
//! the PostgreSQL variants instead of failing them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Declares each listed scenario (an `async fn(TestDb) -> anyhow::Result<()>`
/// of the enclosing module) as a module of the same name holding one test per
/// backend, run with the given test attribute.
macro_rules! on_both_backends {
    (#[$test:meta] $($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                #[$test]
                async fn sqlite() -> anyhow::Result<()> {
                    crate::harness::run(crate::harness::Kind::Sqlite, super::$scenario).await
                }

                #[$test]
                async fn postgres() -> anyhow::Result<()> {
                    crate::harness::run(crate::harness::Kind::Postgres, super::$scenario).await
                }
            }
        )+
    };
}

mod fixtures;
mod harness;

mod access_chain;
mod alternatives;
mod audit;
mod bookings;
mod calls;
mod changes;
mod concurrency;
mod holds;
mod link_sms;
mod monitoring;
mod name_checks;
mod operations;
mod outbox;
mod reports;
mod retention;
mod scrub;
mod setup;
mod staff;
mod staff_bookings;
mod window;
