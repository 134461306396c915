//! What this process has written, counted for the Prometheus metrics
//! (`/metrics`): bookings by channel, calls in progress and how they
//! ended, caller turns not understood or keyed, the phone's turn latency,
//! retention purges. Counted where every channel meets (the web,
//! the API, the console and the phone all book through the store).
//!
//! Counts are per process, as Prometheus expects: each instance reports
//! its own and the server sums them. Labels hold only fixed words, never
//! anything a resident typed or said.

use crate::Store;
use madoguchi_core::booking::Channel;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

/// The `channel` label of bookings: web, phone or staff.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChannelLabel {
    pub channel: &'static str,
}

/// The `outcome` label of ended calls.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: &'static str,
}

/// The `step` label of caller turns: the dialog's step names (a fixed
/// set written by the engine, never what was said).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StepLabel {
    pub step: String,
}

/// Outcomes a call ends with (`CallEnd::outcome`); anything else is
/// counted as `other`, so a new word cannot grow the label set unbounded.
const OUTCOMES: &[&str] = &[
    "booked",
    "changed",
    "cancelled",
    "looked_up",
    "transferred",
    "ineligible",
    "abandoned",
    "failed",
];

/// The counters. Cheap to clone: each is a shared handle, so a registry
/// holds the same numbers the store moves.
#[derive(Debug, Clone)]
pub struct Activity {
    /// Bookings made (not repeats of one request), by channel.
    pub bookings: Family<ChannelLabel, Counter>,
    /// Calls started and not yet ended in this process.
    pub calls_in_progress: Gauge,
    /// Calls ended, by outcome.
    pub calls_ended: Family<OutcomeLabel, Counter>,
    /// Retention purges run (each deletes what is due, maybe nothing).
    pub purge_runs: Counter,
    /// Bookings deleted by those purges.
    pub purged_bookings: Counter,
    /// Caller turns the dialog did not understand, by step.
    pub turns_not_understood: Family<StepLabel, Counter>,
    /// Caller turns answered with the keypad, by step.
    pub turns_keyed: Family<StepLabel, Counter>,
    /// Phone: end of the caller's speech to the agent's reply on the line
    /// (seconds), observed by the voice channel.
    pub turn_seconds: Histogram,
}

impl Default for Activity {
    fn default() -> Self {
        Self {
            bookings: Family::default(),
            calls_in_progress: Gauge::default(),
            calls_ended: Family::default(),
            purge_runs: Counter::default(),
            purged_bookings: Counter::default(),
            turns_not_understood: Family::default(),
            turns_keyed: Family::default(),
            // 0.25 s to 8 s, doubling: the goal is a reply within 1–1.5 s.
            turn_seconds: Histogram::new(exponential_buckets(0.25, 2.0, 6)),
        }
    }
}

impl Activity {
    pub(crate) fn booked(&self, channel: Channel) {
        self.bookings
            .get_or_create(&ChannelLabel {
                channel: channel.as_str(),
            })
            .inc();
    }

    pub(crate) fn call_started(&self) {
        self.calls_in_progress.inc();
    }

    pub(crate) fn call_ended(&self, outcome: &str) {
        self.calls_in_progress.dec();
        let outcome = OUTCOMES
            .iter()
            .copied()
            .find(|known| *known == outcome)
            .unwrap_or("other");
        self.calls_ended
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    pub(crate) fn turn_recorded(&self, turn: &crate::CallTurn) {
        let label = || StepLabel {
            step: turn.state.clone(),
        };
        if turn.understood.starts_with("not_understood") {
            self.turns_not_understood.get_or_create(&label()).inc();
        }
        if turn.caller_input.starts_with("#dtmf") {
            self.turns_keyed.get_or_create(&label()).inc();
        }
    }

    pub(crate) fn purged(&self, bookings: u64) {
        self.purge_runs.inc();
        self.purged_bookings.inc_by(bookings);
    }
}

impl Store {
    /// This process's counters, for the metrics endpoint.
    pub fn activity(&self) -> &Activity {
        &self.activity
    }
}
