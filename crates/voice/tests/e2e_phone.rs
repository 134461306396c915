//! End to end: baresip calls the real agent (SIP endpoint, Open JTalk,
//! Whisper base, the dialog, SQLite) and talks to it with Open JTalk speech
//! through 8 kHz μ-law, or presses keys. The caller waits for each question
//! to end (a new turn in the call log, then what it hears going quiet),
//! answers, and the booking must land in the database.
//!
//! Slow (real recognition): the tests of this file run one at a time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::NaiveDate;
use madoguchi_core::booking::Channel;
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::reservation_no::ReservationNo;
use madoguchi_store::CallId;
use madoguchi_store::CallTurn;
use madoguchi_voice::session::{VoiceSettings, wav};
use madoguchi_voice::speech::WhisperConfig;
use support::audio::{self, frame_rms, longest_loud_run};
use support::baresip::Baresip;
use support::caller::{QUESTION_OVER_MS, Reply, Wish, call, call_scripted};
use support::e2e::{
    Engines, LOUD, World, asked, dump, engines, loud_frames, wait_prompt_done, whisper_config,
    world,
};

/// One test at a time: each runs Whisper on both cores.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn setup(settings: VoiceSettings) -> (tokio::sync::MutexGuard<'static, ()>, Engines, World) {
    setup_with(settings, whisper_config()).await
}

/// The recognizer on its short-window path (10 s), which returns the
/// beam's N best hypotheses for the call loop to match against what is
/// possible (and costs a quarter of the CPU).
async fn setup_nbest(
    settings: VoiceSettings,
) -> (tokio::sync::MutexGuard<'static, ()>, Engines, World) {
    let whisper = WhisperConfig {
        chunk_length: Some(10),
        ..whisper_config()
    };
    setup_with(settings, whisper).await
}

async fn setup_with(
    settings: VoiceSettings,
    whisper: WhisperConfig,
) -> (tokio::sync::MutexGuard<'static, ()>, Engines, World) {
    let guard = SERIAL.lock().await;
    let engines = engines(whisper).await;
    let w = world(settings, &engines).await;
    (guard, engines, w)
}

async fn check_booking(w: &World, id: CallId) {
    check_booking_of(w, id, 10, 2).await;
}

/// Booked by phone at 尾西事務所, 10:00 on `day` December 2026, for
/// `party`; found by its number and the caller's mobile.
async fn check_booking_of(w: &World, id: CallId, day: u32, party: u8) {
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
        NaiveDate::from_ymd_opt(2026, 12, day).unwrap()
    );
    assert_eq!(booking.start_min, 10 * 60);
    assert_eq!(booking.applicant.party_size.get(), party);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_by_voice_lands_in_the_database() {
    let (_serial, _engines, w) = setup(VoiceSettings::default()).await;
    let mut run = call(&w, "09012345678", true, None, Wish::default()).await;
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
    // baresip writes the recording's header as it exits.
    run.phone.stop().await;
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
    let run = call(&w, "09012345678", false, None, Wish::default()).await;
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
    let run = call(&w, "0586123456", true, Some("ask_party"), Wish::default()).await;
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

/// Every question the agent asked, in order (retries under their own ids).
fn questions(turns: &[CallTurn]) -> Vec<String> {
    turns
        .iter()
        .flat_map(|t| t.prompt_id.split(','))
        .filter(|p| p.starts_with("ask_") || p.starts_with("offer_") || p.starts_with("confirm_"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_request_in_one_breath_skips_its_questions() {
    let (_serial, _engines, w) = setup_nbest(VoiceSettings::default()).await;
    let started = std::time::Instant::now();
    // Venue, day, time and party in the answer to the first question; the
    // rest keyed where the dialog takes keys (the name is said).
    let wish = Wish { day: 3 };
    let run = call_scripted(&w, "09012345678", false, None, wish, |q, again, _| {
        (q == "ask_intent" && !again).then(|| {
            Reply::Voice(
                "予約をお願いします。びさい事務所で、12月3日の午前10時に、ふたりです".into(),
                1.0,
            )
        })
    })
    .await;
    check_booking_of(&w, run.id, 3, 2).await;
    let turns = w.turns(run.id).await;
    let asked = questions(&turns);
    eprintln!(
        "questions: {asked:?}; {} agent turns; {:?}",
        turns.len(),
        started.elapsed()
    );
    // What was said in one breath is not asked again.
    for skipped in [
        "ask_venue",
        "ask_party",
        "ask_date",
        "ask_time",
        "offer_slot",
    ] {
        assert!(
            !asked.iter().any(|q| q.starts_with(skipped)),
            "{skipped} asked: {asked:?}"
        );
    }
    // The first answer was heard whole: the day said back with its weekday
    // as taken, straight after the checklist.
    let taken = turns
        .iter()
        .find(|t| t.prompt_id.contains("slot_ok"))
        .expect("the slot said as taken");
    assert!(
        taken.prompt_text.contains("12月3日 木曜日、午前10時"),
        "{}",
        taken.prompt_text
    );
    assert_eq!(turns[1].state, "intent");
    assert!(
        turns[1].understood.contains("party=2"),
        "{}",
        turns[1].understood
    );
    // greeting, checklist, slot + name, (reading), birth, read-back, booked.
    assert!(turns.len() <= 8, "{} agent turns", turns.len());
    run.phone.quit().await;
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_at_the_read_back_changes_only_that_value() {
    let (_serial, _engines, w) = setup_nbest(VoiceSettings::default()).await;
    let started = std::time::Instant::now();
    // A keyed booking for two; at the read-back, by voice: one person (the
    // test slots seat two).
    let mut read_backs = 0;
    let run = call_scripted(
        &w,
        "09012345678",
        false,
        None,
        Wish::default(),
        |q, _, _| match q {
            "confirm_booking" | "confirm_booking_retry" => {
                read_backs += 1;
                Some(if read_backs == 1 {
                    Reply::Voice("いいえ、1人です".into(), 1.0)
                } else {
                    Reply::Keys("1".into())
                })
            }
            _ => None,
        },
    )
    .await;
    check_booking_of(&w, run.id, 10, 1).await;
    let turns = w.turns(run.id).await;
    let asked = questions(&turns);
    eprintln!(
        "questions: {asked:?}; {} agent turns; {:?}",
        turns.len(),
        started.elapsed()
    );
    let fix = turns
        .iter()
        .position(|t| t.caller_input.contains("いいえ"))
        .expect("the correction was said");
    let corrected = &turns[fix];
    assert_eq!(corrected.state, "confirm_booking");
    assert!(
        corrected.understood.contains("party=1"),
        "{}",
        corrected.understood
    );
    // The slot is held again for one and read back: nothing else asked.
    assert_eq!(questions(&turns[fix..]), ["confirm_booking"], "{asked:?}");
    assert!(
        corrected
            .prompt_text
            .contains("12月10日 木曜日、午前10時、1名さま"),
        "{}",
        corrected.prompt_text
    );
    run.phone.quit().await;
    w.shutdown().await;
}
