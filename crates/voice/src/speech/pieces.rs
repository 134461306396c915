//! Prompts assembled from pre-synthesized pieces, so that no synthesis
//! runs while a caller waits (issue 11).
//!
//! A text is cut into *phrases* at punctuation and spaces (「、」 「。」 「 」 …).
//! Every phrase the agent can say — the fixed fragments of each prompt and
//! every variable piece (dates, weekdays, slot times, venues, party sizes,
//! digits) — is synthesized once at start-up by [`Pieces::warm`], trimmed
//! of the engine's leading and trailing silence, kept in memory and on disk
//! (`tts_cache_dir`), and concatenated at play time with pauses that follow
//! the punctuation. A phrase not warmed (a caller's name) is synthesized
//! then, kept only in a small in-memory LRU (never on disk: names are
//! personal data), and counted in [`Pieces::engine_calls`].

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::{Synthesizer, TtsError};

/// Pause after 「、」 and between digit groups.
const COMMA_MS: usize = 150;
/// Pause after a sentence (「。」 「？」).
const SENTENCE_MS: usize = 350;
/// Pause for a space (between a date and its weekday, between digits).
const SPACE_MS: usize = 60;
/// A sample at or below this is silence when trimming (about -50 dBFS).
const SILENCE: i16 = 100;
/// Kept on either side of the sound when trimming (soft onsets).
const MARGIN: usize = 8 * 15;
/// Per-call phrases (names) kept in memory.
const RECENT: usize = 256;

/// A part of a text: a phrase to say or a pause.
#[derive(Debug, Clone, PartialEq)]
pub enum Part<'a> {
    Phrase(&'a str),
    /// Silence in ms.
    Pause(usize),
}

fn pause_ms(c: char) -> Option<usize> {
    match c {
        '、' | ',' | '，' | '・' => Some(COMMA_MS),
        '。' | '？' | '！' | '?' | '!' | '．' => Some(SENTENCE_MS),
        ' ' | '\u{3000}' | '\n' | '\t' => Some(SPACE_MS),
        _ => None,
    }
}

/// Cuts a text into phrases and pauses (a run of separators is one pause,
/// the longest of them).
pub fn parts(text: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    let mut pause = 0;
    for (i, c) in text.char_indices() {
        match pause_ms(c) {
            Some(ms) => {
                if let Some(s) = start.take() {
                    out.push(Part::Phrase(&text[s..i]));
                }
                pause = pause.max(ms);
            }
            None => {
                if start.is_none() {
                    if pause > 0 && !out.is_empty() {
                        out.push(Part::Pause(pause));
                    }
                    pause = 0;
                    start = Some(i);
                }
            }
        }
    }
    if let Some(s) = start {
        out.push(Part::Phrase(&text[s..]));
    }
    out
}

/// The phrases of a text (what [`Pieces::warm`] needs to cover it).
pub fn phrases(text: &str) -> impl Iterator<Item = &str> {
    parts(text).into_iter().filter_map(|p| match p {
        Part::Phrase(s) => Some(s),
        Part::Pause(_) => None,
    })
}

/// Cuts a text after each sentence end, so that a reply can start playing
/// with its first sentence.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut ended = false;
    for (i, c) in text.char_indices() {
        let end = matches!(c, '。' | '？' | '！' | '?' | '!');
        if ended && !end {
            if !text[start..i].trim().is_empty() {
                out.push(&text[start..i]);
            }
            start = i;
        }
        ended = end;
    }
    if !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}

/// A sentence's audio followed by the pause that ends it (sentences are
/// played as separate clips).
pub fn with_pause_after(pcm: &[i16]) -> Arc<[i16]> {
    let mut out = pcm.to_vec();
    out.resize(out.len() + SENTENCE_MS * 8, 0);
    out.into()
}

/// The engine's output without its leading and trailing silence.
pub fn trim_silence(pcm: &[i16]) -> &[i16] {
    let loud = |s: &i16| s.unsigned_abs() > SILENCE.unsigned_abs();
    let Some(first) = pcm.iter().position(loud) else {
        return &[];
    };
    let last = pcm.iter().rposition(loud).unwrap_or(first);
    &pcm[first.saturating_sub(MARGIN)..(last + 1 + MARGIN).min(pcm.len())]
}

type Key = (String, u32);

fn key(text: &str, rate: f32) -> Key {
    (text.to_owned(), rate.to_bits())
}

#[derive(Default)]
struct Recent {
    map: HashMap<Key, Arc<[i16]>>,
    /// Least recently used first.
    order: VecDeque<Key>,
}

/// Counters for tests, benchmarks and the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PieceStats {
    /// Phrases warmed (in memory).
    pub warmed: usize,
    /// Of those, read from the disk cache instead of synthesized.
    pub from_disk: u64,
    /// Calls to the engine, warming included.
    pub engine_calls: u64,
}

/// The phrase cache in front of a synthesizer.
pub struct Pieces {
    engine: Arc<dyn Synthesizer>,
    /// Where warmed phrases are kept between runs (one directory per engine
    /// set-up), or none.
    disk: Option<PathBuf>,
    warmed: Mutex<HashMap<Key, Arc<[i16]>>>,
    recent: Mutex<Recent>,
    engine_calls: AtomicU64,
    from_disk: AtomicU64,
}

impl Pieces {
    /// The synthesizer behind the pieces.
    pub fn engine(&self) -> &Arc<dyn Synthesizer> {
        &self.engine
    }

    /// `cache_dir`: the disk cache root; used only when the engine names its
    /// set-up ([`Synthesizer::cache_id`]).
    pub fn new(engine: Arc<dyn Synthesizer>, cache_dir: Option<&Path>) -> Self {
        let disk = match (cache_dir, engine.cache_id()) {
            (Some(dir), Some(id)) => Some(dir.join(format!("{:016x}", fnv(id.as_bytes())))),
            _ => None,
        };
        Self {
            engine,
            disk,
            warmed: Mutex::new(HashMap::new()),
            recent: Mutex::new(Recent::default()),
            engine_calls: AtomicU64::new(0),
            from_disk: AtomicU64::new(0),
        }
    }

    pub fn stats(&self) -> PieceStats {
        PieceStats {
            warmed: lock(&self.warmed).len(),
            from_disk: self.from_disk.load(Ordering::Relaxed),
            engine_calls: self.engine_calls.load(Ordering::Relaxed),
        }
    }

    /// Calls to the engine so far (warming included).
    pub fn engine_calls(&self) -> u64 {
        self.engine_calls.load(Ordering::Relaxed)
    }

    /// Makes every phrase of `texts` ready, in the order given (put what the
    /// first callers hear first): from memory, else from disk, else
    /// synthesized (and written to disk). One phrase at a time, so that live
    /// calls still get the engine.
    pub async fn warm<I, S>(&self, texts: I) -> Result<(), TtsError>
    where
        I: IntoIterator<Item = (S, f32)>,
        S: AsRef<str>,
    {
        for (text, rate) in texts {
            for phrase in phrases(text.as_ref()) {
                self.warm_phrase(phrase, rate).await?;
            }
        }
        Ok(())
    }

    async fn warm_phrase(&self, phrase: &str, rate: f32) -> Result<(), TtsError> {
        let k = key(phrase, rate);
        if lock(&self.warmed).contains_key(&k) {
            return Ok(());
        }
        let pcm = match self.read_disk(phrase, rate).await {
            Some(pcm) => {
                self.from_disk.fetch_add(1, Ordering::Relaxed);
                pcm
            }
            None => {
                let cached = lock(&self.recent).map.remove(&k);
                let pcm = match cached {
                    Some(pcm) => pcm,
                    None => self.synthesize(phrase, rate).await?,
                };
                self.write_disk(phrase, rate, &pcm).await;
                pcm
            }
        };
        lock(&self.warmed).insert(k, pcm);
        Ok(())
    }

    /// The audio of `text` at `rate`: warmed phrases joined with pauses;
    /// phrases not warmed are synthesized now.
    pub async fn render(&self, text: &str, rate: f32) -> Result<Arc<[i16]>, TtsError> {
        let mut out: Vec<i16> = Vec::new();
        for part in parts(text) {
            match part {
                Part::Pause(ms) => out.resize(out.len() + ms * 8, 0),
                Part::Phrase(p) => out.extend_from_slice(&self.phrase(p, rate).await?),
            }
        }
        Ok(out.into())
    }

    /// Whether every phrase of `text` is ready (nothing to synthesize).
    pub fn is_ready(&self, text: &str, rate: f32) -> bool {
        let warmed = lock(&self.warmed);
        phrases(text).all(|p| warmed.contains_key(&key(p, rate)))
    }

    async fn phrase(&self, phrase: &str, rate: f32) -> Result<Arc<[i16]>, TtsError> {
        let k = key(phrase, rate);
        if let Some(pcm) = lock(&self.warmed).get(&k) {
            return Ok(pcm.clone());
        }
        {
            let mut r = lock(&self.recent);
            if let Some(pcm) = r.map.get(&k).cloned() {
                r.order.retain(|o| o != &k);
                r.order.push_back(k);
                return Ok(pcm);
            }
        }
        let pcm = self.synthesize(phrase, rate).await?;
        let mut r = lock(&self.recent);
        if !r.map.contains_key(&k) {
            while r.map.len() >= RECENT {
                let Some(old) = r.order.pop_front() else {
                    break;
                };
                r.map.remove(&old);
            }
            r.order.push_back(k.clone());
            r.map.insert(k, pcm.clone());
        }
        Ok(pcm)
    }

    async fn synthesize(&self, phrase: &str, rate: f32) -> Result<Arc<[i16]>, TtsError> {
        self.engine_calls.fetch_add(1, Ordering::Relaxed);
        let pcm = self.engine.synthesize(phrase, rate).await?;
        Ok(trim_silence(&pcm).into())
    }

    fn file(&self, phrase: &str, rate: f32) -> Option<PathBuf> {
        let dir = self.disk.as_ref()?;
        let mut bytes = phrase.as_bytes().to_vec();
        bytes.extend_from_slice(&rate.to_bits().to_le_bytes());
        Some(dir.join(format!("{:016x}.pcm", fnv(&bytes))))
    }

    /// A file holds its phrase and rate in a header line (checked on
    /// reading: a hash collision is a miss), then the samples.
    async fn read_disk(&self, phrase: &str, rate: f32) -> Option<Arc<[i16]>> {
        let bytes = tokio::fs::read(self.file(phrase, rate)?).await.ok()?;
        let header = header(phrase, rate);
        let body = bytes.strip_prefix(header.as_bytes())?;
        if body.len() % 2 != 0 {
            return None;
        }
        Some(
            body.chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect(),
        )
    }

    async fn write_disk(&self, phrase: &str, rate: f32, pcm: &[i16]) {
        let (Some(dir), Some(path)) = (self.disk.as_ref(), self.file(phrase, rate)) else {
            return;
        };
        let mut bytes = header(phrase, rate).into_bytes();
        bytes.reserve(pcm.len() * 2);
        for s in pcm {
            bytes.extend_from_slice(&s.to_le_bytes());
        }
        // Written aside and renamed: another process may read the same file.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let written = async {
            tokio::fs::create_dir_all(dir).await?;
            tokio::fs::write(&tmp, &bytes).await?;
            tokio::fs::rename(&tmp, &path).await
        }
        .await;
        if let Err(e) = written {
            tracing::warn!(error = %e, dir = %dir.display(), "prompt piece not written to the disk cache");
        }
    }
}

fn header(phrase: &str, rate: f32) -> String {
    format!("{}\t{}\n", rate.to_bits(), phrase)
}

/// FNV-1a, 64 bits: a stable file name (std's hasher is not stable).
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves the maps consistent.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn texts_are_cut_at_punctuation_and_spaces() {
        assert_eq!(
            parts("尾西事務所、12月10日 木曜日ですね。何名さまですか。"),
            vec![
                Part::Phrase("尾西事務所"),
                Part::Pause(COMMA_MS),
                Part::Phrase("12月10日"),
                Part::Pause(SPACE_MS),
                Part::Phrase("木曜日ですね"),
                Part::Pause(SENTENCE_MS),
                Part::Phrase("何名さまですか"),
            ]
        );
        assert_eq!(parts("、 はい"), vec![Part::Phrase("はい")]);
        assert!(parts("。、 ").is_empty());
    }

    #[test]
    fn sentences_end_at_their_mark() {
        assert_eq!(
            sentences("ご予約を承りました。予約番号は、1234です。 はい？"),
            vec!["ご予約を承りました。", "予約番号は、1234です。", " はい？"]
        );
        assert_eq!(sentences("はい"), vec!["はい"]);
        assert!(sentences("").is_empty());
    }

    #[test]
    fn silence_is_trimmed_with_a_margin() {
        let mut pcm = vec![0i16; 2400];
        pcm.extend(std::iter::repeat_n(3000, 800));
        pcm.extend(vec![20i16; 1600]);
        let t = trim_silence(&pcm);
        assert_eq!(t.len(), 800 + 2 * MARGIN);
        assert!(trim_silence(&[0, 5, -5]).is_empty());
    }
}
