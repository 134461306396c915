//! The notification pages of the admin console: template editor (checks,
//! preview, segments, history), a booking's messages with resend, usage
//! with CSV, and the banner when delivery is not configured.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, NaiveDate, Utc};
use madoguchi_core::Clock;
use madoguchi_core::booking::{ApplicantForm, Booking, Channel};
use madoguchi_core::clock::FixedClock;
use madoguchi_core::schedule::{DayHours, WeeklyTemplate};
use madoguchi_core::staff::{Login, Role};
use madoguchi_core::venue::VenueForm;
use madoguchi_notify::admin::NotifyStatus;
use madoguchi_store::{
    AccessFilter, Actor, NewBooking, NewStaffUser, NoticeEvent, NoticeStatus, Store,
};
use madoguchi_web::{AppState, WebConfig, app};
use std::collections::BTreeMap;
use std::sync::Arc;

use super::support::{
    NOW, PASSWORD, Reply, at, client, form_request, get_request, send, temp_store,
};

struct TestApp {
    router: axum::Router,
    store: Store,
    now: DateTime<Utc>,
    cookies: BTreeMap<String, String>,
    _dir: tempfile::TempDir,
}

async fn spawn(status: NotifyStatus) -> TestApp {
    let (dir, store) = temp_store().await;
    let now = at(NOW);
    let config = WebConfig {
        notify: status,
        ..WebConfig::default()
    };
    let state =
        AppState::new(store.clone(), Arc::new(FixedClock(now)), config, &[7u8; 64]).unwrap();
    TestApp {
        router: app(state),
        store,
        now,
        cookies: BTreeMap::new(),
        _dir: dir,
    }
}

impl TestApp {
    async fn send(&mut self, request: Request<Body>) -> Reply {
        send(&self.router, client(), Some(&mut self.cookies), request).await
    }

    async fn get(&mut self, uri: &str) -> Reply {
        self.send(get_request(uri)).await
    }

    async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        self.send(form_request(uri, fields)).await
    }

    /// A new account with `role`, signed in; returns the session's CSRF token.
    async fn sign_in_as(&mut self, login: &str, role: Role) -> String {
        let user = NewStaffUser {
            login: Login::parse(login).unwrap(),
            display_name: format!("{login}さん"),
            role,
            password_hash: madoguchi_web::hash_password(PASSWORD).unwrap(),
        };
        self.store.create_staff_user(&user, self.now).await.unwrap();
        self.cookies.clear();
        let form = self.get("/admin/login").await;
        let csrf = form.csrf();
        let signed = self
            .post_form(
                "/admin/login",
                &[("csrf", &csrf), ("login", login), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        self.get("/admin").await.csrf()
    }

    async fn booking(&self) -> Booking {
        let venue = self
            .store
            .upsert_venue(&VenueForm {
                code: "honcho".to_owned(),
                name: "本庁舎".to_owned(),
                kana: "ほんちょうしゃ".to_owned(),
                address: "愛知県一宮市本町2丁目5番6号".to_owned(),
                phone: "0586-28-8100".to_owned(),
                note: String::new(),
                display_order: 1,
            })
            .await
            .unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let template = WeeklyTemplate {
            days: vec![DayHours {
                weekday: 3,
                open_min: 600,
                close_min: 630,
                slot_minutes: 30,
                capacity: 4,
                reserved: 0,
            }],
        };
        self.store
            .set_weekly_template(venue, &template)
            .await
            .unwrap();
        let closed = self.store.settings().await.unwrap().closed_days.clone();
        self.store
            .create_slots(venue, &template.generate(&closed, day, day))
            .await
            .unwrap();
        let slot = self.store.slots_between(venue, day, day).await.unwrap()[0].id;
        let applicant = ApplicantForm {
            party_size: "1".to_owned(),
            name: "一宮 花子".to_owned(),
            name_kana: "いちのみや はなこ".to_owned(),
            birth_date: "昭和30年5月1日".to_owned(),
            phone: "090-1234-5678".to_owned(),
            email: String::new(),
            notify: "sms".to_owned(),
        }
        .validate(FixedClock(self.now).today())
        .unwrap();
        self.store
            .book(
                &NewBooking {
                    slot_id: slot,
                    applicant,
                    channel: Channel::Web,
                    request_key: None,
                },
                &Actor::Citizen,
                self.now,
            )
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn an_admin_edits_a_template_with_checks_preview_and_history() {
    let mut app = spawn(NotifyStatus::default()).await;
    let csrf = app.sign_in_as("suzuki", Role::Admin).await;

    let overview = app.get("/admin/notifications").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(
        overview
            .body
            .contains("SMSとメールの送信が設定されていません"),
        "{}",
        overview.body
    );
    assert!(overview.body.contains("予約の受付"));
    // The phone's web link SMS is edited like the others, with only the
    // placeholders a message without a booking can fill.
    assert!(overview.body.contains("予約ページの案内"));
    let link = app.get("/admin/notifications/templates/web_link").await;
    assert_eq!(link.status, StatusCode::OK);
    assert!(
        link.body
            .contains("マイナンバーカード電子証明書更新の予約はこちらから: {{booking_url}}"),
        "{}",
        link.body
    );
    assert!(!link.body.contains("{{reservation_no}}"));

    let editor = app.get("/admin/notifications/templates/booked").await;
    assert_eq!(editor.status, StatusCode::OK);
    assert!(
        editor
            .body
            .contains("【{{city_name}}】ご予約を受け付けました")
    );
    assert!(
        editor.body.contains("【一宮市】ご予約を受け付けました"),
        "preview"
    );
    assert!(
        editor
            .body
            .contains("通分（日本語（1通70文字、分割時67文字））")
    );

    let refused = app
        .post_form(
            "/admin/notifications/templates/booked",
            &[
                ("csrf", &csrf),
                ("sms_body", "{{vneue}} {{date}}"),
                ("email_subject", "件名"),
                ("email_body", "本文"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(
        refused
            .body
            .contains("「{{vneue}}」は使えない差し込み項目です"),
        "{}",
        refused.body
    );
    assert!(
        app.store
            .notify_template(NoticeEvent::Booked)
            .await
            .unwrap()
            .is_none()
    );

    let preview = app
        .post_form(
            "/admin/notifications/templates/booked",
            &[
                ("csrf", &csrf),
                (
                    "sms_body",
                    "{{venue}} {{date}}{{time}} 番号{{reservation_no}}",
                ),
                ("email_subject", "件名 {{reservation_no}}"),
                ("email_body", "本文"),
                ("action", "preview"),
            ],
        )
        .await;
    assert!(
        preview
            .body
            .contains("一宮市役所 本庁舎 12月3日（木）10:00 番号1234-5678")
    );
    assert!(
        preview.body.contains("35文字・SMS 1通分"),
        "{}",
        preview.body
    );
    assert!(
        app.store
            .notify_template(NoticeEvent::Booked)
            .await
            .unwrap()
            .is_none()
    );

    let saved = app
        .post_form(
            "/admin/notifications/templates/booked",
            &[
                ("csrf", &csrf),
                (
                    "sms_body",
                    "{{venue}} {{date}}{{time}} 番号{{reservation_no}}",
                ),
                ("email_subject", "件名 {{reservation_no}}"),
                ("email_body", "本文"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let stored = app
        .store
        .notify_template(NoticeEvent::Booked)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.saved_by, "suzuki");
    let after = app.get(saved.location()).await;
    assert!(after.body.contains("保存しました。"));
    assert!(after.body.contains("<td>suzuki</td>"), "history row");

    let log = app
        .store
        .access_log(&AccessFilter {
            limit: 100,
            ..AccessFilter::default()
        })
        .await
        .unwrap();
    assert!(log.iter().any(|e| e.function == "notify.template.save"));
}

#[tokio::test]
async fn staff_see_a_bookings_messages_and_resend_viewers_only_look() {
    let status = NotifyStatus {
        sms_configured: true,
        email_configured: true,
        public_url: None,
    };
    let mut app = spawn(status).await;
    let booking = app.booking().await;
    let page_path = format!("/admin/bookings/{}/notifications", booking.id.0);
    let message = app.store.notices_for_booking(booking.id).await.unwrap()[0].id;
    let resend_path = format!("{page_path}/{message}/resend");

    let viewer_csrf = app.sign_in_as("sato", Role::Viewer).await;
    let seen = app.get(&page_path).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains("送信待ち"));
    assert!(seen.body.contains("予約の受付"));
    assert!(!seen.body.contains("再送する"));
    assert!(
        !seen.body.contains("設定されていません"),
        "no banner when configured"
    );
    let denied = app.post_form(&resend_path, &[("csrf", &viewer_csrf)]).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let csrf = app.sign_in_as("tanaka", Role::Staff).await;
    let page = app.get(&page_path).await;
    assert!(page.body.contains("再送する"));
    let resent = app.post_form(&resend_path, &[("csrf", &csrf)]).await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER);
    let all = app.store.notices_for_booking(booking.id).await.unwrap();
    assert_eq!(
        all.iter().map(|m| m.status).collect::<Vec<_>>(),
        [NoticeStatus::Queued, NoticeStatus::Queued]
    );
    let forged = app.post_form(&resend_path, &[("csrf", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn usage_is_shown_per_month_and_exported_as_csv_with_a_bom() {
    let mut app = spawn(NotifyStatus::default()).await;
    let booking = app.booking().await;
    let claimed = app
        .store
        .claim_notices(app.now, chrono::Duration::minutes(5), 10)
        .await
        .unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    app.store
        .notice_sent(claimed[0].id, app.now, day, Some("SM1"), 2)
        .await
        .unwrap();
    let _ = booking;
    app.sign_in_as("suzuki", Role::Admin).await;
    let page = app
        .get("/admin/notifications/usage?from=2026-11-01&to=2026-11-30")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<td>2026-11</td><td>1</td><td>2</td><td>0</td>"),
        "{}",
        page.body
    );
    let csv = app
        .get("/admin/notifications/usage.csv?from=2026-11-01&to=2026-11-30")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(
        csv.body,
        "\u{feff}日付,SMS通数,SMS分割通数,メール通数\r\n2026-11-25,1,2,0\r\n"
    );
}
