//! The preview (or result) of generating slots, and the bookings a change
//! would touch, as the schedule page shows them.

use chrono::NaiveDate;
use madoguchi_core::clock::{date_ja, hhmm};
use madoguchi_core::operations::SchedulePlan;
use madoguchi_store::AffectedBooking;

pub(crate) struct AffectedRow {
    pub number: String,
    pub when: String,
    pub party: i64,
}

pub(super) fn affected_rows(list: &[AffectedBooking]) -> Vec<AffectedRow> {
    list.iter()
        .map(|b| AffectedRow {
            number: b.reservation_no.clone(),
            when: format!("{} {}", date_ja(b.date), hhmm(b.start_min)),
            party: b.party_size,
        })
        .collect()
}

pub(crate) struct PlanLine {
    pub when: String,
    pub what: String,
}

/// The preview (or result) of generating slots, as the page shows it.
#[derive(Default)]
pub(crate) struct PlanView {
    pub first: String,
    pub last: String,
    pub period: String,
    pub add: usize,
    pub remove: usize,
    pub update: usize,
    pub unchanged: usize,
    pub add_days: Vec<PlanLine>,
    pub removed: Vec<PlanLine>,
    pub updated: Vec<PlanLine>,
    pub conflicts: Vec<PlanLine>,
    pub conflict_bookings: Vec<AffectedRow>,
    pub applied: bool,
}

pub(super) fn plan_view(plan: &SchedulePlan, first: NaiveDate, last: NaiveDate) -> PlanView {
    let mut per_day: Vec<(NaiveDate, usize, u32, u32)> = Vec::new();
    for s in &plan.add {
        match per_day.last_mut() {
            Some((d, n, _, end)) if *d == s.date => {
                *n += 1;
                *end = s.end_min;
            }
            _ => per_day.push((s.date, 1, s.start_min, s.end_min)),
        }
    }
    let when = |d: NaiveDate, m: u32| format!("{} {}", date_ja(d), hhmm(m));
    PlanView {
        first: first.format("%Y-%m-%d").to_string(),
        last: last.format("%Y-%m-%d").to_string(),
        period: format!("{}〜{}", date_ja(first), date_ja(last)),
        add: plan.add.len(),
        remove: plan.remove.len(),
        update: plan.update.len(),
        unchanged: plan.unchanged,
        add_days: per_day
            .iter()
            .map(|(d, n, start, end)| PlanLine {
                when: date_ja(*d),
                what: format!("{}〜{} {}枠", hhmm(*start), hhmm(*end), n),
            })
            .collect(),
        removed: plan
            .remove
            .iter()
            .map(|s| PlanLine {
                when: when(s.date, s.start_min),
                what: format!("削除（定員{}）", s.capacity),
            })
            .collect(),
        updated: plan
            .update
            .iter()
            .map(|u| PlanLine {
                when: when(u.slot.date, u.slot.start_min),
                what: format!(
                    "定員 {} → {}（うち電話・窓口用 {} → {}）",
                    u.slot.capacity, u.capacity, u.slot.reserved, u.reserved
                ),
            })
            .collect(),
        conflicts: plan
            .conflicts
            .iter()
            .map(|c| PlanLine {
                when: when(c.slot.date, c.slot.start_min),
                what: c.describe_ja(),
            })
            .collect(),
        conflict_bookings: Vec::new(),
        applied: false,
    }
}
