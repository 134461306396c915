//! End-to-end phone world: a real VoiceAgent (Open JTalk cached synthesizer,
//! Whisper worker pool) behind a real SIP endpoint on a loopback port, a real
//! store (temp SQLite, two venues with slots, clock fixed on Tuesday
//! 2026-12-01 10:00 JST: staffed hours), and baresip callers whose speech is
//! Open JTalk through 8 kHz μ-law.
//!
//! The caller follows the call the way a person would: it waits for a
//! question (a new turn in the call log, then the tail of what it hears
//! going quiet), then answers by voice or keypad.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use madoguchi_core::clock::FixedClock;
use madoguchi_core::ids::VenueId;
use madoguchi_core::schedule::WeeklyTemplate;
use madoguchi_core::venue::VenueForm;
use madoguchi_store::{CallId, CallSummary, CallTurn, Store};
use madoguchi_voice::session::{VoiceAgent, VoiceSettings};
use madoguchi_voice::sip::SipEndpoint;
use madoguchi_voice::speech::{
    OpenJTalk, Recognizer, Synthesizer, TtsConfig, WhisperConfig, WhisperWorker,
};

use super::audio;
use super::baresip::Baresip;
use super::loopback_config;

pub const NOW: &str = "2026-12-01T10:00:00+09:00";

/// An RMS above this (16-bit samples) in a 20 ms window is speech.
pub const LOUD: f64 = 300.0;

/// The repository root (this file is also compiled into the bench, whose
/// manifest sits one level higher than the voice crate's).
pub fn repo() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|d| d.join("Cargo.lock").exists())
        .unwrap_or(&here)
        .to_path_buf()
}

fn need(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run scripts/voice-setup.sh first",
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

pub struct Venues {
    pub honcho: VenueId,
    pub bisai: VenueId,
}

/// A store with the two venues of session_calls.rs and their slots.
pub async fn store(dir: &Path) -> (Store, Venues) {
    let store = Store::connect(dir.join("v.db").to_str().unwrap())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let app_settings = store.settings().await.unwrap();
    let mut ids = Vec::new();
    for (order, (code, name, kana)) in [
        ("honcho", "本庁舎 市民課", "ほんちょうしゃ しみんか"),
        ("bisai", "尾西事務所", "びさいじむしょ"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = store
            .upsert_venue(&VenueForm {
                code: code.into(),
                name: name.into(),
                kana: kana.into(),
                address: String::new(),
                phone: String::new(),
                note: String::new(),
                display_order: order as i64 + 1,
            })
            .await
            .unwrap();
        let template = WeeklyTemplate::weekdays(9 * 60, 16 * 60 + 30, 2);
        store.set_weekly_template(id, &template).await.unwrap();
        let specs = template.generate(
            &app_settings.closed_days,
            app_settings.period.first_day,
            app_settings.period.last_day,
        );
        store.create_slots(id, &specs).await.unwrap();
        ids.push(id);
    }
    (
        store,
        Venues {
            honcho: ids[0],
            bisai: ids[1],
        },
    )
}

pub fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock(
        chrono::DateTime::parse_from_rfc3339(NOW).unwrap().to_utc(),
    ))
}

/// The agent's engines, started once per test.
pub struct Engines {
    pub asr: Arc<dyn Recognizer>,
    pub tts: Arc<dyn Synthesizer>,
}

pub async fn engines(whisper: WhisperConfig) -> Engines {
    let tts = OpenJTalk::new(tts_config()).unwrap();
    let asr = WhisperWorker::start(whisper).await.expect("Whisper worker");
    Engines {
        asr: Arc::new(asr),
        tts: Arc::new(tts),
    }
}

pub struct World {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub venues: Venues,
    pub endpoint: SipEndpoint,
    pub agent: Arc<VoiceAgent>,
    /// The caller's voice (not the agent's engines).
    pub voice: OpenJTalk,
}

pub async fn world(mut settings: VoiceSettings, engines: &Engines) -> World {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| madoguchi_voice::sip::LOG_FILTER.into()),
        )
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let (store, venues) = store(dir.path()).await;
    // Prompt pieces are kept between runs, as in production.
    settings.tts_cache_dir = repo().join(".voice/tts-cache").display().to_string();
    let agent = VoiceAgent::new(
        store.clone(),
        clock(),
        engines.asr.clone(),
        engines.tts.clone(),
        settings,
    );
    // Every piece ready before the call (from the disk cache after the
    // first run): background warming would compete with the caller's own
    // synthesis and Whisper for the two cores.
    agent.warm().await.unwrap();
    let endpoint = SipEndpoint::start(loopback_config(), agent.clone().line_handler())
        .await
        .unwrap();
    World {
        dir,
        store,
        venues,
        endpoint,
        agent,
        voice: OpenJTalk::new(tts_config()).unwrap(),
    }
}

impl World {
    pub fn uri(&self) -> String {
        super::sip_uri("madoguchi", self.endpoint.local_addr())
    }

    /// `text` spoken by the caller's voice at `rate`, through 8 kHz μ-law,
    /// followed by `tail_ms` of silence: a microphone WAV for baresip.
    /// Returns the path and the speech length in ms.
    pub async fn caller_wav(
        &self,
        name: &str,
        text: &str,
        rate: f32,
        tail_ms: u32,
    ) -> (PathBuf, u32) {
        let pcm = self.voice.synthesize(text, rate).await.unwrap();
        caller_wav(self.dir.path(), name, &pcm, tail_ms)
    }

    /// A silent microphone (the caller listens).
    pub fn quiet_wav(&self, ms: u32) -> PathBuf {
        let path = self.dir.path().join(format!("quiet-{ms}.wav"));
        audio::write_wav(&path, &audio::silence(ms));
        path
    }

    /// The call row (the first call), once it exists.
    pub async fn call(&self) -> CallSummary {
        for _ in 0..200 {
            if let Some(c) = self.store.calls(10, 0).await.unwrap().into_iter().next() {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no call logged");
    }

    /// The call row once it has ended.
    pub async fn ended(&self, id: CallId) -> CallSummary {
        for _ in 0..400 {
            if let Some(c) = self
                .store
                .calls(10, 0)
                .await
                .unwrap()
                .into_iter()
                .find(|c| c.id == id && c.ended_at.is_some())
            {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the call did not end");
    }

    pub async fn turns(&self, id: CallId) -> Vec<CallTurn> {
        self.store.call_turns(id).await.unwrap()
    }

    /// Waits until the call has more than `seen` turns (or has ended).
    pub async fn next_turn(&self, id: CallId, seen: usize, secs: u64) -> Vec<CallTurn> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let turns = self.turns(id).await;
            if turns.len() > seen {
                return turns;
            }
            if tokio::time::Instant::now() > deadline {
                dump(&turns);
                panic!("no turn after {seen} within {secs} s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn shutdown(self) {
        self.endpoint.shutdown().await;
    }
}

/// 8 kHz PCM → WAV → sox through μ-law → padded with silence.
pub fn caller_wav(dir: &Path, name: &str, pcm: &[i16], tail_ms: u32) -> (PathBuf, u32) {
    let raw = dir.join(format!("{name}.raw.wav"));
    audio::write_wav(&raw, pcm);
    let line = dir.join(format!("{name}.line.wav"));
    audio::to_8k_wav(&raw, &line, true);
    let (speech, rate) = audio::read_wav(&line);
    assert_eq!(rate, audio::RATE);
    let path = dir.join(format!("{name}.wav"));
    audio::write_wav(&path, &audio::padded(&speech, tail_ms));
    (path, (speech.len() / 8) as u32)
}

pub fn dump(turns: &[CallTurn]) {
    for t in turns {
        eprintln!(
            "turn {} [{}] asked {:?} heard {:?} understood {:?} {}",
            t.seq, t.state, t.prompt_id, t.caller_input, t.understood, t.outcome
        );
    }
}

/// The question the agent asked last (the last prompt of the last turn).
pub fn asked(turns: &[CallTurn]) -> String {
    turns
        .last()
        .map(|t| t.prompt_id.rsplit(',').next().unwrap_or("").to_owned())
        .unwrap_or_default()
}

/// What baresip has recorded so far (its `dump-*-dec.wav` is written as
/// the call goes; the header's sizes are only right at the end, so the
/// samples are read after the `data` tag).
pub fn heard_so_far(phone: &Baresip) -> Vec<i16> {
    let rec = phone.dir.path().join("rec");
    let Some(path) = std::fs::read_dir(&rec).ok().and_then(|d| {
        d.filter_map(|e| e.ok().map(|e| e.path())).find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dump-") && n.ends_with("-dec.wav"))
        })
    }) else {
        return Vec::new();
    };
    let bytes = std::fs::read(path).unwrap_or_default();
    let Some(data) = bytes.windows(4).position(|w| w == b"data") else {
        return Vec::new();
    };
    bytes[(data + 8).min(bytes.len())..]
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// Waits until the agent has spoken after sample `from` of the recording
/// and then been quiet for `quiet_ms` (its question has ended). Returns the
/// recording length then. Gives up after `secs` (returns anyway).
pub async fn wait_prompt_done(phone: &Baresip, from: usize, quiet_ms: u32, secs: u64) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let quiet_frames = (quiet_ms / 20) as usize;
    loop {
        let pcm = heard_so_far(phone);
        if pcm.len() > from {
            let levels = audio::frame_rms(&pcm[from..], audio::RATE);
            let spoke = levels.iter().any(|&l| l > LOUD);
            let tail_quiet = levels.len() > quiet_frames
                && levels[levels.len() - quiet_frames..]
                    .iter()
                    .all(|&l| l <= LOUD);
            if spoke && tail_quiet {
                return pcm.len();
            }
        }
        if tokio::time::Instant::now() > deadline {
            return pcm.len();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Windows of `pcm` (20 ms) louder than [`LOUD`] from sample `from` up to `to`.
pub fn loud_frames(pcm: &[i16], from: usize, to: usize) -> usize {
    let to = to.min(pcm.len());
    if from >= to {
        return 0;
    }
    audio::frame_rms(&pcm[from..to], audio::RATE)
        .iter()
        .filter(|&&l| l > LOUD)
        .count()
}

/// Send keys as a caller presses them.
pub async fn press(phone: &mut Baresip, keys: &str) {
    for k in keys.chars() {
        phone.send_dtmf(k).await;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
