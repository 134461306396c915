//! End of turn on synthetic signals: tones stand in for voiced speech,
//! noise for the line, short bursts for fillers and coughs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use madoguchi_voice::line::FRAME_SAMPLES;
use madoguchi_voice::session::turn::{TurnDetector, TurnEvent, TurnSettings, Vad};

/// Deterministic pseudo-random noise.
struct Noise(u32);
impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 as f32 / u32::MAX as f32) * 2.0 - 1.0
    }
}

/// A signal built from segments, cut into 20 ms frames.
struct Signal {
    samples: Vec<i16>,
    noise: Noise,
}

impl Signal {
    fn new() -> Self {
        Self {
            samples: Vec::new(),
            noise: Noise(0x1234_5678),
        }
    }
    /// Line noise at about -60 dBFS.
    fn silence(mut self, ms: usize) -> Self {
        for _ in 0..ms * 8 {
            let n = self.noise.next() * 30.0;
            self.samples.push(n as i16);
        }
        self
    }
    /// A voiced sound: 180 Hz with harmonics, about -20 dBFS, plus line noise.
    fn speech(mut self, ms: usize) -> Self {
        let start = self.samples.len();
        for i in 0..ms * 8 {
            let t = (start + i) as f32 / 8000.0;
            let f = 180.0 * std::f32::consts::TAU * t;
            let v = 2500.0 * f.sin() + 1200.0 * (2.0 * f).sin() + 600.0 * (3.0 * f).sin();
            let n = self.noise.next() * 30.0;
            self.samples.push((v + n) as i16);
        }
        self
    }
    fn frames(&self) -> Vec<Vec<i16>> {
        self.samples
            .chunks(FRAME_SAMPLES)
            .map(<[i16]>::to_vec)
            .collect()
    }
}

fn run(detector: &mut TurnDetector, signal: &Signal) -> Vec<(usize, TurnEvent)> {
    detector.listen();
    let mut out = Vec::new();
    for (i, f) in signal.frames().iter().enumerate() {
        match detector.push(f) {
            // Speculation points: see the pause test.
            TurnEvent::None | TurnEvent::Pause(_) => {}
            e => out.push((i, e)),
        }
    }
    out
}

fn turn_ms(e: &TurnEvent) -> usize {
    match e {
        TurnEvent::Turn(pcm) => pcm.len() / 8,
        other => panic!("not a turn: {other:?}"),
    }
}

#[test]
fn the_vad_tells_speech_from_line_noise() {
    let mut vad = Vad::default();
    let noise = Signal::new().silence(1000);
    for f in noise.frames() {
        assert!(!vad.is_voice(&f));
    }
    let speech = Signal::new().speech(200);
    assert!(speech.frames().iter().all(|f| vad.is_voice(f)));
}

#[test]
fn speech_from_the_first_frame_is_not_taken_for_the_floor() {
    let mut d = TurnDetector::new(TurnSettings::default());
    let s = Signal::new()
        .speech(2500)
        .silence(1000)
        .speech(900)
        .silence(1000);
    let events = run(&mut d, &s);
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(turn_ms(&events[0].1) >= 2500);
}

#[test]
fn a_sentence_ends_after_the_silence() {
    let mut d = TurnDetector::new(TurnSettings::default());
    let s = Signal::new().silence(500).speech(1500).silence(2000);
    let events = run(&mut d, &s);
    assert_eq!(events.len(), 1, "{events:?}");
    let (frame, e) = &events[0];
    // 1.5 s of speech, the 300 ms pre-roll and at most 200 ms of tail.
    let ms = turn_ms(e);
    assert!((1800..=2000).contains(&ms), "{ms} ms");
    // Ended 800 ms after the speech (500 + 1500 + 800 ms = frame 140).
    assert_eq!(*frame, 139);
}

#[test]
fn a_pause_hands_out_the_turn_so_far_and_the_end_matches_it() {
    let mut d = TurnDetector::new(TurnSettings::default());
    d.listen();
    let s = Signal::new().silence(500).speech(1500).silence(2000);
    let mut pauses = Vec::new();
    let mut turn = None;
    for (i, f) in s.frames().iter().enumerate() {
        match d.push(f) {
            TurnEvent::Pause(pcm) => pauses.push((i, pcm)),
            TurnEvent::Turn(pcm) => turn = Some((i, pcm)),
            _ => {}
        }
    }
    assert_eq!(pauses.len(), 1, "one pause of 300 ms");
    // 500 + 1500 + 300 ms of silence = frame 115.
    assert_eq!(pauses[0].0, 114);
    let (end, pcm) = turn.unwrap();
    assert_eq!(end, 139);
    assert_eq!(
        pauses[0].1, pcm,
        "the same audio: its recognition can be reused"
    );
}

#[test]
fn a_turn_can_end_early_and_the_end_silence_follows_the_question() {
    let mut d = TurnDetector::new(TurnSettings::default());
    d.set_end_silence(1100);
    d.listen();
    let s = Signal::new().silence(500).speech(1500).silence(2000);
    let frames = s.frames();
    let mut ended = None;
    for (i, f) in frames.iter().enumerate() {
        if let TurnEvent::Turn(_) = d.push(f) {
            ended = Some(i);
        }
    }
    // 500 + 1500 + 1100 ms = frame 155.
    assert_eq!(ended, Some(154));
    // Ended by the caller of the detector after 500 ms of silence.
    let mut d = TurnDetector::new(TurnSettings::default());
    d.listen();
    for f in &frames[..125] {
        assert!(!matches!(d.push(f), TurnEvent::Turn(_)));
    }
    assert_eq!(d.silence_ms(), 500);
    let pcm = d.end_now().unwrap();
    assert!(pcm.len() / 8 >= 1800, "{} ms", pcm.len() / 8);
    assert!(!d.in_speech());
    assert!(d.end_now().is_none());
}

#[test]
fn a_filler_a_pause_and_the_answer_are_one_turn() {
    let mut d = TurnDetector::new(TurnSettings::default());
    // えーと (400 ms), a 1.2 s pause — longer than the 800 ms end of turn —
    // then the answer.
    let s = Signal::new()
        .silence(300)
        .speech(400)
        .silence(1200)
        .speech(1200)
        .silence(2000);
    let events = run(&mut d, &s);
    assert_eq!(events.len(), 1, "{events:?}");
    let ms = turn_ms(&events[0].1);
    assert!(ms >= 400 + 1200 + 1200, "one turn with both parts: {ms} ms");
}

#[test]
fn a_long_pause_after_a_filler_still_ends_the_turn() {
    let mut d = TurnDetector::new(TurnSettings::default());
    let s = Signal::new().silence(300).speech(400).silence(3000);
    let events = run(&mut d, &s);
    assert_eq!(events.len(), 1);
    // 800 + 700 ms after a short burst.
    assert_eq!(events[0].0, (300 + 400 + 1500) / 20 - 1);
}

#[test]
fn a_cough_is_ignored_and_the_wait_goes_on() {
    let settings = TurnSettings {
        no_input_ms: 4000,
        ..TurnSettings::default()
    };
    let mut d = TurnDetector::new(settings);
    let s = Signal::new().silence(1000).speech(100).silence(4000);
    let events = run(&mut d, &s);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].1, TurnEvent::NoInput);
}

#[test]
fn silence_is_no_input() {
    let settings = TurnSettings {
        no_input_ms: 5000,
        ..TurnSettings::default()
    };
    let mut d = TurnDetector::new(settings);
    let s = Signal::new().silence(7000);
    let events = run(&mut d, &s);
    assert_eq!(events, vec![(249, TurnEvent::NoInput)]);
}

#[test]
fn a_turn_is_cut_at_the_maximum() {
    let settings = TurnSettings {
        max_turn_ms: 3000,
        ..TurnSettings::default()
    };
    let mut d = TurnDetector::new(settings);
    // Ten seconds of syllables with the short dips speech has.
    let mut s = Signal::new();
    for _ in 0..25 {
        s = s.speech(340).silence(60);
    }
    let events = run(&mut d, &s);
    assert!(events.len() >= 3, "{events:?}");
    assert!(turn_ms(&events[0].1) <= 3000);
}

#[test]
fn the_floor_follows_a_noisy_line() {
    let mut vad = Vad::default();
    // A loud line (-40 dBFS hiss-free hum) becomes the floor within seconds.
    let hum: Vec<i16> = (0..8000 * 6)
        .map(|i| (300.0 * (50.0 * std::f32::consts::TAU * i as f32 / 8000.0).sin()) as i16)
        .collect();
    let mut voiced_late = 0;
    for (i, f) in hum.chunks(FRAME_SAMPLES).enumerate() {
        if vad.is_voice(f) && i > 250 {
            voiced_late += 1;
        }
    }
    assert_eq!(voiced_late, 0, "floor {}", vad.floor_db());
    // Speech is still heard over it.
    let speech = Signal::new().speech(100);
    assert!(speech.frames().iter().all(|f| vad.is_voice(f)));
}
