//! End to end: baresip calls the real agent (SIP endpoint, Open JTalk,
//! Whisper base, the dialog, SQLite) and talks to it with Open JTalk speech
//! through 8 kHz μ-law, or presses keys. The caller waits for each question
//! to end (a new turn in the call log, then what it hears going quiet),
//! answers, and the booking must land in the database.
//!
//! Slow (real recognition): the tests of this file run one at a time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use chrono::NaiveDate;
use madoguchi_core::booking::Channel;
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::reservation_no::ReservationNo;
use madoguchi_store::CallId;
use madoguchi_voice::session::{VoiceSettings, wav};
use support::audio::{self, frame_rms, longest_loud_run};
use support::baresip::Baresip;
use support::e2e::{
    Engines, LOUD, World, asked, dump, engines, heard_so_far, loud_frames, press, wait_prompt_done,
    whisper_config, world,
};

/// One test at a time: each runs Whisper on both cores.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Silence after a question before the caller answers (the agent's
/// prompts have pauses between sentences shorter than this).
const QUESTION_OVER_MS: u32 = 1000;

#[derive(Debug, Clone)]
enum Reply {
    Voice(&'static str, f32),
    Keys(&'static str),
}

/// The caller's answers, per question asked. `voice` false = keypad
/// wherever the dialog takes keys. A question asked again (misheard) is
/// answered with keys when it takes them.
fn reply(question: &str, again: bool, voice: bool, prompt_text: &str) -> Option<Reply> {
    use Reply::{Keys, Voice};
    Some(match question {
        "ask_intent" if voice && !again => Voice("新しい予約をお願いします", 1.0),
        "ask_intent" | "ask_intent_retry" => Keys("1"),
        "ask_eligibility" if voice && !again => Voice("はい", 1.0),
        "ask_eligibility" | "ask_eligibility_retry" => Keys("1"),
        "ask_venue" if voice && !again => Voice("びさい事務所でお願いします", 0.9),
        "ask_venue" | "ask_venue_retry" => Keys("2"),
        "ask_party" if voice && !again => Voice("ふたりです", 0.9),
        "ask_party" | "ask_party_retry" => Keys("2"),
        "ask_date" if voice && !again => Voice("12月10日でお願いします", 1.0),
        "ask_date" | "ask_date_retry" => Keys("1210#"),
        "ask_time" if voice && !again => Voice("午前10時でお願いします", 1.0),
        "ask_time" | "ask_time_retry" | "ask_time_hour" => Keys("1000#"),
        // A misheard weekday: no, then the day keyed.
        "confirm_date" => Keys("2"),
        "offer_slot" | "offer_slot_retry" => {
            let right = prompt_text.contains("12月10日") && prompt_text.contains("10時");
            match (right, voice && !again) {
                (true, true) => Voice("はい、お願いします", 1.2),
                (true, false) => Keys("1"),
                (false, _) => Keys("2"),
            }
        }
        "ask_name" if !again => Voice("いちのみや たろうです", 1.0),
        "ask_name" | "ask_name_retry" => Voice("いちのみや たろう", 0.9),
        "ask_kana" if !again => Voice("いちのみや たろう", 1.0),
        "ask_kana" | "ask_kana_retry" => Voice("いちのみや たろう", 0.8),
        "ask_birth" if voice && !again => Voice("昭和35年4月1日です", 0.9),
        "ask_birth" | "ask_birth_retry" => Keys("19600401#"),
        "ask_phone" | "ask_phone_retry" => Keys("09012345678#"),
        "confirm_booking" if voice && !again => Voice("はい、お願いします", 1.0),
        "confirm_booking" | "confirm_booking_retry" => Keys("1"),
        "ask_yes_no" => Voice("はい", 0.9),
        // After an offer turned down (a misheard date or time): change the
        // day and time, keyed.
        "ask_fix" | "ask_fix_retry" => Keys("3"),
        "ask_new_date" => Keys("1210#"),
        // A misheard date or time that is full or closed: another day.
        "offer_alternatives" | "offer_alternatives_retry" => Keys("0"),
        _ => return None,
    })
}

/// What happened on one call, from the caller's side.
struct CallRun {
    id: CallId,
    phone: Baresip,
    /// Per spoken answer: where in the recording the caller started
    /// speaking, its length, and where the next question had ended.
    spoken: Vec<(usize, usize, usize)>,
    /// Where the first question (after the greeting) had ended.
    greeted_at: usize,
}

/// Calls the agent and answers each question with `reply` until the call
/// ends or `stop_at` is asked (then hangs up).
async fn call(w: &World, caller: &str, voice: bool, stop_at: Option<&str>) -> CallRun {
    let quiet = w.quiet_wav(240_000);
    let mut phone = Baresip::start(caller, &quiet).await;
    phone.dial(&w.uri()).await;
    phone.wait_event("CALL_ESTABLISHED", 10).await;
    let id = w.call().await.id;
    let mut spoken = Vec::new();
    let mut seen = 0;
    let mut greeted_at = 0;
    let mut pending: Option<(usize, usize)> = None;
    for n in 0..40 {
        let turns = w.next_turn(id, seen, 60).await;
        seen = turns.len();
        let last = turns.last().unwrap();
        if !last.outcome.is_empty() {
            break;
        }
        let question = asked(&turns);
        // Asked again because the answer was not understood or not heard
        // (retry prompts have their own ids).
        let again = matches!(last.understood.as_str(), "not_understood" | "silence");
        let Some(answer) = reply(&question, again, voice, &last.prompt_text) else {
            dump(&turns);
            panic!("no answer for {question:?}");
        };
        // The question is said after its turn is logged (a filler may have
        // played before, while recognizing): listen from here.
        let from = heard_so_far(&phone).len();
        let done = if !voice && matches!(answer, Reply::Keys(_)) && n > 0 {
            // A caller who knows the menu keys in while the question plays
            // (a key stops it).
            tokio::time::sleep(Duration::from_millis(1500)).await;
            heard_so_far(&phone).len()
        } else {
            wait_prompt_done(&phone, from, QUESTION_OVER_MS, 40).await
        };
        if n == 0 {
            greeted_at = done;
        }
        if let Some((at, len)) = pending.take() {
            spoken.push((at, len, done));
        }
        if stop_at == Some(question.as_str()) {
            phone.hangup().await;
            break;
        }
        match answer {
            Reply::Voice(text, rate) => {
                let (wav, ms) = w.caller_wav(&format!("a{n}"), text, rate, 120_000).await;
                let at = heard_so_far(&phone).len();
                phone.set_mic(&wav).await;
                pending = Some((at, ms as usize * 8));
            }
            Reply::Keys(keys) => {
                phone.set_mic(&quiet).await;
                press(&mut phone, keys).await;
            }
        }
    }
    phone.wait_event("CALL_CLOSED", 60).await;
    CallRun {
        id,
        phone,
        spoken,
        greeted_at,
    }
}

async fn setup(settings: VoiceSettings) -> (tokio::sync::MutexGuard<'static, ()>, Engines, World) {
    let guard = SERIAL.lock().await;
    let engines = engines(whisper_config()).await;
    let w = world(settings, &engines).await;
    (guard, engines, w)
}

async fn check_booking(w: &World, id: CallId) {
    let call = w.ended(id).await;
    let turns = w.turns(id).await;
    dump(&turns);
    assert_eq!(call.kind, "voice");
    assert_eq!(call.outcome.as_deref(), Some("booked"), "{call:?}");
    let number = ReservationNo::parse(call.reservation_no.as_deref().unwrap()).unwrap();
    let booking = w
        .store
        .find_booking(&number, &PhoneNumber::parse("090-1234-5678").unwrap())
        .await
        .unwrap()
        .expect("the booking is stored");
    assert_eq!(booking.channel, Channel::Phone);
    assert_eq!(booking.venue_id, w.venues.bisai);
    assert_eq!(
        booking.slot_date,
        NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()
    );
    assert_eq!(booking.start_min, 10 * 60);
    assert_eq!(booking.applicant.party_size.get(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_by_voice_lands_in_the_database() {
    let (_serial, _engines, w) = setup(VoiceSettings::default()).await;
    let run = call(&w, "09012345678", true, None).await;
    check_booking(&w, run.id).await;
    let turns = w.turns(run.id).await;
    // Most answers were understood by voice (keys only where misheard).
    let keyed = turns
        .iter()
        .filter(|t| t.caller_input.starts_with("#dtmf"))
        .count();
    let said = turns
        .iter()
        .filter(|t| !t.caller_input.starts_with('#') && !t.caller_input.is_empty())
        .count();
    eprintln!("answers by voice {said}, by keys {keyed}");
    assert!(said >= 8, "spoken answers understood: {said}");

    // What the caller heard: the greeting and first question, then speech
    // after each spoken answer (the next question).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (heard, rate) = audio::read_wav(&run.phone.recording());
    assert_eq!(rate, audio::RATE);
    let greeting = loud_frames(&heard, 0, run.greeted_at);
    assert!(
        greeting >= 150,
        "greeting + question: {greeting} loud frames"
    );
    assert!(!run.spoken.is_empty());
    for (i, &(at, len, done)) in run.spoken.iter().enumerate() {
        let after = loud_frames(&heard, at + len, done);
        assert!(after >= 25, "answer {i}: {after} loud frames after it");
    }
    // The caller's turns are stored with the call log, as speech.
    let stored = w.store.call_audio_turns(run.id).await.unwrap();
    assert!(stored.len() >= said, "{} stored of {said}", stored.len());
    for &seq in stored.iter().take(3) {
        let bytes = w.store.call_audio(run.id, seq).await.unwrap().unwrap();
        let pcm = wav::decode(&bytes).unwrap();
        let run_len = longest_loud_run(&frame_rms(&pcm, 8000), LOUD);
        assert!(run_len >= 10, "turn {seq}: speech in the stored audio");
    }
    run.phone.quit().await;
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_by_keypad_lands_in_the_database() {
    let settings = VoiceSettings {
        record_audio: false,
        ..VoiceSettings::default()
    };
    let (_serial, _engines, w) = setup(settings).await;
    let run = call(&w, "09012345678", false, None).await;
    check_booking(&w, run.id).await;
    let turns = w.turns(run.id).await;
    let keyed = turns
        .iter()
        .filter(|t| t.caller_input.starts_with("#dtmf"))
        .count();
    assert!(keyed >= 8, "keyed answers: {keyed}");
    assert!(w.store.call_audio_turns(run.id).await.unwrap().is_empty());
    run.phone.quit().await;
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hang_up_midway_is_logged_abandoned_at_its_step() {
    let (_serial, _engines, w) = setup(VoiceSettings::default()).await;
    let run = call(&w, "0586123456", true, Some("ask_party")).await;
    let call = w.ended(run.id).await;
    dump(&w.turns(run.id).await);
    assert_eq!(call.outcome.as_deref(), Some("abandoned"));
    assert_eq!(call.end_reason.as_deref(), Some("hangup"));
    assert_eq!(call.end_state.as_deref(), Some("party"));
    run.phone.quit().await;
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_for_a_person_transfers_the_call() {
    let (_serial, _engines, w) = setup(VoiceSettings::default()).await;
    let quiet = w.quiet_wav(120_000);
    let mut phone = Baresip::start("0586123456", &quiet).await;
    phone.dial(&w.uri()).await;
    phone.wait_event("CALL_ESTABLISHED", 10).await;
    let id = w.call().await.id;
    let turns = w.next_turn(id, 0, 30).await;
    assert_eq!(asked(&turns), "ask_intent");
    wait_prompt_done(&phone, 0, QUESTION_OVER_MS, 40).await;
    let (wav, _) = w
        .caller_wav("operator", "担当の方と話したいのですが", 0.9, 60_000)
        .await;
    phone.set_mic(&wav).await;
    // baresip takes the REFER (202) and reports the transfer.
    phone.wait_event("TRANSFER", 60).await;
    let call = w.ended(id).await;
    dump(&w.turns(id).await);
    assert_eq!(call.outcome.as_deref(), Some("transferred"), "{call:?}");
    phone.quit().await;
    w.shutdown().await;
}
