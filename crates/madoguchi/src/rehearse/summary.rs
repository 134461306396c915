//! What a rehearsal run did: counts, latencies, the check against the
//! database, and the text people read.

use serde::Serialize;
use std::collections::BTreeMap;

/// What a run did; printed, and as JSON with `--json`.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub seconds: f64,
    pub web: WebSummary,
    pub calls: CallSummary,
    pub store: StoreCheck,
    pub kept_sms: u64,
    pub kept_email: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct WebSummary {
    pub attempted: u32,
    pub booked: u32,
    /// Of `booked`: after taking an alternative the refusal offered.
    pub booked_alternative: u32,
    /// Refusals (409, slot full) answered.
    pub refusals: u32,
    /// Of `refusals`: those that offered alternatives.
    pub alternatives_offered: u32,
    /// Residents who gave up: nothing free where they looked.
    pub not_booked_full: u32,
    /// Other failures by HTTP status or cause.
    pub errors: BTreeMap<String, u32>,
    pub availability_ms: Latency,
    pub booking_ms: Latency,
}

#[derive(Debug, Default, Serialize)]
pub struct CallSummary {
    pub placed: u32,
    pub booked: u32,
    pub outcomes: BTreeMap<String, u32>,
    /// Calls that heard a slot was full.
    pub heard_full: u32,
    /// Calls offered alternatives.
    pub alternatives_offered: u32,
    /// Calls whose greeting said it is a rehearsal.
    pub rehearsal_notice: u32,
    pub errors: u32,
    /// Time the service took to answer one caller turn.
    pub turn_ms: Latency,
}

#[derive(Debug, Default, Serialize)]
pub struct Latency {
    pub count: usize,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

impl Latency {
    pub(super) fn of(mut ms: Vec<f64>) -> Self {
        ms.sort_by(f64::total_cmp);
        let at = |p: usize| {
            ms.get((ms.len().saturating_sub(1)) * p / 100)
                .copied()
                .unwrap_or(0.0)
        };
        Latency {
            count: ms.len(),
            p50: at(50),
            p95: at(95),
            max: ms.last().copied().unwrap_or(0.0),
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct StoreCheck {
    pub bookings_before: u64,
    pub bookings_after: u64,
    /// Slots whose seat count differs from their bookings, or over capacity.
    pub slots_miscounted: u64,
    /// Bookings stored = bookings counted, and no slot miscounted.
    pub adds_up: bool,
}

impl Summary {
    /// The summary as people read it.
    pub fn text(&self) -> String {
        let w = &self.web;
        let c = &self.calls;
        let s = &self.store;
        let errors = |m: &BTreeMap<String, u32>| {
            if m.is_empty() {
                "0".to_owned()
            } else {
                m.iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let outcomes = c
            .outcomes
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let counted = u64::from(w.booked) + u64::from(c.booked);
        format!(
            "rehearsal: {} web bookings and {} phone calls at once, {:.1} s\n\
             web:   booked {} ({} after taking an offered alternative), refusals (full) {}, \
             alternatives offered {}, gave up (nothing free) {}, errors {}\n\
             \x20      latency ms: availability p50 {:.0} p95 {:.0}; booking p50 {:.0} p95 {:.0} (max {:.0})\n\
             calls: booked {}; outcomes: {}; heard \"full\" {}, offered alternatives {}, \
             rehearsal notice in greeting {}/{}, errors {}\n\
             \x20      turn latency ms: p50 {:.0} p95 {:.0} (max {:.0}, {} turns)\n\
             store: active bookings {} -> {} (+{}; counted {} = {} web + {} phone), \
             slots miscounted or oversold {}: {}\n\
             messages kept instead of sent: {} SMS, {} email\n",
            w.attempted,
            c.placed,
            self.seconds,
            w.booked,
            w.booked_alternative,
            w.refusals,
            w.alternatives_offered,
            w.not_booked_full,
            errors(&w.errors),
            w.availability_ms.p50,
            w.availability_ms.p95,
            w.booking_ms.p50,
            w.booking_ms.p95,
            w.booking_ms.max,
            c.booked,
            outcomes,
            c.heard_full,
            c.alternatives_offered,
            c.rehearsal_notice,
            c.placed,
            c.errors,
            c.turn_ms.p50,
            c.turn_ms.p95,
            c.turn_ms.max,
            c.turn_ms.count,
            s.bookings_before,
            s.bookings_after,
            s.bookings_after.saturating_sub(s.bookings_before),
            counted,
            w.booked,
            c.booked,
            s.slots_miscounted,
            if s.adds_up {
                "adds up"
            } else {
                "DOES NOT ADD UP"
            },
            self.kept_sms,
            self.kept_email,
        )
    }
}
