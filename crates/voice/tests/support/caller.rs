//! The end-to-end caller: answers each question the agent asks like a
//! person would (by voice, or keys where the dialog takes them and the
//! voice answer was misheard), waiting for each question to end. Used by
//! `tests/e2e_phone.rs` and `bench/src/bin/voice_latency.rs`.

use std::time::Duration;

use madoguchi_store::CallId;

use super::baresip::Baresip;
use super::e2e::{World, asked, dump, heard_so_far, press, wait_prompt_done};

/// Silence after a question before the caller answers (the agent's
/// prompts have pauses between sentences shorter than this).
pub const QUESTION_OVER_MS: u32 = 1000;

#[derive(Debug, Clone)]
pub enum Reply {
    Voice(String, f32),
    Keys(String),
}

/// What the caller wants: 尾西事務所, two people, 10:00 on this day of
/// December 2026 (a weekday after 2026-12-01).
#[derive(Debug, Clone, Copy)]
pub struct Wish {
    pub day: u32,
}

impl Default for Wish {
    fn default() -> Self {
        Self { day: 10 }
    }
}

/// The caller's answers, per question asked. `voice` false = keypad
/// wherever the dialog takes keys. A question asked again (misheard) is
/// answered with keys when it takes them.
pub fn reply(
    wish: Wish,
    question: &str,
    again: bool,
    voice: bool,
    prompt_text: &str,
) -> Option<Reply> {
    let date_said = format!("12月{}日でお願いします", wish.day);
    let date_keys = format!("12{:02}#", wish.day);
    let voice_of = |t: &str, rate: f32| Reply::Voice(t.to_owned(), rate);
    let keys = |k: &str| Reply::Keys(k.to_owned());
    Some(match question {
        "ask_intent" if voice && !again => voice_of("新しい予約をお願いします", 1.0),
        "ask_intent" | "ask_intent_retry" => keys("1"),
        "ask_eligibility" if voice && !again => voice_of("はい", 1.0),
        "ask_eligibility" | "ask_eligibility_retry" => keys("1"),
        "ask_venue" if voice && !again => voice_of("びさい事務所でお願いします", 0.9),
        "ask_venue" | "ask_venue_retry" => keys("2"),
        "ask_party" if voice && !again => voice_of("ふたりです", 0.9),
        "ask_party" | "ask_party_retry" => keys("2"),
        "ask_date" if voice && !again => voice_of(&date_said, 1.0),
        "ask_date" | "ask_date_retry" => keys(&date_keys),
        "ask_time" if voice && !again => voice_of("午前10時でお願いします", 1.0),
        "ask_time" | "ask_time_retry" | "ask_time_hour" => keys("1000#"),
        // A misheard weekday: no, then the day keyed.
        "confirm_date" => keys("2"),
        "offer_slot" | "offer_slot_retry" => {
            let right = prompt_text.contains(&format!("12月{}日", wish.day))
                && prompt_text.contains("10時");
            match (right, voice && !again) {
                (true, true) => voice_of("はい、お願いします", 1.2),
                (true, false) => keys("1"),
                (false, _) => keys("2"),
            }
        }
        "ask_name" if !again => voice_of("いちのみや たろうです", 1.0),
        "ask_name" | "ask_name_retry" => voice_of("いちのみや たろう", 0.9),
        "ask_kana" if !again => voice_of("いちのみや たろう", 1.0),
        "ask_kana" | "ask_kana_retry" => voice_of("いちのみや たろう", 0.8),
        "ask_birth" if voice && !again => voice_of("昭和35年4月1日です", 0.9),
        "ask_birth" | "ask_birth_retry" => keys("19600401#"),
        "ask_phone" | "ask_phone_retry" => keys("09012345678#"),
        // The birth date read back wrong (ついたち heard as 2日): said so,
        // then keyed when the keypad is offered.
        "confirm_booking" if voice && !again && !prompt_text.contains("昭和35年4月1日") => {
            voice_of("いいえ、生年月日が違います", 1.0)
        }
        "confirm_booking" if voice && !again => voice_of("はい、お願いします", 1.0),
        "confirm_booking" | "confirm_booking_retry" => keys("1"),
        "ask_yes_no" => voice_of("はい", 0.9),
        // After an offer turned down (a misheard date or time): change the
        // day and time, keyed.
        "ask_fix" | "ask_fix_retry" => keys("3"),
        "ask_new_date" => keys(&date_keys),
        // A misheard date or time that is full or closed: another day.
        "offer_alternatives" | "offer_alternatives_retry" => keys("0"),
        _ => return None,
    })
}

/// What happened on one call, from the caller's side.
pub struct CallRun {
    pub id: CallId,
    pub phone: Baresip,
    /// Per spoken answer: where in the recording the caller started
    /// speaking, its length, and where the next question had ended.
    pub spoken: Vec<(usize, usize, usize)>,
    /// Where the first question (after the greeting) had ended.
    pub greeted_at: usize,
    /// From dialing to the hang-up.
    pub length: Duration,
}

/// Calls the agent and answers each question with `reply` until the call
/// ends or `stop_at` is asked (then hangs up).
pub async fn call(
    w: &World,
    caller: &str,
    voice: bool,
    stop_at: Option<&str>,
    wish: Wish,
) -> CallRun {
    call_scripted(w, caller, voice, stop_at, wish, |_, _, _| None).await
}

/// As [`call`], but `script` answers first (question, asked again, the
/// question's text); where it has no answer, [`reply`] does.
pub async fn call_scripted(
    w: &World,
    caller: &str,
    voice: bool,
    stop_at: Option<&str>,
    wish: Wish,
    mut script: impl FnMut(&str, bool, &str) -> Option<Reply>,
) -> CallRun {
    let quiet = w.quiet_wav(240_000);
    let mut phone = Baresip::start(caller, &quiet).await;
    let dialed = std::time::Instant::now();
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
        let scripted = script(&question, again, &last.prompt_text);
        let Some(answer) =
            scripted.or_else(|| reply(wish, &question, again, voice, &last.prompt_text))
        else {
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
                let (wav, ms) = w
                    .caller_wav(&format!("{caller}-a{n}"), &text, rate, 120_000)
                    .await;
                let at = heard_so_far(&phone).len();
                phone.set_mic(&wav).await;
                pending = Some((at, ms as usize * 8));
            }
            Reply::Keys(keys) => {
                phone.set_mic(&quiet).await;
                press(&mut phone, &keys).await;
            }
        }
    }
    phone.wait_event("CALL_CLOSED", 60).await;
    CallRun {
        id,
        phone,
        spoken,
        greeted_at,
        length: dialed.elapsed(),
    }
}
