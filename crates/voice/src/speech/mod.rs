//! Speech recognition and synthesis behind small traits, one file per engine.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the current question expects, so that the recognizer can be steered
/// (prompt, hotwords) and its output capped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hints {
    /// Text that conditions the recognizer (e.g. the venue names).
    pub prompt: Option<String>,
    /// Words likely in the answer.
    pub hotwords: Vec<String>,
    /// The answer is short (yes/no, a number): cap the output.
    pub short_answer: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transcript {
    /// The recognizer's best hypothesis.
    pub text: String,
    /// Its next best ones, best first (may be empty).
    pub alternatives: Vec<String>,
}

impl Transcript {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            alternatives: Vec::new(),
        }
    }

    /// Every hypothesis, best first.
    pub fn hypotheses(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.text.as_str()).chain(self.alternatives.iter().map(String::as_str))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AsrError {
    #[error("speech recognition is not available: {0}")]
    Unavailable(String),
    #[error("speech recognition failed: {0}")]
    Failed(String),
}

/// Turns one caller turn (8 kHz linear PCM) into text.
pub trait Recognizer: Send + Sync {
    fn transcribe<'a>(
        &'a self,
        pcm_8k: &'a [i16],
        hints: &'a Hints,
    ) -> BoxFuture<'a, Result<Transcript, AsrError>>;
    /// A short name for logs and benchmarks (`whisper-base-ct2`, `openai:…`).
    fn name(&self) -> String;
}

#[derive(Debug, thiserror::Error)]
pub enum TtsError {
    #[error("speech synthesis is not available: {0}")]
    Unavailable(String),
    #[error("speech synthesis failed: {0}")]
    Failed(String),
}

/// Turns Japanese text into 8 kHz linear PCM at a speaking rate (1.0 normal).
pub trait Synthesizer: Send + Sync {
    fn synthesize<'a>(
        &'a self,
        text: &'a str,
        rate: f32,
    ) -> BoxFuture<'a, Result<Arc<[i16]>, TtsError>>;
    /// How the engine would read `text` (katakana), for a name heard in
    /// kanji; `None` when it cannot tell (the default).
    fn reading<'a>(&'a self, _text: &'a str) -> BoxFuture<'a, Result<Option<String>, TtsError>> {
        Box::pin(async { Ok(None) })
    }
    /// Names the engine's set-up (voice, options) when its output may be
    /// kept on disk between runs; `None` keeps nothing on disk.
    fn cache_id(&self) -> Option<String> {
        None
    }
}

pub mod config;
pub mod open_jtalk;
pub mod openai;
pub mod pieces;
mod reading;
pub mod whisper;

pub use config::AsrConfig;
pub use open_jtalk::{OpenJTalk, TtsConfig};
pub use openai::{OpenAiConfig, OpenAiTranscriber};
pub use pieces::{PieceStats, Pieces};
pub use whisper::{WhisperConfig, WhisperWorker};
