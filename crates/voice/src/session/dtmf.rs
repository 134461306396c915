//! Keypad input: single keys at once, numbers until `#` or a pause.

use super::turn::FRAME_MS;

/// Longest number collected (a phone number with a prefix is 11–13).
const MAX_DIGITS: usize = 16;

#[derive(Debug, Clone)]
pub struct DtmfCollector {
    keys: String,
    number: bool,
    timeout_ms: u32,
    idle_ms: u32,
}

impl DtmfCollector {
    pub fn new(timeout_ms: u32) -> Self {
        Self {
            keys: String::new(),
            number: false,
            timeout_ms,
            idle_ms: 0,
        }
    }

    /// Sets what the current step takes; keys pending from the previous
    /// step are dropped.
    pub fn expect_number(&mut self, number: bool) {
        self.number = number;
        self.keys.clear();
        self.idle_ms = 0;
    }

    pub fn is_collecting(&self) -> bool {
        !self.keys.is_empty()
    }

    /// One key; returns the keys to deliver, if complete.
    pub fn push(&mut self, key: char) -> Option<String> {
        self.idle_ms = 0;
        if !self.number {
            return Some(key.to_string());
        }
        if key == '#' {
            return (!self.keys.is_empty()).then(|| std::mem::take(&mut self.keys));
        }
        self.keys.push(key);
        (self.keys.len() >= MAX_DIGITS).then(|| std::mem::take(&mut self.keys))
    }

    /// Time passes by one frame; returns the keys if the pause ended them.
    pub fn tick(&mut self) -> Option<String> {
        if self.keys.is_empty() {
            return None;
        }
        self.idle_ms += FRAME_MS;
        (self.idle_ms >= self.timeout_ms).then(|| {
            self.idle_ms = 0;
            std::mem::take(&mut self.keys)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_keys_are_delivered_at_once() {
        let mut c = DtmfCollector::new(3000);
        c.expect_number(false);
        assert_eq!(c.push('1').as_deref(), Some("1"));
        assert_eq!(c.push('#').as_deref(), Some("#"));
        assert_eq!(c.tick(), None);
    }

    #[test]
    fn numbers_end_with_hash() {
        let mut c = DtmfCollector::new(3000);
        c.expect_number(true);
        for k in "0901234567".chars() {
            assert_eq!(c.push(k), None);
        }
        assert_eq!(c.push('8').as_deref(), None);
        assert_eq!(c.push('#').as_deref(), Some("09012345678"));
        // A lone # delivers nothing.
        assert_eq!(c.push('#'), None);
    }

    #[test]
    fn numbers_end_after_a_pause() {
        let mut c = DtmfCollector::new(3000);
        c.expect_number(true);
        c.push('1');
        c.push('2');
        let mut got = None;
        let mut frames = 0;
        while got.is_none() && frames < 1000 {
            got = c.tick();
            frames += 1;
        }
        assert_eq!(got.as_deref(), Some("12"));
        assert_eq!(frames, 150, "3 s of 20 ms frames");
        // A key in the middle restarts the wait.
        c.push('3');
        for _ in 0..100 {
            assert_eq!(c.tick(), None);
        }
        c.push('4');
        for _ in 0..149 {
            assert_eq!(c.tick(), None);
        }
        assert_eq!(c.tick().as_deref(), Some("34"));
    }
}
