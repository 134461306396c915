//! Open JTalk for real: 8 kHz audio, speaking rate, numbers, the cache.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod speech_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use madoguchi_voice::speech::{BoxFuture, CachedSynthesizer, Synthesizer, TtsError};
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
}

#[tokio::test]
async fn the_cache_synthesizes_each_prompt_once() {
    let cache = CachedSynthesizer::new(
        Counting {
            inner: open_jtalk(),
            calls: AtomicUsize::new(0),
        },
        2,
    );
    let greeting = "お電話ありがとうございます。";
    cache
        .warm(&[(greeting, 1.0), ("ご用件をどうぞ。", 1.0)])
        .await
        .unwrap();
    cache.warm(&[(greeting, 1.0)]).await.unwrap();
    assert_eq!(cache.inner().calls.load(Ordering::SeqCst), 2);
    let a = cache.synthesize(greeting, 1.0).await.unwrap();
    let b = cache.synthesize(greeting, 1.0).await.unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(cache.inner().calls.load(Ordering::SeqCst), 2);
    // Another rate is another utterance.
    let slow = cache.synthesize(greeting, 0.8).await.unwrap();
    assert!(slow.len() > a.len());
    assert_eq!(cache.inner().calls.load(Ordering::SeqCst), 3);
    // Dynamic utterances: the least recently used one goes when full.
    for t in ["12月3日です。", "2時です。", "12月3日です。", "3人です。"] {
        cache.synthesize(t, 1.0).await.unwrap();
    }
    // 0.8 evicted by 12月3日; 2時 (least recently used) evicted by 3人.
    assert_eq!(cache.inner().calls.load(Ordering::SeqCst), 6);
    cache.synthesize("12月3日です。", 1.0).await.unwrap();
    assert_eq!(
        cache.inner().calls.load(Ordering::SeqCst),
        6,
        "12月3日 was used recently"
    );
    cache.synthesize("2時です。", 1.0).await.unwrap();
    assert_eq!(
        cache.inner().calls.load(Ordering::SeqCst),
        7,
        "2時 should have been evicted"
    );
    let s = cache.stats();
    assert_eq!((s.pinned, s.recent), (2, 2));
    assert_eq!(s.hits, 4);
    cache.clear();
    cache.synthesize(greeting, 1.0).await.unwrap();
    assert_eq!(cache.inner().calls.load(Ordering::SeqCst), 8);
}
