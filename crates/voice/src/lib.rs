//! The AI phone's audio side.
//!
//! ```text
//!   SIP/RTP (sip/)     Twilio media stream (line/twilio.rs)
//!         \                 /
//!          `--> Line <-----'        media-agnostic: 8 kHz PCM frames, DTMF, hang-up
//!                 |
//!            session.rs             the call loop: end of turn, barge-in, fillers,
//!                 |                 recordings; drives madoguchi_calls::Call
//!         speech/asr  speech/tts    recognizer and synthesizer traits, one file per engine
//! ```
//!
//! Only `sip/` imports the SIP stack. Media and speech code see [`line::Line`]
//! and PCM samples, never SIP types (style.md §6).

pub mod line;
pub mod media;
pub mod session;
pub mod sip;
pub mod speech;
