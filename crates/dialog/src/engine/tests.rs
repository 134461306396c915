#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use madoguchi_core::eligibility::Checklist;

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
                    let answer = (self.world)(q);
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
    for _ in 0..3 {
        h.say("はい");
    }
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
    to_venue_question_after_start(&mut h);
    assert_eq!(prompts(&h.say("尾西事務所")), ["ask_party"]);
    assert_eq!(prompts(&h.say("2人")), ["ask_date"]);
    assert_eq!(prompts(&h.say("12月10日")), ["ask_time"]);
    let offered = h.say("午前10時");
    assert_eq!(prompts(&offered), ["offer_slot"]);
    assert!(text(&offered).contains("12月10日 木曜日、午前10時"));
    assert_eq!(
        h.queries[..2],
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
    assert_eq!(prompts(&h.say("はい")), ["ask_name"]);
    // A name heard in kana is its own reading: no reading question.
    assert_eq!(prompts(&h.say("いちのみや たろう")), ["ask_birth"]);
    assert_eq!(prompts(&h.say("昭和35年4月1日")), ["ask_use_caller_id"]);
    let read_back = h.say("はい");
    assert_eq!(prompts(&read_back), ["confirm_booking"]);
    assert!(text(&read_back).contains("1960年4月1日（昭和35年）"));
    let done = h.say("はい");
    assert_eq!(prompts(&done), ["booked", "closing"]);
    let Some(Query::Book(request)) = h.queries.last() else {
        panic!("a booking was asked for");
    };
    assert_eq!(request.hold_id, Some(7));
    assert_eq!(request.phone, "09012345678");
    assert_eq!(request.name_kana, "イチノミヤ\u{3000}タロウ");
    assert_eq!(
        request.birth_date,
        NaiveDate::from_ymd_opt(1960, 4, 1).unwrap()
    );
    // The reservation number is said twice, digit by digit, to the end.
    let booked = done
        .iter()
        .find_map(|o| match o {
            Output::Say(u) => Some(u),
            _ => None,
        })
        .unwrap();
    assert!(!booked.interruptible);
    assert_eq!(booked.text.matches("いち にー さん よん").count(), 2);
    let end = ended(&done).unwrap();
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Booked, EndReason::Completed)
    );
    assert!(h.engine.is_ended());
}

fn to_venue_question_after_start(h: &mut Harness) {
    h.say("予約をお願いします");
    for _ in 0..3 {
        h.say("はい");
    }
}

#[test]
fn every_question_takes_the_keypad() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    h.send(Event::Start);
    for _ in 0..4 {
        h.keys("1");
    }
    assert_eq!(prompts(&h.keys("2")), ["ask_party"]);
    h.keys("1");
    h.keys("1210");
    assert_eq!(prompts(&h.keys("1030")), ["offer_slot"]);
    assert_eq!(
        h.queries[0],
        Query::FindSlot {
            venue_id: 20,
            date: DateWish::Day(day(12, 10)),
            time: TimeWish::At(630),
            seats: 1
        }
    );
}

#[test]
fn a_no_to_the_checklist_ends_the_call_with_what_to_do_instead() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    h.send(Event::Start);
    h.say("予約したい");
    let out = h.say("いいえ、届いていません");
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
    assert_eq!(h.engine.state(), "eligibility:0");
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
    to_venue_question(&mut h);
    h.say("尾西");
    h.say("1人");
    h.say("12月10日");
    let out = h.say("10時");
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
    to_venue_question(&mut none);
    none.say("尾西");
    none.say("1人");
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
    to_venue_question(&mut h);
    h.say("尾西");
    h.say("1人");
    h.say("12月10日");
    let out = h.say("午前10時");
    assert_eq!(prompts(&out), ["slot_taken", "offer_slot"]);
    assert_eq!(h.engine.current_hold(), Some(8));
}

#[test]
fn hanging_up_releases_the_hold_and_records_the_state() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_venue_question(&mut h);
    h.say("尾西");
    h.say("1人");
    h.say("12月10日");
    h.say("午前10時");
    h.say("はい");
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
    to_venue_question(&mut h);
    h.say("尾西");
    h.say("1人");
    h.say("12月10日");
    h.say("午前10時");
    let out = h.say("最初からやり直したい");
    assert_eq!(out[0], Output::Action(Action::ReleaseHold { hold_id: 7 }));
    assert_eq!(prompts(&out), ["start_over", "ask_intent"]);
    assert_eq!(h.engine.current_hold(), None);
}

#[test]
fn a_past_date_is_refused() {
    let mut h = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    to_venue_question(&mut h);
    h.say("尾西");
    h.say("1人");
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
    for _ in 0..3 {
        h.say("はい");
    }
    assert_eq!(h.engine.expect(), Expect::Venue);
    h.say("尾西");
    assert_eq!(h.engine.expect(), Expect::PartySize);
    h.say("1人");
    assert_eq!(h.engine.expect(), Expect::Date);
    assert!(h.engine.expect().takes_number());
    h.say("12月10日");
    assert_eq!(h.engine.expect(), Expect::Time);
    h.say("午前10時");
    assert_eq!(h.engine.expect(), Expect::Confirm);
    assert!(!h.engine.expect().takes_number());
    h.say("はい");
    assert_eq!(h.engine.expect(), Expect::Name);
    h.say("一宮太郎");
    assert_eq!(h.engine.expect(), Expect::NameReading);
    h.say("いちのみやたろう");
    assert_eq!(h.engine.expect(), Expect::BirthDate);
    h.say("昭和35年4月1日");
    assert_eq!(h.engine.expect(), Expect::YesNo);
    h.say("いいえ");
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
    to_venue_question(&mut alt);
    alt.say("尾西");
    alt.say("1人");
    alt.say("12月10日");
    alt.say("10時");
    assert_eq!(alt.engine.expect(), Expect::Choice(2));

    let mut look = Harness::new(Scenario::default(), ctx(true, None), friendly_world);
    look.send(Event::Start);
    look.say("予約の確認");
    assert_eq!(look.engine.expect(), Expect::ReservationNo);
    look.keys(&valid_number());
    assert_eq!(look.engine.expect(), Expect::Identity);
    assert!(Expect::Identity.takes_number());
}
