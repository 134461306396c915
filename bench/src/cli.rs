//! Command-line options (parsed by hand: the bench has no clap).

use anyhow::{Context, Result, bail};
use std::path::PathBuf;

pub const USAGE: &str = "\
Load benchmark for the madoguchi server (not part of the test run).

Usage: cargo run --release -p madoguchi-bench -- [OPTIONS]

Options:
  --bin PATH               server binary [default: target/release/madoguchi]
  --keep                   keep the temporary folder (database, config, server log)
  --weeks N                weeks of every venue's slots to sell out, 1-8 [default: 4]
  --clients N              concurrent booking clients [default: 64]
  --seconds N              duration of the availability benchmark [default: 10]
  --connections N          concurrent availability connections [default: 256]
  --spot-checks N          accepted bookings read back with GET [default: 200]
  --max-booking-seconds N  give up a sell-out after this long [default: 300]
  --no-idempotency-key     send booking POSTs without an Idempotency-Key header
  --only booking|availability
                           run one of the two benchmarks only
  -h, --help               print this help
";

/// Which benchmarks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Only {
    Both,
    Booking,
    Availability,
}

#[derive(Debug, Clone)]
pub struct Args {
    pub bin: Option<PathBuf>,
    pub keep: bool,
    pub weeks: u32,
    pub clients: usize,
    pub seconds: u64,
    pub connections: usize,
    pub spot_checks: usize,
    pub max_booking_seconds: u64,
    pub idempotency_keys: bool,
    pub only: Only,
}

impl Default for Args {
    fn default() -> Self {
        Self {
            bin: None,
            keep: false,
            weeks: 4,
            clients: 64,
            seconds: 10,
            connections: 256,
            spot_checks: 200,
            max_booking_seconds: 300,
            idempotency_keys: true,
            only: Only::Both,
        }
    }
}

/// `Ok(None)` when help was asked for.
pub fn parse(mut argv: impl Iterator<Item = String>) -> Result<Option<Args>> {
    let mut args = Args::default();
    while let Some(flag) = argv.next() {
        let mut value = |name: &str| argv.next().with_context(|| format!("{name} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--keep" => args.keep = true,
            "--no-idempotency-key" => args.idempotency_keys = false,
            "--bin" => args.bin = Some(PathBuf::from(value("--bin")?)),
            "--weeks" => args.weeks = number(&value("--weeks")?, "--weeks", 1, 8)?,
            "--clients" => args.clients = number(&value("--clients")?, "--clients", 1, 1024)?,
            "--seconds" => args.seconds = number(&value("--seconds")?, "--seconds", 1, 600)?,
            "--connections" => {
                args.connections = number(&value("--connections")?, "--connections", 1, 2048)?
            }
            "--spot-checks" => {
                args.spot_checks = number(&value("--spot-checks")?, "--spot-checks", 0, 100_000)?
            }
            "--max-booking-seconds" => {
                args.max_booking_seconds = number(
                    &value("--max-booking-seconds")?,
                    "--max-booking-seconds",
                    1,
                    3600,
                )?;
            }
            "--only" => {
                args.only = match value("--only")?.as_str() {
                    "booking" => Only::Booking,
                    "availability" => Only::Availability,
                    other => bail!("--only takes booking or availability, not {other:?}"),
                }
            }
            other => bail!("unknown option {other:?} (see --help)"),
        }
    }
    Ok(Some(args))
}

fn number<T>(text: &str, name: &str, min: T, max: T) -> Result<T>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let n: T = text
        .parse()
        .map_err(|_| anyhow::anyhow!("{name} takes a number, not {text:?}"))?;
    if n < min || n > max {
        bail!("{name} must be between {min} and {max}");
    }
    Ok(n)
}
