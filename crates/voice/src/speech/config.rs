//! Which recognizer to run: `[voice.asr]` with `engine = "whisper"` or
//! `engine = "openai"` and that engine's own fields.

use std::sync::Arc;

use serde::Deserialize;

use super::openai::{OpenAiConfig, OpenAiTranscriber};
use super::whisper::{WhisperConfig, WhisperWorker};
use super::{AsrError, Recognizer};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "engine")]
pub enum AsrConfig {
    #[serde(rename = "whisper")]
    Whisper(WhisperConfig),
    #[serde(rename = "openai")]
    OpenAi(OpenAiConfig),
}

impl Default for AsrConfig {
    fn default() -> Self {
        Self::Whisper(WhisperConfig::default())
    }
}

impl AsrConfig {
    /// Starts the configured engine (Whisper workers load their model here).
    pub async fn start(&self) -> Result<Arc<dyn Recognizer>, AsrError> {
        Ok(match self {
            Self::Whisper(c) => Arc::new(WhisperWorker::start(c.clone()).await?),
            Self::OpenAi(c) => Arc::new(OpenAiTranscriber::new(c.clone())?),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn engines_are_tagged_and_strict() {
        let w: AsrConfig = serde_json::from_str(r#"{"engine":"whisper","workers":2}"#).unwrap();
        let AsrConfig::Whisper(w) = w else { panic!() };
        assert_eq!((w.workers, w.beam), (2, 5));
        let o: AsrConfig = serde_json::from_str(
            r#"{"engine":"openai","base_url":"http://gpu:8000","model":"whisper-1"}"#,
        )
        .unwrap();
        assert!(matches!(o, AsrConfig::OpenAi(ref c) if c.upload_rate == 16_000));
        assert!(serde_json::from_str::<AsrConfig>(r#"{"engine":"openai","model":"m"}"#).is_err());
        assert!(
            serde_json::from_str::<AsrConfig>(r#"{"engine":"whisper","base_url":"x"}"#).is_err()
        );
        assert!(serde_json::from_str::<AsrConfig>(r#"{"engine":"vosk"}"#).is_err());
    }
}
