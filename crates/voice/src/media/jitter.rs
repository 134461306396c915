//! A small jitter buffer: reorders RTP frames by sequence number and lets
//! playout start only once a few frames are queued, so that late or swapped
//! packets still come out in order.

use std::collections::BTreeMap;

/// Frames held before playout starts (2 × 20 ms = 40 ms); see [`JitterBuffer::new`].
pub const DEFAULT_DEPTH: usize = 2;
/// Beyond this many queued frames the oldest are dropped (the sender runs ahead).
const MAX_FRAMES: usize = 25;

#[derive(Debug)]
pub struct JitterBuffer {
    depth: usize,
    /// Extended (wrap-free) sequence number → decoded frame.
    frames: BTreeMap<i64, Vec<i16>>,
    /// Extended sequence number of the next frame to play, once known.
    next: Option<i64>,
    /// Last 16-bit sequence number seen, and its extended value.
    last: Option<(u16, i64)>,
    playing: bool,
}

impl JitterBuffer {
    /// `depth` frames (20 ms each) are buffered before playout starts.
    pub fn new(depth: usize) -> Self {
        Self {
            depth: depth.max(1),
            frames: BTreeMap::new(),
            next: None,
            last: None,
            playing: false,
        }
    }

    /// Depth in frames for a jitter allowance in milliseconds.
    pub fn depth_for_ms(ms: u32) -> usize {
        (ms.div_ceil(20) as usize).clamp(1, 10)
    }

    fn extend(&mut self, seq: u16) -> i64 {
        let ext = match self.last {
            None => i64::from(seq),
            Some((last16, last_ext)) => last_ext + i64::from(seq.wrapping_sub(last16) as i16),
        };
        if self.last.is_none_or(|(_, e)| ext > e) {
            self.last = Some((seq, ext));
        }
        ext
    }

    /// Add a decoded frame. Frames older than what was already played are dropped.
    pub fn push(&mut self, seq: u16, frame: Vec<i16>) {
        let ext = self.extend(seq);
        if self.next.is_some_and(|n| ext < n) {
            return;
        }
        self.frames.insert(ext, frame);
        while self.frames.len() > MAX_FRAMES {
            self.frames.pop_first();
            if let Some((&first, _)) = self.frames.first_key_value() {
                self.next = Some(first);
            }
        }
    }

    /// The next frame to play, called once per 20 ms. `None` while filling
    /// up or when the caller's side sends nothing.
    pub fn pop(&mut self) -> Option<Vec<i16>> {
        if !self.playing {
            if self.frames.len() < self.depth {
                return None;
            }
            self.playing = true;
        }
        let Some((&first, _)) = self.frames.first_key_value() else {
            // Underrun: refill to the full depth before playing again.
            self.playing = false;
            return None;
        };
        let next = self.next.unwrap_or(first);
        // A gap (lost packet) is skipped once the buffer holds enough behind it.
        let key = if self.frames.contains_key(&next) {
            next
        } else if first > next && self.frames.len() >= self.depth {
            first
        } else {
            self.next = Some(next + 1);
            return None;
        };
        self.next = Some(key + 1);
        self.frames.remove(&key)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn f(v: i16) -> Vec<i16> {
        vec![v; 160]
    }

    #[test]
    fn reorders_and_waits_for_depth() {
        let mut jb = JitterBuffer::new(3);
        jb.push(10, f(10));
        jb.push(12, f(12));
        assert_eq!(jb.pop(), None);
        jb.push(11, f(11));
        assert_eq!(jb.pop().unwrap()[0], 10);
        assert_eq!(jb.pop().unwrap()[0], 11);
        assert_eq!(jb.pop().unwrap()[0], 12);
        assert_eq!(jb.pop(), None);
    }

    #[test]
    fn wraps_and_drops_late_frames() {
        let mut jb = JitterBuffer::new(1);
        jb.push(65535, f(1));
        jb.push(0, f(2));
        assert_eq!(jb.pop().unwrap()[0], 1);
        assert_eq!(jb.pop().unwrap()[0], 2);
        jb.push(65534, f(9)); // late: already past it
        jb.push(1, f(3));
        assert_eq!(jb.pop().unwrap()[0], 3);
    }

    #[test]
    fn skips_a_lost_packet() {
        let mut jb = JitterBuffer::new(2);
        jb.push(1, f(1));
        jb.push(3, f(3));
        jb.push(4, f(4));
        assert_eq!(jb.pop().unwrap()[0], 1);
        assert_eq!(jb.pop().unwrap()[0], 3);
        assert_eq!(jb.pop().unwrap()[0], 4);
    }
}
