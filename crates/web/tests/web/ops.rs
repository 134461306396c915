//! What the operators' monitoring sees: `/readyz` and the Prometheus
//! metrics on their own listener (`madoguchi_web::metrics_app`).

use axum::http::StatusCode;
use madoguchi_core::clock::FixedClock;
use madoguchi_core::schedule::WeeklyTemplate;
use madoguchi_store::{CallEnd, CallTurn, NewCall, Store};
use madoguchi_web::{AppState, WebConfig, app, metrics_app};
use serde_json::json;
use std::sync::Arc;

use super::support::{
    NOW, Reply, at, client, d, get_request, json_request, send, temp_store, venue,
};

fn state(store: &Store) -> AppState {
    AppState::new(
        store.clone(),
        Arc::new(FixedClock(at(NOW))),
        WebConfig::default(),
        &[7u8; 64],
    )
    .unwrap()
}

async fn get(router: &axum::Router, uri: &str) -> Reply {
    send(router, client(), None, get_request(uri)).await
}

/// The value of the sample `name` (with its labels, as printed), if any.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn readyz_answers_ok_on_a_migrated_database() {
    let (_dir, store) = temp_store().await;
    let router = app(state(&store));
    let reply = get(&router, "/readyz").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "ok");
    assert_eq!(get(&router, "/healthz").await.body, "ok");
}

#[tokio::test]
async fn readyz_says_why_when_migrations_are_missing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(dir.path().join("new.db").to_str().unwrap())
        .await
        .unwrap();
    let router = app(state(&store));
    let reply = get(&router, "/readyz").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        reply
            .body
            .starts_with("not ready: database migrations not applied ("),
        "{}",
        reply.body
    );
    // Healthy all the same: the process answers.
    assert_eq!(get(&router, "/healthz").await.status, StatusCode::OK);
    store.migrate().await.unwrap();
    assert_eq!(get(&router, "/readyz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn readyz_fails_when_the_database_is_gone_and_with_added_checks() {
    let (_dir, store) = temp_store().await;
    let phone_loaded = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = phone_loaded.clone();
    let router = app(state(&store).with_readiness(Arc::new(move || {
        (!flag.load(std::sync::atomic::Ordering::Relaxed))
            .then(|| "phone: speech engines not loaded".to_owned())
    })));
    let reply = get(&router, "/readyz").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.body, "not ready: phone: speech engines not loaded");
    phone_loaded.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(get(&router, "/readyz").await.status, StatusCode::OK);
    store.close().await;
    // A good answer is reused for a second (probes cost one query a second).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let reply = get(&router, "/readyz").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.body, "not ready: database not answering");
}

#[tokio::test]
async fn metrics_move_after_a_booking_and_a_call_and_hold_no_personal_data() {
    let (_dir, store) = temp_store().await;
    let settings = store.settings().await.unwrap();
    let id = venue(&store, "honcho", "本庁舎 市民課", "ほんちょうしゃ しみんか").await;
    let template = WeeklyTemplate::weekdays(9 * 60, 16 * 60 + 30, 4);
    let specs = template.generate(&settings.closed_days, d(2026, 12, 3), d(2026, 12, 3));
    store.create_slots(id, &specs).await.unwrap();
    let slot = store
        .slots_between(id, d(2026, 12, 3), d(2026, 12, 3))
        .await
        .unwrap()[0]
        .id
        .0;

    let state = state(&store);
    let public = app(state.clone());
    let monitoring = metrics_app(state);
    let before = get(&monitoring, "/metrics").await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(
        before.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        before.headers
    );
    assert_eq!(
        sample(&before.body, "madoguchi_bookings_total{channel=\"web\"}"),
        None
    );
    assert_eq!(
        sample(&before.body, "madoguchi_calls_in_progress"),
        Some(0.0)
    );

    // A resident books on the web and looks the booking up.
    let booked = send(
        &public,
        client(),
        None,
        json_request(
            "/api/v1/bookings",
            &json!({
                "slot_id": slot, "party_size": 1, "name": "一宮 太郎",
                "name_kana": "イチノミヤ タロウ", "birth_date": "1960-04-01",
                "phone": "09012345678", "notify": "sms",
            }),
        ),
    )
    .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.body);
    let number = booked.json()["reservation_no"].as_str().unwrap().to_owned();
    let found = get(
        &public,
        &format!("/api/v1/bookings/{number}?phone=09012345678"),
    )
    .await;
    assert_eq!(found.status, StatusCode::OK);
    // A call: one ended with a booking, one still going on.
    let call = NewCall {
        kind: "simulator".into(),
        caller_id: Some("09099998888".into()),
        scenario_version: None,
        dry_run: true,
    };
    let first = store.start_call(&call, at(NOW)).await.unwrap();
    store.start_call(&call, at(NOW)).await.unwrap();
    let end = CallEnd {
        outcome: "booked".into(),
        end_state: "done".into(),
        end_reason: "completed".into(),
        reservation_no: Some(number.clone()),
    };
    // Two caller turns at the venue step: one misheard, one keyed.
    for (seq, input, understood) in [(1, "びさい", "not_understood"), (2, "#dtmf 2", "venue=2")]
    {
        let turn = CallTurn {
            seq,
            at: at(NOW),
            state: "venue".into(),
            prompt_id: "ask_venue".into(),
            prompt_text: "会場はどちらですか。".into(),
            caller_input: input.into(),
            understood: understood.into(),
            outcome: String::new(),
        };
        store.record_turn(first, &turn).await.unwrap();
    }
    store.end_call(first, &end, at(NOW)).await.unwrap();
    store.end_call(first, &end, at(NOW)).await.unwrap();
    store.purge_bookings_before(d(2026, 1, 1)).await.unwrap();

    let after = get(&monitoring, "/metrics").await.body;
    assert_eq!(
        sample(&after, "madoguchi_bookings_total{channel=\"web\"}"),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, "madoguchi_calls_in_progress"),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, "madoguchi_calls_ended_total{outcome=\"booked\"}"),
        Some(1.0),
        "a call ends once: {after}"
    );
    assert_eq!(
        sample(
            &after,
            "madoguchi_call_turns_not_understood_total{step=\"venue\"}"
        ),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, "madoguchi_call_turns_keyed_total{step=\"venue\"}"),
        Some(1.0),
        "{after}"
    );
    assert!(
        !after.contains("びさい"),
        "nothing said goes into the metrics: {after}"
    );
    assert_eq!(
        sample(&after, "madoguchi_purge_runs_total"),
        Some(1.0),
        "{after}"
    );
    // The confirmation SMS waits in the outbox (no worker runs here).
    assert_eq!(
        sample(&after, "madoguchi_outbox_messages"),
        Some(1.0),
        "{after}"
    );
    assert!(sample(&after, "madoguchi_outbox_oldest_age_seconds").is_some());
    // Latency by route template: the number typed in the path is not there.
    assert_eq!(
        sample(
            &after,
            "madoguchi_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/bookings/{reservation_no}\",status=\"200\"}"
        ),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        sample(
            &after,
            "madoguchi_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/bookings\",status=\"201\"}"
        ),
        Some(1.0),
        "{after}"
    );
    assert!(!after.contains(&number), "{after}");
    assert!(!after.contains("09012345678") && !after.contains("09099998888"));
}

#[tokio::test]
async fn the_public_application_does_not_serve_metrics() {
    let (_dir, store) = temp_store().await;
    let public = app(state(&store));
    assert_eq!(get(&public, "/metrics").await.status, StatusCode::NOT_FOUND);
}
