//! Real phone calls counted for the reports: per day and outcome, their
//! lengths, where abandoned calls ended, and billing units (C4, C6, D3).
//! Only calls on the line count (`kind = 'voice'`, not dry runs):
//! simulator and rehearsal calls are staff testing the agent.

use super::JST_OFFSET_SECONDS;
use crate::{Result, Store, StoreError, read};
use chrono::{DateTime, NaiveDate, Timelike, Utc};
use std::collections::BTreeMap;

/// How a call can end, in the order reports list them. A call still
/// running (or cut off before it was recorded as ended) has outcome "".
pub const CALL_OUTCOMES: [&str; 8] = [
    "booked",
    "changed",
    "cancelled",
    "looked_up",
    "ineligible",
    "transferred",
    "abandoned",
    "failed",
];

/// Outcomes where the agent finished the caller's errand without a person.
const FINISHED_BY_AGENT: [&str; 5] = ["booked", "changed", "cancelled", "looked_up", "ineligible"];

/// One call still in the call log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// The Japan day and hour (0–23) it started.
    pub day: NaiveDate,
    pub hour: u32,
    pub outcome: String,
    pub end_state: String,
    pub end_reason: String,
    /// From start to end; `None` while not ended.
    pub seconds: Option<i64>,
}

/// Calls already purged from the log, counted together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallStat {
    pub day: NaiveDate,
    pub hour: u32,
    pub outcome: String,
    pub end_state: String,
    pub end_reason: String,
    pub calls: i64,
    pub seconds: i64,
    /// Each call rounded up to a whole minute.
    pub minutes: i64,
}

impl CallStat {
    fn of(record: &CallRecord) -> Self {
        let seconds = record.seconds.unwrap_or(0).max(0);
        Self {
            day: record.day,
            hour: record.hour,
            outcome: record.outcome.clone(),
            end_state: record.end_state.clone(),
            end_reason: record.end_reason.clone(),
            calls: 1,
            seconds,
            minutes: (seconds + 59) / 60,
        }
    }
}

/// Billing units of some calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallUsage {
    pub calls: i64,
    pub minutes: i64,
    /// Minutes of calls handed over to staff (their time with the agent,
    /// before the transfer).
    pub transferred_minutes: i64,
}

/// Median and 90th percentile of call lengths in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Durations {
    /// How many ended calls were measured.
    pub calls: usize,
    /// The middle length; for an even count, the mean of the two middle
    /// ones rounded down to a second.
    pub median: i64,
    /// The nearest-rank 90th percentile: 90 % of calls were this long or
    /// shorter.
    pub p90: i64,
}

/// The calls that started in a range of Japan days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallReport {
    /// Calls still in the log.
    pub live: Vec<CallRecord>,
    /// Calls purged from the log, counted.
    pub purged: Vec<CallStat>,
}

impl CallReport {
    /// Every call, live ones as one-call counts.
    fn all(&self) -> impl Iterator<Item = CallStat> + '_ {
        self.live
            .iter()
            .map(CallStat::of)
            .chain(self.purged.iter().cloned())
    }

    pub fn calls(&self) -> i64 {
        self.all().map(|s| s.calls).sum()
    }

    /// Calls per day and outcome ("" for calls not ended).
    pub fn by_day(&self) -> BTreeMap<NaiveDate, BTreeMap<String, i64>> {
        let mut out: BTreeMap<NaiveDate, BTreeMap<String, i64>> = BTreeMap::new();
        for s in self.all() {
            *out.entry(s.day).or_default().entry(s.outcome).or_default() += s.calls;
        }
        out
    }

    /// Calls per Japan hour of the day they started (0–23), over the range.
    pub fn by_hour(&self) -> BTreeMap<u32, i64> {
        let mut out: BTreeMap<u32, i64> = BTreeMap::new();
        for s in self.all() {
            *out.entry(s.hour).or_default() += s.calls;
        }
        out
    }

    /// Calls per outcome over the whole range.
    pub fn by_outcome(&self) -> BTreeMap<String, i64> {
        let mut out: BTreeMap<String, i64> = BTreeMap::new();
        for s in self.all() {
            *out.entry(s.outcome).or_default() += s.calls;
        }
        out
    }

    /// Calls the agent finished without a person, and the calls that
    /// ended (the share's denominator).
    pub fn finished_by_agent(&self) -> (i64, i64) {
        let mut finished = 0;
        let mut ended = 0;
        for s in self.all().filter(|s| !s.outcome.is_empty()) {
            ended += s.calls;
            if FINISHED_BY_AGENT.contains(&s.outcome.as_str()) {
                finished += s.calls;
            }
        }
        (finished, ended)
    }

    /// Abandoned calls by the dialog state they ended in and why, most
    /// frequent first.
    pub fn abandoned_by_step(&self) -> Vec<(String, String, i64)> {
        let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
        for s in self.all().filter(|s| s.outcome == "abandoned") {
            *counts.entry((s.end_state, s.end_reason)).or_default() += s.calls;
        }
        let mut out: Vec<_> = counts
            .into_iter()
            .map(|((state, reason), calls)| (state, reason, calls))
            .collect();
        out.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        out
    }

    /// Lengths of the ended calls still in the log (purged calls keep only
    /// sums, which have no median). `None` without any.
    pub fn durations(&self) -> Option<Durations> {
        let mut seconds: Vec<i64> = self.live.iter().filter_map(|c| c.seconds).collect();
        if seconds.is_empty() {
            return None;
        }
        seconds.sort_unstable();
        let n = seconds.len();
        let median = if n % 2 == 1 {
            seconds[n / 2]
        } else {
            (seconds[n / 2 - 1] + seconds[n / 2]) / 2
        };
        // Nearest rank: the ceil(0.9 n)-th smallest.
        let rank = (n * 9).div_ceil(10).max(1);
        Some(Durations {
            calls: n,
            median,
            p90: seconds[rank - 1],
        })
    }

    /// Billing units per day.
    pub fn usage_by_day(&self) -> BTreeMap<NaiveDate, CallUsage> {
        let mut out: BTreeMap<NaiveDate, CallUsage> = BTreeMap::new();
        for s in self.all() {
            let usage = out.entry(s.day).or_default();
            usage.calls += s.calls;
            usage.minutes += s.minutes;
            if s.outcome == "transferred" {
                usage.transferred_minutes += s.minutes;
            }
        }
        out
    }
}

type LiveRow = (
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

type StatRow = (NaiveDate, i64, String, String, String, i64, i64, i64);

/// The Japan day and hour of a Unix time.
fn jst_day_hour(seconds: i64) -> Result<(NaiveDate, u32)> {
    DateTime::<Utc>::from_timestamp(seconds + JST_OFFSET_SECONDS, 0)
        .map(|t| (t.date_naive(), t.hour()))
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {seconds}")))
}

/// The first instant of a Japan day, as Unix seconds.
fn jst_midnight(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp() - JST_OFFSET_SECONDS)
        .unwrap_or_default()
}

fn record(row: LiveRow) -> Result<CallRecord> {
    let (started, ended, outcome, end_state, end_reason) = row;
    let (day, hour) = jst_day_hour(started)?;
    Ok(CallRecord {
        day,
        hour,
        outcome: outcome.unwrap_or_default(),
        end_state: end_state.unwrap_or_default(),
        end_reason: end_reason.unwrap_or_default(),
        seconds: ended.map(|end| (end - started).max(0)),
    })
}

impl Store {
    /// Real calls that started on Japan days `first` to `last` inclusive,
    /// from the log and from what the purge counted.
    pub async fn call_report(&self, first: NaiveDate, last: NaiveDate) -> Result<CallReport> {
        let from = jst_midnight(first);
        let to = jst_midnight(last + chrono::Days::new(1));
        let live: Vec<LiveRow> = read!(self, pool => {
            sqlx::query_as(
                "SELECT started_at, ended_at, outcome, end_state, end_reason FROM calls
                 WHERE kind = 'voice' AND dry_run = FALSE AND started_at >= $1 AND started_at < $2
                 ORDER BY started_at, id",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
        });
        let purged: Vec<StatRow> = read!(self, pool => {
            sqlx::query_as(
                "SELECT day, hour, outcome, end_state, end_reason, calls, seconds, minutes FROM call_stats
                 WHERE day >= $1 AND day <= $2 ORDER BY day, hour, outcome, end_state, end_reason",
            )
            .bind(first)
            .bind(last)
            .fetch_all(pool)
            .await?
        });
        Ok(CallReport {
            live: live.into_iter().map(record).collect::<Result<_>>()?,
            purged: purged
                .into_iter()
                .map(
                    |(day, hour, outcome, end_state, end_reason, calls, seconds, minutes)| {
                        Ok(CallStat {
                            day,
                            hour: crate::to_u32(hour, "call hour")?,
                            outcome,
                            end_state,
                            end_reason,
                            calls,
                            seconds,
                            minutes,
                        })
                    },
                )
                .collect::<Result<_>>()?,
        })
    }
}

/// Counts the real calls about to be purged (started before `before`, Unix
/// seconds) into `call_stats`, inside the purge's transaction. A macro, like
/// `record_event!`, to keep the calling futures `Send`.
macro_rules! count_purged_calls {
    ($tx:expr, $before:expr) => {{
        let rows: Vec<(i64, Option<i64>, Option<String>, Option<String>, Option<String>)> =
            sqlx::query_as(
                "SELECT started_at, ended_at, outcome, end_state, end_reason FROM calls
                 WHERE kind = 'voice' AND dry_run = FALSE AND started_at < $1",
            )
            .bind($before)
            .fetch_all(&mut *$tx)
            .await?;
        let mut stats: std::collections::BTreeMap<
            (chrono::NaiveDate, u32, String, String, String),
            (i64, i64, i64),
        > = std::collections::BTreeMap::new();
        for row in rows {
            let stat = $crate::reports::count_call(row)?;
            let entry = stats
                .entry((stat.day, stat.hour, stat.outcome, stat.end_state, stat.end_reason))
                .or_default();
            entry.0 += stat.calls;
            entry.1 += stat.seconds;
            entry.2 += stat.minutes;
        }
        for ((day, hour, outcome, end_state, end_reason), (calls, seconds, minutes)) in stats {
            sqlx::query(
                "INSERT INTO call_stats (day, hour, outcome, end_state, end_reason, calls, seconds, minutes)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (day, hour, outcome, end_state, end_reason) DO UPDATE
                   SET calls = call_stats.calls + excluded.calls,
                       seconds = call_stats.seconds + excluded.seconds,
                       minutes = call_stats.minutes + excluded.minutes",
            )
            .bind(day)
            .bind(i64::from(hour))
            .bind(outcome)
            .bind(end_state)
            .bind(end_reason)
            .bind(calls)
            .bind(seconds)
            .bind(minutes)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use count_purged_calls;

/// One call row as a one-call count (for the purge).
pub(crate) fn count_call(row: LiveRow) -> Result<CallStat> {
    Ok(CallStat::of(&record(row)?))
}
