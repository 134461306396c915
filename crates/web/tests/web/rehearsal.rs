//! Rehearsal mode on the web: the banner on every page (citizen, admin,
//! errors), the header on every answer, nothing on a normal instance, and
//! the console page where staff read the messages kept instead of sent.

use axum::http::StatusCode;
use madoguchi_core::staff::{Login, Role};
use madoguchi_store::{NewDiverted, NewStaffUser, Store};
use madoguchi_web::{AppState, WebConfig, app};
use std::collections::BTreeMap;
use std::sync::Arc;

use super::support::{
    NOW, PASSWORD, Reply, at, client, form_request, get_request, send, temp_store,
};

const BANNER: &str = "これは練習用の環境です。予約は実際には行われません。";

struct Instance {
    router: axum::Router,
    store: Store,
    cookies: BTreeMap<String, String>,
    _dir: tempfile::TempDir,
}

async fn instance(rehearsal: bool) -> Instance {
    let (dir, store) = temp_store().await;
    let store = store.with_rehearsal(rehearsal);
    let clock = Arc::new(madoguchi_core::clock::ShiftedClock::starting_at(at(NOW)));
    let state = AppState::new(store.clone(), clock, WebConfig::default(), &[7u8; 64]).unwrap();
    Instance {
        router: app(state),
        store,
        cookies: BTreeMap::new(),
        _dir: dir,
    }
}

impl Instance {
    async fn get(&mut self, uri: &str) -> Reply {
        send(
            &self.router,
            client(),
            Some(&mut self.cookies),
            get_request(uri),
        )
        .await
    }

    async fn sign_in_as(&mut self, login: &str, role: Role) {
        let user = NewStaffUser {
            login: Login::parse(login).unwrap(),
            display_name: format!("{login}さん"),
            role,
            password_hash: madoguchi_web::hash_password(PASSWORD).unwrap(),
        };
        self.store.create_staff_user(&user, at(NOW)).await.unwrap();
        self.cookies.clear();
        let csrf = self.get("/admin/login").await.csrf();
        let fields = [
            ("csrf", csrf.as_str()),
            ("login", login),
            ("password", PASSWORD),
        ];
        let reply = send(
            &self.router,
            client(),
            Some(&mut self.cookies),
            form_request("/admin/login", &fields),
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    }
}

/// Citizen pages, the admin sign-in, a missing page and an admin page.
const PAGES: &[&str] = &["/", "/lookup", "/admin/login", "/no-such-page"];

#[tokio::test]
async fn every_page_of_a_rehearsal_instance_carries_the_banner_once_without_inline_style() {
    let mut web = instance(true).await;
    for path in PAGES {
        let page = web.get(path).await;
        assert_eq!(page.headers["madoguchi-rehearsal"], "1", "{path}");
        assert_eq!(
            page.body.matches(BANNER).count(),
            1,
            "{path}: {}",
            page.body
        );
        // At the top of the body as a named region, after the skip link
        // where there is one (which must stay first to count as one).
        let body_at = page.body.find("<body>").unwrap();
        let banner_at = page
            .body
            .find("<section class=\"rehearsal-banner\" aria-label=\"練習用の環境\">")
            .unwrap();
        assert!(banner_at > body_at, "{path}");
        if let Some(skip_at) = page.body.find("<a class=\"skip\"") {
            assert!(skip_at < banner_at, "{path}: banner before the skip link");
        }
        assert!(banner_at < page.body.find("<main").unwrap(), "{path}");
        assert!(!page.body.contains("style="), "{path}: inline style");
        assert!(
            page.headers.contains_key("content-security-policy"),
            "{path}"
        );
        assert!(
            !page.headers.contains_key("content-length")
                || page.headers["content-length"] == page.body.len().to_string().as_str(),
            "{path}: stale length"
        );
    }
    // Admin pages say where the kept messages are.
    web.sign_in_as("shokuin", Role::Staff).await;
    let home = web.get("/admin").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains(BANNER));
    assert!(home.body.contains("href=\"/admin/rehearsal/messages\""));
    // The API answers JSON as always, marked by the header only.
    let api = web.get("/api/v1/venues").await;
    assert_eq!(api.headers["madoguchi-rehearsal"], "1");
    assert_eq!(api.json(), serde_json::json!([]));
    // Both stylesheets style the banner.
    for css in ["/static/style.css", "/static/admin.css"] {
        assert!(
            web.get(css).await.body.contains(".rehearsal-banner"),
            "{css}"
        );
    }
}

#[tokio::test]
async fn a_normal_instance_shows_no_banner() {
    let mut web = instance(false).await;
    for path in PAGES {
        let page = web.get(path).await;
        assert!(!page.body.contains(BANNER), "{path}");
        assert!(!page.headers.contains_key("madoguchi-rehearsal"), "{path}");
    }
}

#[tokio::test]
async fn staff_read_the_messages_kept_instead_of_sent_and_viewers_may_not() {
    let mut web = instance(true).await;
    web.store
        .divert_message(
            NewDiverted {
                channel: "sms",
                recipient: "+819012345678",
                subject: "",
                body: "一宮市 予約窓口です。予約番号1234-5678",
            },
            at(NOW),
        )
        .await
        .unwrap();
    web.store
        .divert_message(
            NewDiverted {
                channel: "email",
                recipient: "hanako@example.jp",
                subject: "ご予約を受け付けました",
                body: "一宮 花子 様\n12月3日 10:00",
            },
            at(NOW),
        )
        .await
        .unwrap();
    web.sign_in_as("shokuin", Role::Staff).await;
    let page = web.get("/admin/rehearsal/messages").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "+819012345678",
        "予約番号1234-5678",
        "hanako@example.jp",
        "件名：ご予約を受け付けました",
        "<th scope=\"col\">宛先</th>",
        "SMS 1件、メール 1件",
    ] {
        assert!(page.body.contains(text), "{text} missing: {}", page.body);
    }
    // Newest first: the email was kept last.
    assert!(page.body.find("hanako@example.jp") < page.body.find("+819012345678"));
    web.sign_in_as("etsuran", Role::Viewer).await;
    assert_eq!(
        web.get("/admin/rehearsal/messages").await.status,
        StatusCode::FORBIDDEN
    );
}
