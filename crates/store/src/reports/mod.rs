//! Figures for the city's reports (issue 15; C4, C6, D1–D3): bookings per
//! venue, day and channel with seat use and lead time, and real phone calls
//! with their outcomes, lengths and billing units.
//!
//! Every figure adds what is still in the live tables to what the retention
//! purge folded into `booking_stats` and `call_stats`, so a month reads the
//! same before and after its personal data is deleted. Rows are read with
//! statements both backends share and summed here, in Rust.

mod bookings;
mod calls;
mod dialog;

pub use bookings::{BookingReport, BookingTally, SeatTally, Tally};
pub use calls::{CALL_OUTCOMES, CallRecord, CallReport, CallStat, CallUsage, Durations};
pub use dialog::DialogTurn;

/// Seconds Japan is ahead of UTC: a Unix time plus this, divided by a day,
/// numbers the Japan calendar day (no daylight saving in Japan).
pub(crate) const JST_OFFSET_SECONDS: i64 = 9 * 3600;

pub(crate) use calls::{count_call, count_purged_calls};
