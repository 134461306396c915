//! Availability answers kept for a moment, because a surge of residents
//! asks the same few questions (this venue, these weeks) many times a
//! second.
//!
//! An answer is reused only while no write has committed through this
//! instance since it was computed, and for at most [`MAX_AGE`] (writes made
//! by other instances, and the clock moving past a cut-off). Booking itself
//! never trusts it: the store re-checks seats atomically.

use axum::body::Bytes;
use chrono::NaiveDate;
use madoguchi_core::ids::VenueId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_AGE: Duration = Duration::from_secs(2);

/// Entries kept before the cache is emptied (bounded memory whatever the
/// requests).
const MAX_ENTRIES: usize = 4096;

type Key = (VenueId, NaiveDate, NaiveDate);

#[derive(Default)]
pub struct AvailabilityCache {
    entries: Mutex<HashMap<Key, (Instant, u64, Bytes)>>,
}

impl AvailabilityCache {
    /// The kept answer, if still good. When it has just aged out, the first
    /// caller gets `None` and recomputes while the others keep getting the
    /// kept answer for one more period, so that a popular answer expiring
    /// does not send every waiting request to the database at once.
    pub fn get(&self, key: &Key, generation: u64) -> Option<Bytes> {
        let mut entries = self.entries.lock().ok()?;
        let (at, seen, body) = entries.get_mut(key)?;
        if *seen != generation {
            return None;
        }
        if at.elapsed() < MAX_AGE {
            return Some(body.clone());
        }
        *at = Instant::now();
        None
    }

    pub fn put(&self, key: Key, generation: u64, body: Bytes) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), generation, body));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        (VenueId(1), day, day)
    }

    #[test]
    fn an_answer_is_reused_until_the_next_write() {
        let cache = AvailabilityCache::default();
        cache.put(key(), 7, Bytes::from_static(b"{}"));
        assert_eq!(cache.get(&key(), 7).as_deref(), Some(&b"{}"[..]));
        assert_eq!(cache.get(&key(), 8), None, "a write happened since");
    }

    #[test]
    fn an_aged_answer_is_recomputed_by_one_caller_while_others_reuse_it() {
        let cache = AvailabilityCache::default();
        cache.put(key(), 1, Bytes::from_static(b"old"));
        if let Ok(mut entries) = cache.entries.lock() {
            entries.get_mut(&key()).unwrap().0 -= MAX_AGE;
        }
        assert_eq!(cache.get(&key(), 1), None, "the first caller refreshes");
        assert_eq!(
            cache.get(&key(), 1).as_deref(),
            Some(&b"old"[..]),
            "the others are not sent to the database"
        );
    }
}
