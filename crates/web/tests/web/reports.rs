//! The report pages and their CSV (issue 15), on SQLite and on PostgreSQL:
//! known bookings (web, phone, staff; a cancellation, a change, a visit and
//! a no-show), calls and sent messages, then every figure read back from
//! the tables and the downloads, as the city's staff would check them.
//! `MADOGUCHI_TEST_POSTGRES` / `MADOGUCHI_SKIP_POSTGRES=1` as in the store
//! tests.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use madoguchi_core::booking::{ApplicantForm, Booking, BookingStatus, Channel};
use madoguchi_core::clock::FixedClock;
use madoguchi_core::ids::{SlotId, VenueId};
use madoguchi_core::schedule::WeeklyTemplate;
use madoguchi_core::staff::{Login, Role};
use madoguchi_store::{
    AccessFilter, Actor, CallEnd, CallTurn, NewBooking, NewCall, NewStaffUser, SessionPolicy, Store,
};
use madoguchi_web::{AppState, WebConfig, app};
use sqlx::Connection;
use std::sync::Arc;

use super::support::{NOW, Reply, at, client, d, get_request, send, temp_store, venue};

// ---- the world ------------------------------------------------------------

/// 本庁舎 (4 seats at 10:00 and 10:30 on Thu 12/3 and Fri 12/4) and 尾西
/// (the same on 12/3 only), booked on 11/25 (8 days before 12/3):
/// web 2 people 本庁舎 12/3 10:00 → attended; phone 1 本庁舎 12/3 10:00 →
/// no-show; staff 3 尾西 12/3 10:00 (SMS and email); web 1 本庁舎 12/3
/// 10:30 → cancelled; web 1 本庁舎 12/3 10:30 → changed to 12/4 10:00.
async fn bookings(store: &Store) -> (VenueId, VenueId) {
    let honcho = venue(store, "honcho", "本庁舎", "ほんちょうしゃ").await;
    let bisai = venue(store, "bisai", "尾西事務所", "びさいじむしょ").await;
    let template = WeeklyTemplate::weekdays(600, 660, 4);
    let closed = store.settings().await.unwrap().closed_days.clone();
    store
        .create_slots(
            honcho,
            &template.generate(&closed, d(2026, 12, 3), d(2026, 12, 4)),
        )
        .await
        .unwrap();
    store
        .create_slots(
            bisai,
            &template.generate(&closed, d(2026, 12, 3), d(2026, 12, 3)),
        )
        .await
        .unwrap();
    let slot = |venue: VenueId, day, start| {
        let store = store.clone();
        async move {
            store
                .slots_between(venue, day, day)
                .await
                .unwrap()
                .into_iter()
                .find(|s| s.start_min == start)
                .unwrap()
                .id
        }
    };
    let a1 = slot(honcho, d(2026, 12, 3), 600).await;
    let a2 = slot(honcho, d(2026, 12, 3), 630).await;
    let a3 = slot(honcho, d(2026, 12, 4), 600).await;
    let b1 = slot(bisai, d(2026, 12, 3), 600).await;
    let staff = Actor::Staff("sato".into());
    let attended = book(store, a1, 2, "090-0000-0001", Channel::Web, None).await;
    store
        .set_visit_status(attended.id, BookingStatus::Attended, &staff, at(NOW))
        .await
        .unwrap();
    let missed = book(store, a1, 1, "090-0000-0002", Channel::Phone, None).await;
    store
        .set_visit_status(missed.id, BookingStatus::NoShow, &staff, at(NOW))
        .await
        .unwrap();
    book(
        store,
        b1,
        3,
        "090-0000-0003",
        Channel::Staff,
        Some("taro@example.jp"),
    )
    .await;
    let cancelled = book(store, a2, 1, "090-0000-0004", Channel::Web, None).await;
    store
        .cancel(
            &cancelled.reservation_no,
            &cancelled.applicant.phone,
            &Actor::Citizen,
            at(NOW),
        )
        .await
        .unwrap();
    let moved = book(store, a2, 1, "090-0000-0005", Channel::Web, None).await;
    store
        .change(
            &moved.reservation_no,
            &moved.applicant.phone,
            a3,
            &Actor::Citizen,
            Channel::Web,
            at(NOW),
        )
        .await
        .unwrap();
    (honcho, bisai)
}

async fn book(
    store: &Store,
    slot: SlotId,
    party: u8,
    phone: &str,
    channel: Channel,
    email: Option<&str>,
) -> Booking {
    let applicant = ApplicantForm {
        party_size: party.to_string(),
        name: "一宮 太郎".into(),
        name_kana: "いちのみや たろう".into(),
        birth_date: "昭和35年4月1日".into(),
        phone: phone.into(),
        email: email.unwrap_or_default().into(),
        notify: if email.is_some() { "both" } else { "sms" }.into(),
    }
    .validate(d(2026, 11, 25))
    .unwrap();
    let actor = match channel {
        Channel::Web => Actor::Citizen,
        Channel::Phone => Actor::Phone,
        Channel::Staff => Actor::Staff("sato".into()),
    };
    let new = NewBooking {
        slot_id: slot,
        applicant,
        channel,
        request_key: None,
    };
    store.book(&new, &actor, at(NOW)).await.unwrap()
}

/// Every message the bookings owe, delivered on 12/3: 7 SMS of 2 segments
/// (5 booked, 1 cancelled, 1 changed) and 1 email.
async fn deliver_messages(store: &Store) {
    let notices = store
        .claim_notices(at(NOW), Duration::minutes(5), 100)
        .await
        .unwrap();
    assert_eq!(notices.len(), 8, "{notices:?}");
    for n in notices {
        let segments = if n.channel == madoguchi_store::NoticeChannel::Sms {
            2
        } else {
            1
        };
        store
            .notice_sent(n.id, at(NOW), d(2026, 12, 3), None, segments)
            .await
            .unwrap();
    }
}

/// How a call ended: seconds after its start, outcome, step, reason.
type Ending = (i64, &'static str, &'static str, &'static str);

/// Real calls (Japan time): 12/2 23:59 60 s booked; 12/3 00:30 120 s
/// booked, 09:10 300 s transferred, 09:20 45 s abandoned at the date;
/// 12/4 10:00 61 s abandoned at the date, 10:05 30 s abandoned at the name
/// (silence), 11:00 never ended. A simulator call never counts.
async fn calls(store: &Store) {
    let calls: [(&str, &str, Option<Ending>); 8] = [
        (
            "voice",
            "2026-12-02T23:59:00+09:00",
            Some((60, "booked", "ended", "completed")),
        ),
        (
            "voice",
            "2026-12-03T00:30:00+09:00",
            Some((120, "booked", "ended", "completed")),
        ),
        (
            "voice",
            "2026-12-03T09:10:00+09:00",
            Some((300, "transferred", "intent", "transfer")),
        ),
        (
            "voice",
            "2026-12-03T09:20:00+09:00",
            Some((45, "abandoned", "date", "hangup")),
        ),
        (
            "voice",
            "2026-12-04T10:00:00+09:00",
            Some((61, "abandoned", "date", "hangup")),
        ),
        (
            "voice",
            "2026-12-04T10:05:00+09:00",
            Some((30, "abandoned", "name", "silence")),
        ),
        ("voice", "2026-12-04T11:00:00+09:00", None),
        (
            "simulator",
            "2026-12-03T10:00:00+09:00",
            Some((60, "booked", "ended", "completed")),
        ),
    ];
    for (kind, start, end) in calls {
        let started = at(start);
        let id = store
            .start_call(
                &NewCall {
                    kind: kind.into(),
                    caller_id: None,
                    scenario_version: None,
                    dry_run: false,
                },
                started,
            )
            .await
            .unwrap();
        if start == "2026-12-03T09:20:00+09:00" {
            // The call abandoned at the date has its dialog.
            for (seq, state, prompt, said, understood, outcome) in [
                (
                    1,
                    "intent",
                    "ご用件をどうぞ。",
                    "予約をお願いします",
                    "予約",
                    "",
                ),
                (2, "date", "ご希望の日をどうぞ。", "えっと", "", "abandoned"),
            ] {
                store
                    .record_turn(
                        id,
                        &CallTurn {
                            seq,
                            at: started + Duration::seconds(seq * 15),
                            state: state.into(),
                            prompt_id: format!("ask_{state}"),
                            prompt_text: prompt.into(),
                            caller_input: said.into(),
                            understood: understood.into(),
                            outcome: outcome.into(),
                        },
                    )
                    .await
                    .unwrap();
            }
        }
        if let Some((seconds, outcome, state, reason)) = end {
            store
                .end_call(
                    id,
                    &CallEnd {
                        outcome: outcome.into(),
                        end_state: state.into(),
                        end_reason: reason.into(),
                        reservation_no: None,
                    },
                    started + Duration::seconds(seconds),
                )
                .await
                .unwrap();
        }
    }
}

// ---- the app --------------------------------------------------------------

struct TestApp {
    router: axum::Router,
    store: Store,
    /// 閲覧 (viewer), who sees every report.
    cookie: String,
    staff_cookie: String,
    admin_cookie: String,
    bisai: VenueId,
}

/// The known world on `store`, and a 閲覧, a 職員 and a 管理者 signed in.
async fn spawn(store: Store) -> TestApp {
    let (_, bisai) = bookings(&store).await;
    deliver_messages(&store).await;
    calls(&store).await;
    let now = at(NOW);
    let mut cookies = Vec::new();
    for (login, role) in [
        ("viewer", Role::Viewer),
        ("staff", Role::Staff),
        ("admin", Role::Admin),
    ] {
        let user = store
            .create_staff_user(
                &NewStaffUser {
                    login: Login::parse(login).unwrap(),
                    display_name: format!("{login} 太郎"),
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
        cookies.push(format!("madoguchi_admin={}", session.token));
    }
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
        cookie: cookies[0].clone(),
        staff_cookie: cookies[1].clone(),
        admin_cookie: cookies[2].clone(),
        bisai,
    }
}

impl TestApp {
    /// `uri` as the viewer; it must answer 200.
    async fn get(&self, uri: &str) -> Reply {
        let reply = self.get_as(&self.cookie, uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
        reply
    }

    async fn get_as(&self, cookie: &str, uri: &str) -> Reply {
        let mut request: Request<Body> = get_request(uri);
        request
            .headers_mut()
            .insert(header::COOKIE, cookie.parse().unwrap());
        send(&self.router, client(), None, request).await
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

// ---- reading pages and CSV back -------------------------------------------

/// The rows of the table `id="…"`: each cell's text, tags removed.
fn table(body: &str, id: &str) -> Vec<Vec<String>> {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let end = start + body[start..].find("</table>").unwrap();
    body[start..end]
        .split("<tr")
        .skip(1)
        .map(|row| {
            let row = &row[row.find('>').unwrap() + 1..];
            row.split("<t")
                .skip(1)
                .filter(|cell| cell.starts_with('h') || cell.starts_with('d'))
                .map(|cell| text(&cell[cell.find('>').unwrap() + 1..]))
                .collect()
        })
        .collect()
}

/// Text without tags, trimmed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_owned()
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// A CSV download: checks the Excel conventions, returns its rows.
fn csv(reply: &Reply) -> Vec<Vec<String>> {
    assert_eq!(
        reply.headers[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    assert!(
        reply.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=")
    );
    let body = reply
        .body
        .strip_prefix('\u{FEFF}')
        .expect("a BOM for Excel");
    assert!(body.ends_with("\r\n"), "CRLF line ends");
    body.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

const DECEMBER: &str = "from=2026-12-01&to=2026-12-31";

// ---- the checks -----------------------------------------------------------

async fn every_figure_is_right(app: TestApp) {
    bookings_page(&app).await;
    bookings_csv(&app).await;
    phone_page(&app).await;
    usage_page_and_csv(&app).await;
    monthly_page(&app).await;
    dialog_export(&app).await;
    // The charts draw bars with their numbers, without inline style.
    let page = app
        .get(&format!("/admin/reports/bookings?{DECEMBER}"))
        .await;
    assert!(page.body.contains("<svg class=\"chart\""));
    assert!(page.body.contains("<title id=\"utilisation-title\">"));
    assert!(page.body.contains(">25.0%</text>"), "a bar's number");
    assert!(
        !page.body.contains("style="),
        "the CSP forbids inline style"
    );
    assert_eq!(app.logged("report.view").await, 8);
    assert_eq!(app.logged("report.csv").await, 6);
}

async fn bookings_page(app: &TestApp) {
    let page = app
        .get(&format!("/admin/reports/bookings?{DECEMBER}"))
        .await
        .body;
    // 予約 変更 取消 来庁 来庁なし 予約中 予約席数 | 提供席数 利用率 平均リードタイム
    assert_eq!(
        table(&page, "by-venue")[1..],
        [
            row(&[
                "本庁舎",
                "4",
                "1",
                "1",
                "1",
                "1",
                "1",
                "4",
                "16",
                "25.0%",
                "8.3日"
            ]),
            row(&[
                "尾西事務所",
                "1",
                "0",
                "0",
                "0",
                "0",
                "1",
                "3",
                "8",
                "37.5%",
                "8.0日"
            ]),
        ]
    );
    assert_eq!(
        table(&page, "by-channel")[1..],
        [
            row(&["ウェブ", "3", "1", "1", "1", "0", "1", "3", "8.5日"]),
            row(&["電話", "1", "0", "0", "0", "1", "0", "1", "8.0日"]),
            row(&["職員", "1", "0", "0", "0", "0", "1", "3", "8.0日"]),
        ]
    );
    assert_eq!(
        table(&page, "by-day")[1..],
        [
            row(&[
                "2026年12月3日（木）",
                "4",
                "0",
                "1",
                "1",
                "1",
                "1",
                "6",
                "16",
                "37.5%"
            ]),
            row(&[
                "2026年12月4日（金）",
                "1",
                "1",
                "0",
                "0",
                "0",
                "1",
                "1",
                "8",
                "12.5%"
            ]),
        ]
    );
    assert_eq!(
        table(&page, "by-week")[1..],
        [row(&["2026年11月30日（月）の週", "24", "7", "29.2%"])]
    );
    // The total: 7 of 24 seats, lead time (8 + 8 + 9 + 8) / 4 days.
    assert!(
        page.contains(
            "<td class=\"num\">24</td><td class=\"num\">29.2%</td><td class=\"num\">8.3日</td>"
        ),
        "{page}"
    );

    // One venue only.
    let bisai = app
        .get(&format!(
            "/admin/reports/bookings?{DECEMBER}&venue={}",
            app.bisai.0
        ))
        .await
        .body;
    assert_eq!(
        table(&bisai, "by-venue")[1..],
        [row(&[
            "尾西事務所",
            "1",
            "0",
            "0",
            "0",
            "0",
            "1",
            "3",
            "8",
            "37.5%",
            "8.0日"
        ])]
    );
    assert_eq!(
        table(&bisai, "by-channel")[1][1],
        "0",
        "no web bookings at 尾西"
    );
    assert_eq!(
        table(&bisai, "by-week")[1..],
        [row(&["2026年11月30日（月）の週", "8", "3", "37.5%"])]
    );
}

async fn bookings_csv(app: &TestApp) {
    let rows = csv(&app
        .get(&format!("/admin/reports/bookings.csv?{DECEMBER}"))
        .await);
    assert_eq!(
        rows,
        [
            row(&[
                "来庁日",
                "会場",
                "受付経路",
                "予約",
                "変更",
                "取消",
                "来庁",
                "来庁なし",
                "予約中",
                "予約席数",
                "平均リードタイム（日）"
            ]),
            row(&[
                "2026-12-03",
                "本庁舎",
                "ウェブ",
                "2",
                "0",
                "1",
                "1",
                "0",
                "0",
                "2",
                "8.0"
            ]),
            row(&[
                "2026-12-03",
                "本庁舎",
                "電話",
                "1",
                "0",
                "0",
                "0",
                "1",
                "0",
                "1",
                "8.0"
            ]),
            row(&[
                "2026-12-03",
                "尾西事務所",
                "職員",
                "1",
                "0",
                "0",
                "0",
                "0",
                "1",
                "3",
                "8.0"
            ]),
            row(&[
                "2026-12-04",
                "本庁舎",
                "ウェブ",
                "1",
                "1",
                "0",
                "0",
                "0",
                "1",
                "1",
                "9.0"
            ]),
        ]
    );
    let seats = csv(&app
        .get(&format!("/admin/reports/seats.csv?{DECEMBER}"))
        .await);
    assert_eq!(
        seats,
        [
            row(&["日付", "会場", "提供席数", "予約席数", "利用率（%）"]),
            row(&["2026-12-03", "本庁舎", "8", "3", "37.5"]),
            row(&["2026-12-03", "尾西事務所", "8", "3", "37.5"]),
            row(&["2026-12-04", "本庁舎", "8", "1", "12.5"]),
        ]
    );
}

async fn phone_page(app: &TestApp) {
    let page = app
        .get("/admin/reports/phone?from=2026-12-03&to=2026-12-04")
        .await
        .body;
    let summary = text(&page[page.find("id=\"summary\"").unwrap()..page.find("</dl>").unwrap()]);
    assert!(summary.contains("6件"), "{summary}");
    assert!(summary.contains("1件／終了した5件（20.0%）"), "{summary}");
    // 30, 45, 61, 120, 300 seconds.
    assert!(summary.contains("通話時間の中央値1分01秒"), "{summary}");
    assert!(summary.contains("90パーセンタイル5分00秒"), "{summary}");
    assert_eq!(
        table(&page, "by-outcome")[1..],
        [
            row(&["予約", "1", "16.7%"]),
            row(&["変更", "0", "0.0%"]),
            row(&["取消", "0", "0.0%"]),
            row(&["予約の確認", "0", "0.0%"]),
            row(&["対象外の案内", "0", "0.0%"]),
            row(&["職員へ転送", "1", "16.7%"]),
            row(&["途中で終了", "3", "50.0%"]),
            row(&["失敗", "0", "0.0%"]),
            row(&["通話中・記録なし", "1", "16.7%"]),
        ]
    );
    assert_eq!(
        table(&page, "abandoned")[1..],
        [
            row(&["日付", "電話が切られた", "2"]),
            row(&["氏名", "無言", "1"]),
        ]
    );
    assert_eq!(
        table(&page, "by-day")[1..],
        [
            row(&[
                "2026年12月3日（木）",
                "3",
                "1",
                "0",
                "0",
                "0",
                "0",
                "1",
                "1",
                "0",
                "0"
            ]),
            row(&[
                "2026年12月4日（金）",
                "3",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "2",
                "0",
                "1"
            ]),
        ]
    );
    // 0:30; 9:10, 9:20; 10:00, 10:05; 11:00 — hours between with 0.
    let hours: Vec<Vec<String>> = (0..=11)
        .map(|h| {
            let n = match h {
                0 | 11 => "1",
                9 | 10 => "2",
                _ => "0",
            };
            vec![format!("{h}時台"), n.to_owned()]
        })
        .collect();
    assert_eq!(table(&page, "by-hour")[1..], hours[..]);
    let by_hour = csv(&app
        .get("/admin/reports/phone.csv?from=2026-12-03&to=2026-12-04&by=hour")
        .await);
    assert_eq!(by_hour[0], row(&["時間帯", "通話数"]));
    assert_eq!(by_hour[1..], hours[..]);
    let rows = csv(&app
        .get("/admin/reports/phone.csv?from=2026-12-03&to=2026-12-04")
        .await);
    assert_eq!(
        rows,
        [
            row(&[
                "日付",
                "通話数",
                "予約",
                "変更",
                "取消",
                "予約の確認",
                "対象外の案内",
                "職員へ転送",
                "途中で終了",
                "失敗",
                "通話中・記録なし",
                "通話分数"
            ]),
            row(&[
                "2026-12-03",
                "3",
                "1",
                "0",
                "0",
                "0",
                "0",
                "1",
                "1",
                "0",
                "0",
                "8"
            ]),
            row(&[
                "2026-12-04",
                "3",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "2",
                "0",
                "1",
                "3"
            ]),
        ]
    );
}

async fn usage_page_and_csv(app: &TestApp) {
    let page = app
        .get(&format!("/admin/reports/usage?{DECEMBER}"))
        .await
        .body;
    // 通話数 通話分数 転送分数 SMS通数 SMS分割通数 メール通数
    assert_eq!(
        table(&page, "by-month")[1..],
        [
            row(&["2026-12", "7", "12", "5", "7", "14", "1"]),
            row(&["合計", "7", "12", "5", "7", "14", "1"]),
        ]
    );
    assert_eq!(
        table(&page, "by-day")[1..],
        [
            row(&["2026年12月2日（水）", "1", "1", "0", "0", "0", "0"]),
            row(&["2026年12月3日（木）", "3", "8", "5", "7", "14", "1"]),
            row(&["2026年12月4日（金）", "3", "3", "0", "0", "0", "0"]),
        ]
    );
    let head = [
        "通話数",
        "通話分数",
        "転送した通話の分数",
        "SMS通数",
        "SMS分割通数",
        "メール通数",
    ];
    let monthly = csv(&app
        .get(&format!("/admin/reports/usage.csv?{DECEMBER}&by=month"))
        .await);
    let mut expected_head = vec!["月"];
    expected_head.extend(head);
    assert_eq!(
        monthly,
        [
            row(&expected_head),
            row(&["2026-12", "7", "12", "5", "7", "14", "1"])
        ]
    );
    let daily = csv(&app
        .get(&format!("/admin/reports/usage.csv?{DECEMBER}"))
        .await);
    assert_eq!(daily[0][0], "日付");
    assert_eq!(
        daily[1..],
        [
            row(&["2026-12-02", "1", "1", "0", "0", "0", "0"]),
            row(&["2026-12-03", "3", "8", "5", "7", "14", "1"]),
            row(&["2026-12-04", "3", "3", "0", "0", "0", "0"]),
        ]
    );
}

async fn dialog_export(app: &TestApp) {
    let uri = "/admin/reports/dialog.csv?from=2026-12-03&to=2026-12-03";
    let viewer = app.get_as(&app.cookie, uri).await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN, "閲覧 may not export");
    let phone = app.get("/admin/reports/phone").await.body;
    assert!(
        !phone.contains("dialog.csv"),
        "閲覧 is not offered the export"
    );

    // 職員: the flow of the call, without what was said.
    let steps = csv(&app.get_as(&app.staff_cookie, uri).await);
    assert_eq!(
        steps,
        [
            row(&[
                "通話ID",
                "通話開始",
                "通話の結果",
                "ターン",
                "時刻",
                "段階",
                "案内ID",
                "ターンの結果"
            ]),
            row(&[
                "4",
                "2026-12-03 09:20:00",
                "abandoned",
                "1",
                "2026-12-03 09:20:15",
                "intent",
                "ask_intent",
                ""
            ]),
            row(&[
                "4",
                "2026-12-03 09:20:00",
                "abandoned",
                "2",
                "2026-12-03 09:20:30",
                "date",
                "ask_date",
                "abandoned"
            ]),
        ]
    );
    // 管理者: with the words.
    let full = csv(&app.get_as(&app.admin_cookie, uri).await);
    assert_eq!(
        full[0],
        row(&[
            "通話ID",
            "通話開始",
            "通話の結果",
            "ターン",
            "時刻",
            "段階",
            "案内ID",
            "案内文",
            "発信者の発話",
            "理解した内容",
            "ターンの結果"
        ])
    );
    assert_eq!(
        full[1],
        row(&[
            "4",
            "2026-12-03 09:20:00",
            "abandoned",
            "1",
            "2026-12-03 09:20:15",
            "intent",
            "ask_intent",
            "ご用件をどうぞ。",
            "予約をお願いします",
            "予約",
            ""
        ])
    );
    assert_eq!(full.len(), 3);
    // Both exports are in the access log, saying what they held.
    let exports: Vec<String> = app
        .store
        .access_log(&AccessFilter {
            function: Some("export.csv".to_owned()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.target)
        .collect();
    assert!(
        exports.contains(&"dialog:2026-12-03:2026-12-03:full".to_owned()),
        "{exports:?}"
    );
    assert!(
        exports.contains(&"dialog:2026-12-03:2026-12-03:without-words".to_owned()),
        "{exports:?}"
    );
}

async fn monthly_page(app: &TestApp) {
    let page = app.get("/admin/reports/monthly?month=2026-12").await.body;
    assert!(page.contains("<title>月次報告 2026年12月｜管理画面</title>"));
    assert!(page.contains("対象期間：2026-12-01〜2026-12-31"));
    assert_eq!(
        table(&page, "by-venue")[1..],
        [
            row(&[
                "本庁舎",
                "4",
                "1",
                "1",
                "1",
                "1",
                "1",
                "4",
                "16",
                "25.0%",
                "8.3日"
            ]),
            row(&[
                "尾西事務所",
                "1",
                "0",
                "0",
                "0",
                "0",
                "1",
                "3",
                "8",
                "37.5%",
                "8.0日"
            ]),
            row(&[
                "合計", "5", "1", "1", "1", "1", "2", "7", "24", "29.2%", "8.3日"
            ]),
        ]
    );
    assert_eq!(
        table(&page, "by-channel")[1],
        row(&["ウェブ", "3", "1", "1", "1", "0", "1", "3", "8.5日"])
    );
    // December's calls include 12/2 (60 s, booked): 7 calls, 2 booked of 6 ended.
    let summary = text(&page[page.find("id=\"summary\"").unwrap()..page.find("</dl>").unwrap()]);
    assert!(summary.contains("通話数7件"), "{summary}");
    assert!(summary.contains("2件／終了した6件（33.3%）"), "{summary}");
    // 30, 45, 60, 61, 120, 300 seconds: median (60 + 61) / 2.
    assert!(summary.contains("中央値1分00秒"), "{summary}");
    assert!(summary.contains("90パーセンタイル5分00秒"), "{summary}");
    assert_eq!(table(&page, "by-outcome")[1], row(&["予約", "2", "28.6%"]));
    assert_eq!(
        table(&page, "usage")[1..],
        [row(&["2026年12月", "7", "12", "5", "7", "14", "1"])]
    );
    // Without a month: the last full month (the clock says 11/25).
    let october = app.get("/admin/reports/monthly").await.body;
    assert!(october.contains("対象期間：2026-10-01〜2026-10-31"));
}

#[tokio::test]
async fn reports_show_every_figure_of_known_bookings_and_calls_on_sqlite() {
    let (_dir, store) = temp_store().await;
    every_figure_is_right(spawn(store).await).await;
}

#[tokio::test]
async fn reports_show_every_figure_of_known_bookings_and_calls_on_postgres() {
    if std::env::var("MADOGUCHI_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        eprintln!("skipped: MADOGUCHI_SKIP_POSTGRES=1");
        return;
    }
    let db = PgDatabase::create().await;
    let store = Store::connect(&db.url()).await.unwrap();
    store.migrate().await.unwrap();
    every_figure_is_right(spawn(store.clone()).await).await;
    store.close().await;
}

#[tokio::test]
async fn a_wrong_date_or_venue_is_refused_in_japanese() {
    let (_dir, store) = temp_store().await;
    let app = spawn(store).await;
    for uri in [
        "/admin/reports/bookings?from=12/1",
        "/admin/reports/bookings?venue=abc",
        "/admin/reports/bookings?venue=999999",
        "/admin/reports/usage.csv?from=2025-01-01&to=2026-12-31",
        "/admin/reports/monthly?month=2026-13",
    ] {
        let mut request = get_request(uri);
        request
            .headers_mut()
            .insert(header::COOKIE, app.cookie.parse().unwrap());
        let reply = send(&app.router, client(), None, request).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
    }
}

// ---- a PostgreSQL database of its own ---------------------------------------

/// A database `madoguchi_w_<pid>_<n>` on the test server, dropped when the
/// test ends (also when it fails).
struct PgDatabase {
    base: String,
    name: String,
}

impl PgDatabase {
    async fn create() -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let base = std::env::var("MADOGUCHI_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
        let name = format!(
            "madoguchi_w_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let mut admin = sqlx::PgConnection::connect(&format!("{base}/postgres"))
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL at {base}: {e} (MADOGUCHI_SKIP_POSTGRES=1 skips)")
            });
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        Self { base, name }
    }

    fn url(&self) -> String {
        format!("{}/{}", self.base, self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Inside the test's runtime nothing may block on a future: drop the
        // database from a thread with its own runtime.
        let (base, name) = (self.base.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&format!("{base}/postgres")).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}
