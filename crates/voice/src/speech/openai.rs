//! Network recognition over the OpenAI-compatible
//! `POST {base_url}/v1/audio/transcriptions` API, so a city can run
//! faster-whisper, kotoba-whisper or ReazonSpeech on its own GPU server
//! behind such an endpoint without code changes.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::{AsrError, BoxFuture, Hints, Recognizer, Transcript};
use crate::media::{resample::resample, wav};

/// `engine = "openai"` in `[voice.asr]`.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAiConfig {
    /// e.g. `http://10.0.0.5:8000` (without `/v1`).
    pub base_url: String,
    /// The server's model name, e.g. `whisper-1` or `kotoba-tech/kotoba-whisper-v2.0`.
    pub model: String,
    /// Sent as `Authorization: Bearer …` when set.
    #[serde(default)]
    pub api_key: Option<String>,
    /// Whole request, upload included.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Sample rate of the uploaded WAV: 8000 (as heard) or 16000 (what
    /// Whisper-family servers resample to anyway).
    #[serde(default = "default_upload_rate")]
    pub upload_rate: u32,
}

fn default_timeout_ms() -> u64 {
    10_000
}

fn default_upload_rate() -> u32 {
    16_000
}

impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout_ms", &self.timeout_ms)
            .field("upload_rate", &self.upload_rate)
            .finish()
    }
}

pub struct OpenAiTranscriber {
    config: OpenAiConfig,
    url: String,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct Reply {
    text: String,
}

#[derive(Deserialize)]
struct ErrorReply {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: String,
}

impl OpenAiTranscriber {
    pub fn new(config: OpenAiConfig) -> Result<Self, AsrError> {
        if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
            return Err(AsrError::Unavailable(format!(
                "transcription base_url must start with http:// or https://: {}",
                config.base_url
            )));
        }
        if config.upload_rate != 8_000 && config.upload_rate != 16_000 {
            return Err(AsrError::Unavailable(
                "transcription upload_rate must be 8000 or 16000".into(),
            ));
        }
        let url = format!(
            "{}/v1/audio/transcriptions",
            config.base_url.trim_end_matches('/')
        );
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .build()
            .map_err(|e| AsrError::Unavailable(format!("HTTP client: {e}")))?;
        Ok(Self {
            config,
            url,
            client,
        })
    }

    async fn run(&self, pcm_8k: &[i16], hints: &Hints) -> Result<Transcript, AsrError> {
        let rate = self.config.upload_rate;
        let body = wav::encode(&resample(pcm_8k, 8_000, rate), rate);
        let file = reqwest::multipart::Part::bytes(body)
            .file_name("turn.wav")
            .mime_str("audio/wav")
            .map_err(|e| AsrError::Failed(e.to_string()))?;
        let mut form = reqwest::multipart::Form::new()
            .part("file", file)
            .text("model", self.config.model.clone())
            .text("language", "ja")
            .text("response_format", "json")
            .text("temperature", "0");
        // The API has one conditioning text: the prompt, else the hotwords.
        let prompt = hints
            .prompt
            .clone()
            .or_else(|| (!hints.hotwords.is_empty()).then(|| hints.hotwords.join("、")));
        if let Some(p) = prompt {
            form = form.text("prompt", p);
        }
        let mut req = self.client.post(&self.url).multipart(form);
        if let Some(key) = &self.config.api_key {
            req = req.bearer_auth(key);
        }
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                AsrError::Failed(format!("transcription server timed out ({})", self.url))
            } else {
                AsrError::Unavailable(format!("transcription server {}: {e}", self.url))
            }
        })?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| AsrError::Failed(format!("transcription reply: {e}")))?;
        if !status.is_success() {
            let detail = serde_json::from_slice::<ErrorReply>(&bytes)
                .map(|e| e.error.message)
                .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).chars().take(200).collect());
            let msg = format!("transcription server answered {status}: {detail}");
            return Err(if status.is_server_error() || status.as_u16() == 429 {
                AsrError::Failed(msg)
            } else {
                AsrError::Unavailable(msg)
            });
        }
        let reply: Reply = serde_json::from_slice(&bytes).map_err(|e| {
            AsrError::Failed(format!("transcription reply is not JSON with text: {e}"))
        })?;
        let (text, echoed, _) = super::whisper::clean(&reply.text, hints);
        if echoed {
            tracing::warn!("transcription echoed the prompt; dropped");
        }
        Ok(Transcript::new(text))
    }
}

impl Recognizer for OpenAiTranscriber {
    fn transcribe<'a>(
        &'a self,
        pcm_8k: &'a [i16],
        hints: &'a Hints,
    ) -> BoxFuture<'a, Result<Transcript, AsrError>> {
        Box::pin(self.run(pcm_8k, hints))
    }

    fn name(&self) -> String {
        format!("openai:{}", self.config.model)
    }
}
