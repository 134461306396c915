//! A short-lived in-process copy of what every request reads and staff
//! rarely change: the service settings and the venues.
//!
//! Writes through this store drop the copy at once. Another instance's
//! writes (several servers on one PostgreSQL) are seen within [`TTL`].

use madoguchi_core::settings::ServiceSettings;
use madoguchi_core::venue::Venue;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a copy is trusted before it is read again.
pub const TTL: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
pub(crate) struct Cache {
    /// Counts writes committed through this store, so that callers can keep
    /// derived read results until the next write.
    generation: AtomicU64,
    transactions: AtomicU64,
    batches: AtomicU64,
    settings: RwLock<Option<(Instant, Arc<ServiceSettings>)>>,
    venues: RwLock<Option<(Instant, Arc<Vec<Venue>>)>>,
}

fn fresh<T: Clone>(slot: &RwLock<Option<(Instant, T)>>) -> Option<T> {
    let guard = slot.read().ok()?;
    match &*guard {
        Some((at, value)) if at.elapsed() < TTL => Some(value.clone()),
        _ => None,
    }
}

fn put<T>(slot: &RwLock<Option<(Instant, T)>>, value: T) {
    if let Ok(mut guard) = slot.write() {
        *guard = Some((Instant::now(), value));
    }
}

fn clear<T>(slot: &RwLock<Option<(Instant, T)>>) {
    if let Ok(mut guard) = slot.write() {
        *guard = None;
    }
}

/// Write transactions committed through one store (all its clones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteCounts {
    /// Every committed write transaction, booking batches included.
    pub transactions: u64,
    /// Booking batches of the SQLite group commit (0 on PostgreSQL).
    pub booking_batches: u64,
}

impl Cache {
    /// Counts a committed write; `changes_reads` drops derived reads.
    pub fn note_commit(&self, changes_reads: bool) {
        self.transactions.fetch_add(1, Ordering::Relaxed);
        if changes_reads {
            self.generation.fetch_add(1, Ordering::Release);
        }
    }
    /// Counts a committed booking batch, which may change seats.
    pub fn note_batch(&self) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.note_commit(true);
    }
    pub fn write_counts(&self) -> WriteCounts {
        WriteCounts {
            transactions: self.transactions.load(Ordering::Relaxed),
            booking_batches: self.batches.load(Ordering::Relaxed),
        }
    }
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
    pub fn settings(&self) -> Option<Arc<ServiceSettings>> {
        fresh(&self.settings)
    }
    pub fn put_settings(&self, settings: Arc<ServiceSettings>) {
        put(&self.settings, settings);
    }
    pub fn clear_settings(&self) {
        clear(&self.settings);
    }
    /// Every venue, disabled ones included, in display order.
    pub fn venues(&self) -> Option<Arc<Vec<Venue>>> {
        fresh(&self.venues)
    }
    pub fn put_venues(&self, venues: Arc<Vec<Venue>>) {
        put(&self.venues, venues);
    }
    pub fn clear_venues(&self) {
        clear(&self.venues);
    }
}
