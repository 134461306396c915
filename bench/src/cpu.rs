//! CPU time used by the server and by the bench itself, from `/proc`, so a
//! report shows how the shared cores were split between the two.

use std::time::Duration;

/// Clock ticks per second of `/proc/*/stat` times (`getconf CLK_TCK`).
fn ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(100)
}

/// User + system time of a process (`"self"` or a pid).
fn process_time(process: &str, ticks: u64) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{process}/stat")).ok()?;
    // The command name may contain spaces; fields resume after its ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((user + system) * 1000 / ticks))
}

/// A reading of both processes' CPU time.
#[derive(Clone, Copy)]
pub struct Reading {
    server: Option<Duration>,
    bench: Option<Duration>,
}

pub struct Meter {
    server_pid: Option<u32>,
    ticks: u64,
}

impl Meter {
    pub fn new(server_pid: Option<u32>) -> Self {
        Self {
            server_pid,
            ticks: ticks_per_second(),
        }
    }

    pub fn read(&self) -> Reading {
        Reading {
            server: self
                .server_pid
                .and_then(|pid| process_time(&pid.to_string(), self.ticks)),
            bench: process_time("self", self.ticks),
        }
    }

    /// `server 9.1 s, bench 6.3 s of 20.0 s (2 cores × 10.0 s)`.
    pub fn describe(
        &self,
        before: Reading,
        after: Reading,
        elapsed: Duration,
        cores: usize,
    ) -> String {
        let used = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.1} s", b.saturating_sub(a).as_secs_f64()),
            _ => "?".to_owned(),
        };
        format!(
            "server {}, bench {} of {:.1} s ({cores} cores × {:.1} s)",
            used(before.server, after.server),
            used(before.bench, after.bench),
            elapsed.as_secs_f64() * cores as f64,
            elapsed.as_secs_f64()
        )
    }
}
