//! Whole calls through the Twilio media stream, with a real WebSocket
//! client, the real call loop and a real database (SQLite in a temp dir,
//! two venues with slots). The clock is fixed on Tuesday 2026-12-01 10:00
//! in Japan (staffed hours). The engines are stand-ins: a recognizer that
//! returns the next scripted answer per turn, and a synthesizer that
//! returns a tone whose length follows the text.
//!
//! The client plays the phone: it sends μ-law audio (a tone for speech,
//! low noise for silence) and keys, and reports each clip played by
//! echoing its mark, as Twilio does.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use futures_util::{SinkExt, StreamExt};
use madoguchi_core::booking::Channel;
use madoguchi_core::clock::FixedClock;
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::reservation_no::ReservationNo;
use madoguchi_core::schedule::WeeklyTemplate;
use madoguchi_core::venue::VenueForm;
use madoguchi_store::{CallId, Store};
use madoguchi_voice::line::twilio;
use madoguchi_voice::media::g711;
use madoguchi_voice::session::{VoiceAgent, VoiceSettings, wav};
use madoguchi_voice::speech::{
    AsrError, BoxFuture, Hints, Recognizer, Synthesizer, Transcript, TtsError,
};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const NOW: &str = "2026-12-01T10:00:00+09:00";

/// Returns the next scripted answer for each caller turn; remembers the
/// hints it was given.
#[derive(Default)]
struct ScriptedRecognizer {
    answers: Mutex<VecDeque<String>>,
    hints: Mutex<Vec<Hints>>,
}

impl ScriptedRecognizer {
    fn push(&self, answer: &str) {
        self.answers.lock().unwrap().push_back(answer.to_owned());
    }
}

impl Recognizer for ScriptedRecognizer {
    fn transcribe<'a>(
        &'a self,
        pcm: &'a [i16],
        hints: &'a Hints,
    ) -> BoxFuture<'a, Result<Transcript, AsrError>> {
        Box::pin(async move {
            assert!(!pcm.is_empty());
            self.hints.lock().unwrap().push(hints.clone());
            let text = self.answers.lock().unwrap().pop_front().unwrap_or_default();
            // "a|b|c": the N-best hypotheses, best first.
            let mut hypotheses = text.split('|').map(str::to_owned);
            Ok(Transcript {
                text: hypotheses.next().unwrap_or_default(),
                alternatives: hypotheses.collect(),
            })
        })
    }
    fn name(&self) -> String {
        "scripted".to_owned()
    }
}

/// A tone, 20 ms per character; remembers what it said.
#[derive(Default)]
struct ToneSynthesizer {
    said: Mutex<Vec<String>>,
}

impl Synthesizer for ToneSynthesizer {
    fn synthesize<'a>(
        &'a self,
        text: &'a str,
        _rate: f32,
    ) -> BoxFuture<'a, Result<Arc<[i16]>, TtsError>> {
        Box::pin(async move {
            self.said.lock().unwrap().push(text.to_owned());
            let n = text.chars().count() * 160;
            let pcm: Vec<i16> = (0..n)
                .map(|i| ((i as f32 * 0.3).sin() * 3000.0) as i16)
                .collect();
            Ok(pcm.into())
        })
    }
}

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    asr: Arc<ScriptedRecognizer>,
    tts: Arc<ToneSynthesizer>,
    agent: Arc<VoiceAgent>,
    url: String,
}

async fn world(settings: VoiceSettings) -> World {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(dir.path().join("v.db").to_str().unwrap())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let app_settings = store.settings().await.unwrap();
    for (order, (code, name, kana)) in [
        ("honcho", "本庁舎 市民課", "ほんちょうしゃ しみんか"),
        ("bisai", "尾西事務所", "びさいじむしょ"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = store
            .upsert_venue(&VenueForm {
                code: code.into(),
                name: name.into(),
                kana: kana.into(),
                address: String::new(),
                phone: String::new(),
                note: String::new(),
                display_order: order as i64 + 1,
            })
            .await
            .unwrap();
        let template = WeeklyTemplate::weekdays(9 * 60, 16 * 60 + 30, 2);
        store.set_weekly_template(id, &template).await.unwrap();
        let specs = template.generate(
            &app_settings.closed_days,
            app_settings.period.first_day,
            app_settings.period.last_day,
        );
        store.create_slots(id, &specs).await.unwrap();
    }
    let clock = Arc::new(FixedClock(
        chrono::DateTime::parse_from_rfc3339(NOW).unwrap().to_utc(),
    ));
    let asr = Arc::new(ScriptedRecognizer::default());
    let tts = Arc::new(ToneSynthesizer::default());
    let agent = VoiceAgent::new(store.clone(), clock, asr.clone(), tts.clone(), settings);
    let app = twilio::router(
        agent.clone().line_handler(),
        madoguchi_voice::line::twilio_auth::StreamAuth::Unsigned,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    World {
        _dir: dir,
        store,
        asr,
        tts,
        agent,
        url: format!("ws://{addr}{}", twilio::PATH),
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the agent sent since the last look.
#[derive(Debug, Default)]
struct Heard {
    /// Clips (marks) received.
    marks: Vec<String>,
    media_bytes: usize,
    clears: usize,
    closed: bool,
}

struct Phone {
    ws: Ws,
    sid: String,
    seq: u64,
    /// Marks received and not yet echoed (clips "still playing").
    playing: Vec<String>,
}

/// The agent is idle (listening) when it sends nothing for this long: the
/// stand-in engines answer at once, so this is generous.
const QUIET: Duration = Duration::from_millis(400);

impl Phone {
    async fn dial(url: &str, from: Option<&str>) -> Phone {
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let sid = "MZ0123456789abcdef0123456789abcdef".to_owned();
        ws.send(Message::text(
            json!({"event": "connected", "protocol": "Call", "version": "1.0.0"}).to_string(),
        ))
        .await
        .unwrap();
        let mut params = json!({});
        if let Some(from) = from {
            params["From"] = json!(from);
        }
        let start = json!({
            "event": "start",
            "sequenceNumber": "1",
            "start": {
                "accountSid": "AC0123",
                "streamSid": sid,
                "callSid": "CA0123",
                "tracks": ["inbound"],
                "customParameters": params,
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}
            },
            "streamSid": sid
        });
        ws.send(Message::text(start.to_string())).await.unwrap();
        Phone {
            ws,
            sid,
            seq: 1,
            playing: Vec::new(),
        }
    }

    fn next_seq(&mut self) -> String {
        self.seq += 1;
        self.seq.to_string()
    }

    /// Reads what the agent sends until it goes quiet; echoes each mark
    /// (the clip has played) when `play` is true.
    async fn listen(&mut self, play: bool) -> Heard {
        let mut heard = Heard::default();
        loop {
            match tokio::time::timeout(QUIET, self.ws.next()).await {
                Err(_) => return heard,
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => {
                    heard.closed = true;
                    return heard;
                }
                Ok(Some(Ok(Message::Text(text)))) => {
                    let v: Value = serde_json::from_str(&text).unwrap();
                    assert_eq!(v["streamSid"], self.sid, "{v}");
                    match v["event"].as_str().unwrap() {
                        "media" => {
                            heard.media_bytes += B64
                                .decode(v["media"]["payload"].as_str().unwrap())
                                .unwrap()
                                .len()
                        }
                        "mark" => {
                            let name = v["mark"]["name"].as_str().unwrap().to_owned();
                            heard.marks.push(name.clone());
                            self.playing.push(name);
                            if play {
                                self.played_all().await;
                            }
                        }
                        "clear" => heard.clears += 1,
                        other => panic!("unexpected event {other}"),
                    }
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// Reports every clip still "playing" as played.
    async fn played_all(&mut self) {
        for name in std::mem::take(&mut self.playing) {
            let seq = self.next_seq();
            let msg = json!({"event": "mark", "sequenceNumber": seq, "streamSid": self.sid, "mark": {"name": name}});
            self.ws.send(Message::text(msg.to_string())).await.unwrap();
        }
    }

    async fn audio(&mut self, pcm: &[i16]) {
        for (i, chunk) in pcm.chunks(160).enumerate() {
            let seq = self.next_seq();
            let msg = json!({
                "event": "media",
                "sequenceNumber": seq,
                "media": {"track": "inbound", "chunk": i.to_string(), "timestamp": (i * 20).to_string(),
                          "payload": B64.encode(g711::ulaw_encode_all(chunk))},
                "streamSid": self.sid
            });
            if self.ws.send(Message::text(msg.to_string())).await.is_err() {
                return;
            }
            // Faster than real time, slow enough for the bounded queues.
            if i % 5 == 4 {
                tokio::time::sleep(Duration::from_millis(8)).await;
            }
        }
    }

    /// The caller speaks for `ms` and then is quiet long enough to end the turn.
    async fn say(&mut self, answer: &str, asr: &ScriptedRecognizer) {
        asr.push(answer);
        self.audio(&speech(900)).await;
        self.audio(&silence(1100)).await;
    }

    async fn keys(&mut self, keys: &str) {
        for digit in keys.chars() {
            let seq = self.next_seq();
            let msg = json!({"event": "dtmf", "streamSid": self.sid, "sequenceNumber": seq,
                             "dtmf": {"track": "inbound_track", "digit": digit.to_string()}});
            self.ws.send(Message::text(msg.to_string())).await.unwrap();
        }
    }

    async fn hang_up(&mut self) {
        let seq = self.next_seq();
        let msg = json!({"event": "stop", "sequenceNumber": seq, "streamSid": self.sid,
                         "stop": {"accountSid": "AC0123", "callSid": "CA0123"}});
        self.ws.send(Message::text(msg.to_string())).await.unwrap();
        let _ = self.ws.close(None).await;
    }
}

fn speech(ms: usize) -> Vec<i16> {
    (0..ms * 8)
        .map(|i| {
            let f = 180.0 * std::f32::consts::TAU * i as f32 / 8000.0;
            (2500.0 * f.sin() + 1200.0 * (2.0 * f).sin()) as i16
        })
        .collect()
}

fn silence(ms: usize) -> Vec<i16> {
    (0..ms * 8)
        .map(|i| if i % 2 == 0 { 8 } else { -8 })
        .collect()
}

/// The call row, once it has ended (the loop logs it asynchronously).
async fn ended_call(store: &Store) -> madoguchi_store::CallSummary {
    for _ in 0..100 {
        if let Some(call) = store
            .calls(10, 0)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.ended_at.is_some())
        {
            return call;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no call ended");
}

fn said(w: &World, text: &str) -> bool {
    w.tts.said.lock().unwrap().iter().any(|s| s.contains(text))
}

#[tokio::test]
async fn a_caller_books_by_speech_and_the_turns_are_recorded() {
    let w = world(VoiceSettings::default()).await;
    let mut phone = Phone::dial(&w.url, Some("+819012345678")).await;
    let greeting = phone.listen(true).await;
    assert!(
        greeting.marks.len() >= 2,
        "greeting and question: {greeting:?}"
    );
    assert!(greeting.media_bytes > 0);
    for answer in [
        "新しく予約したいです",
        "はい",
        "尾西事務所",
        "2人です",
        "12月10日",
        "午前10時",
        "一宮 太郎",
        "いちのみや たろう",
        "昭和35年4月1日",
    ] {
        phone.say(answer, &w.asr).await;
        let heard = phone.listen(true).await;
        assert!(!heard.marks.is_empty(), "an answer to {answer}");
        assert!(!heard.closed, "still on the line after {answer}");
    }
    // The read-back: the caller confirms; the number is said and must be
    // heard whole — speaking over it does not stop it.
    phone.say("はい", &w.asr).await;
    let booked = phone.listen(false).await;
    assert!(!booked.marks.is_empty());
    phone.audio(&speech(1500)).await;
    let over = phone.listen(false).await;
    assert_eq!(over.clears, 0, "the reservation number is not interrupted");
    phone.played_all().await;
    let end = phone.listen(true).await;
    assert!(end.closed, "the agent hangs up after the closing");

    let call = ended_call(&w.store).await;
    assert_eq!(call.kind, "voice");
    assert_eq!(call.outcome.as_deref(), Some("booked"));
    let number = ReservationNo::parse(call.reservation_no.as_deref().unwrap()).unwrap();
    let booking = w
        .store
        .find_booking(&number, &PhoneNumber::parse("090-1234-5678").unwrap())
        .await
        .unwrap()
        .expect("the booking is stored");
    assert_eq!(booking.channel, Channel::Phone);
    assert_eq!(booking.applicant.party_size.get(), 2);
    assert!(said(&w, "予約番号は"));

    // The venue step steered the recognizer with the venue names.
    let hints = w.asr.hints.lock().unwrap().clone();
    assert!(
        hints
            .iter()
            .any(|h| h.hotwords.contains(&"尾西事務所".to_owned()))
    );
    assert!(
        hints
            .iter()
            .any(|h| h.short_answer && h.hotwords.contains(&"はい".to_owned()))
    );

    // Each spoken turn's audio is stored with its turn, as WAV.
    let turns = w.store.call_audio_turns(call.id).await.unwrap();
    assert_eq!(turns.len(), 10, "every spoken answer: {turns:?}");
    let log = w.store.call_turns(call.id).await.unwrap();
    let venue_turn = log.iter().find(|t| t.caller_input == "尾西事務所").unwrap();
    let audio = w
        .store
        .call_audio(call.id, venue_turn.seq)
        .await
        .unwrap()
        .unwrap();
    let pcm = wav::decode(&audio).unwrap();
    assert!(
        pcm.len() >= 900 * 8,
        "the turn and its pre-roll: {} samples",
        pcm.len()
    );
}

/// Issue 11: among the recognizer's N best, the one that names a day that
/// can be booked wins over a better-ranked one that names a Sunday
/// (じゅうろくにち heard as 6日): the call books the 16th without a word
/// about a closed day.
#[tokio::test]
async fn n_best_hypotheses_are_matched_against_the_bookable_days() {
    let w = world(VoiceSettings::default()).await;
    let mut phone = Phone::dial(&w.url, Some("+819012345678")).await;
    phone.listen(true).await;
    for answer in [
        "新しく予約したいです",
        "はい",
        "美彩事務所|びさいじむしょ",
        "2人です",
        "12月6日でお願いします|12月16日でお願いします",
        "午前10時",
        "一宮 太郎",
        "いちのみや たろう",
        "昭和35年4月1日",
    ] {
        phone.say(answer, &w.asr).await;
        let heard = phone.listen(true).await;
        assert!(!heard.closed, "still on the line after {answer}");
    }
    phone.say("はい", &w.asr).await;
    phone.listen(false).await;
    let call = ended_call(&w.store).await;
    let log = w.store.call_turns(call.id).await.unwrap();
    for t in &log {
        eprintln!(
            "{} {:?} {:?} {:?}",
            t.seq, t.prompt_id, t.caller_input, t.understood
        );
    }
    assert_eq!(call.outcome.as_deref(), Some("booked"));
    assert!(log.iter().any(|t| t.caller_input == "びさいじむしょ"));
    assert!(!log.iter().any(|t| t.prompt_id.contains("day_closed")));
    let number = ReservationNo::parse(call.reservation_no.as_deref().unwrap()).unwrap();
    let booking = w
        .store
        .find_booking(&number, &PhoneNumber::parse("090-1234-5678").unwrap())
        .await
        .unwrap()
        .expect("the booking is stored");
    assert_eq!(
        booking.slot_date,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 16).unwrap()
    );
}

/// Issue 11: no synthesis while the caller waits. Once the agent has
/// prepared its pieces, a whole booking by voice synthesizes only what the
/// caller said about themselves.
#[tokio::test]
async fn a_booking_synthesizes_only_the_callers_own_words() {
    let w = world(VoiceSettings::default()).await;
    w.agent.warm().await.unwrap();
    let warmed = w.agent.pieces().stats();
    assert!(warmed.warmed > 500, "{warmed:?}");
    w.tts.said.lock().unwrap().clear();
    let mut phone = Phone::dial(&w.url, Some("+819012345678")).await;
    phone.listen(true).await;
    for answer in [
        "新しく予約したいです",
        "はい",
        "尾西事務所",
        "2人です",
        "12月10日",
        "午前10時",
        "一宮 太郎",
        "いちのみや たろう",
        "昭和35年4月1日",
        "はい",
    ] {
        phone.say(answer, &w.asr).await;
        phone.listen(true).await;
    }
    phone.played_all().await;
    assert!(phone.listen(true).await.closed || ended_call(&w.store).await.outcome.is_some());
    let call = ended_call(&w.store).await;
    assert_eq!(call.outcome.as_deref(), Some("booked"));
    // Each spoken answer's reply time is in the metrics (/metrics).
    let mut registry = prometheus_client::registry::Registry::default();
    registry.register(
        "turn_seconds",
        "reply time",
        w.store.activity().turn_seconds.clone(),
    );
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    let replies: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("turn_seconds_count "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    assert!(replies >= 9.0, "{replies} turn latencies observed: {text}");
    // The read-back names the caller (its reading) and their birth date;
    // the reservation number, venue, date, time, party and every fixed
    // fragment are pieces.
    let said = w.tts.said.lock().unwrap().clone();
    assert_eq!(
        said,
        vec!["イチノミヤ", "タロウさま", "昭和35年4月1日生まれ"],
        "synthesized during the call"
    );
    assert_eq!(
        w.agent.pieces().engine_calls(),
        warmed.engine_calls + 3,
        "three phrases synthesized during the call"
    );
}

#[tokio::test]
async fn a_caller_books_with_the_keypad() {
    let settings = VoiceSettings {
        record_audio: false,
        fillers: false,
        ..VoiceSettings::default()
    };
    let w = world(settings).await;
    let mut phone = Phone::dial(&w.url, None).await;
    // The caller knows the menu: a key while the question plays stops it.
    phone.listen(false).await;
    phone.keys("1").await;
    let cut = phone.listen(false).await;
    assert_eq!(cut.clears, 1, "a key stops the prompt: {cut:?}");
    phone.played_all().await;
    phone.listen(true).await;
    let steps: &[&str] = &["1", "2", "1", "1210#", "1030#"];
    for keys in steps {
        phone.keys(keys).await;
        let heard = phone.listen(true).await;
        assert!(!heard.marks.is_empty(), "an answer to {keys}");
    }
    // A name cannot be keyed.
    phone.say("いちのみや はなこ", &w.asr).await;
    phone.listen(true).await;
    for keys in ["19600401#", "09087654321#", "1"] {
        phone.keys(keys).await;
        phone.listen(true).await;
    }
    let call = ended_call(&w.store).await;
    assert_eq!(call.outcome.as_deref(), Some("booked"));
    let number = ReservationNo::parse(call.reservation_no.as_deref().unwrap()).unwrap();
    let booking = w
        .store
        .find_booking(&number, &PhoneNumber::parse("090-8765-4321").unwrap())
        .await
        .unwrap()
        .expect("the booking is stored");
    assert_eq!(booking.channel, Channel::Phone);
    // Recording was off.
    assert!(w.store.call_audio_turns(call.id).await.unwrap().is_empty());
    // Keys went in as typed, numbers whole.
    let log = w.store.call_turns(call.id).await.unwrap();
    assert!(
        log.iter().any(|t| t.caller_input == "#dtmf 09087654321"),
        "{log:#?}"
    );
    assert!(!said(&w, "はい。"), "fillers were off");
}

#[tokio::test]
async fn speaking_over_a_question_stops_it() {
    let w = world(VoiceSettings::default()).await;
    let mut phone = Phone::dial(&w.url, None).await;
    // The greeting and question arrive; the phone is still "playing" them.
    let first = phone.listen(false).await;
    assert!(!first.marks.is_empty());
    w.asr.push("新しく予約したいです");
    phone.audio(&speech(900)).await;
    let cut = phone.listen(false).await;
    assert_eq!(cut.clears, 1, "barge-in clears the line: {cut:?}");
    // Twilio returns the marks of what it dropped: they are not "played".
    phone.played_all().await;
    phone.audio(&silence(1100)).await;
    let next = phone.listen(true).await;
    assert!(!next.marks.is_empty());
    assert!(
        said(&w, "当てはまりますか"),
        "the eligibility question follows"
    );
    phone.hang_up().await;
    let call = ended_call(&w.store).await;
    assert_eq!(call.outcome.as_deref(), Some("abandoned"));
}

#[tokio::test]
async fn a_hang_up_midway_is_logged_abandoned_with_its_step() {
    let w = world(VoiceSettings::default()).await;
    let mut phone = Phone::dial(&w.url, Some("09012345678")).await;
    phone.listen(true).await;
    for answer in ["予約したいです", "はい"] {
        phone.say(answer, &w.asr).await;
        phone.listen(true).await;
    }
    phone.hang_up().await;
    let call = ended_call(&w.store).await;
    for t in w.store.call_turns(call.id).await.unwrap() {
        eprintln!(
            "{} {} {:?} {:?} {:?}",
            t.seq, t.state, t.prompt_id, t.caller_input, t.understood
        );
    }
    assert_eq!(call.outcome.as_deref(), Some("abandoned"));
    assert_eq!(call.end_reason.as_deref(), Some("hangup"));
    assert_eq!(call.end_state.as_deref(), Some("venue"));
}

#[tokio::test]
async fn silence_gets_the_question_again() {
    let w = world(VoiceSettings {
        no_input_ms: 2000,
        ..VoiceSettings::default()
    })
    .await;
    let mut phone = Phone::dial(&w.url, None).await;
    phone.listen(true).await;
    phone.audio(&silence(2500)).await;
    let again = phone.listen(true).await;
    assert!(!again.marks.is_empty());
    assert!(said(&w, "お声が聞こえませんでした"));
    phone.hang_up().await;
    let call = ended_call(&w.store).await;
    let log = w.store.call_turns(call.id).await.unwrap();
    assert!(log.iter().any(|t| t.caller_input == "#silence"));
}

#[tokio::test]
async fn over_the_limit_callers_hear_the_busy_message() {
    let w = world(VoiceSettings {
        max_calls: 1,
        ..VoiceSettings::default()
    })
    .await;
    let mut first = Phone::dial(&w.url, None).await;
    first.listen(true).await;
    let mut second = Phone::dial(&w.url, None).await;
    let busy = second.listen(true).await;
    assert_eq!(busy.marks.len(), 1, "{busy:?}");
    let end = if busy.closed {
        busy
    } else {
        second.listen(true).await
    };
    assert!(end.closed, "the agent hangs up after the busy message");
    assert!(said(&w, "混み合っています"));
    assert!(
        said(&w, "ゼロゴーハチロク")
            || said(&w, "0586")
            || w.tts
                .said
                .lock()
                .unwrap()
                .iter()
                .any(|s| s.contains("専用ダイヤル"))
    );
    // Only the first call was answered and logged.
    first.hang_up().await;
    let calls = w.store.calls(10, 0).await.unwrap();
    assert_eq!(calls.len(), 1);
}

#[tokio::test]
async fn a_refused_transfer_tells_the_number() {
    let w = world(VoiceSettings::default()).await;
    let mut phone = Phone::dial(&w.url, None).await;
    phone.listen(true).await;
    phone.say("オペレーターと話したい", &w.asr).await;
    let mut heard = phone.listen(true).await;
    if !heard.closed {
        heard = phone.listen(true).await;
    }
    assert!(heard.closed, "{heard:?}");
    assert!(said(&w, "おつなぎします"));
    assert!(said(&w, "おつなぎできませんでした"));
    let call = ended_call(&w.store).await;
    assert_eq!(call.outcome.as_deref(), Some("transferred"));
    let _ = CallId(call.id.0);
}
