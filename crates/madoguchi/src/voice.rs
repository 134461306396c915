//! The AI phone's wiring: speech engines, the call loop, and the two
//! entrances (the SIP endpoint and the Twilio media stream).
//!
//! The web service never waits for the phone: engines load in the
//! background (the Whisper model takes seconds), and a phone part that cannot
//! start (no model installed, SIP port taken) is logged and left out while
//! the web pages keep serving.

use crate::config::Config;
use madoguchi_core::Clock;
use madoguchi_store::Store;
use madoguchi_voice::line::{Line, LineHandler};
use madoguchi_voice::session::VoiceAgent;
use madoguchi_voice::sip::SipEndpoint;
use madoguchi_voice::speech::{OpenJTalk, Synthesizer};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The phone channel once started: keeps the SIP endpoint alive.
#[derive(Default)]
pub struct Phone {
    sip: tokio::sync::Mutex<Option<SipEndpoint>>,
    /// Set once recognition and synthesis are loaded (for `/readyz`).
    engines_ready: AtomicBool,
}

impl Phone {
    /// Whether the speech engines are loaded and calls are answered.
    pub fn engines_ready(&self) -> bool {
        self.engines_ready.load(Ordering::Relaxed)
    }

    /// Says goodbye to every SIP call (BYE) before the process ends.
    pub async fn shutdown(&self) {
        if let Some(endpoint) = self.sip.lock().await.take() {
            endpoint.shutdown().await;
        }
    }
}

/// Starts the phone channel in the background when `[voice] enabled`, and
/// returns the Twilio media-stream route (answering only once the engines
/// are ready) and the handle that keeps the SIP endpoint.
pub fn start(
    config: &Config,
    sip: madoguchi_voice::sip::SipConfig,
    web_listen: std::net::SocketAddr,
    store: Store,
    clock: Arc<dyn Clock>,
) -> Option<(axum::Router, Arc<Phone>)> {
    if !config.voice.enabled {
        tracing::info!("[voice] enabled = false: the phone line is not served");
        return None;
    }
    let ready: Arc<OnceLock<LineHandler>> = Arc::new(OnceLock::new());
    let waiting = ready.clone();
    let entrance: LineHandler = Arc::new(move |line: Line| match waiting.get() {
        Some(handler) => handler(line),
        None => {
            // Dropping the line hangs up; only in the first seconds after start.
            tracing::warn!("a call arrived before the speech engines were ready");
            drop(line);
        }
    });
    let phone = Arc::new(Phone::default());
    let (asr, tts, settings) = (config.asr.clone(), config.tts.clone(), config.voice.clone());
    let uri = crate::startup::sip_uri(&sip);
    let started = phone.clone();
    let sip_entrance = entrance.clone();
    tokio::spawn(async move {
        let recognizer = match asr.start().await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "speech recognition did not start (scripts/voice-setup.sh installs the offline engine); the phone line is not served");
                println!(
                    "phone not ready: speech recognition did not start (run scripts/voice-setup.sh; the log says why)"
                );
                return;
            }
        };
        let synthesizer: Arc<dyn Synthesizer> = match OpenJTalk::new(tts) {
            Ok(t) => Arc::new(t),
            Err(e) => {
                tracing::error!(error = %e, "speech synthesis did not start (scripts/voice-setup.sh installs Open JTalk and its voice); the phone line is not served");
                println!(
                    "phone not ready: speech synthesis did not start (run scripts/voice-setup.sh; the log says why)"
                );
                return;
            }
        };
        tracing::info!(
            recognizer = %recognizer.name(),
            max_calls = settings.max_calls,
            record_audio = settings.record_audio,
            "voice agent ready"
        );
        let agent = VoiceAgent::new(store, clock, recognizer, synthesizer, settings);
        // Every prompt piece in the background, what callers hear first first.
        agent.start_warming();
        let _ = ready.set(agent.line_handler());
        started.engines_ready.store(true, Ordering::Relaxed);
        if !sip.enabled {
            tracing::info!("[sip] enabled = false: no SIP endpoint");
            println!("phone ready: Twilio media streams only ([sip] enabled = false)");
            return;
        }
        let listen = sip.listen.clone();
        match SipEndpoint::start(sip, sip_entrance).await {
            Ok(endpoint) => {
                *started.sip.lock().await = Some(endpoint);
                println!("phone ready: call {uri}");
            }
            Err(e) => {
                tracing::error!(error = %e, "the SIP endpoint did not start");
                println!("phone not ready: SIP could not listen on {listen} ({e})");
            }
        }
    });
    let auth = madoguchi_voice::line::twilio_auth::StreamAuth::new(&config.twilio, web_listen);
    Some((madoguchi_voice::line::twilio::router(entrance, auth), phone))
}
