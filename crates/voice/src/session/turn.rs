//! Voice activity and end of turn, one 20 ms frame at a time.
//!
//! Voice activity is energy against an adaptive noise floor, gated by the
//! zero-crossing rate. Why not `webrtc-vad`: it is C behind FFI (a build
//! step and an `unsafe` boundary for a `forbid(unsafe_code)` workspace), its
//! decisions cannot be tuned beyond four modes, and on a phone line the
//! question we ask is simple — "is there something clearly louder than the
//! line's own noise, that is not hiss?" — which energy over a floor that
//! follows the line answers well and deterministically (testable on
//! synthetic signals). The floor falls fast and rises slowly, so a noisy
//! line raises it within a second while speech (which is not "noise") does
//! not drag it up.
//!
//! Time is counted in frames, not read from a clock: the transports deliver
//! frames in real time, and tests can feed minutes of audio in milliseconds.

use crate::line::FRAME_SAMPLES;
use std::collections::VecDeque;

/// Milliseconds per frame.
pub const FRAME_MS: u32 = 20;

/// The knobs of turn detection (see [`super::VoiceSettings`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TurnSettings {
    /// Silence that ends a turn (changed per question, [`TurnDetector::set_end_silence`]).
    pub end_silence_ms: u32,
    /// Silence after which the audio so far is handed out for a
    /// speculative recognition ([`TurnEvent::Pause`]).
    pub speculate_ms: u32,
    /// Extra silence awaited after a short burst ("えーと", "あのー"), so a
    /// filler followed by a pause does not end the turn.
    pub filler_extra_ms: u32,
    /// Speech shorter than this (in total) counts as a short burst.
    pub short_burst_ms: u32,
    /// Less speech than this is a cough or a click: ignored.
    pub min_speech_ms: u32,
    /// A turn is cut here even if the caller goes on.
    pub max_turn_ms: u32,
    /// Audio kept from before the onset (soft word beginnings).
    pub pre_roll_ms: u32,
    /// No speech within this after listening starts → no input.
    pub no_input_ms: u32,
}

impl Default for TurnSettings {
    fn default() -> Self {
        Self {
            end_silence_ms: 800,
            speculate_ms: 300,
            filler_extra_ms: 700,
            short_burst_ms: 700,
            min_speech_ms: 200,
            max_turn_ms: 15_000,
            pre_roll_ms: 300,
            no_input_ms: 8_000,
        }
    }
}

/// What one frame changed.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnEvent {
    /// Nothing to act on.
    None,
    /// The caller has finished a turn: its audio, pre-roll included.
    Turn(Vec<i16>),
    /// The caller paused for `speculate_ms`: the turn so far, as
    /// [`TurnEvent::Turn`] would give it if nothing more is said.
    Pause(Vec<i16>),
    /// Nothing was said within the no-input time.
    NoInput,
}

/// Frame classifier: energy over an adaptive noise floor.
#[derive(Debug, Clone)]
pub struct Vad {
    floor_db: f32,
    /// Recent frame levels: the floor follows their minimum, so a steady
    /// noise louder than the threshold (hum, a fan) becomes the floor
    /// within seconds, while speech — which dips between syllables — does
    /// not.
    recent: VecDeque<f32>,
}

/// Frames over which the minimum level is taken (3 s).
const MIN_WINDOW: usize = 150;

/// The floor never goes below this (digital silence would make any click
/// "speech").
const FLOOR_MIN_DB: f32 = -65.0;
/// Speech is at least this much above the floor …
const OVER_FLOOR_DB: f32 = 12.0;
/// … and at least this loud (dBFS): phone speech is around -30..-15 dBFS.
const ABSOLUTE_MIN_DB: f32 = -45.0;
/// Above this zero-crossing rate a frame is hiss unless very loud.
const HISS_ZCR: f32 = 0.45;

impl Default for Vad {
    fn default() -> Self {
        Self {
            floor_db: FLOOR_MIN_DB,
            recent: VecDeque::with_capacity(MIN_WINDOW),
        }
    }
}

/// Level of a frame in dBFS.
pub fn level_db(frame: &[i16]) -> f32 {
    if frame.is_empty() {
        return -100.0;
    }
    let sum: f64 = frame.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let rms = (sum / frame.len() as f64).sqrt();
    if rms < 1.0 {
        return -100.0;
    }
    (20.0 * (rms / 32768.0).log10()) as f32
}

/// Share of neighbouring samples that change sign.
pub fn zero_crossing_rate(frame: &[i16]) -> f32 {
    if frame.len() < 2 {
        return 0.0;
    }
    let crossings = frame
        .windows(2)
        .filter(|w| (w[0] >= 0) != (w[1] >= 0))
        .count();
    crossings as f32 / (frame.len() - 1) as f32
}

impl Vad {
    /// Whether the frame is voice; updates the noise floor from non-voice.
    pub fn is_voice(&mut self, frame: &[i16]) -> bool {
        let level = level_db(frame);
        let zcr = zero_crossing_rate(frame);
        let loud = level > (self.floor_db + OVER_FLOOR_DB).max(ABSOLUTE_MIN_DB);
        let voice = loud && (zcr < HISS_ZCR || level > self.floor_db + 2.0 * OVER_FLOOR_DB);
        if self.recent.len() == MIN_WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(level);
        let (target, up) = if voice {
            // Only with a full window: a caller who speaks the moment the
            // line opens must not become the floor.
            if self.recent.len() < MIN_WINDOW {
                (self.floor_db, 0.0)
            } else {
                (
                    self.recent.iter().copied().fold(f32::INFINITY, f32::min),
                    0.02,
                )
            }
        } else {
            (level, 0.05)
        };
        // Fast down, slow up: a quieter line is trusted at once, a noisier
        // one after a second or two.
        let rate = if target < self.floor_db { 0.3 } else { up };
        self.floor_db = (self.floor_db + (target - self.floor_db) * rate).max(FLOOR_MIN_DB);
        voice
    }

    pub fn floor_db(&self) -> f32 {
        self.floor_db
    }
}

/// Finds the caller's turns in a stream of frames.
#[derive(Debug, Clone)]
pub struct TurnDetector {
    settings: TurnSettings,
    vad: Vad,
    pre_roll: VecDeque<Vec<i16>>,
    /// The turn being heard, pre-roll included; empty when idle.
    turn: Vec<i16>,
    in_speech: bool,
    speech_frames: u32,
    /// Voice frames in a row (for barge-in).
    voiced_run: u32,
    silence_run: u32,
    /// Frames since listening started; `None` when not waiting for an answer.
    waiting: Option<u32>,
}

impl TurnDetector {
    pub fn new(settings: TurnSettings) -> Self {
        Self {
            settings,
            vad: Vad::default(),
            pre_roll: VecDeque::new(),
            turn: Vec::new(),
            in_speech: false,
            speech_frames: 0,
            voiced_run: 0,
            silence_run: 0,
            waiting: None,
        }
    }

    /// Starts the no-input wait (the question has been asked). Speech
    /// already under way is kept.
    pub fn listen(&mut self) {
        self.waiting = Some(0);
    }

    /// Stops waiting for an answer (a prompt plays).
    pub fn stop_waiting(&mut self) {
        self.waiting = None;
    }

    /// The silence that ends the next turns.
    pub fn set_end_silence(&mut self, ms: u32) {
        self.settings.end_silence_ms = ms;
    }

    /// Silence since the caller's last voice, in ms (0 when not in a turn).
    pub fn silence_ms(&self) -> u32 {
        if self.in_speech {
            self.silence_run * FRAME_MS
        } else {
            0
        }
    }

    /// Voice frames in the turn so far: unchanged means nothing more was said.
    pub fn speech_frames(&self) -> u32 {
        self.speech_frames
    }

    /// Ends the turn under way now (its answer is already complete).
    pub fn end_now(&mut self) -> Option<Vec<i16>> {
        if !self.in_speech {
            return None;
        }
        self.waiting = None;
        Some(self.finish())
    }

    /// The turn's audio with all but 200 ms of the trailing silence cut;
    /// the detector goes back to idle.
    fn finish(&mut self) -> Vec<i16> {
        let mut audio = std::mem::take(&mut self.turn);
        audio.truncate(audio.len() - self.tail_cut().min(audio.len()));
        self.in_speech = false;
        self.speech_frames = 0;
        self.voiced_run = 0;
        self.silence_run = 0;
        audio
    }

    /// Samples of trailing silence to drop (keep a little: soft endings).
    fn tail_cut(&self) -> usize {
        let keep_tail = Self::frames(200).min(self.silence_run) as usize;
        (self.silence_run as usize).saturating_sub(keep_tail) * FRAME_SAMPLES
    }

    /// Drops what was heard (a prompt that must not be interrupted plays).
    pub fn forget(&mut self) {
        self.turn.clear();
        self.in_speech = false;
        self.speech_frames = 0;
        self.voiced_run = 0;
        self.silence_run = 0;
    }

    pub fn in_speech(&self) -> bool {
        self.in_speech
    }

    /// Voice in a row so far, in ms (barge-in needs a sustained voice, not a
    /// click).
    pub fn voiced_run_ms(&self) -> u32 {
        self.voiced_run * FRAME_MS
    }

    fn frames(ms: u32) -> u32 {
        ms.div_ceil(FRAME_MS)
    }

    /// One 20 ms frame.
    pub fn push(&mut self, frame: &[i16]) -> TurnEvent {
        let voice = self.vad.is_voice(frame);
        // The wait runs through coughs too; it only fires between sounds.
        if let Some(waited) = self.waiting.as_mut() {
            *waited += 1;
        }
        if !self.in_speech {
            if voice {
                self.in_speech = true;
                self.turn.clear();
                for f in self.pre_roll.drain(..) {
                    self.turn.extend_from_slice(&f);
                }
                self.turn.extend_from_slice(frame);
                self.speech_frames = 1;
                self.voiced_run = 1;
                self.silence_run = 0;
                return TurnEvent::None;
            }
            self.voiced_run = 0;
            self.pre_roll.push_back(frame.to_vec());
            while self.pre_roll.len() > Self::frames(self.settings.pre_roll_ms) as usize {
                self.pre_roll.pop_front();
            }
            if self
                .waiting
                .is_some_and(|w| w >= Self::frames(self.settings.no_input_ms))
            {
                self.waiting = None;
                return TurnEvent::NoInput;
            }
            return TurnEvent::None;
        }
        self.turn.extend_from_slice(frame);
        if voice {
            self.speech_frames += 1;
            self.voiced_run += 1;
            self.silence_run = 0;
        } else {
            self.voiced_run = 0;
            self.silence_run += 1;
        }
        let short = self.speech_frames < Self::frames(self.settings.short_burst_ms);
        let needed = Self::frames(
            self.settings.end_silence_ms
                + if short {
                    self.settings.filler_extra_ms
                } else {
                    0
                },
        );
        let too_long = self.turn.len() >= (self.settings.max_turn_ms as usize * 8);
        let speech_enough = self.speech_frames >= Self::frames(self.settings.min_speech_ms);
        if self.silence_run >= needed || too_long {
            let audio = self.finish();
            if speech_enough {
                self.waiting = None;
                return TurnEvent::Turn(audio);
            }
            // A cough: the wait for an answer goes on where it was.
        } else if speech_enough && self.silence_run == Self::frames(self.settings.speculate_ms) {
            let cut = self.tail_cut();
            return TurnEvent::Pause(self.turn[..self.turn.len() - cut].to_vec());
        }
        TurnEvent::None
    }
}
