//! SMS through the Twilio wire format, against a local HTTP server that
//! checks the exact request and answers as the test tells it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::{NOW, world};
use madoguchi_notify::admin::save_templates;
use madoguchi_notify::providers::twilio::Twilio;
use madoguchi_notify::templates::default_templates;
use madoguchi_notify::{Delivery, EmailConfig, SmsConfig};
use madoguchi_store::{NoticeChannel, NoticeEvent, NoticeStatus};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

const SID: &str = "AC0123456789abcdef";
const TOKEN: &str = "t0ken-secret";
/// base64("AC0123456789abcdef:t0ken-secret")
const BASIC: &str = "Basic QUMwMTIzNDU2Nzg5YWJjZGVmOnQwa2VuLXNlY3JldA==";

#[derive(Debug, Clone)]
struct Received {
    account: String,
    authorization: String,
    content_type: String,
    form: Vec<(String, String)>,
}

impl Received {
    fn field(&self, name: &str) -> &str {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.form))
    }
}

#[derive(Clone, Default)]
struct Fake {
    received: Arc<Mutex<Vec<Received>>>,
    /// Answers to give, in order; then 201 with a sid.
    script: Arc<Mutex<VecDeque<(u16, &'static str)>>>,
}

async fn messages(
    State(fake): State<Fake>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let form: Vec<(String, String)> = serde_urlencoded_pairs(&body);
    let mut received = fake.received.lock().unwrap();
    received.push(Received {
        account,
        authorization: header("authorization"),
        content_type: header("content-type"),
        form,
    });
    let n = received.len();
    match fake.script.lock().unwrap().pop_front() {
        Some((status, body)) => (StatusCode::from_u16(status).unwrap(), body.to_owned()),
        None => (
            StatusCode::CREATED,
            format!(r#"{{"sid": "SM{n:032}", "status": "queued"}}"#),
        ),
    }
}

/// Decodes `application/x-www-form-urlencoded` by hand, so that the test
/// sees exactly what went over the wire.
fn serde_urlencoded_pairs(body: &str) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    }
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (decode(k), decode(v))
        })
        .collect()
}

async fn start_fake() -> (Fake, String) {
    let fake = Fake::default();
    let app = axum::Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/Messages.json",
            post(messages),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (fake, base)
}

fn twilio(base: &str) -> Delivery {
    Delivery {
        sms: Some(Arc::new(
            Twilio::new(Some(base), SID, TOKEN, "+15005550006").unwrap(),
        )),
        email: None,
    }
}

#[tokio::test]
async fn a_booking_sends_one_sms_with_the_exact_twilio_request() {
    let w = world().await;
    let (fake, base) = start_fake().await;
    let booking = w.book("sms", "０９０−１２３４−５６７８", "").await;
    let worker = w.worker(twilio(&base));
    let pass = worker.run_once().await.unwrap();
    assert_eq!(pass.sent, 1);

    let received = fake.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.account, SID);
    assert_eq!(r.authorization, BASIC);
    assert_eq!(r.content_type, "application/x-www-form-urlencoded");
    assert_eq!(r.field("To"), "+819012345678");
    assert_eq!(r.field("From"), "+15005550006");
    let body = r.field("Body");
    let grouped = booking.reservation_no.display_grouped();
    for part in [
        "【一宮市】ご予約を受け付けました。",
        "12月3日（木）10:00から",
        "本庁舎",
        "2名",
        grouped.as_str(),
        "https://yoyaku.example.jp/lookup",
        "0586-28-0000",
    ] {
        assert!(body.contains(part), "{part} missing in {body}");
    }

    let stored = w.store.notices_for_booking(booking.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].status, NoticeStatus::Sent);
    assert_eq!(
        stored[0].provider_id.as_deref(),
        Some("SM00000000000000000000000000000001")
    );
    let segments = madoguchi_notify::templates::sms_length(body).segments;
    assert!(
        segments >= 2,
        "a Japanese SMS of {} chars",
        body.chars().count()
    );
    assert_eq!(stored[0].segments, Some(segments));
    let today = w.clock.now_jst_date();
    let usage = w.store.notify_usage(today, today).await.unwrap();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].channel, NoticeChannel::Sms);
    assert_eq!(usage[0].messages, 1);
    assert_eq!(usage[0].segments, i64::from(segments));

    // A restart: a new worker finds nothing to send again.
    let again = w.worker(twilio(&base)).run_once().await.unwrap();
    assert_eq!(again.sent, 0);
    w.clock.advance(chrono::Duration::hours(2));
    assert_eq!(w.worker(twilio(&base)).run_once().await.unwrap().sent, 0);
    assert_eq!(fake.received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_with_growing_waits() {
    let w = world().await;
    let (fake, base) = start_fake().await;
    fake.script.lock().unwrap().extend([
        (429, r#"{"code": 20429, "message": "Too Many Requests"}"#),
        (503, "Service Unavailable"),
    ]);
    let booking = w.book("sms", "090-1234-5678", "").await;
    let worker = w.worker(twilio(&base));

    assert_eq!(worker.run_once().await.unwrap().retrying, 1);
    let first = w.store.notices_for_booking(booking.id).await.unwrap();
    assert_eq!(first[0].status, NoticeStatus::Queued);
    assert_eq!(first[0].attempts, 1);
    assert_eq!(
        first[0].last_error.as_deref(),
        Some("HTTP 429 (Twilio 20429) Too Many Requests")
    );
    let wait1 = first[0].next_attempt_at - w.clock_now();
    assert!(
        (15..=30).contains(&wait1.num_seconds()),
        "first wait {wait1}"
    );
    // Not yet due: nothing is sent.
    assert_eq!(worker.run_once().await.unwrap().retrying, 0);
    assert_eq!(fake.received.lock().unwrap().len(), 1);

    w.clock.advance(wait1);
    assert_eq!(worker.run_once().await.unwrap().retrying, 1);
    let second = w.store.notices_for_booking(booking.id).await.unwrap();
    assert_eq!(second[0].attempts, 2);
    assert_eq!(second[0].last_error.as_deref(), Some("HTTP 503"));
    let wait2 = second[0].next_attempt_at - w.clock_now();
    assert!(
        (30..=60).contains(&wait2.num_seconds()),
        "second wait {wait2}"
    );

    w.clock.advance(wait2);
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    let done = w.store.notices_for_booking(booking.id).await.unwrap();
    assert_eq!(done[0].status, NoticeStatus::Sent);
    assert_eq!(done[0].attempts, 3);
    let received = fake.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    // Every attempt carried the same text, intact.
    assert!(
        received
            .iter()
            .all(|r| r.field("Body") == received[0].field("Body"))
    );
}

#[tokio::test]
async fn a_refused_number_fails_at_once_with_twilios_reason_and_staff_can_resend() {
    let w = world().await;
    let (fake, base) = start_fake().await;
    fake.script.lock().unwrap().push_back((
        400,
        r#"{"code": 21211, "message": "The 'To' number +819012345678 is not a valid phone number.", "status": 400}"#,
    ));
    let booking = w.book("sms", "090-1234-5678", "").await;
    let worker = w.worker(twilio(&base));
    assert_eq!(worker.run_once().await.unwrap().failed, 1);
    let failed = w.store.notices_for_booking(booking.id).await.unwrap();
    assert_eq!(failed[0].status, NoticeStatus::Failed);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("HTTP 400 (Twilio 21211) The 'To' number"),
        "{:?}",
        failed[0].last_error
    );
    // The provider quoted the number; what is stored does not.
    let stored = failed[0].last_error.as_deref().unwrap();
    assert!(
        !stored.contains("9012345678") && stored.contains("[電話番号]"),
        "{stored}"
    );
    w.clock.advance(chrono::Duration::days(1));
    assert_eq!(worker.run_once().await.unwrap().failed, 0);
    assert_eq!(fake.received.lock().unwrap().len(), 1);

    w.store
        .resend_notice(failed[0].id, w.clock_now())
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    let all = w.store.notices_for_booking(booking.id).await.unwrap();
    assert_eq!(
        all.iter().map(|m| m.status).collect::<Vec<_>>(),
        [NoticeStatus::Failed, NoticeStatus::Sent]
    );
}

#[tokio::test]
async fn out_of_attempts_the_message_is_marked_failed() {
    let w = world().await;
    let (fake, base) = start_fake().await;
    fake.script
        .lock()
        .unwrap()
        .extend(std::iter::repeat_n((500, "{}"), 20));
    let booking = w.book("sms", "090-1234-5678", "").await;
    let worker = w.worker(twilio(&base));
    for _ in 0..8 {
        worker.run_once().await.unwrap();
        w.clock.advance(chrono::Duration::hours(2));
    }
    let stored = w.store.notices_for_booking(booking.id).await.unwrap();
    assert_eq!(stored[0].status, NoticeStatus::Failed);
    assert_eq!(stored[0].attempts, 8);
    assert_eq!(
        stored[0].last_error.as_deref(),
        Some("8回試しても送れませんでした: HTTP 500")
    );
    assert_eq!(worker.run_once().await.unwrap().failed, 0);
    assert_eq!(fake.received.lock().unwrap().len(), 8);
}

#[tokio::test]
async fn without_configuration_messages_are_stored_as_undeliverable() {
    let w = world().await;
    let booking = w.book("both", "090-1234-5678", "hanako@example.jp").await;
    let delivery = Delivery::from_config(&EmailConfig::default(), &SmsConfig::default()).unwrap();
    let worker = w.worker(delivery);
    assert_eq!(worker.run_once().await.unwrap().undeliverable, 2);
    let stored = w.store.notices_for_booking(booking.id).await.unwrap();
    let reasons: Vec<_> = stored
        .iter()
        .map(|m| (m.channel, m.status, m.last_error.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                NoticeChannel::Sms,
                NoticeStatus::Undeliverable,
                "SMS送信が設定されていません"
            ),
            (
                NoticeChannel::Email,
                NoticeStatus::Undeliverable,
                "メール送信が設定されていません"
            ),
        ]
    );
    // Nothing left to do: the worker does not come back to them.
    assert!(w.store.next_notice_due().await.unwrap().is_none());
    assert_eq!(worker.run_once().await.unwrap(), Default::default());
}

#[tokio::test]
async fn reminders_go_out_the_day_before_once_and_not_for_cancelled_bookings() {
    let w = world().await;
    let (fake, base) = start_fake().await;
    let kept = w.book("sms", "090-1234-5678", "").await;
    let gone = w.book("sms", "090-8765-4321", "").await;
    let worker = w.worker(twilio(&base));
    assert_eq!(worker.run_once().await.unwrap().sent, 2);
    w.store
        .cancel(
            &gone.reservation_no,
            &gone.applicant.phone,
            &madoguchi_store::Actor::Citizen,
            w.clock_now(),
        )
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    assert_eq!(fake.received.lock().unwrap().len(), 3);

    // Wednesday 2 December, 9:59: not yet.
    w.clock.set("2026-12-02T09:59:00+09:00");
    assert_eq!(worker.run_once().await.unwrap().reminders_queued, 0);
    // 10:00, the default time: one reminder, for the booking still kept.
    w.clock.set("2026-12-02T10:00:00+09:00");
    let pass = worker.run_once().await.unwrap();
    assert_eq!((pass.reminders_queued, pass.sent), (1, 1));
    // Later that day, and after a restart: nothing more.
    w.clock.set("2026-12-02T18:00:00+09:00");
    let pass = w.worker(twilio(&base)).run_once().await.unwrap();
    assert_eq!((pass.reminders_queued, pass.sent), (0, 0));

    let received = fake.received.lock().unwrap().clone();
    assert_eq!(received.len(), 4);
    let reminder = received[3].field("Body");
    assert!(
        reminder.contains("明日12月3日（木）10:00から本庁舎"),
        "{reminder}"
    );
    assert!(reminder.contains("暗証番号"), "{reminder}");
    assert_eq!(received[3].field("To"), kept.applicant.phone.e164());
    let events: Vec<_> = w
        .store
        .notices_for_booking(kept.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.event, m.status))
        .collect();
    assert_eq!(
        events,
        [
            (NoticeEvent::Booked, NoticeStatus::Sent),
            (NoticeEvent::Reminder, NoticeStatus::Sent)
        ]
    );
}

#[tokio::test]
async fn reminders_can_be_switched_off_or_moved() {
    let w = world().await;
    let (_fake, base) = start_fake().await;
    w.book("sms", "090-1234-5678", "").await;
    let worker = w.worker(twilio(&base));
    let mut settings = madoguchi_notify::NotifySettings::load(&w.store)
        .await
        .unwrap();
    settings.reminders_enabled = false;
    settings.save(&w.store).await.unwrap();
    w.clock.set("2026-12-02T12:00:00+09:00");
    assert_eq!(worker.run_once().await.unwrap().reminders_queued, 0);
    settings.reminders_enabled = true;
    settings.reminder_minute = 17 * 60;
    settings.save(&w.store).await.unwrap();
    assert_eq!(worker.run_once().await.unwrap().reminders_queued, 0);
    w.clock.set("2026-12-02T17:00:00+09:00");
    assert_eq!(worker.run_once().await.unwrap().reminders_queued, 1);
    let _ = NOW;
}

#[tokio::test]
async fn saved_templates_are_checked_kept_as_history_and_used_for_the_next_message() {
    use madoguchi_notify::admin::{SaveError, save_templates};
    use madoguchi_notify::templates::{EventTemplates, default_templates};
    let w = world().await;
    let (fake, base) = start_fake().await;
    let mut t = default_templates(NoticeEvent::Booked);
    t.sms_body = "{{venue}} {{daet}}".to_owned();
    let refused = save_templates(&w.store, NoticeEvent::Booked, &t, "yamada", w.clock_now()).await;
    match refused {
        Err(SaveError::Invalid(problems)) => {
            assert_eq!(problems[0].0, "sms_body");
            assert!(
                problems[0]
                    .1
                    .message_ja()
                    .contains("「{{daet}}」は使えない差し込み項目です")
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    t.sms_body = "{{city_name}}です。{{date}}{{time}} {{venue}} 番号{{reservation_no}}".to_owned();
    save_templates(&w.store, NoticeEvent::Booked, &t, "yamada", w.clock_now())
        .await
        .unwrap();
    let newer = EventTemplates {
        sms_body: "予約済み {{reservation_no}}".to_owned(),
        ..t.clone()
    };
    w.clock.advance(chrono::Duration::minutes(1));
    save_templates(
        &w.store,
        NoticeEvent::Booked,
        &newer,
        "suzuki",
        w.clock_now(),
    )
    .await
    .unwrap();
    let history = w
        .store
        .notify_template_history(NoticeEvent::Booked)
        .await
        .unwrap();
    assert_eq!(
        history
            .iter()
            .map(|v| (v.saved_by.as_str(), v.sms_body.as_str()))
            .collect::<Vec<_>>(),
        [
            ("suzuki", "予約済み {{reservation_no}}"),
            ("yamada", t.sms_body.as_str())
        ]
    );

    let booking = w.book("sms", "090-1234-5678", "").await;
    w.worker(twilio(&base)).run_once().await.unwrap();
    let body = fake.received.lock().unwrap()[0].field("Body").to_owned();
    assert_eq!(
        body,
        format!("予約済み {}", booking.reservation_no.display_grouped())
    );
}

/// A call that accepted the web link SMS (issue 6, A15), queued as the call
/// runner does.
async fn queue_link(w: &common::World, phone: &str) -> (madoguchi_store::CallId, i64) {
    let call = w
        .store
        .start_call(
            &madoguchi_store::NewCall {
                kind: "voice".to_owned(),
                caller_id: Some(phone.to_owned()),
                scenario_version: None,
                dry_run: false,
            },
            w.clock_now(),
        )
        .await
        .unwrap();
    let queued = w
        .store
        .queue_link_sms(call, phone, 3, w.clock_now())
        .await
        .unwrap();
    let madoguchi_store::LinkSmsQueued::Queued(id) = queued else {
        panic!("not queued: {queued:?}");
    };
    (call, id)
}

#[tokio::test]
async fn a_web_link_sms_from_a_call_reaches_twilio_with_the_site_address_after_a_retry() {
    let w = world().await;
    let (fake, base) = start_fake().await;
    fake.script
        .lock()
        .unwrap()
        .push_back((503, "Service Unavailable"));
    let (call, id) = queue_link(&w, "+819012345678").await;
    let worker = w.worker(twilio(&base));

    assert_eq!(worker.run_once().await.unwrap().retrying, 1);
    let waiting = w.store.link_sms(id).await.unwrap().unwrap();
    assert_eq!(waiting.status, NoticeStatus::Queued);
    assert_eq!(waiting.last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(waiting.attempts, 1);
    w.clock.advance(waiting.next_attempt_at - w.clock_now());
    assert_eq!(worker.run_once().await.unwrap().sent, 1);

    let received = fake.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    let r = &received[1];
    assert_eq!(r.authorization, BASIC);
    assert_eq!(r.field("To"), "+819012345678");
    assert_eq!(r.field("From"), "+15005550006");
    let body = r.field("Body");
    assert_eq!(
        body,
        "【一宮市】マイナンバーカード電子証明書更新の予約はこちらから: https://yoyaku.example.jp/ お問い合わせ: 0586-28-0000"
    );
    let segments = madoguchi_notify::templates::sms_length(body).segments;
    let sent = w.store.link_sms_for_call(call).await.unwrap().unwrap();
    assert_eq!(sent.status, NoticeStatus::Sent);
    assert_eq!(sent.attempts, 2);
    assert_eq!(sent.segments, Some(segments));
    assert_eq!(
        sent.provider_id.as_deref(),
        Some("SM00000000000000000000000000000002")
    );
    // Counted with the SMS charges.
    let today = w.clock.now_jst_date();
    let usage = w.store.notify_usage(today, today).await.unwrap();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].channel, NoticeChannel::Sms);
    assert_eq!(
        (usage[0].messages, usage[0].segments),
        (1, i64::from(segments))
    );
    // Sent once: nothing more, however late.
    w.clock.advance(chrono::Duration::hours(3));
    assert_eq!(worker.run_once().await.unwrap().sent, 0);
    assert_eq!(fake.received.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn the_web_link_text_is_the_staffs_template_and_needs_sms_and_the_site_address() {
    let w = world().await;
    let (fake, base) = start_fake().await;
    let mut t = default_templates(NoticeEvent::WebLink);
    // Booking details cannot go into a message without a booking.
    t.sms_body = "{{name}}様 {{booking_url}}".to_owned();
    assert!(
        save_templates(&w.store, NoticeEvent::WebLink, &t, "yamada", w.clock_now())
            .await
            .is_err()
    );
    t.sms_body = "予約はこちら {{booking_url}} 電話{{city_phone}}".to_owned();
    save_templates(&w.store, NoticeEvent::WebLink, &t, "yamada", w.clock_now())
        .await
        .unwrap();
    queue_link(&w, "+819011112222").await;
    assert_eq!(w.worker(twilio(&base)).run_once().await.unwrap().sent, 1);
    assert_eq!(
        fake.received.lock().unwrap()[0].field("Body"),
        "予約はこちら https://yoyaku.example.jp/ 電話0586-28-0000"
    );

    // No SMS provider: recorded as undeliverable, like booking notices.
    let (_, id) = queue_link(&w, "+819033334444").await;
    let email_only = Delivery {
        sms: None,
        email: None,
    };
    assert_eq!(
        w.worker(email_only).run_once().await.unwrap().undeliverable,
        1
    );
    let link = w.store.link_sms(id).await.unwrap().unwrap();
    assert_eq!(link.status, NoticeStatus::Undeliverable);
    assert_eq!(
        link.last_error.as_deref(),
        Some(madoguchi_notify::worker::SMS_NOT_CONFIGURED)
    );

    // No public address: a link without the address is not sent.
    let (_, id) = queue_link(&w, "+819055556666").await;
    let no_site = madoguchi_notify::Worker::new(
        w.store.clone(),
        w.clock.clone(),
        twilio(&base),
        None,
        madoguchi_notify::RetryPolicy::default(),
    );
    assert_eq!(no_site.run_once().await.unwrap().failed, 1);
    let link = w.store.link_sms(id).await.unwrap().unwrap();
    assert_eq!(link.status, NoticeStatus::Failed);
    assert_eq!(fake.received.lock().unwrap().len(), 1);
}
