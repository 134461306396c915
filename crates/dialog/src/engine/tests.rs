#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use madoguchi_core::eligibility::Checklist;
use madoguchi_core::reservation_no::ReservationNo;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn ctx(staffed: bool, caller: Option<&str>) -> CallContext {
    CallContext {
        today: day(12, 1),
        staffed_now: staffed,
        caller_id: caller.map(|c| PhoneNumber::parse(c).unwrap()),
        venues: vec![
            VenueInfo {
                id: 10,
                name: "本庁舎 市民課".into(),
                kana: "ほんちょうしゃ しみんか".into(),
                aliases: vec![],
                open_min: 540,
                close_min: 990,
            },
            VenueInfo {
                id: 20,
                name: "尾西事務所".into(),
                kana: "びさいじむしょ".into(),
                aliases: vec![],
                open_min: 540,
                close_min: 990,
            },
        ],
        checklist: Checklist::default(),
        city_name: "一宮市".into(),
        city_phone: "0586-28-0000".into(),
    }
}

fn offer(slot_id: i64, d: u32, min: u32) -> SlotOffer {
    SlotOffer {
        slot_id,
        venue_id: 20,
        venue_name: "尾西事務所".into(),
        date: day(12, d),
        start_min: min,
    }
}

/// A call with a scripted world: queries are answered by `world`, and
/// every output (answers' outputs included) is collected.
struct Harness {
    engine: Engine,
    queries: Vec<Query>,
    world: Box<dyn FnMut(&Query) -> Answer>,
    /// What the pronunciation dictionary answers (none, as in the text
    /// simulator, unless a test sets it).
    reading: Option<String>,
}

impl Harness {
    fn new(
        scenario: Scenario,
        ctx: CallContext,
        world: impl FnMut(&Query) -> Answer + 'static,
    ) -> Self {
        Self {
            engine: Engine::new(scenario, ctx),
            queries: Vec::new(),
            world: Box::new(world),
            reading: None,
        }
    }

    fn send(&mut self, event: Event) -> Vec<Output> {
        let mut all = Vec::new();
        let mut pending = self.engine.handle(event);
        while !pending.is_empty() {
            let mut next = Vec::new();
            for o in pending {
                if let Output::Query(q) = &o {
                    self.queries.push(q.clone());
                    let answer = match q {
                        Query::ReadName { .. } => Answer::Reading(self.reading.clone()),
                        _ => (self.world)(q),
                    };
                    next.extend(self.engine.handle(Event::Answer(answer)));
                }
                all.push(o);
            }
            pending = next;
        }
        all
    }

    fn say(&mut self, text: &str) -> Vec<Output> {
        self.send(Event::Said(text.to_owned()))
    }

    fn keys(&mut self, keys: &str) -> Vec<Output> {
        self.send(Event::Dtmf(keys.to_owned()))
    }
}

fn prompts(out: &[Output]) -> Vec<&str> {
    out.iter()
        .filter_map(|o| match o {
            Output::Say(u) => Some(u.prompt_id.as_str()),
            _ => None,
        })
        .collect()
}

fn text(out: &[Output]) -> String {
    out.iter()
        .filter_map(|o| match o {
            Output::Say(u) => Some(u.text.as_str()),
            _ => None,
        })
        .collect()
}

fn ended(out: &[Output]) -> Option<&CallEnd> {
    out.iter().find_map(|o| match o {
        Output::End(e) => Some(e),
        _ => None,
    })
}

fn friendly_world(q: &Query) -> Answer {
    match q {
        Query::FindSlot { .. } => Answer::Slot(SlotSearch::Available(offer(5, 10, 600))),
        Query::Hold { .. } => Answer::Held(Some(7)),
        Query::Book(r) => Answer::Booked(Ok(BookingInfo {
            reservation_no: "12345674".into(),
            phone: r.phone.clone(),
            venue_id: 20,
            venue_name: "尾西事務所".into(),
            date: day(12, 10),
            start_min: 600,
            party_size: r.party_size,
            changeable: true,
        })),
        _ => Answer::Booking(None),
    }
}

/// A reservation number with a valid check digit.
fn valid_number() -> String {
    (0..10)
        .map(|d| format!("1234567{d}"))
        .find(|n| ReservationNo::parse(n).is_ok())
        .unwrap()
}

fn to_venue_question(h: &mut Harness) {
    h.send(Event::Start);
    h.say("予約をお願いします");
    h.say("はい");
}

/// At the date question: 尾西事務所, one person.
fn to_date_question(h: &mut Harness) {
    to_venue_question(h);
    h.say("尾西");
    h.say("1人");
}

/// Every agent utterance's text, one entry per agent turn.
fn turn_text(out: &[Output]) -> Option<String> {
    let t = text(out);
    (!t.is_empty()).then_some(t)
}

#[test]
fn a_booking_collects_everything_reads_it_back_and_books_with_the_hold() {
    let mut h = Harness::new(
        Scenario::default(),
        ctx(true, Some("09012345678")),
        friendly_world,
    );
    let start = h.send(Event::Start);
    assert_eq!(prompts(&start), ["greeting", "ask_intent"]);
    let errand = h.say("予約をお願いします");
    assert_eq!(prompts(&errand), ["intent_new", "ask_eligibility"]);
    // The three items are read once and answered by one はい.
    assert!(text(&errand).contains("有効期限通知書"));
    assert!(text(&errand).contains("暗証番号"));
    assert_eq!(prompts(&h.say("はい")), ["ask_venue"]);
    assert_eq!(prompts(&h.say("尾西事務所")), ["ask_party"]);
    assert_eq!(prompts(&h.say("2人")), ["ask_date"]);
    assert_eq!(prompts(&h.say("12月10日")), ["ask_time"]);
    let taken = h.say("午前10時");
    // What was asked for, to the minute: said, not asked again (the day
    // was just said back with the time question).
    assert_eq!(prompts(&taken), ["slot_ok_time", "ask_name"]);
    assert!(text(&taken).starts_with("午前10時、お取りできます"));
    assert_eq!(
        h.queries[1..3],
        [
            Query::FindSlot {
                venue_id: 20,
                date: DateWish::Day(day(12, 10)),
                time: TimeWish::At(600),
                seats: 2
            },
            Query::Hold {
                slot_id: 5,
                seats: 2
            }
        ]
    );
    // A name heard in kana is its own reading: no reading question.
    assert_eq!(prompts(&h.say("いちのみや たろう")), ["ask_birth"]);
    // The caller's own mobile gets the SMS: not asked, not read back.
    let read_back = h.say("昭和35年4月1日");
    assert_eq!(prompts(&read_back), ["confirm_booking"]);
    assert_eq!(
        text(&read_back),
        "確認します。尾西事務所、12月10日 木曜日、午前10時、2名さま、イチノミヤ\u{3000}タロウさま、昭和35年4月1日生まれ。よろしいですか。"
    );
    let done = h.say("はい");
    assert_eq!(
        prompts(&done),
        ["booked", "read_number", "booked_after", "closing"]
    );
    let Some(Query::Book(request)) = h.queries.last() else {
        panic!("a booking was asked for");
    };
    assert_eq!(request.hold_id, Some(7));
    assert_eq!(request.phone, "09012345678");
    assert_eq!(request.name_kana, "イチノミヤ\u{3000}タロウ");
    assert!(!request.name_to_check);
    assert_eq!(
        request.birth_date,
        NaiveDate::from_ymd_opt(1960, 4, 1).unwrap()
    );
    // The reservation number is said twice, in digit groups, slowly, to the end.
    let number = done
        .iter()
        .find_map(|o| match o {
            Output::Say(u) if u.prompt_id == "read_number" => Some(u),
            _ => None,
        })
        .unwrap();
    assert!(!number.interruptible);
    assert_eq!(number.rate, 0.8);
    assert_eq!(number.text.matches("いち にー さん よん、").count(), 2);
    let end = ended(&done).unwrap();
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Booked, EndReason::Completed)
    );
    assert!(h.engine.is_ended());
}

#[test]
fn every_utterance_is_its_pieces_and_only_names_are_free_text() {
    let mut h = Harness::new(
        Scenario::default(),
        ctx(true, Some("09012345678")),
        friendly_world,
    );
    let fixed = crate::prompts::fixed_fragments(&h.engine.scenario);
    let days: Vec<NaiveDate> = (1..=31).map(|d| day(12, d)).collect();
    let values = crate::prompts::values(&h.engine.scenario, &h.engine.ctx, &days);
    let mut all = h.send(Event::Start);
    for answer in [
        "予約をお願いします",
        "はい",
        "尾西事務所",
        "2人",
        "12月10日",
        "午前10時",
        "いちのみや たろう",
        "昭和35年4月1日",
        "はい",
    ] {
        all.extend(h.say(answer));
    }
    for o in &all {
        let Output::Say(u) = o else { continue };
        let joined: String = u.pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, u.text, "{}", u.prompt_id);
        for p in &u.pieces {
            match p.kind {
                crate::prompts::PieceKind::Fixed => {
                    assert!(fixed.contains(&p.text), "fixed {:?}", p.text)
                }
                crate::prompts::PieceKind::Value => {
                    assert!(values.contains(&p.text), "value {:?}", p.text)
                }
                crate::prompts::PieceKind::Name => assert_eq!(u.prompt_id, "confirm_booking"),
            }
        }
    }
}

#[test]
fn a_plain_booking_takes_at_most_ten_agent_turns_and_a_minute_of_speech() {
    let mut h = Harness::new(
        Scenario::default(),
        ctx(true, Some("09012345678")),
        friendly_world,
    );
    let mut turns: Vec<String> = turn_text(&h.send(Event::Start)).into_iter().collect();
    for answer in [
        "予約をお願いします",
        "はい",
        "尾西事務所",
        "2人",
        "12月10日",
        "午前10時",
        "いちのみや たろう",
        "昭和35年4月1日",
        "はい",
    ] {
        turns.extend(turn_text(&h.say(answer)));
    }
    assert!(h.engine.is_ended());
    let chars: usize = turns
        .iter()
        .map(|t| t.chars().filter(|c| *c != ' ').count())
        .sum();
    // Open JTalk at rate 1.0 said the old prompts at 5.1–6.2 characters a
    // second (issue 11: 18.7 s for the 95 of greeting and errand question,
    // 14.4 s for the 90 of the date question); 5.5 a second is the middle.
    // The voice benchmark measures the real figure.
    let seconds = chars as f64 / 5.5;
    eprintln!(
        "plain booking: {} agent turns, {chars} characters, ~{seconds:.0} s",
        turns.len()
    );
    assert!(turns.len() <= 10, "{} turns: {turns:#?}", turns.len());
    assert!(seconds <= 60.0, "{chars} characters: {turns:#?}");
}

#[test]
fn every_question_takes_the_keypad() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    h.send(Event::Start);
    assert_eq!(prompts(&h.keys("1")), ["intent_new", "ask_eligibility"]);
    assert_eq!(prompts(&h.keys("1")), ["ask_venue"]);
    assert_eq!(prompts(&h.keys("2")), ["ask_party"]);
    h.keys("1");
    h.keys("1210");
    assert_eq!(prompts(&h.keys("1030")), ["offer_slot"]);
    assert_eq!(
        h.queries[1],
        Query::FindSlot {
            venue_id: 20,
            date: DateWish::Day(day(12, 10)),
            time: TimeWish::At(630),
            seats: 1
        }
    );
}

#[test]
fn the_intent_menu_takes_keys_and_says_the_errand_back() {
    for (key, said, first) in [
        ("2", "intent_look_up", "ask_number"),
        ("3", "intent_change", "ask_number"),
        ("4", "intent_cancel", "ask_number"),
    ] {
        let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
        h.send(Event::Start);
        assert_eq!(prompts(&h.keys(key)), [said, first]);
    }
}

#[test]
fn a_cancellation_is_never_taken_for_a_new_booking() {
    for said in [
        "予約を取り消したい",
        "キャンセルお願いします",
        "予約をやめたいんです",
        "パンセルしたいんですが",
        "カンセルです",
        "完成お願いします",
    ] {
        let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
        h.send(Event::Start);
        let out = h.say(said);
        assert_eq!(prompts(&out), ["intent_cancel", "ask_number"], "{said}");
        assert!(text(&out).starts_with("ご予約の取り消しですね。"));
    }
    // A wrong errand said back is put right at the next answer.
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    h.send(Event::Start);
    h.say("確認したい");
    let out = h.say("いいえ、取り消したいんです");
    assert_eq!(prompts(&out), ["intent_cancel", "ask_number"]);
}

#[test]
fn one_utterance_fills_every_answer_it_holds() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    h.send(Event::Start);
    let out = h.say("来週の水曜の午前中に尾西で二人お願いします");
    assert_eq!(prompts(&out), ["intent_new", "ask_eligibility"]);
    // Venue, party, date and time are known: straight to the offer.
    let offer = h.say("はい");
    assert_eq!(prompts(&offer), ["offer_slot"]);
    let Query::FindSlot {
        venue_id,
        date,
        time,
        seats,
    } = h.queries[0].clone()
    else {
        panic!("a slot search first: {:?}", h.queries);
    };
    assert_eq!((venue_id, date, seats), (20, DateWish::Day(day(12, 9)), 2));
    assert!(
        matches!(time, TimeWish::Range(_, to) if to <= 12 * 60),
        "{time:?}"
    );
    // The slot differs from the wish: offered as a question.
    assert!(text(&offer).contains("12月10日 木曜日、午前10時はいかがですか"));
}

#[test]
fn no_preference_offers_the_earliest_slot_as_a_question() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_date_question(&mut h);
    let out = h.say("一番早い日でお願いします");
    assert_eq!(prompts(&out), ["offer_slot"]);
    assert_eq!(
        h.queries[0],
        Query::FindSlot {
            venue_id: 20,
            date: DateWish::Earliest,
            time: TimeWish::Any,
            seats: 1
        }
    );
    assert_eq!(h.engine.expect(), Expect::Confirm);
    assert_eq!(prompts(&h.say("はい")), ["ask_name"]);
}

#[test]
fn a_correction_said_with_its_value_at_the_offer_keeps_what_was_right() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_venue_question(&mut h);
    h.say("尾西");
    h.say("2人");
    h.say("一番早い日");
    let out = h.say("いいえ、日にちが違います。十二月十日です");
    assert_eq!(out[0], Output::Action(Action::ReleaseHold { hold_id: 7 }));
    let searched = h
        .queries
        .iter()
        .rfind(|q| matches!(q, Query::FindSlot { .. }))
        .unwrap();
    assert!(
        matches!(
            searched,
            Query::FindSlot {
                venue_id: 20,
                date: DateWish::Day(d),
                seats: 2,
                ..
            } if *d == day(12, 10)
        ),
        "{searched:?}"
    );
    // No value: what to change is asked.
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_venue_question(&mut h);
    h.say("尾西");
    h.say("2人");
    h.say("一番早い日");
    assert_eq!(prompts(&h.say("いいえ")), ["ask_fix"]);
    assert_eq!(prompts(&h.say("時間です")), ["ask_time"]);
}

#[test]
fn a_correction_said_with_its_value_at_the_read_back_is_taken() {
    let mut h = Harness::new(
        Scenario::default(),
        ctx(true, Some("09012345678")),
        friendly_world,
    );
    to_venue_question(&mut h);
    for a in [
        "尾西",
        "2人",
        "12月10日の午前10時",
        "いちのみや たろう",
        "昭和35年4月1日",
    ] {
        h.say(a);
    }
    let out = h.say("いいえ、人数は3人です");
    assert_eq!(out[0], Output::Action(Action::ReleaseHold { hold_id: 7 }));
    assert_eq!(prompts(&out), ["slot_ok", "confirm_booking"]);
    assert!(text(&out).contains("3名さま"));
    assert!(h.queries.contains(&Query::Hold {
        slot_id: 5,
        seats: 3
    }));
    // Named wrong without a value: asked again, the rest kept.
    let out = h.say("名前が違います");
    assert_eq!(prompts(&out), ["ask_name"]);
    assert_eq!(prompts(&h.say("いちのみや じろう")), ["confirm_booking"]);
}

#[test]
fn the_birth_date_is_read_back_and_a_wrong_one_is_taken_or_keyed() {
    let mut h = Harness::new(
        Scenario::default(),
        ctx(true, Some("09012345678")),
        friendly_world,
    );
    to_venue_question(&mut h);
    for a in ["尾西", "2人", "12月10日の午前10時", "いちのみや たろう"] {
        h.say(a);
    }
    // ついたち heard as 2日, the recognizer's favourite slip.
    let read_back = h.say("昭和35年4月2日");
    assert!(text(&read_back).contains("昭和35年4月2日生まれ"));
    // The right date said with the no: taken, the visit's day untouched.
    let out = h.say("いいえ、昭和35年4月1日です");
    assert_eq!(prompts(&out), ["confirm_booking"]);
    assert!(text(&out).contains("12月10日 木曜日、午前10時"));
    assert!(text(&out).contains("昭和35年4月1日生まれ"));
    // Named wrong without a value: the keypad is offered at once.
    let out = h.say("生年月日が違います");
    assert_eq!(prompts(&out), ["ask_birth_retry"]);
    let out = h.keys("19600401");
    assert_eq!(prompts(&out), ["confirm_booking"]);
    let done = h.say("はい");
    assert!(ended(&done).is_some_and(|e| e.outcome == Outcome::Booked));
    let Some(Query::Book(request)) = h.queries.last() else {
        panic!("booked");
    };
    assert_eq!(
        request.birth_date,
        NaiveDate::from_ymd_opt(1960, 4, 1).unwrap()
    );
    assert!(h.queries.contains(&Query::FindSlot {
        venue_id: 20,
        date: DateWish::Day(day(12, 10)),
        time: TimeWish::At(600),
        seats: 2
    }));
}

#[test]
fn a_weekday_that_does_not_match_the_date_is_asked() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_date_question(&mut h);
    let out = h.say("12月1日の土曜日");
    assert_eq!(prompts(&out), ["confirm_date"]);
    assert!(text(&out).contains("12月1日 火曜日で"));
    assert!(h.queries.is_empty(), "nothing searched yet");
    // A no offers the keypad in the same breath.
    let out = h.say("いいえ");
    assert_eq!(prompts(&out), ["ask_date_retry"]);
    assert!(text(&out).contains("4桁"));
    assert_eq!(prompts(&h.say("12月5日の土曜日")), ["ask_time"]);
}

#[test]
fn a_weekday_clash_proposes_the_confusable_day_that_falls_on_it() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_date_question(&mut h);
    // 2027-01-04 is a Monday; よっか heard as 6日 (a Wednesday).
    let out = h.say("1月6日の月曜日");
    assert_eq!(prompts(&out), ["confirm_date"]);
    assert!(
        text(&out).contains("1月4日 月曜日で、よろしいですか"),
        "{}",
        text(&out)
    );
    h.say("はい");
    assert!(h.queries.iter().any(|q| matches!(
        q,
        Query::FindSlot { date: DateWish::Day(d), .. } if *d == NaiveDate::from_ymd_opt(2027, 1, 4).unwrap()
    )));
}

#[test]
fn a_party_too_large_for_any_slot_is_asked_again_keeping_the_rest() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), |q| match q {
        Query::FindSlot { seats: 3.., .. } => Answer::Slot(SlotSearch::Unavailable {
            why: Unavailable::PartyTooLarge { at_most: 2 },
            alternatives: vec![],
        }),
        other => friendly_world(other),
    });
    to_venue_question(&mut h);
    h.say("尾西");
    h.say("3人");
    let out = h.say("12月10日の午前10時");
    assert_eq!(prompts(&out), ["party_too_large", "ask_party"]);
    assert!(text(&out).contains("3名さまご一緒に"), "{}", text(&out));
    assert!(text(&out).contains("2名さままで"), "{}", text(&out));
    assert!(!h.engine.is_ended());
    let out = h.say("2人");
    assert_eq!(prompts(&out), ["slot_ok", "ask_name"]);
    assert_eq!(
        h.queries.last(),
        Some(&Query::Hold {
            slot_id: 5,
            seats: 2
        })
    );
}

#[test]
fn a_day_that_cannot_be_booked_is_said_and_the_nearest_offered() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), |q| match q {
        Query::FindSlot {
            time: TimeWish::Any,
            ..
        } => Answer::Slot(SlotSearch::Unavailable {
            why: Unavailable::NoSlot,
            alternatives: vec![offer(6, 7, 540), offer(8, 8, 540)],
        }),
        Query::Hold { .. } => Answer::Held(Some(9)),
        _ => Answer::Booking(None),
    });
    to_date_question(&mut h);
    let out = h.say("12月5日");
    assert_eq!(prompts(&out), ["day_closed", "offer_slot"]);
    assert!(text(&out).contains("12月5日 土曜日は受付をしていません"));
    assert!(text(&out).contains("12月7日 月曜日、午前9時はいかがですか"));
    assert_eq!(prompts(&h.say("はい")), ["ask_name"]);
}

#[test]
fn a_time_without_its_hour_is_asked_with_the_keypad() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_date_question(&mut h);
    h.say("12月10日");
    let out = h.say("午後 時 分");
    assert_eq!(prompts(&out), ["ask_time_hour"]);
    assert!(text(&out).contains("4桁"));
    assert_eq!(h.queries.len(), 1, "only the day was checked");
    h.keys("1400");
    assert!(h.queries.contains(&Query::FindSlot {
        venue_id: 20,
        date: DateWish::Day(day(12, 10)),
        time: TimeWish::At(840),
        seats: 1
    }));
}

#[test]
fn one_miss_on_a_date_offers_the_keypad() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_date_question(&mut h);
    let out = h.say("ええと、なんだったかな");
    assert_eq!(prompts(&out), ["ask_date_retry"]);
    assert!(text(&out).contains("4桁で押してください"));
}

#[test]
fn a_name_never_heard_is_kept_for_staff_and_the_call_goes_on() {
    let mut h = Harness::new(
        Scenario::default(),
        ctx(true, Some("09012345678")),
        friendly_world,
    );
    to_date_question(&mut h);
    h.say("12月10日の午前10時");
    assert_eq!(prompts(&h.say("鈴木花子")), ["ask_kana"]);
    assert_eq!(prompts(&h.say("すづき、鼻子")), ["ask_kana_retry"]);
    let out = h.say("すづき、鼻子");
    assert_eq!(prompts(&out), ["name_to_check", "ask_birth"]);
    h.say("昭和35年4月1日");
    let done = h.say("はい");
    assert!(ended(&done).is_some_and(|e| e.outcome == Outcome::Booked));
    let Some(Query::Book(request)) = h.queries.last() else {
        panic!("booked");
    };
    assert!(request.name_to_check);
    assert_eq!(request.name, "鈴木花子");
    assert_eq!(request.name_kana, "スヅキ");
    assert!(
        !h.queries
            .iter()
            .any(|q| matches!(q, Query::FindBooking { .. }))
    );
}

#[test]
fn a_name_heard_in_kanji_is_read_from_the_dictionary_and_said_back() {
    let mut h = Harness::new(
        Scenario::default(),
        ctx(true, Some("09012345678")),
        friendly_world,
    );
    h.reading = Some("イチノミヤ タロウ".into());
    to_date_question(&mut h);
    h.say("12月10日の午前10時");
    // No reading question: the dictionary's reading goes to the read-back.
    assert_eq!(prompts(&h.say("一宮太郎です")), ["ask_birth"]);
    assert_eq!(
        h.queries.last(),
        Some(&Query::ReadName {
            name: "一宮太郎".into()
        })
    );
    let read_back = h.say("昭和35年4月1日");
    assert!(text(&read_back).contains("イチノミヤ\u{3000}タロウさま"));
    // A reading the caller says is wrong is asked of the caller, not of
    // the dictionary again.
    assert_eq!(prompts(&h.say("いいえ、名前が違います")), ["ask_name"]);
    assert_eq!(prompts(&h.say("一宮太郎")), ["ask_kana"]);
    assert_eq!(prompts(&h.say("いちのみや たろう")), ["confirm_booking"]);
    let done = h.say("はい");
    assert!(ended(&done).is_some_and(|e| e.outcome == Outcome::Booked));
    let Some(Query::Book(request)) = h.queries.last() else {
        panic!("booked");
    };
    assert_eq!(request.name, "一宮太郎");
    assert_eq!(request.name_kana, "イチノミヤ\u{3000}タロウ");
    assert!(!request.name_to_check);
    let lookups = h
        .queries
        .iter()
        .filter(|q| matches!(q, Query::ReadName { .. }))
        .count();
    assert_eq!(lookups, 1);
}

#[test]
fn a_name_heard_with_digits_is_kept_in_kanji_and_marked_for_staff() {
    let mut h = Harness::new(
        Scenario::default(),
        ctx(true, Some("09012345678")),
        friendly_world,
    );
    h.reading = Some("イチノミヤ タロウ".into());
    to_date_question(&mut h);
    h.say("12月10日の午前10時");
    assert_eq!(prompts(&h.say("1のみや、たろうです。")), ["ask_birth"]);
    assert_eq!(
        h.queries.last(),
        Some(&Query::ReadName {
            name: "一のみや\u{3000}たろう".into()
        })
    );
    h.say("昭和35年4月1日");
    h.say("はい");
    let Some(Query::Book(request)) = h.queries.last() else {
        panic!("booked");
    };
    assert_eq!(request.name, "一のみや\u{3000}たろう");
    assert!(request.name_to_check);
}

#[test]
fn a_name_the_dictionary_cannot_read_is_asked_for_its_reading() {
    let mut h = Harness::new(
        Scenario::default(),
        ctx(true, Some("09012345678")),
        friendly_world,
    );
    to_date_question(&mut h);
    h.say("12月10日の午前10時");
    assert_eq!(prompts(&h.say("一宮太郎")), ["ask_kana"]);
}

#[test]
fn a_caller_without_a_mobile_books_with_the_number_they_call_from() {
    let mut h = Harness::new(
        Scenario::default(),
        ctx(true, Some("0586281234")),
        friendly_world,
    );
    to_venue_question(&mut h);
    for a in ["尾西", "2人", "12月10日の午前10時", "いちのみや たろう"] {
        h.say(a);
    }
    assert_eq!(prompts(&h.say("昭和35年4月1日")), ["ask_phone"]);
    let out = h.say("携帯は持っていません");
    assert_eq!(prompts(&out), ["contact_is_caller", "confirm_booking"]);
    let done = h.say("はい");
    // No SMS promised to a landline.
    assert_eq!(prompts(&done), ["booked", "read_number", "closing"]);
    let Some(Query::Book(request)) = h.queries.last() else {
        panic!("booked");
    };
    assert_eq!(request.phone, "0586281234");
}

#[test]
fn a_caller_without_a_mobile_or_caller_id_gives_any_number() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_venue_question(&mut h);
    for a in ["尾西", "2人", "12月10日の午前10時", "いちのみや たろう"] {
        h.say(a);
    }
    h.say("昭和35年4月1日");
    assert_eq!(prompts(&h.keys("0")), ["ask_contact"]);
    let out = h.keys("0586281234");
    assert_eq!(prompts(&out), ["confirm_booking_phone"]);
    assert!(text(&out).contains("ゼロ ごー はち ろく"), "{}", text(&out));
    let done = h.say("はい");
    assert_eq!(prompts(&done), ["booked", "read_number", "closing"]);
    let Some(Query::Book(request)) = h.queries.last() else {
        panic!("booked");
    };
    assert_eq!(request.phone, "0586281234");
}

#[test]
fn a_caller_who_keeps_losing_the_race_for_a_seat_is_offered_again() {
    // Opening day: the slot found is taken before it can be held, again
    // and again; the caller keeps choosing and finally gets one.
    let searches = std::cell::Cell::new(0);
    let mut h = Harness::new(Scenario::default(), ctx(true, None), move |q| match q {
        Query::FindSlot { .. } => {
            searches.set(searches.get() + 1);
            if searches.get() == 1 {
                Answer::Slot(SlotSearch::Available(offer(5, 10, 600)))
            } else {
                Answer::Slot(SlotSearch::Unavailable {
                    why: Unavailable::Full,
                    alternatives: vec![offer(6, 10, 630), offer(7, 10, 660)],
                })
            }
        }
        Query::Hold { slot_id: 7, .. } => Answer::Held(Some(9)),
        Query::Hold { .. } => Answer::Held(None),
        other => friendly_world(other),
    });
    to_venue_question(&mut h);
    h.say("尾西");
    h.say("2人");
    let out = h.say("12月10日の午前10時");
    assert_eq!(
        prompts(&out),
        ["slot_taken", "slot_full", "offer_alternatives"]
    );
    assert_eq!(
        prompts(&h.say("1番")),
        ["slot_taken", "slot_full", "offer_alternatives"]
    );
    assert_eq!(
        prompts(&h.say("1番")),
        ["slot_taken", "slot_full", "offer_alternatives"],
        "not sent away while seats are left"
    );
    assert_eq!(prompts(&h.say("2番")), ["ask_name"]);
    assert!(!h.engine.is_ended());
}

#[test]
fn a_capped_link_sms_is_not_claimed_as_sent() {
    for (queued, said) in [(true, "sms_link_sent"), (false, "sms_link_capped")] {
        let mut h = Harness::new(
            Scenario::default(),
            ctx(false, Some("09012345678")),
            move |q| match q {
                Query::SendLink { .. } => Answer::LinkQueued(queued),
                _ => Answer::Booking(None),
            },
        );
        h.send(Event::Start);
        assert_eq!(
            prompts(&h.say("担当者と話したい")),
            ["escalate_closed", "offer_sms_link"]
        );
        let out = h.say("はい");
        assert_eq!(prompts(&out), [said, "closing"]);
        assert_eq!(
            out.iter()
                .any(|o| matches!(o, Output::Action(Action::SmsLink { .. }))),
            queued
        );
        assert_eq!(
            h.queries.last(),
            Some(&Query::SendLink {
                to: "+819012345678".into()
            })
        );
    }
}

#[test]
fn a_no_to_the_checklist_asks_which_item_and_says_what_to_do_instead() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    h.send(Event::Start);
    h.say("予約したい");
    let out = h.say("いいえ");
    assert_eq!(prompts(&out), ["ask_eligibility_which"]);
    assert_eq!(h.engine.expect(), Expect::Choice(3));
    let out = h.say("1番です");
    assert!(text(&out).contains("有効期限通知書"));
    let end = ended(&out).unwrap();
    assert_eq!(end.outcome, Outcome::Ineligible);
}

#[test]
fn kekkou_desu_is_asked_again() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    h.send(Event::Start);
    h.say("予約したい");
    assert_eq!(prompts(&h.say("結構です")), ["ask_yes_no"]);
    assert_eq!(h.engine.state(), "eligibility");
}

#[test]
fn after_a_failure_the_question_is_rephrased_with_the_keypad_and_after_n_the_call_is_transferred() {
    let scenario = Scenario {
        max_failures: 2,
        ..Scenario::default()
    };
    let mut h = Harness::new(scenario, ctx(true, None), friendly_world);
    to_venue_question(&mut h);
    let first = h.say("ええと、なんだっけ");
    assert_eq!(prompts(&first), ["ask_venue_retry"]);
    assert!(text(&first).contains("1番、本庁舎 市民課、2番、尾西事務所"));
    let second = h.say("わからない");
    assert_eq!(prompts(&second), ["transfer"]);
    assert!(second.contains(&Output::Action(Action::Transfer {
        to: "0586-28-0000".into()
    })));
    let end = ended(&second).unwrap();
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Transferred, EndReason::RepeatedFailures)
    );
    assert_eq!(end.state, "venue");
}

#[test]
fn outside_staffed_hours_the_number_and_hours_are_told_and_a_landline_gets_no_sms_offer() {
    let mut h = Harness::new(
        Scenario::default(),
        ctx(false, Some("0586-12-3456")),
        friendly_world,
    );
    h.send(Event::Start);
    let out = h.say("担当者と話したい");
    assert_eq!(prompts(&out), ["escalate_closed", "closing"]);
    assert!(text(&out).contains("平日の午前8時半から午後5時15分まで"));
    assert!(
        !out.iter()
            .any(|o| matches!(o, Output::Action(Action::Transfer { .. })))
    );
    assert_eq!(ended(&out).unwrap().outcome, Outcome::Failed);
}

#[test]
fn slower_lowers_the_rate_for_the_rest_of_the_call_and_repeat_says_the_question_again() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    h.send(Event::Start);
    let slow = h.say("もう少しゆっくり話してください");
    assert_eq!(prompts(&slow), ["slower", "ask_intent"]);
    assert!(
        slow.iter()
            .all(|o| matches!(o, Output::Say(u) if u.rate == 0.8))
    );
    let next = h.say("予約したい");
    assert!(
        next.iter()
            .all(|o| matches!(o, Output::Say(u) if u.rate == 0.8))
    );
    let again = h.say("もう一度お願いします");
    assert_eq!(prompts(&again), prompts(&next));
}

#[test]
fn a_full_slot_offers_alternatives_and_everything_full_is_said_plainly() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), |q| match q {
        Query::FindSlot { .. } => Answer::Slot(SlotSearch::Unavailable {
            why: Unavailable::Full,
            alternatives: vec![offer(6, 10, 660), offer(7, 11, 540)],
        }),
        Query::Hold { .. } => Answer::Held(Some(9)),
        _ => Answer::Booking(None),
    });
    to_date_question(&mut h);
    let out = h.say("12月10日の10時");
    assert_eq!(prompts(&out), ["slot_full", "offer_alternatives"]);
    assert!(text(&out).contains("1番、12月10日 木曜日、午前11時、尾西事務所"));
    assert_eq!(prompts(&h.say("2番でお願いします")), ["ask_name"]);
    assert_eq!(
        h.queries.last(),
        Some(&Query::Hold {
            slot_id: 7,
            seats: 1
        })
    );

    let mut none = Harness::new(Scenario::default(), ctx(true, None), |_| {
        Answer::Slot(SlotSearch::Unavailable {
            why: Unavailable::Full,
            alternatives: vec![],
        })
    });
    to_date_question(&mut none);
    let out = none.say("一番早い日");
    assert!(prompts(&out).contains(&"all_full"));
    let end = ended(&out).unwrap();
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Failed, EndReason::NoAvailability)
    );
}

#[test]
fn a_slot_taken_before_it_could_be_held_is_searched_again() {
    let mut holds = 0;
    let mut h = Harness::new(Scenario::default(), ctx(true, None), move |q| match q {
        Query::FindSlot { .. } => Answer::Slot(SlotSearch::Available(offer(5, 10, 600))),
        Query::Hold { .. } => {
            holds += 1;
            Answer::Held((holds > 1).then_some(8))
        }
        _ => Answer::Booking(None),
    });
    to_date_question(&mut h);
    h.say("12月10日");
    let out = h.say("午前10時");
    assert_eq!(prompts(&out), ["slot_taken", "slot_ok_time", "ask_name"]);
    assert_eq!(h.engine.current_hold(), Some(8));
}

#[test]
fn hanging_up_releases_the_hold_and_records_the_state() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_date_question(&mut h);
    h.say("12月10日");
    h.say("午前10時");
    let out = h.send(Event::HangUp);
    assert_eq!(out[0], Output::Action(Action::ReleaseHold { hold_id: 7 }));
    let end = ended(&out).unwrap();
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Abandoned, EndReason::HangUp)
    );
    assert_eq!(end.state, "name");
    assert!(h.send(Event::Said("もしもし".into())).is_empty());
}

#[test]
fn silence_is_asked_again_then_the_call_ends() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    h.send(Event::Start);
    assert_eq!(prompts(&h.send(Event::Silence)), ["silence", "ask_intent"]);
    h.send(Event::Silence);
    let out = h.send(Event::Silence);
    assert_eq!(prompts(&out), ["silence_end"]);
    assert_eq!(ended(&out).unwrap().reason, EndReason::Silence);
}

#[test]
fn start_over_forgets_everything_and_gives_the_seat_back() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_date_question(&mut h);
    h.say("12月10日");
    h.say("午前10時");
    let out = h.say("最初からやり直したい");
    assert_eq!(out[0], Output::Action(Action::ReleaseHold { hold_id: 7 }));
    assert_eq!(prompts(&out), ["start_over", "ask_intent"]);
    assert_eq!(h.engine.current_hold(), None);
}

#[test]
fn a_keyed_date_is_never_in_the_past() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_date_question(&mut h);
    let out = h.keys("1130");
    // 11/30 on the keypad is next year's, not the past day.
    assert_eq!(prompts(&out), ["ask_time"]);
    assert!(text(&out).contains("11月30日"));
}

#[test]
fn a_booking_past_the_cut_off_cannot_be_cancelled() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), |q| match q {
        Query::FindBooking { .. } => Answer::Booking(Some(BookingInfo {
            reservation_no: valid_number(),
            phone: "09012345678".into(),
            venue_id: 10,
            venue_name: "本庁舎 市民課".into(),
            date: day(12, 2),
            start_min: 540,
            party_size: 1,
            changeable: false,
        })),
        _ => Answer::Booking(None),
    });
    h.send(Event::Start);
    h.say("キャンセルしたい");
    let out = h.keys(&valid_number());
    assert_eq!(prompts(&out), ["ask_factor"]);
    let out = h.say("090-1234-5678です");
    assert_eq!(prompts(&out), ["read_booking", "too_late", "closing"]);
    assert_eq!(
        h.queries[0],
        Query::FindBooking {
            number: valid_number(),
            factor: Factor::Phone("09012345678".into())
        }
    );
}

#[test]
fn the_engine_says_what_it_expects_next_as_a_type() {
    let mut h = Harness::new(
        Scenario::default(),
        ctx(true, Some("09012345678")),
        friendly_world,
    );
    h.send(Event::Start);
    assert_eq!(h.engine.expect(), Expect::Intent);
    h.say("予約をお願いします");
    assert_eq!(h.engine.expect(), Expect::YesNo);
    h.say("はい");
    assert_eq!(h.engine.expect(), Expect::Venue);
    h.say("尾西");
    assert_eq!(h.engine.expect(), Expect::PartySize);
    h.say("1人");
    assert_eq!(h.engine.expect(), Expect::Date);
    assert!(h.engine.expect().takes_number());
    h.say("12月10日");
    assert_eq!(h.engine.expect(), Expect::Time);
    h.say("午前10時");
    assert_eq!(h.engine.expect(), Expect::Name);
    assert!(!h.engine.expect().takes_number());
    h.say("一宮太郎");
    assert_eq!(h.engine.expect(), Expect::NameReading);
    h.say("いちのみやたろう");
    assert_eq!(h.engine.expect(), Expect::BirthDate);
    h.say("昭和35年4月1日");
    assert_eq!(h.engine.expect(), Expect::Confirm);
    h.say("いいえ");
    assert_eq!(h.engine.expect(), Expect::Correction);
    h.say("電話番号");
    assert_eq!(h.engine.expect(), Expect::Phone);
    h.say("09012345678");
    assert_eq!(h.engine.expect(), Expect::Confirm);
    h.say("はい");
    assert_eq!(h.engine.expect(), Expect::Nothing);

    let mut alt = Harness::new(Scenario::default(), ctx(true, None), |q| match q {
        Query::FindSlot { .. } => Answer::Slot(SlotSearch::Unavailable {
            why: Unavailable::Full,
            alternatives: vec![offer(6, 10, 660), offer(7, 11, 540)],
        }),
        _ => Answer::Booking(None),
    });
    to_date_question(&mut alt);
    alt.say("12月10日の10時");
    assert_eq!(alt.engine.expect(), Expect::Choice(2));

    let mut look = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    look.send(Event::Start);
    look.say("予約の確認");
    assert_eq!(look.engine.expect(), Expect::ReservationNo);
    look.keys(&valid_number());
    assert_eq!(look.engine.expect(), Expect::Identity);
    assert!(Expect::Identity.takes_number());
}
