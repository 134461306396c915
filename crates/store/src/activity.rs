//! What this process has written, counted for the Prometheus metrics
//! (`/metrics`): bookings by channel, calls in progress and how they
//! ended, retention purges. Counted where every channel meets (the web,
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
#[derive(Debug, Clone, Default)]
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
