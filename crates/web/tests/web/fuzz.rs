//! Fuzz-style property tests of the web's outside input (issue 16): any
//! JSON body, any bytes, any form fields (with a valid CSRF token, so that
//! the decoding behind it runs) are answered with a clear 4xx or a page,
//! never a server error, and never book anything that was not valid.
//! A short run by default; `PROPTEST_CASES=5000` for a long one.

use axum::http::{Request, header};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value};
use std::cell::RefCell;

use super::http::{TestApp, spawn};
use super::support::{form_request, json_request};

/// Field names the pages and the API read, and some they do not.
const FIELDS: &[&str] = &[
    "slot_id",
    "party_size",
    "name",
    "name_kana",
    "birth_date",
    "phone",
    "email",
    "notify",
    "reservation_no",
    "next",
    "answer_0",
    "answer_1",
    "answer_2",
    "x",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        "[0-9０-９\\-ー－ ]{0,16}",
        "[ぁ-んァ-ン一-龥 　]{0,12}",
        Just("-1".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("\u{0}\r\n\u{b}".to_owned()),
        Just("-262143-01-05".to_owned()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(FIELDS), inner), 0..8).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| ((*k).to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

fn form() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    prop::collection::vec((prop::sample::select(FIELDS), text()), 0..10)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(64),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Seats booked anywhere in the test season.
async fn booked_seats(app: &TestApp) -> i64 {
    let mut seats = 0;
    for venue in [1, 2] {
        let slots = app
            .store
            .slots_between(
                madoguchi_core::ids::VenueId(venue),
                chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap(),
            )
            .await
            .unwrap();
        seats += slots.iter().map(|s| s.booked).sum::<i64>();
    }
    seats
}

/// A new client address for each case: the per-address rate limits would
/// otherwise answer 429 before the decoding runs.
fn next_client(app: &mut TestApp) {
    let n = match app.client.ip() {
        std::net::IpAddr::V4(ip) => u32::from(ip).wrapping_add(1),
        std::net::IpAddr::V6(_) => 0x0a00_0001,
    };
    app.client = std::net::SocketAddr::from((std::net::Ipv4Addr::from(n), 50000));
}

#[test]
fn no_json_body_makes_the_api_fail() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut app = rt.block_on(spawn());
    app.client = "10.0.0.1:50000".parse().unwrap();
    let before = rt.block_on(booked_seats(&app));
    let app = RefCell::new(app);
    runner()
        .run(
            &(
                json_value(),
                prop::sample::select(
                    &[
                        "/api/v1/bookings",
                        "/api/v1/bookings/12345678/cancel",
                        "/api/v1/bookings/12345678/change",
                    ][..],
                ),
            ),
            |(body, uri)| {
                next_client(&mut app.borrow_mut());
                let reply = rt.block_on(app.borrow_mut().send(json_request(uri, &body)));
                prop_assert!(
                    reply.status.is_client_error(),
                    "{uri} {body}: {} {}",
                    reply.status,
                    reply.body
                );
                Ok(())
            },
        )
        .unwrap();
    // Nothing random is a valid booking.
    assert_eq!(rt.block_on(booked_seats(&app.borrow())), before);
}

#[test]
fn no_bytes_make_the_api_fail() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut app = rt.block_on(spawn());
    app.client = "10.0.0.1:50000".parse().unwrap();
    let app = RefCell::new(app);
    runner()
        .run(&prop::collection::vec(any::<u8>(), 0..200), |bytes| {
            let request = Request::post("/api/v1/bookings")
                .header(header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from(bytes.clone()))
                .unwrap();
            next_client(&mut app.borrow_mut());
            let reply = rt.block_on(app.borrow_mut().send(request));
            prop_assert!(reply.status.is_client_error(), "{}", reply.status);
            Ok(())
        })
        .unwrap();
}

#[test]
fn no_form_makes_a_citizen_page_fail() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut app = rt.block_on(spawn());
    app.client = "10.0.0.1:50000".parse().unwrap();
    let slot = rt
        .block_on(app.store.slots_between(
            madoguchi_core::ids::VenueId(1),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        ))
        .unwrap()[0]
        .id
        .0;
    let book = format!("/book/{slot}");
    let confirm = format!("/book/{slot}/confirm");
    let pages: Vec<String> = vec![
        "/eligibility".to_owned(),
        book.clone(),
        confirm,
        "/lookup".to_owned(),
        "/manage/cancel".to_owned(),
    ];
    let app = RefCell::new(app);
    runner()
        .run(
            &(form(), prop::sample::select(pages.clone())),
            |(fields, page)| {
                // A real CSRF token from the page's own form, so that the
                // fields behind it are read.
                // A fresh visitor each case: an earlier case may have
                // answered the checklist, and the page then moves on.
                app.borrow_mut().cookies.clear();
                next_client(&mut app.borrow_mut());
                let shown = rt.block_on(app.borrow_mut().get("/eligibility"));
                prop_assert!(
                    shown.body.contains("name=\"csrf\""),
                    "the form page: {} {}",
                    shown.status,
                    shown.body.chars().take(300).collect::<String>()
                );
                let csrf = shown.csrf();
                let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
                all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
                let reply = rt.block_on(app.borrow_mut().send(form_request(&page, &all)));
                prop_assert!(
                    !reply.status.is_server_error(),
                    "{page} {fields:?}: {} {}",
                    reply.status,
                    reply.body
                );
                Ok(())
            },
        )
        .unwrap();
}
