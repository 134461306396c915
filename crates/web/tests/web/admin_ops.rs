//! HTTP tests of the console's operations pages (venues, schedules, seats,
//! bookings on a caller's behalf, daily lists): each route with its role
//! rule, and the flows staff go through.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use madoguchi_core::booking::{ApplicantForm, Channel};
use madoguchi_core::clock::FixedClock;
use madoguchi_core::ids::VenueId;
use madoguchi_core::schedule::WeeklyTemplate;
use madoguchi_core::staff::{Login, Role};
use madoguchi_store::{AccessFilter, Actor, NewBooking, NewStaffUser, SessionPolicy, Store};
use madoguchi_web::{AppState, WebConfig, app};
use std::sync::Arc;

use super::support::{
    NOW, Reply, at, client, d, form_request, get_request, send, temp_store, urlencode, venue,
};

struct TestApp {
    router: axum::Router,
    store: Store,
    cookie: String,
    csrf: String,
    honcho: i64,
    bisai: i64,
    _dir: tempfile::TempDir,
}

/// Two venues: 本庁舎 (weekdays 9:00–16:30, 4 seats) with slots for
/// December, and 尾西 with a template but no slots yet.
async fn spawn(role: Role) -> TestApp {
    let (dir, store) = temp_store().await;
    let mut ids = Vec::new();
    for (code, name, kana) in [
        ("honcho", "本庁舎 市民課", "ほんちょうしゃ"),
        ("bisai", "尾西事務所", "びさいじむしょ"),
    ] {
        let id = venue(&store, code, name, kana).await;
        store
            .set_weekly_template(id, &WeeklyTemplate::weekdays(540, 990, 4))
            .await
            .unwrap();
        ids.push(id.0);
    }
    let settings = store.settings().await.unwrap();
    let specs = WeeklyTemplate::weekdays(540, 990, 4).generate(
        &settings.closed_days,
        d(2026, 11, 26),
        d(2026, 12, 31),
    );
    store.create_slots(VenueId(ids[0]), &specs).await.unwrap();
    let now = at(NOW);
    let user = store
        .create_staff_user(
            &NewStaffUser {
                login: Login::parse("sato").unwrap(),
                display_name: "佐藤".into(),
                role,
                password_hash: "unused".into(),
            },
            now,
        )
        .await
        .unwrap();
    let session = store
        .create_staff_session(user, true, SessionPolicy::default(), now)
        .await
        .unwrap();
    let state = AppState::new(
        store.clone(),
        Arc::new(FixedClock(now)),
        WebConfig::default(),
        &[7u8; 64],
    )
    .unwrap();
    TestApp {
        router: app(state),
        store,
        cookie: format!("madoguchi_admin={}", session.token),
        csrf: session.csrf,
        honcho: ids[0],
        bisai: ids[1],
        _dir: dir,
    }
}

impl TestApp {
    async fn send(&self, mut request: Request<Body>, signed_in: bool) -> Reply {
        if signed_in {
            request
                .headers_mut()
                .insert(header::COOKIE, self.cookie.parse().unwrap());
        }
        send(&self.router, client(), None, request).await
    }

    async fn get(&self, uri: &str) -> Reply {
        self.send(get_request(uri), true).await
    }

    async fn post(&self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.send(form_request(uri, &all), true).await
    }

    async fn book(&self, day: NaiveDate, start_min: u32, party: u8, phone: &str) -> i64 {
        self.book_on(Channel::Web, false, day, start_min, party, phone)
            .await
    }

    /// A booking by `channel`; `name_to_check`: the phone agent's mark.
    async fn book_on(
        &self,
        channel: Channel,
        name_to_check: bool,
        day: NaiveDate,
        start_min: u32,
        party: u8,
        phone: &str,
    ) -> i64 {
        let slot = self
            .store
            .slots_between(VenueId(self.honcho), day, day)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.start_min == start_min)
            .unwrap();
        let applicant = ApplicantForm {
            party_size: party.to_string(),
            name: "一宮 太郎".into(),
            name_kana: "いちのみや たろう".into(),
            birth_date: "昭和35年4月1日".into(),
            phone: phone.into(),
            email: String::new(),
            notify: "sms".into(),
        }
        .validate(d(2026, 11, 25))
        .unwrap();
        let new = NewBooking {
            slot_id: slot.id,
            applicant,
            channel,
            request_key: None,
        };
        match channel {
            Channel::Phone => {
                self.store
                    .book_held(None, &new, &Actor::Phone, name_to_check, at(NOW))
                    .await
            }
            _ => self.store.book(&new, &Actor::Citizen, at(NOW)).await,
        }
        .unwrap()
        .id
        .0
    }

    async fn logged(&self, function: &str) -> usize {
        self.store
            .access_log(&AccessFilter {
                function: Some(function.to_owned()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .len()
    }
}

/// Every route of these pages with the lowest role that may use it.
/// `{h}`, `{b}` and `{k}` stand for the venue, a booking and a date.
const ROUTES: &[(&str, &str, Role)] = &[
    ("GET", "/admin/bookings", Role::Viewer),
    ("GET", "/admin/bookings?kana=いち", Role::Viewer),
    ("GET", "/admin/bookings/new", Role::Staff),
    ("POST", "/admin/bookings/new", Role::Staff),
    ("GET", "/admin/bookings/{b}", Role::Viewer),
    ("POST", "/admin/bookings/{b}/name", Role::Staff),
    ("POST", "/admin/bookings/{b}/party", Role::Staff),
    ("GET", "/admin/bookings/{b}/move", Role::Staff),
    ("POST", "/admin/bookings/{b}/move", Role::Staff),
    ("POST", "/admin/bookings/{b}/visit", Role::Staff),
    ("POST", "/admin/bookings/{b}/cancel", Role::Staff),
    ("GET", "/admin/lists?venue={h}&date={k}", Role::Viewer),
    ("GET", "/admin/lists.csv?venue={h}&date={k}", Role::Admin),
    ("GET", "/admin/schedules?venue={h}", Role::Viewer),
    ("GET", "/admin/schedules/overview", Role::Viewer),
    ("POST", "/admin/schedules/{h}/template", Role::Staff),
    ("POST", "/admin/schedules/{h}/exceptions", Role::Staff),
    (
        "POST",
        "/admin/schedules/{h}/exceptions/delete",
        Role::Staff,
    ),
    ("POST", "/admin/schedules/{h}/preview", Role::Staff),
    ("POST", "/admin/schedules/{h}/apply", Role::Staff),
    ("POST", "/admin/schedules/{h}/capacity", Role::Staff),
    ("GET", "/admin/venues", Role::Viewer),
    ("POST", "/admin/venues", Role::Admin),
    ("GET", "/admin/venues/{h}", Role::Viewer),
    ("POST", "/admin/venues/{h}", Role::Admin),
    ("POST", "/admin/venues/{h}/enabled", Role::Admin),
    ("POST", "/admin/venues/{h}/window", Role::Admin),
    ("GET", "/admin/settings", Role::Admin),
    ("POST", "/admin/settings/window", Role::Admin),
    ("POST", "/admin/settings/closures", Role::Admin),
    ("POST", "/admin/settings/checklist", Role::Admin),
    ("POST", "/admin/settings/start-page", Role::Admin),
];

fn rank(role: Role) -> u8 {
    match role {
        Role::Viewer => 0,
        Role::Staff => 1,
        Role::Admin => 2,
    }
}

#[tokio::test]
async fn every_route_follows_its_role_rule_and_needs_a_session() {
    for role in [Role::Viewer, Role::Staff, Role::Admin] {
        let app = spawn(role).await;
        let booking = app.book(d(2026, 12, 3), 600, 1, "090-1111-2222").await;
        for (method, path, lowest) in ROUTES {
            let path = path
                .replace("{h}", &app.honcho.to_string())
                .replace("{b}", &booking.to_string())
                .replace("{k}", "2026-12-03");
            let reply = if *method == "GET" {
                app.get(&path).await
            } else {
                app.post(&path, &[]).await
            };
            if rank(role) < rank(*lowest) {
                assert_eq!(
                    reply.status,
                    StatusCode::FORBIDDEN,
                    "{role:?} {method} {path}"
                );
            } else {
                assert!(
                    reply.status != StatusCode::FORBIDDEN && !reply.status.is_server_error(),
                    "{role:?} {method} {path}: {} {}",
                    reply.status,
                    reply.body
                );
            }
            if role == Role::Admin {
                // Without a session: to the sign-in page, never the content.
                let request = Request::builder()
                    .method(*method)
                    .uri(&path)
                    .body(Body::empty())
                    .unwrap();
                let anonymous = app.send(request, false).await;
                assert!(
                    anonymous.status.is_redirection() || anonymous.status == StatusCode::FORBIDDEN,
                    "anonymous {method} {path}: {}",
                    anonymous.status
                );
            }
        }
    }
}

#[tokio::test]
async fn a_month_of_slots_is_previewed_then_applied() {
    let app = spawn(Role::Staff).await;
    let path = format!("/admin/schedules/{}", app.bisai);
    let preview = app
        .post(
            &format!("{path}/preview"),
            &[("first", "2026-12-01"), ("last", "2026-12-31")],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    // 20 working days in December before the year-end closure, 15 slots each.
    assert!(preview.body.contains("追加 300枠"), "{}", preview.body);
    assert!(preview.body.contains("この内容で適用する"));
    let none = app
        .store
        .slots_between(VenueId(app.bisai), d(2026, 12, 1), d(2026, 12, 31))
        .await
        .unwrap();
    assert!(none.is_empty(), "the preview changes nothing");

    let applied = app
        .post(
            &format!("{path}/apply"),
            &[("first", "2026-12-01"), ("last", "2026-12-31")],
        )
        .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER);
    assert!(
        applied
            .location_decoded()
            .contains("枠を更新しました（追加300枠、削除0枠、定員変更0枠）"),
        "{}",
        applied.location_decoded()
    );
    let made = app
        .store
        .slots_between(VenueId(app.bisai), d(2026, 12, 1), d(2026, 12, 31))
        .await
        .unwrap();
    assert_eq!(made.len(), 300);
    assert_eq!(app.logged("schedule.apply").await, 1);
}

#[tokio::test]
async fn regenerating_over_bookings_lists_them_and_keeps_their_slots() {
    let app = spawn(Role::Staff).await;
    let booking = app.book(d(2026, 12, 3), 960, 2, "090-1111-2222").await;
    let number = app
        .store
        .get_booking(madoguchi_core::ids::BookingId(booking))
        .await
        .unwrap()
        .reservation_no;
    // Thursdays now close at 12:00.
    let mut fields: Vec<(String, String)> = Vec::new();
    for weekday in 0..5 {
        let close = if weekday == 3 { "12:00" } else { "16:30" };
        fields.push((format!("open_{weekday}_0"), "9:00".into()));
        fields.push((format!("close_{weekday}_0"), close.into()));
        fields.push((format!("cap_{weekday}_0"), "4".into()));
        fields.push((format!("res_{weekday}_0"), "0".into()));
    }
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = app
        .post(&format!("/admin/schedules/{}/template", app.honcho), &refs)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let range = [("first", "2026-12-03"), ("last", "2026-12-03")];
    let preview = app
        .post(&format!("/admin/schedules/{}/preview", app.honcho), &range)
        .await;
    assert!(preview.body.contains("削除 8枠"), "{}", preview.body);
    assert!(preview.body.contains("予約が2人分あるため削除できません"));
    assert!(preview.body.contains(number.as_str()));
    let applied = app
        .post(&format!("/admin/schedules/{}/apply", app.honcho), &range)
        .await;
    assert_eq!(applied.status, StatusCode::OK);
    assert!(
        applied.body.contains("予約がある1枠は変更していません"),
        "{}",
        applied.body
    );
    assert!(applied.body.contains(number.as_str()));
    let left = app
        .store
        .slots_between(VenueId(app.honcho), d(2026, 12, 3), d(2026, 12, 3))
        .await
        .unwrap();
    assert_eq!(
        left.iter().map(|s| s.start_min).collect::<Vec<_>>(),
        vec![540, 570, 600, 630, 660, 690, 960]
    );
}

#[tokio::test]
async fn bulk_capacity_changes_say_what_happened_and_refuse_below_booked() {
    let app = spawn(Role::Staff).await;
    let path = format!("/admin/schedules/{}/capacity", app.honcho);
    let plus = app
        .post(
            &path,
            &[
                ("first", "2026-12-01"),
                ("last", "2026-12-04"),
                ("op", "add"),
                ("seats", "1"),
            ],
        )
        .await;
    assert_eq!(plus.status, StatusCode::SEE_OTHER);
    assert!(
        plus.location_decoded()
            .contains("定員を1増やしました（60枠）"),
        "{}",
        plus.location_decoded()
    );
    let slots = app
        .store
        .slots_between(VenueId(app.honcho), d(2026, 12, 1), d(2026, 12, 4))
        .await
        .unwrap();
    assert!(slots.iter().all(|s| s.capacity == 5));

    let booking = app.book(d(2026, 12, 7), 780, 3, "090-1111-2222").await;
    let number = app
        .store
        .get_booking(madoguchi_core::ids::BookingId(booking))
        .await
        .unwrap()
        .reservation_no;
    let close = app
        .post(
            &path,
            &[
                ("first", "2026-12-07"),
                ("last", "2026-12-07"),
                ("from", "13:00"),
                ("op", "close"),
            ],
        )
        .await;
    assert_eq!(close.status, StatusCode::OK);
    assert!(
        close
            .body
            .contains("変更しませんでした（1件の予約に影響します）"),
        "{}",
        close.body
    );
    assert!(close.body.contains(number.as_str()));
    assert!(close.body.contains("12月7日（月） 13:00"));
    let afternoon = app
        .store
        .slots_between(VenueId(app.honcho), d(2026, 12, 7), d(2026, 12, 7))
        .await
        .unwrap();
    assert!(afternoon.iter().all(|s| s.capacity == 4), "nothing changed");
}

#[tokio::test]
async fn staff_book_for_a_caller_then_correct_the_name_and_party_size() {
    let app = spawn(Role::Staff).await;
    let venue_step = app.get("/admin/bookings/new").await;
    assert!(venue_step.body.contains("本庁舎 市民課"));
    let day_step = app
        .get(&format!("/admin/bookings/new?venue={}", app.honcho))
        .await;
    assert!(
        day_step.body.contains("date=2026-12-03"),
        "{}",
        day_step.body
    );
    let slot_step = app
        .get(&format!(
            "/admin/bookings/new?venue={}&date=2026-12-03",
            app.honcho
        ))
        .await;
    assert!(slot_step.body.contains("10:00〜10:30"));
    let slot = app
        .store
        .slots_between(VenueId(app.honcho), d(2026, 12, 3), d(2026, 12, 3))
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.start_min == 600)
        .unwrap()
        .id
        .0
        .to_string();
    let fields = [
        ("slot", slot.as_str()),
        ("name", "一宮 花子"),
        ("name_kana", "いちのみや はなこ"),
        ("birth_date", "S50.1.2"),
        ("phone", "０９０－２２２２－３３３３"),
        ("party_size", "2"),
        ("notify", "sms"),
        ("email", ""),
    ];
    let confirm = app.post("/admin/bookings/new", &fields).await;
    assert!(
        confirm.body.contains("この内容で予約する"),
        "{}",
        confirm.body
    );
    let key_marker = "name=\"key\" value=\"";
    let start = confirm.body.find(key_marker).unwrap() + key_marker.len();
    let key = confirm.body[start..].split('"').next().unwrap().to_owned();
    let mut booked_fields = fields.to_vec();
    booked_fields.push(("confirm", "1"));
    booked_fields.push(("key", key.as_str()));
    let made = app.post("/admin/bookings/new", &booked_fields).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    assert!(made.location_decoded().contains("予約しました。予約番号"));
    // Pressing the button twice books once.
    let again = app.post("/admin/bookings/new", &booked_fields).await;
    assert_eq!(again.location_decoded(), made.location_decoded());
    let page_path = made
        .location_decoded()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let id: i64 = page_path.rsplit('/').next().unwrap().parse().unwrap();
    let booking = app
        .store
        .get_booking(madoguchi_core::ids::BookingId(id))
        .await
        .unwrap();
    assert_eq!(booking.channel, Channel::Staff);
    assert_eq!(booking.applicant.party_size.get(), 2);

    let renamed = app
        .post(
            &format!("/admin/bookings/{id}/name"),
            &[("name", "一宮 華子"), ("name_kana", "イチノミヤ ハナコ")],
        )
        .await;
    assert!(
        renamed
            .location_decoded()
            .contains("氏名とフリガナを訂正しました")
    );
    let resized = app
        .post(
            &format!("/admin/bookings/{id}/party"),
            &[("party_size", "3")],
        )
        .await;
    assert!(
        resized
            .location_decoded()
            .contains("人数を3人に変更しました")
    );
    let too_many = app
        .post(
            &format!("/admin/bookings/{id}/party"),
            &[("party_size", "9")],
        )
        .await;
    assert!(
        too_many
            .body
            .contains("人数は1人から4人までで選んでください")
    );

    let page = app.get(&format!("/admin/bookings/{id}")).await;
    assert!(page.body.contains("一宮　華子"));
    for line in [
        "氏名の訂正",
        "一宮　花子 → 一宮　華子",
        "人数の変更",
        "人数：2 → 3",
        "職員 sato",
    ] {
        assert!(
            page.body.contains(line),
            "history shows {line}: {}",
            page.body
        );
    }
    // Each press of the button is a use of the function.
    assert_eq!(app.logged("booking.create").await, 2);
    assert_eq!(app.logged("booking.name").await, 1);
}

#[tokio::test]
async fn search_finds_by_kana_in_hiragana_and_marks_visits() {
    let app = spawn(Role::Staff).await;
    let id = app.book(d(2026, 12, 3), 600, 1, "090-1111-2222").await;
    let found = app.get("/admin/bookings?kana=%E3%81%BF%E3%82%84").await; // みや
    assert!(found.body.contains("1件見つかりました"), "{}", found.body);
    let none = app.get("/admin/bookings?tel=080").await;
    assert!(none.body.contains("0件見つかりました"));
    let visit = app
        .post(
            &format!("/admin/bookings/{id}/visit"),
            &[("status", "attended")],
        )
        .await;
    assert!(visit.location_decoded().contains("来庁済みにしました"));
    let cancel = app.post(&format!("/admin/bookings/{id}/cancel"), &[]).await;
    assert!(
        cancel.body.contains("来庁の記録があるため変更できません"),
        "{}",
        cancel.body
    );
}

#[tokio::test]
async fn the_daily_list_and_its_csv_show_every_booking_by_slot() {
    let app = spawn(Role::Admin).await;
    app.book(d(2026, 12, 3), 600, 2, "090-1111-2222").await;
    app.book(d(2026, 12, 3), 540, 1, "090-3333-4444").await;
    let list = app
        .get(&format!(
            "/admin/lists?venue={}&date=2026-12-03",
            app.honcho
        ))
        .await;
    assert!(list.body.contains("予約 2件・3人"), "{}", list.body);
    let nine = list.body.find("9:00〜9:30").unwrap();
    let ten = list.body.find("10:00〜10:30").unwrap();
    assert!(nine < ten);
    assert!(list.body.contains("イチノミヤ　タロウ"));

    let csv = app
        .get(&format!(
            "/admin/lists.csv?venue={}&date=2026-12-03",
            app.honcho
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers.get(header::CONTENT_TYPE).unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(
        csv.headers
            .get(header::CONTENT_DISPOSITION)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("list-honcho-2026-12-03.csv")
    );
    assert!(csv.body.starts_with('\u{FEFF}'));
    let lines: Vec<&str> = csv
        .body
        .trim_start_matches('\u{FEFF}')
        .split("\r\n")
        .collect();
    assert_eq!(lines.len(), 4, "header, two rows, empty end: {lines:?}");
    assert_eq!(
        lines[0],
        "会場,日付,時間,予約番号,フリガナ,氏名,人数,受付,状態"
    );
    assert!(lines[1].starts_with("本庁舎 市民課,2026-12-03,9:00〜9:30,"));
    assert!(
        lines[2].contains(",イチノミヤ　タロウ,一宮　太郎,2,ウェブ,予約中")
            || lines[2].contains(",2,")
    );
    assert_eq!(app.logged("export.csv").await, 1);
}

#[tokio::test]
async fn admins_edit_venues_and_settings() {
    let app = spawn(Role::Admin).await;
    let created = app
        .post(
            "/admin/venues",
            &[
                ("code", "kisogawa"),
                ("name", "木曽川事務所"),
                ("kana", "きそがわじむしょ"),
                ("display_order", "3"),
            ],
        )
        .await;
    assert!(
        created
            .location_decoded()
            .contains("会場「木曽川事務所」を追加しました"),
        "{}",
        created.body
    );
    let taken = app
        .post(
            "/admin/venues",
            &[("code", "kisogawa"), ("name", "x"), ("kana", "x")],
        )
        .await;
    assert!(taken.body.contains("その会場コードはすでに使われています"));
    let off = app
        .post(
            &format!("/admin/venues/{}/enabled", app.bisai),
            &[("enabled", "0")],
        )
        .await;
    assert!(off.location_decoded().contains("受付を停止しました"));
    assert!(
        !app.store
            .find_venue(VenueId(app.bisai))
            .await
            .unwrap()
            .unwrap()
            .enabled
    );

    let closures = app
        .post(
            "/admin/settings/closures",
            &[("text", "2026-12-28\n２０２７/０１/０５")],
        )
        .await;
    assert!(
        closures
            .location_decoded()
            .contains("市の休業日を保存しました（2日）"),
        "{}",
        closures.body
    );
    let settings = app.store.settings().await.unwrap();
    assert!(settings.closed_days.dates.contains(&d(2027, 1, 5)));
    let window = app
        .post(
            "/admin/settings/window",
            &[
                ("opens_days_ahead", "28"),
                ("closes_days_before", "2"),
                ("closes_at", "12:00"),
            ],
        )
        .await;
    assert!(window.location_decoded().contains("受付期間を保存しました"));
    assert_eq!(
        app.store.settings().await.unwrap().window.opens_days_ahead,
        28
    );
}

#[tokio::test]
async fn the_banner_shows_only_the_consoles_own_lines() {
    let app = spawn(Role::Admin).await;
    let saved = app
        .post(
            "/admin/settings/window",
            &[
                ("opens_days_ahead", "28"),
                ("closes_days_before", "2"),
                ("closes_at", "12:00"),
            ],
        )
        .await;
    let raw = saved
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let page = app.get(&raw).await;
    assert!(
        page.body.contains("受付期間を保存しました"),
        "the console's own line is shown"
    );
    // A link written by someone else shows nothing of theirs.
    for forged in [
        format!(
            "/admin/settings?msg={}",
            urlencode("本人確認のため 0120-000-000 へお電話ください")
        ),
        format!(
            "/admin/settings?msg={}&sig=00",
            urlencode("本人確認のため 0120-000-000 へお電話ください")
        ),
        format!(
            "/admin/settings?sig=1&msg={}",
            urlencode("受付期間を保存しました。")
        ),
    ] {
        let page = app.get(&forged).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("0120-000-000") && !page.body.contains("role=\"status\""),
            "{forged}"
        );
    }
}

#[tokio::test]
async fn admins_give_a_venue_its_map_access_and_parking() {
    let app = spawn(Role::Admin).await;
    let uri = format!("/admin/venues/{}", app.bisai);
    let fields = |map: &'static str| {
        [
            ("name", "尾西事務所"),
            ("kana", "びさいじむしょ"),
            ("address", "愛知県一宮市東五城"),
            ("map_url", map),
            ("access", " i-バス「尾西庁舎」下車すぐ "),
            ("parking", "庁舎の駐車場（無料）"),
        ]
    };
    let refused = app.post(&uri, &fields("javascript:alert(1)")).await;
    assert!(
        refused.body.contains("https:// で始まるアドレス"),
        "{}",
        refused.body
    );
    let guide = |app: &TestApp| {
        let store = app.store.clone();
        let id = app.bisai;
        async move { store.find_venue(VenueId(id)).await.unwrap().unwrap().guide }
    };
    assert_eq!(guide(&app).await, Default::default(), "nothing saved");
    let saved = app
        .post(&uri, &fields("https://maps.example.jp/bisai"))
        .await;
    assert!(
        saved
            .location_decoded()
            .contains("会場の情報を保存しました")
    );
    let stored = guide(&app).await;
    assert_eq!(stored.map_url, "https://maps.example.jp/bisai");
    assert_eq!(stored.access, "i-バス「尾西庁舎」下車すぐ");
    assert_eq!(stored.parking, "庁舎の駐車場（無料）");
    let page = app.get(&uri).await;
    assert!(
        page.body
            .contains("value=\"https://maps.example.jp/bisai\"")
    );
}

#[tokio::test]
async fn a_name_the_phone_agent_could_not_hear_is_marked_until_staff_correct_it() {
    let app = spawn(Role::Staff).await;
    let id = app
        .book_on(
            Channel::Phone,
            true,
            d(2026, 12, 3),
            600,
            1,
            "090-1111-2222",
        )
        .await;
    let list_path = format!("/admin/lists?venue={}&date=2026-12-03", app.honcho);
    let page = app.get(&format!("/admin/bookings/{id}")).await;
    assert!(page.body.contains("お名前要確認"), "{}", page.body);
    assert!(app.get(&list_path).await.body.contains("要確認"));
    let renamed = app
        .post(
            &format!("/admin/bookings/{id}/name"),
            &[("name", "鈴木 花子"), ("name_kana", "スズキ ハナコ")],
        )
        .await;
    assert!(
        renamed
            .location_decoded()
            .contains("氏名とフリガナを訂正しました")
    );
    let page = app.get(&format!("/admin/bookings/{id}")).await;
    assert!(!page.body.contains("お名前要確認"));
    assert!(!app.get(&list_path).await.body.contains("要確認"));
}
