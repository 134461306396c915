//! The AI phone's wiring: the call loop behind the Twilio media stream.
//!
//! The agent needs a recognizer and a synthesizer; [`engines`] says which
//! are available on this build (none yet: the engines are plugged in at
//! integration), and without both the phone routes are not mounted.

use madoguchi_core::Clock;
use madoguchi_store::Store;
use madoguchi_voice::session::{VoiceAgent, VoiceSettings};
use madoguchi_voice::speech::{Recognizer, Synthesizer};
use std::sync::Arc;

/// The speech engines the configuration asks for, when available.
pub fn engines(_settings: &VoiceSettings) -> Option<(Arc<dyn Recognizer>, Arc<dyn Synthesizer>)> {
    None
}

/// Builds the agent and the routes transports hand calls to
/// (`/voice/twilio/stream`); returns the agent's line handler too, for the
/// SIP endpoint.
pub fn agent_routes(
    store: Store,
    clock: Arc<dyn Clock>,
    settings: VoiceSettings,
    recognizer: Arc<dyn Recognizer>,
    synthesizer: Arc<dyn Synthesizer>,
) -> (axum::Router, madoguchi_voice::line::LineHandler) {
    tracing::info!(
        recognizer = %recognizer.name(),
        max_calls = settings.max_calls,
        record_audio = settings.record_audio,
        "voice agent ready"
    );
    let agent = VoiceAgent::new(store, clock, recognizer, synthesizer, settings);
    let handler = agent.line_handler();
    (
        madoguchi_voice::line::twilio::router(handler.clone()),
        handler,
    )
}
