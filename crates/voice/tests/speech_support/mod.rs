//! Shared by the speech_* tests: engines configured from the repository's
//! `.voice/` (made by scripts/voice-setup.sh) and a telephone channel.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use madoguchi_voice::media::g711;
use madoguchi_voice::speech::{OpenJTalk, TtsConfig, WhisperConfig, WhisperWorker};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn need(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run scripts/voice-setup.sh first (it installs the speech engines into .voice/)",
        path.display()
    );
    path
}

pub fn tts_config() -> TtsConfig {
    TtsConfig {
        voice: need(repo().join(".voice/voices/mei_normal.htsvoice")),
        ..TtsConfig::default()
    }
}

pub fn open_jtalk() -> OpenJTalk {
    OpenJTalk::new(tts_config())
        .expect("Open JTalk (apt-get install open-jtalk open-jtalk-mecab-naist-jdic)")
}

pub fn whisper_config() -> WhisperConfig {
    WhisperConfig {
        python: need(repo().join(".voice/venv/bin/python")),
        model_dir: need(repo().join(".voice/models/whisper-base/model.bin"))
            .parent()
            .unwrap()
            .to_path_buf(),
        workers: 1,
        threads: 2,
        ..WhisperConfig::default()
    }
}

pub async fn whisper() -> WhisperWorker {
    WhisperWorker::start(whisper_config())
        .await
        .expect("Whisper worker")
}

/// What the far end hears: 8 kHz G.711 μ-law, with half a second of silence
/// either side as an end-of-turn detector would leave.
pub fn through_ulaw(pcm: &[i16]) -> Vec<i16> {
    let pad = vec![0i16; 4000];
    let mut all = pad.clone();
    all.extend_from_slice(pcm);
    all.extend_from_slice(&pad);
    g711::ulaw_decode_all(&g711::ulaw_encode_all(&all))
}

pub fn rms(pcm: &[i16]) -> f64 {
    (pcm.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / pcm.len().max(1) as f64).sqrt()
}
