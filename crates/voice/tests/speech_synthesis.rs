//! Open JTalk for real: 8 kHz audio, speaking rate, numbers, the prompt pieces.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod speech_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use madoguchi_voice::speech::{BoxFuture, Pieces, Synthesizer, TtsError};
use speech_support::{open_jtalk, rms};

fn secs(pcm: &[i16]) -> f64 {
    pcm.len() as f64 / 8000.0
}

#[tokio::test]
async fn a_japanese_sentence_becomes_8k_speech_and_the_rate_changes_its_length() {
    let tts = open_jtalk();
    let text = "お電話ありがとうございます。一宮市役所の予約窓口です。";
    let normal = tts.synthesize(text, 1.0).await.unwrap();
    // ~26 morae: a couple of seconds at 8 kHz, not 48 kHz-long, not empty.
    assert!((1.5..8.0).contains(&secs(&normal)), "{} s", secs(&normal));
    assert!(rms(&normal) > 500.0, "too quiet: {}", rms(&normal));
    let slow = tts.synthesize(text, 0.8).await.unwrap();
    let fast = tts.synthesize(text, 1.2).await.unwrap();
    assert!(
        secs(&slow) > secs(&normal) && secs(&normal) > secs(&fast),
        "0.8: {} s, 1.0: {} s, 1.2: {} s",
        secs(&slow),
        secs(&normal),
        secs(&fast)
    );
}

#[tokio::test]
async fn a_reservation_number_is_read_digit_by_digit() {
    let tts = open_jtalk();
    let with_digits = tts
        .synthesize("予約番号は12345678です。", 1.0)
        .await
        .unwrap();
    let spelled = tts
        .synthesize(
            "予約番号はいち にー さん よん、ごー ろく なな はちです。",
            1.0,
        )
        .await
        .unwrap();
    assert_eq!(with_digits, spelled, "the digits were not spelled out");
    // A date stays a date: 12月3日 is not turned into いち にー.
    let date = tts.synthesize("12月3日", 1.0).await.unwrap();
    let spelled_date = tts.synthesize("いち にー月さん日", 1.0).await.unwrap();
    assert_ne!(date, spelled_date);
}

#[tokio::test]
async fn a_name_heard_in_kanji_is_read_by_the_dictionary() {
    let tts = open_jtalk();
    for (name, reading) in [
        ("一宮太郎", "イチノミヤ\u{3000}タロウ"),
        ("山田 花子", "ヤマダ\u{3000}ハナコ"),
        ("高橋美咲", "タカハシ\u{3000}ミサキ"),
        ("渡邉健", "ワタナベ\u{3000}ケン"),
        ("さくら", "サクラ"),
    ] {
        assert_eq!(
            tts.reading(name).await.unwrap().as_deref(),
            Some(reading),
            "{name}"
        );
    }
    // Nothing the dictionary knows: no guess, the caller is asked.
    assert_eq!(tts.reading("龘龘").await.unwrap(), None);
    assert_eq!(tts.reading(" ").await.unwrap(), None);
}

#[tokio::test]
async fn empty_text_is_silence_and_a_missing_voice_is_a_clear_error() {
    let tts = open_jtalk();
    assert!(tts.synthesize("  ", 1.0).await.unwrap().is_empty());
    let mut cfg = speech_support::tts_config();
    cfg.voice = "/nonexistent/voice.htsvoice".into();
    let err = madoguchi_voice::speech::OpenJTalk::new(cfg).err().unwrap();
    assert!(
        matches!(err, TtsError::Unavailable(ref m) if m.contains("voice-setup.sh")),
        "{err}"
    );
}

/// Counts what reaches the real engine.
struct Counting<S> {
    inner: S,
    calls: AtomicUsize,
}

impl<S: Synthesizer> Synthesizer for Counting<S> {
    fn synthesize<'a>(
        &'a self,
        text: &'a str,
        rate: f32,
    ) -> BoxFuture<'a, Result<Arc<[i16]>, TtsError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.synthesize(text, rate)
    }
    fn cache_id(&self) -> Option<String> {
        self.inner.cache_id()
    }
}

#[tokio::test]
async fn pieces_are_synthesized_once_trimmed_and_kept_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(Counting {
        inner: open_jtalk(),
        calls: AtomicUsize::new(0),
    });
    let pieces = Pieces::new(engine.clone(), Some(dir.path()));
    let prompts = [
        (
            "尾西事務所、12月10日 木曜日、午前10時に空きがあります。",
            1.0,
        ),
        ("本庁舎、12月10日 木曜日、午後2時に空きがあります。", 1.0),
    ];
    pieces.warm(prompts).await.unwrap();
    // 尾西事務所, 12月10日, 木曜日, 午前10時に空きがあります, 本庁舎, 午後2時に…
    assert_eq!(engine.calls.load(Ordering::SeqCst), 6);
    assert!(pieces.is_ready(prompts[0].0, 1.0));
    assert!(
        !pieces.is_ready(prompts[0].0, 0.8),
        "another rate is another piece"
    );
    // Rendering what was warmed reaches the engine no more.
    let a = pieces.render(prompts[0].0, 1.0).await.unwrap();
    assert_eq!(engine.calls.load(Ordering::SeqCst), 6);
    // The engine's ~0.3 s of leading silence is gone.
    let onset = a.iter().position(|s| s.unsigned_abs() > 300).unwrap();
    assert!(onset < 8 * 40, "sound starts after {} ms", onset / 8);
    let raw = open_jtalk().synthesize("尾西事務所", 1.0).await.unwrap();
    let raw_onset = raw.iter().position(|s| s.unsigned_abs() > 300).unwrap();
    assert!(
        raw_onset > 8 * 100,
        "the engine itself starts late ({} ms)",
        raw_onset / 8
    );
    // A name is synthesized when said, once per call, never written to disk.
    pieces.render("一宮 太郎さま。", 1.0).await.unwrap();
    pieces.render("一宮 太郎さま。", 1.0).await.unwrap();
    assert_eq!(engine.calls.load(Ordering::SeqCst), 8);
    let files = std::fs::read_dir(dir.path())
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .count();
    assert_eq!(files, 6, "only the warmed pieces are on disk");
    // Another process: everything from disk, nothing synthesized.
    let again = Pieces::new(engine.clone(), Some(dir.path()));
    again.warm(prompts).await.unwrap();
    assert_eq!(engine.calls.load(Ordering::SeqCst), 8);
    assert_eq!(again.stats().from_disk, 6);
    assert_eq!(again.render(prompts[0].0, 1.0).await.unwrap(), a);
}
