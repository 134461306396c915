//! Whole phone calls through the real `madoguchi call simulate` binary,
//! against a database seeded with the demo data and a fixed clock
//! (Tuesday 2026-12-01, 10:00 in Japan: staffed hours; the first bookable
//! day, Wednesday 12/2, is full at 尾西事務所).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use madoguchi_core::booking::{ApplicantForm, Channel};
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::reservation_no::ReservationNo;
use madoguchi_store::{Actor, NewBooking, Store};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

const NOW: &str = "2026-12-01T10:00:00+09:00";
const EVENING: &str = "2026-12-01T19:00:00+09:00";

struct Sim {
    _dir: tempfile::TempDir,
    db: String,
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_madoguchi")
}

fn seeded() -> Sim {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db").to_string_lossy().into_owned();
    let status = Command::new(bin())
        .args(["--db", &db, "--now", NOW, "seed", "demo"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    Sim { _dir: dir, db }
}

impl Sim {
    /// Runs one call; returns every output line as JSON.
    fn call(&self, now: &str, extra: &[&str], script: &[&str]) -> Vec<Value> {
        let mut args = vec![
            "--db",
            self.db.as_str(),
            "--now",
            now,
            "call",
            "simulate",
            "--json",
        ];
        args.extend_from_slice(extra);
        let mut child = Command::new(bin())
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        {
            let mut stdin = child.stdin.take().unwrap();
            for line in script {
                writeln!(stdin, "{line}").unwrap();
            }
        }
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "simulator exited with {}",
            output.status
        );
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }

    async fn store(&self) -> Store {
        Store::connect(&self.db).await.unwrap()
    }
}

fn outcome(lines: &[Value]) -> &Value {
    let last = lines.last().expect("some output");
    assert!(
        last.get("outcome").is_some(),
        "last line is the outcome: {last}"
    );
    last
}

fn agent(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| l.get("agent").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn said_anywhere(lines: &[Value], text: &str) -> bool {
    agent(lines).iter().any(|l| l.contains(text))
}

/// The demo's 尾西事務所 slot at 10:00 on Thursday 12/10, the day the
/// scripted callers ask for.
async fn bisai_dec_10_at_ten(store: &Store) -> madoguchi_store::Slot {
    let bisai = store
        .venues(false)
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.code == "bisai")
        .unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
    store
        .slots_between(bisai.id, day, day)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.start_min == 600)
        .unwrap()
}

const ELIGIBLE: [&str; 1] = ["はい"];

fn script<'a>(parts: &[&[&'a str]]) -> Vec<&'a str> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

#[tokio::test]
async fn a_caller_books_by_speech_and_the_booking_is_real_with_channel_phone() {
    let sim = seeded();
    let lines = sim.call(
        NOW,
        &["--caller-id", "+819012345678"],
        &script(&[
            &["新しく予約したいです"],
            &ELIGIBLE,
            &["尾西事務所", "2人です", "12月10日", "午前10時"],
            &["一宮 太郎", "いちのみや たろう", "昭和35年4月1日", "はい"],
        ]),
    );
    let end = outcome(&lines);
    assert_eq!(end["outcome"], "booked");
    assert_eq!(end["venue"], "尾西事務所");
    assert_eq!(end["start"], "2026-12-10T10:00:00+09:00");
    assert_eq!(end["party_size"], 2);
    // The number is read digit by digit, twice.
    let booked_line = agent(&lines)
        .into_iter()
        .find(|l| l.contains("予約番号は"))
        .unwrap();
    assert!(booked_line.contains("くり返します"));
    // A plain booking: at most ten agent turns, about a minute of speech.
    let turns = agent(&lines);
    let chars: usize = turns
        .iter()
        .map(|t| t.chars().filter(|c| *c != ' ').count())
        .sum();
    assert!(turns.len() <= 11, "{} agent turns: {turns:#?}", turns.len());
    assert!(chars <= 360, "{chars} characters of agent speech");
    // The read-back says the weekday and the time as 午前10時.
    assert!(said_anywhere(&lines, "12月10日 木曜日、午前10時、2名さま"));

    let store = sim.store().await;
    let number = ReservationNo::parse(end["reservation_no"].as_str().unwrap()).unwrap();
    let booking = store
        .find_booking(&number, &PhoneNumber::parse("090-1234-5678").unwrap())
        .await
        .unwrap()
        .expect("the booking is stored");
    assert_eq!(booking.channel, Channel::Phone);
    assert_eq!(booking.applicant.party_size.get(), 2);
    assert_eq!(
        booking.applicant.name_kana.as_str(),
        "イチノミヤ\u{3000}タロウ"
    );
    // Its hold was consumed: no seat stays held.
    assert_eq!(store.held_seats(booking.slot_id).await.unwrap(), 0);
}

#[tokio::test]
async fn seats_another_caller_holds_are_not_offered_and_the_caller_hears_the_next_free_time() {
    let sim = seeded();
    let store = sim.store().await;
    let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap().to_utc();
    let ten = bisai_dec_10_at_ten(&store).await;
    // Another caller is confirming 10:00 and holds every seat left.
    let free = ten.capacity - ten.booked - ten.held;
    assert!(free > 0, "the demo leaves room at 10:00");
    store
        .hold_seats(ten.id, free, now, chrono::Duration::minutes(5))
        .await
        .unwrap()
        .expect("the free seats can be held");
    let lines = sim.call(
        NOW,
        &["--caller-id", "+819012345678"],
        &script(&[
            &["新しく予約したいです"],
            &ELIGIBLE,
            &["尾西事務所", "1人です", "12月10日", "午前10時"],
        ]),
    );
    // Not offered as free: the caller hears it is taken and what is near.
    let offered: Vec<String> = agent(&lines)
        .into_iter()
        .skip_while(|l| !l.contains("午前10時"))
        .collect();
    assert!(
        !offered
            .iter()
            .any(|l| l.contains("12月10日 木曜日、午前10時、")),
        "the held 10:00 was offered: {offered:#?}"
    );
    assert!(
        offered
            .iter()
            .any(|l| l.contains("満席") && l.contains("午前10時半")),
        "no nearby time offered: {offered:#?}"
    );
    assert_eq!(store.held_seats(ten.id).await.unwrap(), free);
}

#[tokio::test]
async fn a_caller_books_with_the_keypad_where_speech_fails() {
    let sim = seeded();
    let lines = sim.call(
        NOW,
        &[],
        &[
            "#dtmf 1",
            "#dtmf 1",
            "#dtmf 2",
            "#dtmf 1",
            "#dtmf 1210",
            "#dtmf 1030",
            "いちのみや はなこ",
            "#dtmf 19600401",
            "#dtmf 09087654321",
            "#dtmf 1",
        ],
    );
    let end = outcome(&lines);
    assert_eq!(end["outcome"], "booked", "{lines:#?}");
    assert_eq!(end["venue"], "尾西事務所");
    assert_eq!(end["start"], "2026-12-10T10:30:00+09:00");
    assert_eq!(end["party_size"], 1);
}

#[tokio::test]
async fn a_full_slot_is_said_plainly_and_the_three_earliest_free_slots_are_offered() {
    let sim = seeded();
    let lines = sim.call(
        NOW,
        &["--caller-id", "+819012345678"],
        &script(&[
            &["予約をお願いします"],
            &ELIGIBLE,
            &["尾西事務所", "1人", "12月2日の午前10時", "1番"],
            &["いちのみや じろう", "昭和40年5月5日", "はい"],
        ]),
    );
    let offer = agent(&lines)
        .into_iter()
        .find(|l| l.contains("満席"))
        .expect("the agent says the slot is full");
    assert!(
        offer.contains("1番") && offer.contains("2番") && offer.contains("3番"),
        "{offer}"
    );
    let end = outcome(&lines);
    assert_eq!(end["outcome"], "booked");
    // The first alternative is the same venue, after the full slot.
    assert_eq!(end["venue"], "尾西事務所");
    assert!(end["start"].as_str().unwrap() > "2026-12-02T10:00:00+09:00");
}

#[tokio::test]
async fn a_party_larger_than_any_slot_is_told_how_many_fit_and_asked_again() {
    let sim = seeded();
    // Only the venues that seat two per slot take bookings: three together
    // fit nowhere (本庁舎, four a slot, is closed for the season).
    let store = sim.store().await;
    for venue in store.venues(true).await.unwrap() {
        if store
            .weekly_template(venue.id)
            .await
            .unwrap()
            .days
            .iter()
            .any(|d| d.capacity > 2)
        {
            store.set_venue_enabled(venue.id, false).await.unwrap();
        }
    }
    let lines = sim.call(
        NOW,
        &["--caller-id", "+819012345678"],
        &script(&[
            &["予約をお願いします"],
            &ELIGIBLE,
            &["尾西事務所", "3人", "12月10日の午前10時", "2人"],
            &["いちのみや じろう", "昭和40年5月5日", "はい"],
        ]),
    );
    assert!(
        said_anywhere(
            &lines,
            "3名さまご一緒に空いている枠がありません。2名さままででしたら"
        ),
        "{:#?}",
        agent(&lines)
    );
    let end = outcome(&lines);
    assert_eq!(end["outcome"], "booked", "{:#?}", agent(&lines));
    assert_eq!(end["party_size"], 2);
    assert_eq!(end["venue"], "尾西事務所");
    assert_eq!(end["start"], "2026-12-10T10:00:00+09:00");
}

#[tokio::test]
async fn a_hesitant_verbose_caller_is_understood() {
    let sim = seeded();
    let lines = sim.call(
        NOW,
        &["--caller-id", "+819012345678"],
        &[
            "えーと、あのー、マイナンバーカードの更新の予約をお願いしたいんですけど",
            "はい、全部大丈夫です",
            "えっと、びさいの事務所でお願いします",
            "あの、ふたりです",
            "じゅうにがつとおかでお願いします",
            "えーと、あの、朝の9時半でお願いします",
            "一宮 花子です",
            "いちのみや はなこ です",
            "しょうわ よんじゅうねん しがつ ついたち です",
            "はい、お願いします",
        ],
    );
    let end = outcome(&lines);
    assert_eq!(end["outcome"], "booked", "{lines:#?}");
    assert_eq!(end["start"], "2026-12-10T09:30:00+09:00");
    assert_eq!(end["party_size"], 2);
}

#[tokio::test]
async fn a_wrong_answer_is_corrected_at_the_read_back() {
    let sim = seeded();
    let lines = sim.call(
        NOW,
        &["--caller-id", "+819012345678"],
        &script(&[
            &["予約したいです"],
            &ELIGIBLE,
            &["尾西事務所", "1人", "12月10日", "午前10時"],
            &["いちのみや さぶろう", "昭和35年4月1日"],
            &[
                "いいえ",
                "日にちを直したいです",
                "12月11日の午前11時",
                "はい",
            ],
        ]),
    );
    assert!(said_anywhere(&lines, "どこを変えますか"));
    let end = outcome(&lines);
    assert_eq!(end["outcome"], "booked", "{lines:#?}");
    assert_eq!(end["start"], "2026-12-11T11:00:00+09:00");
    // The seat first held (12/10 10:00) was given back.
    let store = sim.store().await;
    let first = bisai_dec_10_at_ten(&store).await;
    assert_eq!(store.held_seats(first.id).await.unwrap(), 0);
}

#[tokio::test]
async fn repeated_failures_are_transferred_during_staffed_hours() {
    let sim = seeded();
    let lines = sim.call(
        NOW,
        &[],
        &["予約したい", "はい", "ほげほげ", "ふがふが", "ぴよぴよ"],
    );
    // After the first failure the question is rephrased with the keypad.
    assert!(said_anywhere(&lines, "番号を押すか"));
    let transfer = lines
        .iter()
        .find(|l| l["action"] == "transfer")
        .expect("a transfer");
    assert_eq!(transfer["to"], "0586-28-0000");
    assert_eq!(outcome(&lines)["outcome"], "transferred");
}

#[tokio::test]
async fn outside_staffed_hours_the_caller_hears_the_number_and_hours_and_may_get_an_sms() {
    let sim = seeded();
    let lines = sim.call(
        EVENING,
        &["--caller-id", "+819012345678"],
        &["オペレーターと話したい", "はい"],
    );
    assert!(lines.iter().all(|l| l["action"] != "transfer"));
    assert!(said_anywhere(&lines, "平日の午前8時半から午後5時15分まで"));
    let sms = lines
        .iter()
        .find(|l| l["action"] == "sms_link")
        .expect("an SMS link");
    assert_eq!(sms["to"], "+819012345678");
    assert_eq!(outcome(&lines)["outcome"], "failed");
}

async fn web_booking(sim: &Sim, day: u32, minute: u32) -> (String, i64) {
    let store = sim.store().await;
    let venue = store
        .venues(false)
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.code == "honcho")
        .unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
    let slot = store
        .slots_between(venue.id, date, date)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.start_min == minute)
        .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let applicant = ApplicantForm {
        party_size: "1".into(),
        name: "一宮 四郎".into(),
        name_kana: "いちのみや しろう".into(),
        birth_date: "昭和30年2月3日".into(),
        phone: "090-5555-0001".into(),
        email: String::new(),
        notify: "sms".into(),
    }
    .validate(now.with_timezone(&madoguchi_core::JST).date_naive())
    .unwrap();
    let booking = store
        .book(
            &NewBooking {
                slot_id: slot.id,
                applicant,
                channel: Channel::Web,
                request_key: None,
            },
            &Actor::Citizen,
            now,
        )
        .await
        .unwrap();
    store.close().await;
    (booking.reservation_no.as_str().to_owned(), booking.id.0)
}

#[tokio::test]
async fn a_web_booking_is_changed_by_phone() {
    let sim = seeded();
    let (number, id) = web_booking(&sim, 11, 600).await;
    let spoken: String = number.chars().map(|c| format!("{c} ")).collect();
    let lines = sim.call(
        NOW,
        &[],
        &[
            "予約を変更したいです",
            &spoken,
            "09055550001",
            "12月14日",
            "午後2時",
            "はい",
        ],
    );
    let end = outcome(&lines);
    assert_eq!(end["outcome"], "changed", "{lines:#?}");
    assert_eq!(end["reservation_no"], number.as_str());
    assert_eq!(end["start"], "2026-12-14T14:00:00+09:00");
    let store = sim.store().await;
    let booking = store
        .get_booking(madoguchi_core::ids::BookingId(id))
        .await
        .unwrap();
    assert_eq!(
        booking.slot_date,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 14).unwrap()
    );
    assert_eq!(booking.start_min, 14 * 60);
}

#[tokio::test]
async fn a_web_booking_is_cancelled_by_phone_with_the_birth_date() {
    let sim = seeded();
    let (number, id) = web_booking(&sim, 11, 630).await;
    let keyed = format!("#dtmf {number}");
    let lines = sim.call(NOW, &[], &["#dtmf 4", &keyed, "昭和30年2月3日", "はい"]);
    assert!(said_anywhere(&lines, "12月11日 金曜日、午前10時半"));
    assert_eq!(outcome(&lines)["outcome"], "cancelled");
    let store = sim.store().await;
    let booking = store
        .get_booking(madoguchi_core::ids::BookingId(id))
        .await
        .unwrap();
    assert_eq!(
        booking.status,
        madoguchi_core::booking::BookingStatus::Cancelled
    );
}

#[tokio::test]
async fn a_booking_is_looked_up_and_a_wrong_second_factor_finds_nothing() {
    let sim = seeded();
    let (number, _) = web_booking(&sim, 11, 660).await;
    let keyed = format!("#dtmf {number}");
    let lines = sim.call(
        NOW,
        &[],
        &[
            "予約の確認をしたい",
            &keyed,
            "#dtmf 09099999999",
            &keyed,
            "#dtmf 09055550001",
        ],
    );
    assert!(said_anywhere(&lines, "見つかりませんでした"));
    assert!(said_anywhere(
        &lines,
        "本庁舎 市民課、12月11日 金曜日、午前11時、1名さま"
    ));
    let end = outcome(&lines);
    assert_eq!(end["outcome"], "looked_up");
    assert_eq!(end["reservation_no"], number.as_str());
}

#[tokio::test]
async fn a_call_abandoned_midway_records_its_state_and_reason() {
    let sim = seeded();
    let lines = sim.call(NOW, &[], &["予約したい", "はい", "本庁舎", "#hangup"]);
    assert_eq!(outcome(&lines)["outcome"], "abandoned");
    let silent = sim.call(
        NOW,
        &[],
        &["予約したい", "#silence", "#silence", "#silence"],
    );
    assert_eq!(outcome(&silent)["outcome"], "abandoned");
    assert!(said_anywhere(&silent, "お声が聞こえませんでした"));

    let store = sim.store().await;
    let calls = store.calls(10, 0).await.unwrap();
    assert_eq!(calls.len(), 2);
    let (silence, hangup) = (&calls[0], &calls[1]);
    assert_eq!(hangup.outcome.as_deref(), Some("abandoned"));
    assert_eq!(hangup.end_reason.as_deref(), Some("hangup"));
    assert_eq!(hangup.end_state.as_deref(), Some("party"));
    assert_eq!(silence.end_reason.as_deref(), Some("silence"));
    assert_eq!(silence.end_state.as_deref(), Some("eligibility"));
    // Every turn is logged with what the caller said and what was understood.
    let turns = store.call_turns(hangup.id).await.unwrap();
    assert_eq!(turns.len(), 5, "start + 4 inputs");
    assert_eq!(turns[3].caller_input, "本庁舎");
    assert_eq!(turns[3].state, "venue");
    assert!(turns[3].understood.starts_with("venue="));
    assert!(turns[3].prompt_text.contains("何名さま"));
    assert_eq!(turns[4].caller_input, "#hangup");
}

#[tokio::test]
async fn a_dry_run_books_nothing() {
    let sim = seeded();
    let lines = sim.call(
        NOW,
        &["--caller-id", "+819012345678", "--dry-run"],
        &script(&[
            &["予約したい"],
            &ELIGIBLE,
            &["尾西事務所", "1人", "12月10日", "午前10時"],
            &["いちのみや たろう", "昭和35年4月1日", "はい"],
        ]),
    );
    let end = outcome(&lines);
    assert_eq!(end["outcome"], "booked");
    let store = sim.store().await;
    let number = ReservationNo::parse(end["reservation_no"].as_str().unwrap()).unwrap();
    let found = store
        .find_booking(&number, &PhoneNumber::parse("09012345678").unwrap())
        .await
        .unwrap();
    assert!(found.is_none());
}

#[tokio::test]
async fn a_published_scenario_is_used_and_each_call_records_its_version() {
    let sim = seeded();
    let file = sim._dir.path().join("scenario.json");
    std::fs::write(
        &file,
        r#"{"prompts": {"greeting": "はい、一宮市の予約窓口です。"}}"#,
    )
    .unwrap();
    let run = |args: &[&str]| {
        let status = Command::new(bin())
            .args(["--db", &sim.db, "--now", NOW, "call", "scenario"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{args:?}");
    };
    run(&["draft", file.to_str().unwrap()]);
    // A draft is not used until published.
    let before = sim.call(NOW, &[], &["#hangup"]);
    assert!(!said_anywhere(&before, "はい、一宮市の予約窓口です。"));
    run(&["publish"]);
    let after = sim.call(NOW, &[], &["#hangup"]);
    assert!(said_anywhere(&after, "はい、一宮市の予約窓口です。"));
    run(&["rollback", "1"]);
    let store = sim.store().await;
    let calls = store.calls(10, 0).await.unwrap();
    assert_eq!(calls[0].scenario_version, Some(1));
    assert_eq!(calls[1].scenario_version, None);
    assert_eq!(store.published_scenario().await.unwrap().unwrap().id, 2);
}

/// Three turns that fail at the venue question, after the eligibility
/// questions: the agent gives up on the caller.
const FAILING: [&str; 5] = ["予約したい", "はい", "ほげほげ", "ふがふが", "ぴよぴよ"];

#[tokio::test]
async fn a_caller_failing_outside_staffed_hours_accepts_the_sms_and_the_link_is_queued() {
    let sim = seeded();
    let mut accepted = FAILING.to_vec();
    accepted.push("はい");
    let lines = sim.call(EVENING, &["--caller-id", "09012345678"], &accepted);
    assert!(lines.iter().all(|l| l["action"] != "transfer"));
    assert!(said_anywhere(&lines, "平日の午前8時半から午後5時15分まで"));
    let sms = lines
        .iter()
        .find(|l| l["action"] == "sms_link")
        .expect("an SMS link");
    assert_eq!(sms["to"], "+819012345678");
    assert!(said_anywhere(&lines, "SMSをお送りしました"));
    assert_eq!(outcome(&lines)["outcome"], "failed");

    let store = sim.store().await;
    let call = store.calls(1, 0).await.unwrap().remove(0);
    let link = store
        .link_sms_for_call(call.id)
        .await
        .unwrap()
        .expect("the link SMS is queued for the worker");
    assert_eq!(link.phone, "+819012345678");
    assert_eq!(link.status, madoguchi_store::NoticeStatus::Queued);
    // Queued with the turn that accepted it.
    let turns = store.call_turns(call.id).await.unwrap();
    let last = turns.last().unwrap();
    assert_eq!(last.caller_input, "はい");
    assert!(
        last.prompt_id.contains("sms_link_sent"),
        "{}",
        last.prompt_id
    );
    assert_eq!(link.created_at, last.at);

    // A dry run queues nothing.
    let dry = sim.call(
        EVENING,
        &["--caller-id", "09012345678", "--dry-run"],
        &accepted,
    );
    assert!(dry.iter().any(|l| l["action"] == "sms_link"));
    let dry_call = store.calls(1, 0).await.unwrap().remove(0);
    assert!(dry_call.dry_run);
    assert_eq!(store.link_sms_for_call(dry_call.id).await.unwrap(), None);

    // The number gets at most three links a day, however often it calls;
    // past the cap the agent does not say it sent one.
    let mut last = Vec::new();
    for _ in 0..3 {
        last = sim.call(EVENING, &["--caller-id", "09012345678"], &accepted);
    }
    assert!(last.iter().all(|l| l["action"] != "sms_link"));
    assert!(!said_anywhere(&last, "SMSをお送りしました"));
    assert!(said_anywhere(
        &last,
        "本日はもうご案内のSMSをお送りできません"
    ));
    let calls = store.calls(10, 0).await.unwrap();
    let mut queued = 0;
    for c in &calls {
        if store.link_sms_for_call(c.id).await.unwrap().is_some() {
            queued += 1;
        }
    }
    assert_eq!((calls.len(), queued), (5, 3));

    // Declining queues nothing.
    let mut declined = FAILING.to_vec();
    declined.push("いいえ");
    let other = sim.call(EVENING, &["--caller-id", "08011112222"], &declined);
    assert!(other.iter().all(|l| l["action"] != "sms_link"));
    let last_call = store.calls(1, 0).await.unwrap().remove(0);
    assert_eq!(store.link_sms_for_call(last_call.id).await.unwrap(), None);
}

#[tokio::test]
async fn a_booking_said_in_few_long_answers_skips_what_is_known() {
    let sim = seeded();
    let lines = sim.call(
        NOW,
        &["--caller-id", "+819012345678"],
        &[
            "12月10日の午前中に尾西事務所で二人お願いします",
            "はい",
            "はい",
            "いちのみや たろう",
            "昭和35年4月1日",
            "はい",
        ],
    );
    let end = outcome(&lines);
    assert_eq!(end["outcome"], "booked", "{lines:#?}");
    assert_eq!(end["venue"], "尾西事務所");
    assert_eq!(end["party_size"], 2);
    let start = end["start"].as_str().unwrap();
    assert!(
        start.starts_with("2026-12-10T09") || start.starts_with("2026-12-10T10"),
        "{start}"
    );
    // The earliest morning slot was offered as a question.
    assert!(said_anywhere(&lines, "はいかがですか"));
    assert!(!said_anywhere(&lines, "会場はどちらですか"));
    assert!(!said_anywhere(&lines, "何名さまですか"));
    assert!(agent(&lines).len() <= 8, "{lines:#?}");
}

#[tokio::test]
async fn a_correction_with_its_value_at_the_read_back_keeps_the_rest() {
    let sim = seeded();
    let lines = sim.call(
        NOW,
        &["--caller-id", "+819012345678"],
        &[
            "予約をお願いします",
            "はい",
            "尾西事務所",
            "2人",
            "12月10日の午前10時",
            "いちのみや たろう",
            "昭和35年4月1日",
            "いいえ、日にちが違います。十二月十五日です",
            "はい",
        ],
    );
    let end = outcome(&lines);
    assert_eq!(end["outcome"], "booked", "{lines:#?}");
    // The new day, the time and everything else kept.
    assert_eq!(end["start"], "2026-12-15T10:00:00+09:00");
    assert_eq!(end["party_size"], 2);
    assert!(!said_anywhere(&lines, "どこを変えますか"));
}

#[tokio::test]
async fn a_cancellation_misheard_is_never_booked() {
    let sim = seeded();
    for said in ["パンセルしたいです", "予約をやめたいんです"] {
        let lines = sim.call(NOW, &[], &[said, "#hangup"]);
        assert!(
            said_anywhere(&lines, "ご予約の取り消しですね"),
            "{said}: {lines:#?}"
        );
        assert!(!said_anywhere(&lines, "当てはまりますか"));
    }
}

#[tokio::test]
async fn a_name_never_heard_does_not_stop_the_booking() {
    let sim = seeded();
    let lines = sim.call(
        NOW,
        &["--caller-id", "+819012345678"],
        &[
            "予約をお願いします",
            "はい",
            "尾西事務所",
            "1人",
            "12月10日の午前10時",
            "鈴木花子",
            "すづき、鼻子",
            "すづき、鼻子",
            "昭和35年4月1日",
            "はい",
        ],
    );
    let end = outcome(&lines);
    assert_eq!(end["outcome"], "booked", "{lines:#?}");
    assert!(lines.iter().all(|l| l["action"] != "transfer"));
    assert!(said_anywhere(&lines, "後ほど担当の者が確認"));
    let store = sim.store().await;
    let call = store.calls(1, 0).await.unwrap().remove(0);
    let turns = store.call_turns(call.id).await.unwrap();
    assert!(
        turns.iter().any(|t| t.understood.contains("name_to_check")),
        "the call log says the name is to be checked"
    );
}
