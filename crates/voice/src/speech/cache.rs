//! A cache in front of any [`Synthesizer`], keyed by (text, rate).
//!
//! Static prompts are warmed once per scenario version with [`warm`] and
//! stay until [`clear`]; everything else (dates, numbers, names) goes into a
//! small least-recently-used part, so a prompt repeated within a call
//! ("もう一度") is not synthesized again.
//!
//! [`warm`]: CachedSynthesizer::warm
//! [`clear`]: CachedSynthesizer::clear

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::{BoxFuture, Synthesizer, TtsError};

type Key = (String, u32);

fn key(text: &str, rate: f32) -> Key {
    (text.to_owned(), rate.to_bits())
}

#[derive(Default)]
struct Entries {
    pinned: HashMap<Key, Arc<[i16]>>,
    recent: HashMap<Key, Arc<[i16]>>,
    /// Least recently used first.
    order: VecDeque<Key>,
}

/// Counters for benchmarks and the admin page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub pinned: usize,
    pub recent: usize,
}

pub struct CachedSynthesizer<S> {
    inner: S,
    capacity: usize,
    entries: Mutex<Entries>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl<S: Synthesizer> CachedSynthesizer<S> {
    /// `capacity`: how many dynamic utterances to keep (warmed ones are extra).
    pub fn new(inner: S, capacity: usize) -> Self {
        Self {
            inner,
            capacity,
            entries: Mutex::new(Entries::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Synthesizes the static prompts of a scenario version and keeps them
    /// until [`clear`](Self::clear). Already warmed ones are skipped.
    pub async fn warm(&self, prompts: &[(&str, f32)]) -> Result<(), TtsError> {
        for &(text, rate) in prompts {
            let k = key(text, rate);
            let have = self.lock().pinned.contains_key(&k);
            if have {
                continue;
            }
            let pcm = self.inner.synthesize(text, rate).await?;
            let mut e = self.lock();
            e.recent.remove(&k);
            e.order.retain(|o| o != &k);
            e.pinned.insert(k, pcm);
        }
        Ok(())
    }

    /// Forgets everything (a new scenario version).
    pub fn clear(&self) {
        *self.lock() = Entries::default();
    }

    pub fn stats(&self) -> CacheStats {
        let e = self.lock();
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            pinned: e.pinned.len(),
            recent: e.recent.len(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves the maps consistent.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lookup(&self, k: &Key) -> Option<Arc<[i16]>> {
        let mut e = self.lock();
        if let Some(p) = e.pinned.get(k) {
            return Some(p.clone());
        }
        let found = e.recent.get(k).cloned()?;
        if let Some(pos) = e.order.iter().position(|o| o == k)
            && let Some(o) = e.order.remove(pos)
        {
            e.order.push_back(o);
        }
        Some(found)
    }

    async fn get(&self, text: &str, rate: f32) -> Result<Arc<[i16]>, TtsError> {
        let k = key(text, rate);
        if let Some(pcm) = self.lookup(&k) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(pcm);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let pcm = self.inner.synthesize(text, rate).await?;
        if self.capacity > 0 {
            let mut e = self.lock();
            if !e.recent.contains_key(&k) && !e.pinned.contains_key(&k) {
                while e.recent.len() >= self.capacity {
                    let Some(old) = e.order.pop_front() else {
                        break;
                    };
                    e.recent.remove(&old);
                }
                e.order.push_back(k.clone());
                e.recent.insert(k, pcm.clone());
            }
        }
        Ok(pcm)
    }
}

impl<S: Synthesizer> Synthesizer for CachedSynthesizer<S> {
    fn synthesize<'a>(
        &'a self,
        text: &'a str,
        rate: f32,
    ) -> BoxFuture<'a, Result<Arc<[i16]>, TtsError>> {
        Box::pin(self.get(text, rate))
    }
}
