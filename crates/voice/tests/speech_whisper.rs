//! The Whisper worker for real: Open JTalk speech through a μ-law channel,
//! recognized with hints, understood with madoguchi_ja.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod speech_support;

use std::time::Duration;

use madoguchi_ja::{VenueEntry, VenueMatch, VenueMatcher, YesNo, parse_yes_no};
use madoguchi_voice::speech::{Hints, Recognizer, Synthesizer};
use speech_support::{open_jtalk, through_ulaw, whisper};

const VENUES: &[(&str, &str)] = &[
    ("本庁舎 市民課", "ほんちょうしゃ しみんか"),
    ("尾西事務所", "びさいじむしょ"),
    ("木曽川事務所", "きそがわじむしょ"),
    ("いちのみや駅ナカプラザ", "いちのみやえきなかぷらざ"),
    ("今伊勢出張所", "いまいせしゅっちょうじょ"),
    ("千秋出張所", "ちあきしゅっちょうじょ"),
];

/// Readings, not kanji: measured here, a prompt of kanji names pulls
/// 尾西庁舎 towards 今伊勢 ("伊勢調査"), while a prompt of readings makes
/// Whisper answer in kana ("びさいちょうしゃ"), which the matcher compares
/// on readings.
fn venue_hints() -> Hints {
    let readings: Vec<String> = VENUES.iter().map(|v| v.1.replace(' ', "")).collect();
    Hints {
        prompt: Some(format!("{}。", readings.join("、"))),
        hotwords: Vec::new(),
        short_answer: false,
    }
}

#[tokio::test]
async fn yes_and_a_venue_are_recognized_over_the_phone_channel() {
    let tts = open_jtalk();
    let asr = whisper().await;
    assert!(asr.name().contains("whisper-base"));

    let yes = through_ulaw(&tts.synthesize("はい、お願いします", 1.0).await.unwrap());
    let hints = Hints {
        prompt: None,
        hotwords: vec!["はい".into(), "いいえ".into()],
        short_answer: true,
    };
    let text = asr.transcribe(&yes, &hints).await.unwrap().text;
    assert!(text.contains("はい"), "recognized {text:?}");
    assert_eq!(parse_yes_no(&text), Some(YesNo::Yes), "recognized {text:?}");

    let venue = through_ulaw(&tts.synthesize("尾西庁舎でお願いします", 1.0).await.unwrap());
    let text = asr.transcribe(&venue, &venue_hints()).await.unwrap().text;
    let matcher = VenueMatcher::new(
        VENUES
            .iter()
            .enumerate()
            .map(|(i, (name, kana))| VenueEntry {
                id: i as i64 + 1,
                name: (*name).into(),
                kana: (*kana).into(),
                aliases: Vec::new(),
            })
            .collect(),
    );
    assert_eq!(
        matcher.find(&text),
        VenueMatch::One(2),
        "recognized {text:?}"
    );

    // Silence in, nothing (and not the prompt) out.
    let silence = vec![0i16; 8000];
    let text = asr.transcribe(&silence, &venue_hints()).await.unwrap().text;
    assert!(
        !text.contains("きそがわじむしょ"),
        "echoed the prompt: {text:?}"
    );
}

#[tokio::test]
async fn a_crashed_worker_is_restarted() {
    let tts = open_jtalk();
    let asr = whisper().await;
    let pids = asr.worker_pids().await;
    assert_eq!(pids.len(), 1);
    let status = std::process::Command::new("kill")
        .args(["-9", &pids[0].to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(200)).await;

    let yes = through_ulaw(&tts.synthesize("はい、お願いします", 1.0).await.unwrap());
    let hints = Hints {
        hotwords: vec!["はい".into(), "いいえ".into()],
        short_answer: true,
        ..Hints::default()
    };
    let text = asr.transcribe(&yes, &hints).await.unwrap().text;
    assert!(text.contains("はい"), "recognized {text:?}");
    let now = asr.worker_pids().await;
    assert_eq!(now.len(), 1);
    assert_ne!(now[0], pids[0], "the dead worker is still listed");
}

#[tokio::test]
async fn a_stuck_worker_times_out_and_is_replaced() {
    let tts = open_jtalk();
    let asr =
        madoguchi_voice::speech::WhisperWorker::start(madoguchi_voice::speech::WhisperConfig {
            timeout_ms: 3_000,
            ..speech_support::whisper_config()
        })
        .await
        .unwrap();
    let pid = asr.worker_pids().await[0];
    // SIGSTOP: alive but never answers.
    let status = std::process::Command::new("kill")
        .args(["-STOP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let yes = through_ulaw(&tts.synthesize("はい、お願いします", 1.0).await.unwrap());
    let hints = Hints {
        hotwords: vec!["はい".into(), "いいえ".into()],
        short_answer: true,
        ..Hints::default()
    };
    let err = asr.transcribe(&yes, &hints).await.unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    // The next turn gets a fresh worker.
    let text = asr.transcribe(&yes, &hints).await.unwrap().text;
    assert!(text.contains("はい"), "recognized {text:?}");
    assert_ne!(asr.worker_pids().await, vec![pid]);
}

#[tokio::test]
async fn a_short_encoder_window_still_hears_the_answer() {
    let tts = open_jtalk();
    let asr =
        madoguchi_voice::speech::WhisperWorker::start(madoguchi_voice::speech::WhisperConfig {
            chunk_length: Some(10),
            ..speech_support::whisper_config()
        })
        .await
        .unwrap();
    let yes = through_ulaw(&tts.synthesize("はい、お願いします", 1.0).await.unwrap());
    let hints = Hints {
        hotwords: vec!["はい".into(), "いいえ".into()],
        short_answer: true,
        ..Hints::default()
    };
    let (t, timing) = asr.transcribe_timed(&yes, &hints).await.unwrap();
    assert_eq!(
        parse_yes_no(&t.text),
        Some(YesNo::Yes),
        "recognized {:?}",
        t.text
    );
    assert!(timing.cpu > std::time::Duration::ZERO);
    let venue = through_ulaw(&tts.synthesize("尾西庁舎でお願いします", 1.0).await.unwrap());
    let text = asr.transcribe(&venue, &venue_hints()).await.unwrap().text;
    assert!(!text.is_empty());
}
