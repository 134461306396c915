//! HTTP-level tests: the whole application (`madoguchi_web::app`) on a real
//! SQLite file, driven request by request as a browser or API client would.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use madoguchi_core::clock::FixedClock;
use madoguchi_core::schedule::WeeklyTemplate;
use madoguchi_store::Store;
use madoguchi_web::{AppState, RateLimitConfig, WebConfig, app};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

use super::support::{
    NOW, Reply, at, client, d, form_request, get_request, json_request, send, temp_store,
    urlencode, venue,
};

pub(super) struct TestApp {
    pub(super) router: axum::Router,
    pub(super) store: Store,
    pub(super) client: SocketAddr,
    pub(super) cookies: BTreeMap<String, String>,
    _dir: tempfile::TempDir,
}

async fn spawn_at(now: &str, limits: RateLimitConfig) -> TestApp {
    let (dir, store) = temp_store().await;
    let settings = store.settings().await.unwrap();
    for (code, name, kana, capacity) in [
        ("honcho", "本庁舎 市民課", "ほんちょうしゃ しみんか", 4),
        ("bisai", "尾西事務所", "びさいじむしょ", 2),
    ] {
        let id = venue(&store, code, name, kana).await;
        let template = WeeklyTemplate::weekdays(9 * 60, 16 * 60 + 30, capacity);
        let specs = template.generate(&settings.closed_days, d(2026, 11, 24), d(2027, 1, 31));
        store.create_slots(id, &specs).await.unwrap();
    }
    let config = WebConfig {
        rate_limit: limits,
        ..WebConfig::default()
    };
    let state = AppState::new(
        store.clone(),
        Arc::new(FixedClock(at(now))),
        config,
        &[7u8; 64],
    )
    .unwrap();
    TestApp {
        router: app(state),
        store,
        client: client(),
        cookies: BTreeMap::new(),
        _dir: dir,
    }
}

pub(super) async fn spawn() -> TestApp {
    spawn_at(NOW, RateLimitConfig::default()).await
}

impl TestApp {
    pub(super) async fn send(&mut self, request: Request<Body>) -> Reply {
        send(&self.router, self.client, Some(&mut self.cookies), request).await
    }

    pub(super) async fn get(&mut self, uri: &str) -> Reply {
        self.send(get_request(uri)).await
    }

    async fn post_json(&mut self, uri: &str, body: Value) -> Reply {
        self.send(json_request(uri, &body)).await
    }

    async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        self.send(form_request(uri, fields)).await
    }

    /// The id of the slot of a venue at a day and time.
    async fn slot(&self, venue: i64, day: NaiveDate, start_min: u32) -> i64 {
        let slots = self
            .store
            .slots_between(madoguchi_core::ids::VenueId(venue), day, day)
            .await
            .unwrap();
        slots
            .iter()
            .find(|s| s.start_min == start_min)
            .expect("slot exists")
            .id
            .0
    }

    async fn book_api(&mut self, slot: i64, party: u8, phone: &str) -> Reply {
        self.post_json("/api/v1/bookings", booking_body(slot, party, phone))
            .await
    }
}

fn booking_body(slot: i64, party: u8, phone: &str) -> Value {
    json!({
        "slot_id": slot,
        "party_size": party,
        "name": "一宮 太郎",
        "name_kana": "イチノミヤ タロウ",
        "birth_date": "1960-04-01",
        "phone": phone,
        "notify": "sms",
    })
}

// ---------------------------------------------------------------- JSON API

#[tokio::test]
async fn venues_are_listed_with_name_and_kana() {
    let mut app = spawn().await;
    let reply = app.get("/api/v1/venues").await;
    assert_eq!(reply.status, StatusCode::OK);
    let venues = reply.json();
    assert_eq!(venues.as_array().unwrap().len(), 2);
    assert_eq!(venues[0]["name"], "本庁舎 市民課");
    assert_eq!(venues[0]["kana"], "ほんちょうしゃ しみんか");
    assert!(venues[0]["id"].is_i64() || venues[0]["id"].is_string());
}

#[tokio::test]
async fn availability_lists_only_bookable_slots_in_japan_time() {
    let mut app = spawn().await;
    let reply = app
        .get("/api/v1/venues/1/availability?from=2026-11-24&to=2026-11-27")
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    let slots = body["slots"].as_array().unwrap();
    // Today (25th) and the past are not bookable; 26th and 27th are, 15 slots each.
    assert_eq!(slots.len(), 30);
    assert_eq!(slots[0]["start"], "2026-11-26T09:00:00+09:00");
    assert_eq!(slots[0]["end"], "2026-11-26T09:30:00+09:00");
    assert_eq!(slots[0]["capacity"], 4);
    assert_eq!(slots[0]["remaining"], 4);
    assert_eq!(slots[29]["start"], "2026-11-27T16:00:00+09:00");
}

#[tokio::test]
async fn availability_rejects_bad_dates_and_unknown_venues_clearly() {
    let mut app = spawn().await;
    let bad = app
        .get("/api/v1/venues/1/availability?from=2026-13-01")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.json()["errors"]["from"]
            .as_str()
            .unwrap()
            .contains("YYYY-MM-DD")
    );
    let reversed = app
        .get("/api/v1/venues/1/availability?from=2026-12-10&to=2026-12-01")
        .await;
    assert_eq!(reversed.status, StatusCode::UNPROCESSABLE_ENTITY);
    for uri in [
        "/api/v1/venues/99/availability",
        "/api/v1/venues/abc/availability",
    ] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(reply.json()["error"].is_string());
    }
}

#[tokio::test]
async fn a_booking_is_created_and_can_be_looked_up_with_the_phone() {
    let mut app = spawn().await;
    let slot = app.slot(1, d(2026, 12, 3), 600).await;
    let created = app.book_api(slot, 2, "０９０－１２３４－５６７８").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let booking = created.json();
    let number = booking["reservation_no"].as_str().unwrap().to_owned();
    assert_eq!(number.len(), 8);
    assert!(number.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(booking["status"], "booked");
    assert_eq!(booking["slot_id"], slot);
    assert_eq!(booking["venue_id"], 1);
    assert_eq!(booking["party_size"], 2);
    assert_eq!(booking["start"], "2026-12-03T10:00:00+09:00");
    assert_eq!(booking["end"], "2026-12-03T10:30:00+09:00");

    let found = app
        .get(&format!("/api/v1/bookings/{number}?phone=090-1234-5678"))
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.json(), booking);

    let remaining = app
        .get("/api/v1/venues/1/availability?from=2026-12-03&to=2026-12-03")
        .await
        .json();
    let this = remaining["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == slot)
        .unwrap()
        .clone();
    assert_eq!(this["remaining"], 2);
}

#[tokio::test]
async fn a_wrong_phone_and_an_unknown_number_look_the_same() {
    let mut app = spawn().await;
    let slot = app.slot(1, d(2026, 12, 3), 600).await;
    let number = app.book_api(slot, 1, "09012345678").await.json()["reservation_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong_phone = app
        .get(&format!("/api/v1/bookings/{number}?phone=09099999999"))
        .await;
    let unknown = app.get("/api/v1/bookings/12345670?phone=09012345678").await;
    let garbage = app.get("/api/v1/bookings/abc?phone=x").await;
    for reply in [&wrong_phone, &unknown, &garbage] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(wrong_phone.body, unknown.body);
    assert_eq!(unknown.body, garbage.body);
}

#[tokio::test]
async fn invalid_fields_get_japanese_messages_per_field() {
    let mut app = spawn().await;
    let reply = app
        .post_json(
            "/api/v1/bookings",
            json!({ "slot_id": 99999, "party_size": 5, "name": "", "name_kana": "ABC", "birth_date": "昭和70年1月1日", "phone": "123", "notify": "fax" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = reply.json()["errors"].clone();
    for field in [
        "slot_id",
        "party_size",
        "name",
        "name_kana",
        "birth_date",
        "phone",
        "notify",
    ] {
        let message = errors[field]
            .as_str()
            .unwrap_or_else(|| panic!("no message for {field}: {errors}"));
        assert!(
            message
                .chars()
                .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
            "{field}: {message}"
        );
    }
    let seats = app.store.seat_audit().await.unwrap();
    assert!(seats.is_empty(), "nothing may be booked: {seats:?}");
}

#[tokio::test]
async fn a_negative_party_size_is_refused_not_booked_without_its_sign() {
    let mut app = spawn().await;
    let slot = app.slot(2, d(2026, 12, 4), 540).await;
    for party in [json!(-1), json!(-4), json!("-2"), json!(1.5)] {
        let mut body = booking_body(slot, 1, "080-1111-2222");
        body["party_size"] = party.clone();
        let reply = app.post_json("/api/v1/bookings", body).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{party}");
        assert!(
            reply.json()["errors"]["party_size"].is_string(),
            "{party}: {}",
            reply.body
        );
    }
    let seats = app.store.seat_audit().await.unwrap();
    assert!(seats.is_empty(), "nothing may be booked: {seats:?}");
}

#[tokio::test]
async fn fields_of_the_wrong_json_type_get_their_own_message_not_a_400() {
    let mut app = spawn().await;
    let slot = app.slot(2, d(2026, 12, 4), 540).await;
    let mut body = booking_body(slot, 1, "080-1111-2222");
    body["name"] = json!(null);
    body["notify"] = json!(true);
    body["phone"] = json!(["080-1111-2222"]);
    body["slot_id"] = json!({ "id": slot });
    let reply = app.post_json("/api/v1/bookings", body).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let errors = reply.json()["errors"].clone();
    for field in ["name", "notify", "phone", "slot_id"] {
        assert!(errors[field].is_string(), "{field}: {errors}");
    }
    let seats = app.store.seat_audit().await.unwrap();
    assert!(seats.is_empty(), "nothing may be booked: {seats:?}");
}

#[tokio::test]
async fn japanese_era_birth_dates_and_string_ids_are_accepted() {
    let mut app = spawn().await;
    let slot = app.slot(2, d(2026, 12, 4), 540).await;
    let mut body = booking_body(slot, 1, "080-1111-2222");
    body["birth_date"] = json!("S35.4.1");
    body["slot_id"] = json!(slot.to_string());
    body["party_size"] = json!("1");
    let reply = app.post_json("/api/v1/bookings", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[tokio::test]
async fn malformed_json_is_a_clear_400() {
    let mut app = spawn().await;
    let request = Request::post("/api/v1/bookings")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"slot_id\": 1,"))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["error"].as_str().unwrap().contains("JSON"));

    let request = Request::post("/api/v1/bookings")
        .body(Body::from("slot_id=1"))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.json()["error"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );
}

#[tokio::test]
async fn a_full_slot_answers_409_with_the_three_earliest_alternatives() {
    let mut app = spawn().await;
    let slot = app.slot(2, d(2026, 12, 3), 600).await;
    assert_eq!(
        app.book_api(slot, 2, "09000000001").await.status,
        StatusCode::CREATED
    );
    let reply = app.book_api(slot, 1, "09000000002").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let body = reply.json();
    assert!(body["error"].as_str().unwrap().contains("満席"));
    let alternatives = body["alternatives"].as_array().unwrap();
    assert_eq!(alternatives.len(), 3);
    // Same venue, right after the requested time.
    let starts: Vec<&str> = alternatives
        .iter()
        .map(|a| a["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        vec![
            "2026-12-03T10:30:00+09:00",
            "2026-12-03T11:00:00+09:00",
            "2026-12-03T11:30:00+09:00"
        ]
    );
    assert!(
        alternatives
            .iter()
            .all(|a| a["venue_id"] == 2 && a["remaining"].as_i64().unwrap() > 0)
    );
}

#[tokio::test]
async fn when_everything_is_full_the_409_says_so_and_offers_nothing() {
    // About 130 requests from one client: lift the rate limit for this test.
    let mut app = spawn_at(
        NOW,
        RateLimitConfig {
            burst: 10_000,
            ..RateLimitConfig::default()
        },
    )
    .await;
    // Shrink the world to one slot, then fill it.
    let mut settings = (*app.store.settings().await.unwrap()).clone();
    settings.period.first_day = d(2026, 12, 3);
    settings.period.last_day = d(2026, 12, 3);
    app.store.save_settings(&settings).await.unwrap();
    let mut phone = 10_000_000;
    for venue in [1, 2] {
        for start in (540..990).step_by(30) {
            let slot = app.slot(venue, d(2026, 12, 3), start).await;
            loop {
                phone += 1;
                if app.book_api(slot, 1, &format!("090{phone}")).await.status != StatusCode::CREATED
                {
                    break;
                }
            }
        }
    }
    let slot = app.slot(1, d(2026, 12, 3), 540).await;
    let reply = app.book_api(slot, 1, "09011112222").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let body = reply.json();
    assert!(body["alternatives"].as_array().unwrap().is_empty());
    assert!(body["error"].as_str().unwrap().contains("空きがありません"));
}

#[tokio::test]
async fn a_booking_moves_to_another_slot_and_frees_the_old_seats() {
    let mut app = spawn().await;
    let from = app.slot(1, d(2026, 12, 3), 600).await;
    let to = app.slot(2, d(2026, 12, 4), 660).await;
    let number = app.book_api(from, 2, "09012345678").await.json()["reservation_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let moved = app
        .post_json(
            &format!("/api/v1/bookings/{number}/change"),
            json!({ "phone": "090-1234-5678", "slot_id": to }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.json()["slot_id"], to);
    assert_eq!(moved.json()["venue_id"], 2);
    assert_eq!(moved.json()["start"], "2026-12-04T11:00:00+09:00");
    let old = app
        .store
        .find_slot(madoguchi_core::ids::SlotId(from))
        .await
        .unwrap()
        .unwrap();
    let new = app
        .store
        .find_slot(madoguchi_core::ids::SlotId(to))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((old.booked, new.booked), (0, 2));
}

#[tokio::test]
async fn a_change_to_a_full_slot_is_refused_and_keeps_the_booking() {
    let mut app = spawn().await;
    let from = app.slot(1, d(2026, 12, 3), 600).await;
    let full = app.slot(2, d(2026, 12, 4), 660).await;
    app.book_api(full, 2, "09000000001").await;
    let number = app.book_api(from, 1, "09012345678").await.json()["reservation_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app
        .post_json(
            &format!("/api/v1/bookings/{number}/change"),
            json!({ "phone": "09012345678", "slot_id": full }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(!reply.json()["alternatives"].as_array().unwrap().is_empty());
    let still = app
        .get(&format!("/api/v1/bookings/{number}?phone=09012345678"))
        .await
        .json();
    assert_eq!(still["slot_id"], from);
    assert_eq!(still["status"], "booked");
    let unknown = app
        .post_json(
            &format!("/api/v1/bookings/{number}/change"),
            json!({ "phone": "09012345678", "slot_id": 999999 }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn cancelling_frees_the_seats_once() {
    let mut app = spawn().await;
    let slot = app.slot(2, d(2026, 12, 3), 600).await;
    let number = app.book_api(slot, 2, "09012345678").await.json()["reservation_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let cancelled = app
        .post_json(
            &format!("/api/v1/bookings/{number}/cancel"),
            json!({ "phone": "09012345678" }),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);
    assert_eq!(cancelled.json()["status"], "cancelled");
    let again = app
        .post_json(
            &format!("/api/v1/bookings/{number}/cancel"),
            json!({ "phone": "09012345678" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // The seats are free again: two more people fit.
    assert_eq!(
        app.book_api(slot, 2, "09087654321").await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn changes_and_cancellations_close_at_five_the_day_before() {
    let mut early = spawn().await;
    let slot = early.slot(1, d(2026, 11, 27), 600).await;
    let number = early.book_api(slot, 1, "09012345678").await.json()["reservation_no"]
        .as_str()
        .unwrap()
        .to_owned();
    // The same database, seen at 17:00 on the 26th.
    let late_state = AppState::new(
        early.store.clone(),
        Arc::new(FixedClock(at("2026-11-26T17:00:00+09:00"))),
        WebConfig::default(),
        &[7u8; 64],
    )
    .unwrap();
    early.router = app(late_state);
    let reply = early
        .post_json(
            &format!("/api/v1/bookings/{number}/cancel"),
            json!({ "phone": "09012345678" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.json()["error"].as_str().unwrap().contains("締切"));
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let mut app = spawn().await;
    let reply = app.get("/api/v1/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    for path in [
        "/venues",
        "/venues/{venue_id}/availability",
        "/bookings",
        "/bookings/{reservation_no}",
        "/bookings/{reservation_no}/cancel",
        "/bookings/{reservation_no}/change",
    ] {
        assert!(paths.iter().any(|p| p.as_str() == path), "{path} missing");
    }
}

// ------------------------------------------------------------ rate limits

#[tokio::test]
async fn a_client_over_its_rate_is_told_to_wait() {
    let mut app = spawn_at(
        NOW,
        RateLimitConfig {
            per_minute: 1,
            burst: 5,
            ..RateLimitConfig::default()
        },
    )
    .await;
    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/venues").await.status, StatusCode::OK);
    }
    let refused = app.get("/api/v1/venues").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers.contains_key(header::RETRY_AFTER));
    assert!(refused.json()["error"].is_string());
    // Another client is unaffected.
    app.client = "192.0.2.11:50000".parse().unwrap();
    assert_eq!(app.get("/api/v1/venues").await.status, StatusCode::OK);
}

#[tokio::test]
async fn repeated_failed_lookups_are_locked_out() {
    let mut app = spawn_at(
        NOW,
        RateLimitConfig {
            lookup_failures_before_delay: 100,
            lookup_failures_lockout: 3,
            ..RateLimitConfig::default()
        },
    )
    .await;
    let slot = app.slot(1, d(2026, 12, 3), 600).await;
    let number = app.book_api(slot, 1, "09012345678").await.json()["reservation_no"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..3 {
        let guess = app
            .get(&format!("/api/v1/bookings/{number}?phone=0900000000{}", 1))
            .await;
        assert_eq!(guess.status, StatusCode::NOT_FOUND);
    }
    // Even the right phone is refused now, from this client.
    let locked = app
        .get(&format!("/api/v1/bookings/{number}?phone=09012345678"))
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn failed_lookups_at_one_booking_never_block_a_correct_lookup_of_another() {
    let mut app = spawn_at(
        NOW,
        RateLimitConfig {
            lookup_failures_before_delay: 100,
            ..RateLimitConfig::default()
        },
    )
    .await;
    let slot = app.slot(1, d(2026, 12, 3), 600).await;
    let number_of = |reply: Reply| reply.json()["reservation_no"].as_str().unwrap().to_owned();
    let mine = number_of(app.book_api(slot, 1, "09012345678").await);
    let theirs = number_of(app.book_api(slot, 1, "08011112222").await);
    // Someone at the same address (a proxy, a library's wifi) guesses at
    // another booking until locked out...
    for _ in 0..12 {
        app.get(&format!("/api/v1/bookings/{theirs}?phone=09000000001"))
            .await;
    }
    let locked = app
        .get(&format!("/api/v1/bookings/{theirs}?phone=08011112222"))
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    // ...and the resident's own look-up, in the API and in the pages, works.
    let api = app
        .get(&format!("/api/v1/bookings/{mine}?phone=09012345678"))
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let csrf = app.get("/lookup").await.csrf();
    let page = app
        .post_form(
            "/lookup",
            &[("csrf", &csrf), ("number", &mine), ("phone", "09012345678")],
        )
        .await;
    assert_eq!(page.location(), "/manage");
}

#[tokio::test]
async fn concurrent_guesses_get_no_more_answers_than_the_lockout_allows() {
    let app = spawn_at(
        NOW,
        RateLimitConfig {
            burst: 1000,
            lookup_failures_before_delay: 100,
            ..RateLimitConfig::default()
        },
    )
    .await;
    let mut app = app;
    let slot = app.slot(1, d(2026, 12, 3), 600).await;
    let number = app.book_api(slot, 1, "09012345678").await.json()["reservation_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..120 {
        let mut request = Request::get(format!("/api/v1/bookings/{number}?phone=0800000{n:04}"))
            .body(Body::empty())
            .unwrap();
        request.extensions_mut().insert(ConnectInfo(app.client));
        let router = app.router.clone();
        guesses.spawn(async move { router.oneshot(request).await.unwrap().status() });
    }
    let mut answered = 0;
    while let Some(status) = guesses.join_next().await {
        match status.unwrap() {
            StatusCode::NOT_FOUND => answered += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        answered, 10,
        "only the lock-out count of guesses is answered"
    );
}

#[tokio::test]
async fn next_after_the_checklist_only_leads_to_the_booking_pages() {
    let mut app = spawn().await;
    for (next, expected) in [
        ("/venues/2", "/venues/2"),
        ("/%09/evil.example/x", "/venues"),
        ("%2F%2Fevil.example", "/venues"),
        ("/venues%0D%0ASet-Cookie:%20a=1", "/venues"),
        ("/venues%0B", "/venues"),
        ("/%5Cevil.example", "/venues"),
    ] {
        app.cookies.clear();
        let form = app.get(&format!("/eligibility?next={next}")).await;
        assert_eq!(form.status, StatusCode::OK, "{next}");
        let csrf = form.csrf();
        let reply = app
            .send(
                Request::post("/eligibility")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(format!(
                        "csrf={}&confirm=notice&confirm=in_person&confirm=pin&next={next}",
                        urlencode(&csrf)
                    )))
                    .unwrap(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{next}: {}",
            reply.body
        );
        assert_eq!(reply.location(), expected, "{next}");
    }
}

#[tokio::test]
async fn loopback_can_be_exempted_for_tests_and_benchmarks() {
    let mut app = spawn_at(
        NOW,
        RateLimitConfig {
            per_minute: 1,
            burst: 1,
            exempt_loopback: true,
            ..RateLimitConfig::default()
        },
    )
    .await;
    app.client = "127.0.0.1:40000".parse().unwrap();
    for _ in 0..10 {
        assert_eq!(app.get("/api/v1/venues").await.status, StatusCode::OK);
    }
}

// ---------------------------------------------------------------- pages

#[tokio::test]
async fn pages_carry_security_headers_and_unknown_pages_are_a_japanese_404() {
    let mut app = spawn().await;
    let start = app.get("/").await;
    assert_eq!(start.status, StatusCode::OK);
    assert!(start.body.contains("<html lang=\"ja\">"));
    assert!(start.body.contains("予約をはじめる"));
    assert_eq!(start.headers[header::X_FRAME_OPTIONS], "DENY");
    assert!(
        start.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("お探しのページが見つかりません"));
}

#[tokio::test]
async fn booking_pages_need_the_checklist_first_and_return_to_the_deep_link() {
    let mut app = spawn().await;
    let venue = app.get("/venues/2").await;
    assert_eq!(venue.status, StatusCode::SEE_OTHER);
    assert_eq!(venue.location(), "/eligibility?next=/venues/2");

    let form = app.get("/eligibility?next=/venues/2").await;
    let csrf = form.csrf();
    // One box unticked: explained, not let through.
    let partial = app
        .post_form(
            "/eligibility",
            &[
                ("csrf", &csrf),
                ("next", "/venues/2"),
                ("confirm", "notice"),
                ("confirm", "pin"),
            ],
        )
        .await;
    assert_eq!(partial.status, StatusCode::OK);
    assert!(partial.body.contains("この予約ではお受けできません"));
    assert!(partial.body.contains("代理人"));
    assert_eq!(app.get("/venues/2").await.status, StatusCode::SEE_OTHER);

    let all = app
        .post_form(
            "/eligibility",
            &[
                ("csrf", &csrf),
                ("next", "/venues/2"),
                ("confirm", "notice"),
                ("confirm", "in_person"),
                ("confirm", "pin"),
            ],
        )
        .await;
    assert_eq!(all.status, StatusCode::SEE_OTHER);
    assert_eq!(all.location(), "/venues/2");
    let calendar = app.get("/venues/2").await;
    assert_eq!(calendar.status, StatusCode::OK);
    assert!(calendar.body.contains("尾西事務所"));
    assert!(
        calendar.body.contains("残り30"),
        "a weekday at a 2-seat venue has 30 seats"
    );
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let mut app = spawn().await;
    app.get("/eligibility").await;
    let forged = app
        .post_form("/eligibility", &[("csrf", "forged"), ("confirm", "notice")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let mut stranger = spawn().await;
    let no_cookie = stranger
        .post_form("/lookup", &[("csrf", "x"), ("number", "1"), ("phone", "1")])
        .await;
    assert_eq!(no_cookie.status, StatusCode::FORBIDDEN);
}

async fn pass_checklist(app: &mut TestApp) {
    let csrf = app.get("/eligibility").await.csrf();
    let reply = app
        .post_form(
            "/eligibility",
            &[
                ("csrf", &csrf),
                ("confirm", "notice"),
                ("confirm", "in_person"),
                ("confirm", "pin"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_booking_form_keeps_what_was_typed_and_marks_each_error() {
    let mut app = spawn().await;
    pass_checklist(&mut app).await;
    let slot = app.slot(1, d(2026, 12, 3), 600).await;
    let form = app.get(&format!("/book/{slot}")).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let reply = app
        .post_form(
            &format!("/book/{slot}"),
            &[
                ("csrf", &csrf),
                ("party_size", "1"),
                ("name", "一宮 花子"),
                ("name_kana", "ABC"),
                ("birth_date", "昭和70年1月1日"),
                ("phone", "090-1234-5678"),
                ("email", ""),
                ("notify", "email"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("入力内容に誤りがあります"));
    assert!(
        reply.body.contains("value=\"一宮 花子\""),
        "the name typed is kept"
    );
    assert!(
        reply.body.contains("value=\"昭和70年1月1日\""),
        "the wrong date is kept for correction"
    );
    assert!(reply.body.contains("value=\"090-1234-5678\""));
    assert!(
        reply
            .body
            .contains("フリガナはカタカナまたはひらがなで入力してください")
    );
    assert!(reply.body.contains("メールアドレスを入力してください"));
    assert!(app.store.seat_audit().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_resident_books_through_the_pages_and_sees_the_number() {
    let mut app = spawn().await;
    pass_checklist(&mut app).await;
    let day = app.get("/venues/1/2026-12-03").await;
    assert!(day.body.contains("残り4"));
    let slot = app.slot(1, d(2026, 12, 3), 600).await;
    let csrf = app.get(&format!("/book/{slot}")).await.csrf();
    let details = [
        ("csrf", csrf.as_str()),
        ("party_size", "2"),
        ("name", "一宮 太郎"),
        ("name_kana", "いちのみや たろう"),
        ("birth_date", "昭和35年4月1日"),
        ("phone", "０９０１２３４５６７８"),
        ("email", ""),
        ("notify", "sms"),
    ];
    let confirm = app.post_form(&format!("/book/{slot}"), &details).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("予約内容の確認"));
    assert!(confirm.body.contains("イチノミヤ　タロウ"));
    assert!(confirm.body.contains("1960年4月1日（昭和35年）"));
    assert!(confirm.body.contains("090-1234-5678"));
    assert!(confirm.body.contains("2026年12月3日（木） 10:00〜10:30"));

    let hidden: Vec<(String, String)> = details
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let fields: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let booked = app
        .post_form(&format!("/book/{slot}/confirm"), &fields)
        .await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER);
    assert_eq!(booked.location(), "/booked");
    let done = app.get("/booked").await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("予約が完了しました"));
    let seats = app.store.seat_audit().await.unwrap();
    assert_eq!(seats.len(), 1);
    assert_eq!((seats[0].1, seats[0].2), (2, 2));
    // The big number on the page is the stored one.
    let slot_bookings = app
        .store
        .bookings_in_slot(madoguchi_core::ids::SlotId(slot))
        .await
        .unwrap();
    assert!(
        done.body
            .contains(&slot_bookings[0].reservation_no.display_grouped())
    );
}

#[tokio::test]
async fn a_slot_that_fills_while_typing_offers_alternatives_in_one_click() {
    let mut app = spawn().await;
    pass_checklist(&mut app).await;
    let slot = app.slot(2, d(2026, 12, 3), 600).await;
    let csrf = app.get(&format!("/book/{slot}")).await.csrf();
    // Someone else takes both seats.
    app.book_api(slot, 2, "09000000001").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("party_size", "1"),
        ("name", "一宮 太郎"),
        ("name_kana", "イチノミヤ タロウ"),
        ("birth_date", "1960-04-01"),
        ("phone", "09012345678"),
        ("email", ""),
        ("notify", "sms"),
    ];
    let full = app
        .post_form(&format!("/book/{slot}/confirm"), &fields)
        .await;
    assert_eq!(full.status, StatusCode::OK);
    assert!(full.body.contains("満席になりました"));
    let offers = full.body.matches("この時間で予約する").count();
    assert_eq!(offers, 3);
    let next = app.slot(2, d(2026, 12, 3), 630).await;
    assert!(
        full.body
            .contains(&format!("action=\"/book/{next}/confirm\"")),
        "the earliest alternative is 10:30 at the same venue"
    );
    let taken = app
        .post_form(&format!("/book/{next}/confirm"), &fields)
        .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER);
    assert!(app.get("/booked").await.body.contains("10:30〜11:00"));
}

#[tokio::test]
async fn lookup_then_cancel_in_the_pages() {
    let mut app = spawn().await;
    let slot = app.slot(1, d(2026, 12, 3), 600).await;
    let number = app.book_api(slot, 1, "09012345678").await.json()["reservation_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let csrf = app.get("/lookup").await.csrf();
    let wrong = app
        .post_form(
            "/lookup",
            &[
                ("csrf", &csrf),
                ("number", &number),
                ("phone", "09099999999"),
            ],
        )
        .await;
    assert!(wrong.body.contains("予約が見つかりませんでした"));
    let grouped = format!("{}-{}", &number[..4], &number[4..]);
    let found = app
        .post_form(
            "/lookup",
            &[
                ("csrf", &csrf),
                ("number", &grouped),
                ("phone", "090-1234-5678"),
            ],
        )
        .await;
    assert_eq!(found.location(), "/manage");
    let manage = app.get("/manage").await;
    assert!(manage.body.contains(&grouped));
    assert!(manage.body.contains("予約を取り消す"));
    let cancelled = app.post_form("/manage/cancel", &[("csrf", &csrf)]).await;
    // Post/Redirect/Get: the result is a page of its own.
    assert_eq!(cancelled.location(), "/manage?done=cancelled");
    let result = app.get("/manage?done=cancelled").await;
    assert!(result.body.contains("予約を取り消しました"));
    // Only known codes are shown, never text from the address.
    let forged = app.get("/manage?done=%3Cb%3Ehello").await;
    assert!(!forged.body.contains("hello"));
    assert!(!forged.body.contains("role=\"status\""));
    let status = app
        .get(&format!("/api/v1/bookings/{number}?phone=09012345678"))
        .await
        .json();
    assert_eq!(status["status"], "cancelled");
}

#[tokio::test]
async fn a_retried_api_booking_with_the_same_idempotency_key_books_once() {
    let mut app = spawn().await;
    let slot = app.slot(1, d(2026, 12, 3), 600).await;
    let send = |key: &'static str| {
        Request::post("/api/v1/bookings")
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(booking_body(slot, 2, "09012345678").to_string()))
            .unwrap()
    };
    let first = app.send(send("retry-me-1")).await;
    let again = app.send(send("retry-me-1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(
        first.json()["reservation_no"],
        again.json()["reservation_no"]
    );
    let seats = app
        .store
        .find_slot(madoguchi_core::ids::SlotId(slot))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seats.booked, 2, "the retry took no more seats");
    let other = app.send(send("another-key")).await;
    assert_eq!(other.status, StatusCode::CREATED);
    assert_ne!(
        other.json()["reservation_no"],
        first.json()["reservation_no"]
    );
}

#[tokio::test]
async fn someone_elses_idempotency_key_with_another_body_is_refused_and_reveals_nothing() {
    let mut app = spawn().await;
    let slot = app.slot(1, d(2026, 12, 3), 600).await;
    let send = |phone: &str| {
        Request::post("/api/v1/bookings")
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", "shared-key-1")
            .body(Body::from(booking_body(slot, 1, phone).to_string()))
            .unwrap()
    };
    let victim = app.send(send("09012345678")).await;
    assert_eq!(victim.status, StatusCode::CREATED, "{}", victim.body);
    let number = victim.json()["reservation_no"].as_str().unwrap().to_owned();
    // A second client replays the key with its own details.
    let intruder = app.send(send("08011112222")).await;
    assert_eq!(
        intruder.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        intruder.body
    );
    assert!(
        !intruder.body.contains(&number) && !intruder.body.contains("本庁舎"),
        "nothing of the first booking leaks: {}",
        intruder.body
    );
    let seats = app
        .store
        .find_slot(madoguchi_core::ids::SlotId(slot))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seats.booked, 1, "the refused request took no seat");
    // The owner's retry still gets its booking.
    let retry = app.send(send("０９０-１２３４-５６７８")).await;
    assert_eq!(retry.status, StatusCode::CREATED, "{}", retry.body);
    assert_eq!(retry.json()["reservation_no"], number.as_str());
}

#[tokio::test]
async fn pressing_the_confirm_button_twice_books_once() {
    let mut app = spawn().await;
    pass_checklist(&mut app).await;
    let slot = app.slot(1, d(2026, 12, 3), 600).await;
    let csrf = app.get(&format!("/book/{slot}")).await.csrf();
    let details = [
        ("csrf", csrf.as_str()),
        ("party_size", "1"),
        ("name", "一宮 太郎"),
        ("name_kana", "イチノミヤ タロウ"),
        ("birth_date", "S35.4.1"),
        ("phone", "09012345678"),
        ("email", ""),
        ("notify", "sms"),
    ];
    let confirm = app.post_form(&format!("/book/{slot}"), &details).await;
    let marker = "name=\"request_id\" value=\"";
    let start = confirm
        .body
        .find(marker)
        .expect("the confirm form carries a request id")
        + marker.len();
    let request_id = confirm.body[start..].split('"').next().unwrap().to_owned();
    let mut fields = details.to_vec();
    fields.push(("request_id", &request_id));
    assert_eq!(
        app.post_form(&format!("/book/{slot}/confirm"), &fields)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.post_form(&format!("/book/{slot}/confirm"), &fields)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let bookings = app
        .store
        .bookings_in_slot(madoguchi_core::ids::SlotId(slot))
        .await
        .unwrap();
    assert_eq!(bookings.len(), 1);
    // 修正する shows what was typed, not the normalised form.
    let mut edit = fields.clone();
    edit.push(("edit", "1"));
    let form = app.post_form(&format!("/book/{slot}"), &edit).await;
    assert!(form.body.contains("value=\"S35.4.1\""));
}

#[tokio::test]
async fn opening_a_full_slot_offers_other_times_to_choose_not_to_book_blindly() {
    let mut app = spawn().await;
    pass_checklist(&mut app).await;
    let slot = app.slot(2, d(2026, 12, 3), 600).await;
    app.book_api(slot, 2, "09000000001").await;
    let page = app.get(&format!("/book/{slot}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("満席"));
    assert!(
        !page.body.contains("/confirm\""),
        "no one-click booking without details"
    );
    let next = app.slot(2, d(2026, 12, 3), 630).await;
    assert!(page.body.contains(&format!("href=\"/book/{next}\"")));
}

// ------------------------------------------------------ one booking path

/// Seats held for a phone caller while they confirm are taken: the day page
/// and the availability API both show fewer seats while the hold lasts.
#[tokio::test]
async fn a_phone_hold_lowers_the_seats_shown_on_the_day_page_and_in_the_api() {
    let mut app = spawn().await;
    pass_checklist(&mut app).await;
    let day = d(2026, 12, 3);
    let slot = app.slot(1, day, 600).await;
    async fn shown(app: &mut TestApp, slot: i64) -> (Value, String) {
        let api = app
            .get("/api/v1/venues/1/availability?from=2026-12-03&to=2026-12-03")
            .await
            .json();
        let remaining = api["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == slot)
            .map(|s| s["remaining"].clone())
            .unwrap_or(Value::Null);
        let page = app.get("/venues/1/2026-12-03").await.body;
        let marker = format!("data-slot-id=\"{slot}\"");
        let start = page
            .find(&marker)
            .unwrap_or_else(|| panic!("the slot is on the day page: {page}"));
        let entry = page[start..].split("</a>").next().unwrap().to_owned();
        (remaining, entry)
    }
    let (api, page) = shown(&mut app, slot).await;
    assert_eq!(api, json!(4));
    assert!(page.contains("残り4"), "{page}");

    let hold = app
        .store
        .hold_seats(
            madoguchi_core::ids::SlotId(slot),
            3,
            at(NOW),
            chrono::Duration::minutes(5),
        )
        .await
        .unwrap()
        .expect("the seats were free");
    let (api, page) = shown(&mut app, slot).await;
    assert_eq!(api, json!(1), "the API counts the caller's hold");
    assert!(
        page.contains("残り1"),
        "the page counts the caller's hold: {page}"
    );

    app.store.release_hold(hold.id).await.unwrap();
    let (api, _) = shown(&mut app, slot).await;
    assert_eq!(api, json!(4), "released seats are offered again");
}

/// The regression guard of issue 12: a rush of API bookings costs one write
/// transaction per group-commit batch, whatever the batches turn out to be.
/// A per-request write (an access-log row, a notice) outside the batch
/// would make this fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rush_of_api_bookings_commits_one_write_transaction_per_batch() {
    let app = spawn().await;
    let day = d(2026, 12, 3);
    let slots: Vec<i64> = app
        .store
        .slots_between(madoguchi_core::ids::VenueId(1), day, day)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id.0)
        .collect();
    const RUSH: usize = 48;
    let before = app.store.write_counts();
    let mut rush = tokio::task::JoinSet::new();
    for i in 0..RUSH {
        let router = app.router.clone();
        let body = booking_body(slots[i % slots.len()], 1, &format!("090{:08}", 10_000 + i));
        rush.spawn(async move {
            let mut request = Request::post("/api/v1/bookings")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            // One client each, as in the benchmark: no rate limit in the way.
            let client = SocketAddr::from(([192, 0, 2, u8::try_from(i + 1).unwrap()], 50000));
            request.extensions_mut().insert(ConnectInfo(client));
            router.oneshot(request).await.unwrap().status()
        });
    }
    while let Some(status) = rush.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::CREATED);
    }
    let after = app.store.write_counts();
    let batches = after.booking_batches - before.booking_batches;
    let transactions = after.transactions - before.transactions;
    assert!((1..=RUSH as u64).contains(&batches), "{batches} batches");
    assert_eq!(
        transactions, batches,
        "every write of the rush was one of its booking batches"
    );
    let logged = app
        .store
        .access_log(&madoguchi_store::AccessFilter {
            function: Some("booking.create".to_owned()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(logged.len(), RUSH, "each booking has its access-log entry");
    assert!(
        logged
            .iter()
            .all(|e| e.actor == "api" && e.target.starts_with("booking:"))
    );
}
