//! HTTP tests of the admin console foundation: sign-in and out, lock-out,
//! idle and absolute expiry, CSRF, TOTP, the role matrix, the access log.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, Duration, Utc};
use madoguchi_core::Clock;
use madoguchi_core::staff::{Login, Role};
use madoguchi_store::{AccessFilter, AccessResult, NewStaffUser, Store};
use madoguchi_web::{AppState, WebConfig, app};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use super::support::{
    NOW, PASSWORD, Reply, at, client, form_request, get_request, send, temp_store,
};

/// A clock the test moves by hand.
struct TestClock(Mutex<DateTime<Utc>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

impl TestClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

struct TestApp {
    router: axum::Router,
    store: Store,
    clock: Arc<TestClock>,
    client: SocketAddr,
    cookies: BTreeMap<String, String>,
    _dir: tempfile::TempDir,
}

async fn spawn() -> TestApp {
    spawn_with(WebConfig::default()).await
}

async fn spawn_with(config: WebConfig) -> TestApp {
    let (dir, store) = temp_store().await;
    let start = at(NOW);
    let clock = Arc::new(TestClock(Mutex::new(start)));
    let state = AppState::new(store.clone(), clock.clone(), config, &[7u8; 64]).unwrap();
    TestApp {
        router: app(state),
        store,
        clock,
        client: client(),
        cookies: BTreeMap::new(),
        _dir: dir,
    }
}

impl TestApp {
    async fn send(&mut self, request: Request<Body>) -> Reply {
        send(&self.router, self.client, Some(&mut self.cookies), request).await
    }

    async fn get(&mut self, uri: &str) -> Reply {
        self.send(get_request(uri)).await
    }

    async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        self.send(form_request(uri, fields)).await
    }

    /// Creates an account directly in the store; returns its id.
    async fn user(&self, login: &str, role: Role) -> i64 {
        let user = NewStaffUser {
            login: Login::parse(login).unwrap(),
            display_name: format!("{login}さん"),
            role,
            password_hash: madoguchi_web::hash_password(PASSWORD).unwrap(),
        };
        self.store
            .create_staff_user(&user, self.clock.now())
            .await
            .unwrap()
    }

    /// Submits the sign-in form as a browser would.
    async fn sign_in(&mut self, login: &str, password: &str) -> Reply {
        let form = self.get("/admin/login").await;
        let csrf = form.csrf();
        self.post_form(
            "/admin/login",
            &[("csrf", &csrf), ("login", login), ("password", password)],
        )
        .await
    }

    /// The CSRF token of the signed-in session, from the dashboard.
    async fn session_csrf(&mut self) -> String {
        let page = self.get("/admin").await;
        assert_eq!(page.status, StatusCode::OK, "signed in");
        page.csrf()
    }

    /// Forgets every cookie (a different browser).
    fn new_browser(&mut self) {
        self.cookies.clear();
    }

    async fn log(&self, filter: AccessFilter) -> Vec<madoguchi_store::AccessEntry> {
        self.store
            .access_log(&AccessFilter {
                limit: 100,
                ..filter
            })
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn signing_in_opens_the_dashboard_and_signing_out_closes_it() {
    let mut app = spawn().await;
    let id = app.user("tanaka", Role::Staff).await;

    let before = app.get("/admin").await;
    assert_eq!(before.status, StatusCode::SEE_OTHER);
    assert_eq!(before.location(), "/admin/login");

    let signed = app.sign_in("Tanaka", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(signed.location(), "/admin");
    let cookie = signed
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("madoguchi_admin="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");

    let home = app.get("/admin").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("tanakaさん"));
    assert!(home.body.contains("権限：職員"));
    assert!(home.body.contains("サインアウト"));

    let csrf = home.csrf();
    let out = app.post_form("/admin/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = app.get("/admin").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location(), "/admin/login");

    let entries = app.log(AccessFilter::default()).await;
    let functions: Vec<(&str, &str, AccessResult)> = entries
        .iter()
        .map(|e| (e.actor.as_str(), e.function.as_str(), e.result))
        .collect();
    let actor = format!("staff:{id}");
    assert!(functions.contains(&(actor.as_str(), "admin.signin", AccessResult::Ok)));
    assert!(functions.contains(&(actor.as_str(), "admin.signout", AccessResult::Ok)));
}

#[tokio::test]
async fn a_page_asked_for_before_sign_in_opens_after_it() {
    let mut app = spawn().await;
    app.user("suzuki", Role::Admin).await;
    let before = app.get("/admin/users").await;
    assert_eq!(before.location(), "/admin/login?next=/admin/users");
    let form = app.get(before.location()).await;
    assert!(form.body.contains("name=\"next\" value=\"/admin/users\""));
    let csrf = form.csrf();
    let signed = app
        .post_form(
            "/admin/login",
            &[
                ("csrf", &csrf),
                ("next", "/admin/users"),
                ("login", "suzuki"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed.location(), "/admin/users");
    // Never away from the console.
    app.new_browser();
    let form = app.get("/admin/login").await;
    let csrf = form.csrf();
    let signed = app
        .post_form(
            "/admin/login",
            &[
                ("csrf", &csrf),
                ("next", "https://evil.example/"),
                ("login", "suzuki"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed.location(), "/admin");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_name_get_the_same_answer() {
    let mut app = spawn().await;
    app.user("sato", Role::Viewer).await;
    let wrong = app.sign_in("sato", "not the password").await;
    let unknown = app.sign_in("nobody", "not the password").await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert_eq!(unknown.status, StatusCode::OK);
    assert!(wrong.body.contains("サインインできませんでした"));
    let message = |body: &str| {
        let start = body.find("role=\"alert\"").unwrap();
        body[start..].split("</p>").next().unwrap().to_owned()
    };
    assert_eq!(message(&wrong.body), message(&unknown.body));
    assert!(!app.cookies.contains_key("madoguchi_admin"));
    let failed = app
        .log(AccessFilter {
            result: Some(AccessResult::Failed),
            ..Default::default()
        })
        .await;
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|e| e.function == "admin.signin"
        && e.actor == "anonymous"
        && e.client_ip == "192.0.2.10"));
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes() {
    let mut app = spawn().await;
    app.user("ito", Role::Staff).await;
    for n in 0..5 {
        // Each failure from a different address: the lock is per account,
        // not only per address.
        app.client = format!("192.0.2.{}:5000", 20 + n).parse().unwrap();
        let r = app.sign_in("ito", "wrong password!").await;
        assert_eq!(r.status, StatusCode::OK);
    }
    app.client = "192.0.2.99:5000".parse().unwrap();
    let locked = app.sign_in("ito", PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::OK,
        "the right password is refused while locked"
    );
    assert!(locked.body.contains("サインインできませんでした"));
    assert!(!app.cookies.contains_key("madoguchi_admin"));

    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.sign_in("ito", PASSWORD).await.status, StatusCode::OK);
    app.clock.advance(Duration::minutes(2));
    let open = app.sign_in("ito", PASSWORD).await;
    assert_eq!(
        open.status,
        StatusCode::SEE_OTHER,
        "unlocked after 15 minutes"
    );
}

#[tokio::test]
async fn failures_at_one_account_hold_back_that_account_only() {
    let mut app = spawn().await;
    app.user("kato", Role::Staff).await;
    // Ten wrong names and passwords from the office's one address (behind
    // its proxy every colleague shares it), then the limiter refuses them...
    let denied = AccessFilter {
        result: Some(AccessResult::Denied),
        ..Default::default()
    };
    for _ in 0..10 {
        app.sign_in("guess", "wrong password!").await;
    }
    assert!(
        app.log(denied.clone()).await.is_empty(),
        "ten failures are let through"
    );
    app.sign_in("guess", "wrong password!").await;
    assert_eq!(
        app.log(denied).await.len(),
        1,
        "the eleventh is refused unchecked"
    );
    // ...but a colleague's correct sign-in from the same address goes through.
    let signed = app.sign_in("kato", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(signed.location(), "/admin");
}

#[tokio::test]
async fn an_idle_session_ends_after_thirty_minutes_and_any_after_ten_hours() {
    let mut app = spawn().await;
    app.user("yamada", Role::Viewer).await;
    app.sign_in("yamada", PASSWORD).await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(app.get("/admin").await.status, StatusCode::OK);
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        app.get("/admin").await.status,
        StatusCode::OK,
        "use keeps it alive"
    );
    app.clock.advance(Duration::minutes(31));
    let idle = app.get("/admin").await;
    assert_eq!(idle.status, StatusCode::SEE_OTHER);
    assert_eq!(idle.location(), "/admin/login");

    app.sign_in("yamada", PASSWORD).await;
    for _ in 0..40 {
        app.clock.advance(Duration::minutes(15));
        app.get("/admin").await;
    }
    assert_eq!(
        app.get("/admin").await.status,
        StatusCode::SEE_OTHER,
        "10 hours at most, however active"
    );
}

#[tokio::test]
async fn a_form_without_the_session_csrf_token_is_refused_and_logged() {
    let mut app = spawn().await;
    let id = app.user("kimura", Role::Admin).await;
    app.sign_in("kimura", PASSWORD).await;
    let refused = app.post_form("/admin/logout", &[("csrf", "forged")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("もう一度"));
    assert_eq!(
        app.get("/admin").await.status,
        StatusCode::OK,
        "still signed in"
    );
    let denied = app
        .log(AccessFilter {
            result: Some(AccessResult::Denied),
            ..Default::default()
        })
        .await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].actor, format!("staff:{id}"));
    assert_eq!(denied[0].function, "admin.denied");

    // The sign-in form needs its token too.
    app.new_browser();
    let r = app
        .post_form(
            "/admin/login",
            &[("csrf", "x"), ("login", "kimura"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!app.cookies.contains_key("madoguchi_admin"));
}

#[tokio::test]
async fn a_disabled_account_loses_its_sessions_and_cannot_sign_in() {
    let mut app = spawn().await;
    app.user("admin", Role::Admin).await;
    let id = app.user("mori", Role::Staff).await;
    app.sign_in("mori", PASSWORD).await;
    assert_eq!(app.get("/admin").await.status, StatusCode::OK);
    app.store
        .set_staff_disabled(id, true, app.clock.now())
        .await
        .unwrap();
    assert_eq!(app.get("/admin").await.status, StatusCode::SEE_OTHER);
    let again = app.sign_in("mori", PASSWORD).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.contains("サインインできませんでした"));
}

/// Every admin route known so far, with the lowest role allowed to use it.
/// Add a line for each new page. POST routes are sent with the session's
/// CSRF token and empty fields: "allowed" means anything but 403 (a 400 or
/// 404 for the empty form is fine), "denied" means 403. Paths use id
/// 999999, which does not exist, so nothing is changed.
const ROUTES: &[(&str, &str, Role)] = &[
    ("GET", "/admin", Role::Viewer),
    ("GET", "/admin/rehearsal/messages", Role::Staff),
    ("GET", "/admin/account", Role::Viewer),
    ("GET", "/admin/users", Role::Admin),
    ("POST", "/admin/users", Role::Admin),
    ("GET", "/admin/users/999999", Role::Admin),
    ("POST", "/admin/users/999999/role", Role::Admin),
    ("POST", "/admin/users/999999/disable", Role::Admin),
    ("POST", "/admin/users/999999/enable", Role::Admin),
    ("POST", "/admin/users/999999/password", Role::Admin),
    ("POST", "/admin/users/999999/totp/reset", Role::Admin),
    ("GET", "/admin/access-log", Role::Admin),
    ("GET", "/admin/access-log.csv", Role::Admin),
    // Operations pages (admin-ops): venues, schedules, bookings, lists, settings.
    ("GET", "/admin/bookings", Role::Viewer),
    ("GET", "/admin/bookings/new", Role::Staff),
    ("POST", "/admin/bookings/new", Role::Staff),
    ("GET", "/admin/bookings/999999", Role::Viewer),
    ("POST", "/admin/bookings/999999/name", Role::Staff),
    ("POST", "/admin/bookings/999999/party", Role::Staff),
    ("GET", "/admin/bookings/999999/move", Role::Staff),
    ("POST", "/admin/bookings/999999/move", Role::Staff),
    ("POST", "/admin/bookings/999999/cancel", Role::Staff),
    ("POST", "/admin/bookings/999999/visit", Role::Staff),
    ("GET", "/admin/lists", Role::Viewer),
    ("GET", "/admin/lists.csv", Role::Admin),
    ("GET", "/admin/schedules", Role::Viewer),
    ("GET", "/admin/schedules/overview", Role::Viewer),
    ("POST", "/admin/schedules/999999/template", Role::Staff),
    ("POST", "/admin/schedules/999999/exceptions", Role::Staff),
    (
        "POST",
        "/admin/schedules/999999/exceptions/delete",
        Role::Staff,
    ),
    ("POST", "/admin/schedules/999999/preview", Role::Staff),
    ("POST", "/admin/schedules/999999/apply", Role::Staff),
    ("POST", "/admin/schedules/999999/capacity", Role::Staff),
    ("GET", "/admin/venues", Role::Viewer),
    ("POST", "/admin/venues", Role::Admin),
    ("GET", "/admin/venues/999999", Role::Viewer),
    ("POST", "/admin/venues/999999", Role::Admin),
    ("POST", "/admin/venues/999999/enabled", Role::Admin),
    ("POST", "/admin/venues/999999/window", Role::Admin),
    ("GET", "/admin/settings", Role::Admin),
    ("POST", "/admin/settings/window", Role::Admin),
    ("POST", "/admin/settings/closures", Role::Admin),
    ("POST", "/admin/settings/checklist", Role::Admin),
    ("POST", "/admin/settings/start-page", Role::Admin),
    ("GET", "/admin/notifications", Role::Admin),
    ("POST", "/admin/notifications/reminders", Role::Admin),
    ("GET", "/admin/notifications/templates/booked", Role::Admin),
    ("POST", "/admin/notifications/templates/booked", Role::Admin),
    // Reports (issue 15): aggregates without personal data, for every role.
    ("GET", "/admin/reports", Role::Viewer),
    ("GET", "/admin/reports/bookings", Role::Viewer),
    ("GET", "/admin/reports/bookings.csv", Role::Viewer),
    ("GET", "/admin/reports/seats.csv", Role::Viewer),
    ("GET", "/admin/reports/phone", Role::Viewer),
    ("GET", "/admin/reports/phone.csv", Role::Viewer),
    ("GET", "/admin/reports/dialog.csv", Role::Staff),
    ("GET", "/admin/reports/usage", Role::Viewer),
    ("GET", "/admin/reports/usage.csv", Role::Viewer),
    ("GET", "/admin/reports/monthly", Role::Viewer),
    ("GET", "/admin/notifications/usage", Role::Admin),
    ("GET", "/admin/notifications/usage.csv", Role::Admin),
    ("GET", "/admin/bookings/999999/notifications", Role::Viewer),
    (
        "POST",
        "/admin/bookings/9/notifications/1/resend",
        Role::Staff,
    ),
    ("GET", "/admin/calls", Role::Staff),
    ("GET", "/admin/calls/999999", Role::Staff),
    ("GET", "/admin/calls/rehearse", Role::Staff),
    ("POST", "/admin/calls/rehearse", Role::Staff),
    ("GET", "/admin/calls/scenario", Role::Staff),
    ("POST", "/admin/calls/scenario/publish", Role::Admin),
    ("GET", "/admin/calls/words", Role::Staff),
    ("GET", "/admin/calls/999999/audio/1", Role::Staff),
];

#[tokio::test]
async fn the_role_matrix_allows_and_denies_each_route_by_role() {
    let mut app = spawn().await;
    for role in Role::ALL {
        app.user(role.as_str(), role).await;
    }
    let mut failures = Vec::new();
    for (n, role) in Role::ALL.into_iter().enumerate() {
        // One client address per role: the whole table from one address
        // would run into the rate limit.
        app.client = format!("192.0.2.{}:5000", 110 + n).parse().unwrap();
        app.new_browser();
        app.sign_in(role.as_str(), PASSWORD).await;
        let csrf = app.session_csrf().await;
        for (method, path, lowest) in ROUTES {
            let reply = match *method {
                "GET" => app.get(path).await,
                "POST" => app.post_form(path, &[("csrf", &csrf)]).await,
                other => panic!("method {other}"),
            };
            let allowed = role.allows(*lowest);
            let ok = if allowed {
                reply.status != StatusCode::FORBIDDEN
                    && !reply.location().starts_with("/admin/login")
            } else {
                reply.status == StatusCode::FORBIDDEN
            };
            if !ok {
                failures.push(format!(
                    "{method} {path} as {role}: expected {}, got {} {}",
                    if allowed { "allowed" } else { "403" },
                    reply.status,
                    reply.location()
                ));
            }
            if let Err(missing) = security_headers(&reply.headers, true) {
                failures.push(format!("{method} {path} as {role}: {missing}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");

    // Nobody signed in: every route leads to the sign-in page (from an
    // address of its own, for the rate limit).
    app.client = "192.0.2.200:5000".parse().unwrap();
    app.new_browser();
    for (method, path, _) in ROUTES {
        let reply = match *method {
            "GET" => app.get(path).await,
            _ => app.post_form(path, &[("csrf", "x")]).await,
        };
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{method} {path}");
        assert!(
            reply.location().starts_with("/admin/login"),
            "{method} {path}"
        );
        security_headers(&reply.headers, true).unwrap_or_else(|m| panic!("{method} {path}: {m}"));
    }
    let _ = Method::GET;
}

/// The security headers every response carries, `no-store` included when
/// the page may show personal data; `Err` names what is missing.
fn security_headers(headers: &axum::http::HeaderMap, no_store: bool) -> Result<(), String> {
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let csp = value("content-security-policy");
    let mut missing = Vec::new();
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ] {
        if !csp.contains(part) {
            missing.push(format!("CSP {part}"));
        }
    }
    if csp.contains("unsafe-inline") {
        missing.push("CSP without unsafe-inline".to_owned());
    }
    if value("x-content-type-options") != "nosniff" {
        missing.push("nosniff".to_owned());
    }
    if value("referrer-policy").is_empty() {
        missing.push("Referrer-Policy".to_owned());
    }
    if no_store && value("cache-control") != "no-store" {
        missing.push(format!(
            "Cache-Control: no-store (got {:?})",
            value("cache-control")
        ));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing.join(", "))
    }
}

/// The citizen pages and the API, each route once (admin routes are in
/// [`ROUTES`]). Add a line for each new route.
const PUBLIC_ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/eligibility"),
    ("POST", "/eligibility"),
    ("GET", "/venues"),
    ("GET", "/venues/1"),
    ("GET", "/venues/1/2026-12-03"),
    ("GET", "/book/1"),
    ("POST", "/book/1"),
    ("POST", "/book/1/confirm"),
    ("GET", "/booked"),
    ("GET", "/lookup"),
    ("POST", "/lookup"),
    ("GET", "/manage"),
    ("GET", "/manage/cancel"),
    ("POST", "/manage/cancel"),
    ("GET", "/manage/change/1"),
    ("POST", "/manage/change/1"),
    ("POST", "/manage/logout"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/venues"),
    ("GET", "/api/v1/venues/1/availability"),
    ("POST", "/api/v1/bookings"),
    ("GET", "/api/v1/bookings/ABC?phone=1"),
    ("POST", "/api/v1/bookings/ABC/cancel"),
    ("POST", "/api/v1/bookings/ABC/change"),
    ("GET", "/healthz"),
    ("GET", "/no/such/page"),
    ("GET", "/admin/login"),
    ("POST", "/admin/login"),
];

#[tokio::test]
async fn every_route_answers_with_the_security_headers_and_no_store() {
    let mut app = spawn().await;
    let mut failures = Vec::new();
    for (method, path) in PUBLIC_ROUTES {
        let reply = match *method {
            "GET" => app.get(path).await,
            _ => app.post_form(path, &[("csrf", "x")]).await,
        };
        if let Err(missing) = security_headers(&reply.headers, true) {
            failures.push(format!("{method} {path} ({}): {missing}", reply.status));
        }
    }
    // The stylesheets may be cached, and still carry the rest.
    for path in ["/static/style.css", "/static/admin.css"] {
        let reply = app.get(path).await;
        if let Err(missing) = security_headers(&reply.headers, false) {
            failures.push(format!("GET {path}: {missing}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        !app.get("/")
            .await
            .headers
            .contains_key("strict-transport-security"),
        "no HSTS on a site not served over HTTPS"
    );
    let mut secure = spawn_with(WebConfig {
        secure_cookies: true,
        ..WebConfig::default()
    })
    .await;
    for (_, path) in PUBLIC_ROUTES.iter().filter(|(m, _)| *m == "GET") {
        let reply = secure.get(path).await;
        let hsts = reply
            .headers
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(hsts.starts_with("max-age="), "{path}: HSTS {hsts:?}");
    }
}

#[tokio::test]
async fn dates_off_the_calendar_in_a_query_are_ignored_not_a_crash() {
    let mut app = spawn().await;
    app.user("admin", Role::Admin).await;
    app.sign_in("admin", PASSWORD).await;
    for date in [
        "-262143-01-05",
        "+262142-12-31",
        "262143-12-31",
        "0000-01-01",
    ] {
        for path in [
            format!("/admin/schedules/overview?from={date}"),
            format!("/admin/lists?date={date}"),
            format!("/admin/bookings?date={date}"),
            format!("/admin/access-log?from={date}&to={date}"),
            format!("/admin/notifications/usage?from={date}&to={date}"),
        ] {
            let reply = app.get(&path).await;
            assert!(
                reply.status == StatusCode::OK || reply.status == StatusCode::BAD_REQUEST,
                "{path}: {}",
                reply.status
            );
        }
    }
}

#[tokio::test]
async fn the_access_log_page_filters_and_its_csv_export_opens_in_excel() {
    let mut app = spawn().await;
    let id = app.user("admin", Role::Admin).await;
    app.sign_in("nobody", "wrong password!").await;
    app.sign_in("admin", PASSWORD).await;
    let page = app.get("/admin/access-log?result=failed").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("admin.signin"));
    assert!(page.body.contains("失敗"));
    assert!(
        !page.body.contains(&format!(">staff:{id}<")),
        "only failures shown"
    );

    let csv = app.get("/admin/access-log.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.body
            .starts_with("\u{feff}日時,操作者,機能,対象,接続元,結果\r\n")
    );
    assert!(csv.body.contains(&format!(
        ",staff:{id},admin.signin,user:{id},192.0.2.10,成功\r\n"
    )));
    // Viewing and exporting are logged too.
    let exported = app
        .log(AccessFilter {
            function: Some("accesslog.export".into()),
            ..Default::default()
        })
        .await;
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].actor, format!("staff:{id}"));
}

/// The current TOTP code of a base32 secret (RFC 6238, as an app shows it).
fn totp_code(secret: &str, at: DateTime<Utc>) -> String {
    use hmac::{Hmac, Mac};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut key, mut buffer, mut bits) = (Vec::new(), 0u32, 0u32);
    for c in secret.bytes().filter(|c| !c.is_ascii_whitespace()) {
        buffer = (buffer << 5) | ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((buffer >> bits) as u8);
        }
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&(at.timestamp() / 30).to_be_bytes());
    let d = mac.finalize().into_bytes();
    let o = usize::from(d[19] & 0x0f);
    let v = u32::from_be_bytes([d[o] & 0x7f, d[o + 1], d[o + 2], d[o + 3]]);
    format!("{:06}", v % 1_000_000)
}

#[tokio::test]
async fn with_totp_on_sign_in_asks_for_a_code_that_works_once() {
    let mut app = spawn().await;
    app.user("admin", Role::Admin).await;
    app.sign_in("admin", PASSWORD).await;
    let csrf = app.session_csrf().await;
    app.post_form("/admin/account/totp", &[("csrf", &csrf)])
        .await;
    let account = app.get("/admin/account").await;
    let marker = "id=\"totp-secret\">";
    let start = account.body.find(marker).expect("secret shown") + marker.len();
    let secret: String = account.body[start..]
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "");
    assert!(account.body.contains("otpauth://totp/"));
    let wrong = app
        .post_form(
            "/admin/account/totp/confirm",
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    assert!(wrong.body.contains("確認コードが正しくありません"));
    let code = totp_code(&secret, app.clock.now());
    let on = app
        .post_form(
            "/admin/account/totp/confirm",
            &[("csrf", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(on.location(), "/admin/account?done=totp-on");

    // Next sign-in: the password alone does not open the console.
    app.new_browser();
    app.clock.advance(Duration::seconds(30));
    let signed = app.sign_in("admin", PASSWORD).await;
    assert_eq!(signed.location(), "/admin/login/totp");
    assert_eq!(app.get("/admin").await.location(), "/admin/login/totp");
    let form = app.get("/admin/login/totp").await;
    let csrf = form.csrf();
    let bad = app
        .post_form("/admin/login/totp", &[("csrf", &csrf), ("code", "123456")])
        .await;
    assert!(bad.body.contains("確認コードが正しくありません"));
    let code = totp_code(&secret, app.clock.now());
    let ok = app
        .post_form("/admin/login/totp", &[("csrf", &csrf), ("code", &code)])
        .await;
    assert_eq!(ok.location(), "/admin");
    assert_eq!(app.get("/admin").await.status, StatusCode::OK);

    // The same code cannot be used again (replay).
    app.new_browser();
    app.sign_in("admin", PASSWORD).await;
    let form = app.get("/admin/login/totp").await;
    let csrf = form.csrf();
    let replay = app
        .post_form("/admin/login/totp", &[("csrf", &csrf), ("code", &code)])
        .await;
    assert!(replay.body.contains("確認コードが正しくありません"));
    assert_eq!(app.get("/admin").await.location(), "/admin/login/totp");
}

#[tokio::test]
async fn staff_rehearse_a_call_and_read_its_transcript_in_the_call_log() {
    let mut app = spawn().await;
    app.user("suzuki", Role::Staff).await;
    app.sign_in("suzuki", PASSWORD).await;
    let csrf = app.session_csrf().await;
    let started = app
        .post_form("/admin/calls/rehearse", &[("csrf", &csrf)])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let page_path = started.location().to_owned();
    assert!(page_path.starts_with("/admin/calls/rehearse/"));
    let first = app.get(&page_path).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("ご用件をどうぞ"));
    app.post_form(&page_path, &[("csrf", &csrf), ("text", "予約したいです")])
        .await;
    let second = app.get(&page_path).await;
    assert!(second.body.contains("予約したいです"));
    assert!(second.body.contains("当てはまりますか"));
    app.post_form(&page_path, &[("csrf", &csrf), ("text", "#hangup")])
        .await;
    let log = app.get("/admin/calls").await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.body.contains("rehearsal"));
    assert!(log.body.contains("abandoned"));
    let scenario = app.get("/admin/calls/scenario").await;
    assert_eq!(scenario.status, StatusCode::OK);
    assert!(scenario.body.contains("max_failures"));
}

#[tokio::test]
async fn staff_play_and_download_a_recorded_turn_and_each_fetch_is_logged() {
    let mut app = spawn().await;
    app.user("kato", Role::Staff).await;
    app.sign_in("kato", PASSWORD).await;
    // A voice call as the loop records it (not a rehearsal: rehearsals
    // live in a process-wide map keyed by call id, shared between tests).
    let now = app.clock.now();
    let call = app
        .store
        .start_call(
            &madoguchi_store::NewCall {
                kind: "voice".into(),
                caller_id: None,
                scenario_version: None,
                dry_run: false,
            },
            now,
        )
        .await
        .unwrap();
    let id = call.0;
    for seq in [1, 2] {
        app.store
            .record_turn(
                call,
                &madoguchi_store::CallTurn {
                    seq,
                    at: now,
                    state: "intent".into(),
                    prompt_id: String::new(),
                    prompt_text: String::new(),
                    caller_input: "予約したいです".into(),
                    understood: String::new(),
                    outcome: String::new(),
                },
            )
            .await
            .unwrap();
    }
    // The voice loop stores a turn's audio beside the turn (seq 2 here).
    let wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
    app.store
        .save_call_audio(madoguchi_store::CallId(id), 2, &wav)
        .await
        .unwrap();
    let page = app.get(&format!("/admin/calls/{id}")).await;
    assert!(
        page.body.contains(&format!(
            "<audio controls preload=\"none\" src=\"/admin/calls/{id}/audio/2\""
        )),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("/admin/calls/{id}/audio/2?download=1"))
    );
    let play = app.get(&format!("/admin/calls/{id}/audio/2")).await;
    assert_eq!(play.status, StatusCode::OK);
    assert_eq!(play.headers[header::CONTENT_TYPE], "audio/wav");
    let download = app
        .get(&format!("/admin/calls/{id}/audio/2?download=1"))
        .await;
    assert!(
        download.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(
        app.get(&format!("/admin/calls/{id}/audio/1")).await.status,
        StatusCode::NOT_FOUND
    );
    let logged = app
        .log(AccessFilter {
            function: Some("call.audio".into()),
            ..Default::default()
        })
        .await;
    assert_eq!(logged.len(), 3, "{logged:?}");
}
