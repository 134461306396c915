//! The `[voice]` settings: turn-taking, fillers, recordings, engines.

use super::turn::TurnSettings;
use serde::{Deserialize, Serialize};

/// The `[voice]` settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VoiceSettings {
    /// Answer phone calls at all (SIP and the Twilio media stream). Off, no
    /// speech engine is loaded.
    pub enabled: bool,
    /// Silence that ends the caller's turn when the answer heard so far is
    /// not yet complete (yes/no, choices, times).
    pub end_of_turn_ms: u32,
    /// Silence after which an answer already complete ends the turn (a
    /// speculative recognition runs from `speculate_ms`).
    pub short_end_of_turn_ms: u32,
    /// Silence that ends the turn for names, dates, numbers: elderly
    /// callers pause mid-answer there.
    pub long_end_of_turn_ms: u32,
    /// Silence after which the turn so far is recognized speculatively.
    pub speculate_ms: u32,
    /// Extra wait after a short burst (えーと, あのー) before ending a turn.
    pub filler_extra_ms: u32,
    /// Speech shorter than this counts as a short burst.
    pub short_burst_ms: u32,
    /// Shorter sounds (coughs, clicks) are ignored.
    pub min_speech_ms: u32,
    /// A turn is cut after this long.
    pub max_turn_ms: u32,
    /// Audio kept from before the speech onset.
    pub pre_roll_ms: u32,
    /// No answer within this after the question → "silence".
    pub no_input_ms: u32,
    /// Caller speech this long stops an interruptible prompt.
    pub barge_in_ms: u32,
    /// Pause that ends a keyed number (without `#`).
    pub dtmf_timeout_ms: u32,
    /// Say a short 「はい。」 while a slow recognizer works.
    pub fillers: bool,
    /// What the filler says.
    pub filler_text: String,
    /// Recognition expected to take longer than this gets a filler.
    pub filler_after_ms: u32,
    /// Store each caller turn's audio with the call log (C7).
    pub record_audio: bool,
    /// Calls handled at once; more callers hear the busy message.
    pub max_calls: usize,
    /// Where the pre-synthesized prompt pieces are kept between runs
    /// (names never are); empty: in memory only.
    pub tts_cache_dir: String,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        let t = TurnSettings::default();
        Self {
            enabled: true,
            end_of_turn_ms: t.end_silence_ms,
            short_end_of_turn_ms: 500,
            long_end_of_turn_ms: 1100,
            speculate_ms: t.speculate_ms,
            filler_extra_ms: t.filler_extra_ms,
            short_burst_ms: t.short_burst_ms,
            min_speech_ms: t.min_speech_ms,
            max_turn_ms: t.max_turn_ms,
            pre_roll_ms: t.pre_roll_ms,
            no_input_ms: t.no_input_ms,
            barge_in_ms: 260,
            dtmf_timeout_ms: 3000,
            fillers: true,
            filler_text: "はい。".to_owned(),
            filler_after_ms: 400,
            record_audio: true,
            max_calls: 4,
            tts_cache_dir: ".voice/tts-cache".to_owned(),
        }
    }
}

impl VoiceSettings {
    pub fn turn_settings(&self) -> TurnSettings {
        TurnSettings {
            end_silence_ms: self.end_of_turn_ms,
            speculate_ms: self.speculate_ms,
            filler_extra_ms: self.filler_extra_ms,
            short_burst_ms: self.short_burst_ms,
            min_speech_ms: self.min_speech_ms,
            max_turn_ms: self.max_turn_ms,
            pre_roll_ms: self.pre_roll_ms,
            no_input_ms: self.no_input_ms,
        }
    }
}
