//! The call loop: joins a [`Line`] to a [`madoguchi_calls::Call`].
//!
//! Per call: answer (greeting), then repeatedly listen for the caller's
//! turn (voice activity, end of turn, keypad), recognize it with hints for
//! the current step, hand it to the call, and say the answer. Prompts may be
//! interrupted by the caller (barge-in) unless they carry something that
//! must be heard whole (the reservation number). Each caller turn's audio
//! may be stored with the turn (C7). Only `Line` is seen here: no SIP, no
//! Twilio.

mod agent;
mod call_loop;
pub mod dtmf;
pub mod expect;
pub mod hints;
mod names;
mod settings;
pub mod turn;
pub mod warm;
pub mod wav;

use madoguchi_calls::CallError;

pub use agent::VoiceAgent;
pub use settings::VoiceSettings;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Call(#[from] CallError),
    #[error(transparent)]
    Store(#[from] madoguchi_store::StoreError),
    #[error("the call is not open")]
    NoCall,
}
