//! Email through real SMTP: a Python `aiosmtpd` server started by the test
//! reports what it received (envelope, headers, decoded Japanese text).
//! Needs python3 with aiosmtpd (Debian `python3-aiosmtpd`, or
//! `pip install --target .cache/pydeps aiosmtpd`; scripts/test.sh sees to it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::world;
use madoguchi_notify::providers::smtp::Smtp;
use madoguchi_notify::{Delivery, EmailConfig, SmsConfig};
use madoguchi_store::{NoticeChannel, NoticeStatus};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// The first Python that can import aiosmtpd: `MADOGUCHI_TEST_PYTHON`,
/// `python3` on the PATH, or Debian's `/usr/bin/python3`.
fn python_with_aiosmtpd(pydeps: &str) -> String {
    let candidates: Vec<String> = std::env::var("MADOGUCHI_TEST_PYTHON")
        .into_iter()
        .chain(["python3".to_owned(), "/usr/bin/python3".to_owned()])
        .collect();
    for python in &candidates {
        let works = std::process::Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .env("PYTHONPATH", pydeps)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if works {
            return python.clone();
        }
    }
    panic!(
        "no Python with aiosmtpd among {candidates:?}: apt-get install python3-aiosmtpd, \
         or python3 -m pip install --target .cache/pydeps aiosmtpd"
    );
}

struct Sink {
    _child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    url: String,
}

async fn start_sink(auth: bool) -> Sink {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
    let pydeps = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.cache/pydeps");
    let mut command = Command::new(python_with_aiosmtpd(pydeps));
    command
        .arg(script)
        .env("PYTHONPATH", pydeps)
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    if auth {
        command.arg("--auth");
    }
    let mut child = command.spawn().expect("python3 runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the SMTP sink starts within 30 s")
        .unwrap()
        .expect("the SMTP sink started (is aiosmtpd installed? see scripts/test.sh)");
    let port = ready.strip_prefix("READY ").expect("READY <port>");
    Sink {
        _child: child,
        lines,
        url: format!("smtp://127.0.0.1:{port}"),
    }
}

impl Sink {
    async fn next(&mut self) -> serde_json::Value {
        let line = tokio::time::timeout(Duration::from_secs(30), self.lines.next_line())
            .await
            .expect("a message within 30 s")
            .unwrap()
            .expect("the sink is still running");
        serde_json::from_str(&line).unwrap()
    }
}

fn smtp(url: &str, auth: bool) -> Delivery {
    let (user, password) = if auth {
        (Some("yoyaku"), Some("pw-123"))
    } else {
        (None, None)
    };
    Delivery {
        sms: None,
        email: Some(Arc::new(
            Smtp::new(
                url,
                user,
                password,
                "一宮市 予約窓口 <yoyaku@city.example.jp>",
            )
            .unwrap(),
        )),
    }
}

#[tokio::test]
async fn a_booking_email_arrives_with_japanese_subject_and_body_intact() {
    let mut sink = start_sink(false).await;
    let w = world().await;
    let booking = w.book("email", "0586-28-1234", "hanako@example.jp").await;
    let pass = w.worker(smtp(&sink.url, false)).run_once().await.unwrap();
    assert_eq!(pass.sent, 1);
    let got = sink.next().await;
    let grouped = booking.reservation_no.display_grouped();

    assert_eq!(got["mail_from"], "yoyaku@city.example.jp");
    assert_eq!(got["rcpt_tos"], serde_json::json!(["hanako@example.jp"]));
    assert_eq!(got["to"], "hanako@example.jp");
    assert_eq!(got["from"], "一宮市 予約窓口 <yoyaku@city.example.jp>");
    // RFC 2047 on the wire, Japanese once decoded.
    let raw_subject = got["raw_subject"].as_str().unwrap();
    assert!(
        raw_subject.to_ascii_lowercase().starts_with("=?utf-8?"),
        "{raw_subject}"
    );
    assert_eq!(
        got["subject"],
        format!("【一宮市】ご予約を受け付けました（予約番号 {grouped}）")
    );
    assert_eq!(got["content_type"], "text/plain");
    assert_eq!(got["charset"], "utf-8");
    let body = got["body"].as_str().unwrap();
    for part in [
        "一宮　花子 様",
        "会場: 本庁舎",
        "愛知県一宮市本町2丁目5番6号",
        "日時: 12月3日（木） 10:00〜10:30",
        "人数: 2名",
        &format!("予約番号: {grouped}"),
        "https://yoyaku.example.jp/lookup",
        "0586-28-0000",
    ] {
        assert!(body.contains(part), "{part} missing in:\n{body}");
    }

    let stored = w.store.notices_for_booking(booking.id).await.unwrap();
    assert_eq!(stored[0].channel, NoticeChannel::Email);
    assert_eq!(stored[0].status, NoticeStatus::Sent);
    assert!(
        stored[0]
            .provider_id
            .as_deref()
            .unwrap()
            .contains("queued as sink")
    );
    let today = w.clock.now_jst_date();
    let usage = w.store.notify_usage(today, today).await.unwrap();
    assert_eq!(usage[0].channel, NoticeChannel::Email);
    assert_eq!(usage[0].messages, 1);
    // Restart: nothing is sent twice.
    assert_eq!(
        w.worker(smtp(&sink.url, false))
            .run_once()
            .await
            .unwrap()
            .sent,
        0
    );
}

#[tokio::test]
async fn smtp_authentication_uses_the_configured_account() {
    let mut sink = start_sink(true).await;
    let w = world().await;
    w.book("both", "090-1234-5678", "hanako@example.jp").await;
    let config = EmailConfig {
        smtp_url: Some(sink.url.clone()),
        username: Some("yoyaku".to_owned()),
        password: Some("pw-123".to_owned()),
        from: Some("yoyaku@city.example.jp".to_owned()),
    };
    let delivery = Delivery::from_config(&config, &SmsConfig::default()).unwrap();
    let pass = w.worker(delivery).run_once().await.unwrap();
    // The SMS has no provider here; the email goes out.
    assert_eq!((pass.sent, pass.undeliverable), (1, 1));
    let got = sink.next().await;
    assert_eq!(got["login"], "yoyaku");

    // A wrong password is refused by the server: a permanent failure.
    let booking = w.book("email", "0586-28-1234", "taro@example.jp").await;
    let wrong = EmailConfig {
        password: Some("nope".to_owned()),
        ..config
    };
    let delivery = Delivery::from_config(&wrong, &SmsConfig::default()).unwrap();
    let pass = w.worker(delivery).run_once().await.unwrap();
    assert_eq!(pass.failed, 1);
    let stored = w.store.notices_for_booking(booking.id).await.unwrap();
    assert_eq!(stored[0].status, NoticeStatus::Failed);
    assert!(stored[0].last_error.as_deref().unwrap().starts_with("SMTP"));
}

#[tokio::test]
async fn a_refused_recipient_fails_for_good_and_an_unreachable_server_is_retried() {
    let sink = start_sink(false).await;
    let w = world().await;
    let refused = w.book("email", "0586-28-1234", "nobody@example.jp").await;
    let pass = w.worker(smtp(&sink.url, false)).run_once().await.unwrap();
    assert_eq!(pass.failed, 1);
    let stored = w.store.notices_for_booking(refused.id).await.unwrap();
    assert_eq!(stored[0].status, NoticeStatus::Failed);
    assert!(
        stored[0].last_error.as_deref().unwrap().contains("550"),
        "{:?}",
        stored[0].last_error
    );

    // A closed port: temporary, tried again later.
    let url = sink.url.clone();
    drop(sink);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let later = w.book("email", "0586-28-1234", "hanako@example.jp").await;
    let pass = w.worker(smtp(&url, false)).run_once().await.unwrap();
    assert_eq!(pass.retrying, 1);
    let stored = w.store.notices_for_booking(later.id).await.unwrap();
    assert_eq!(stored[0].status, NoticeStatus::Queued);
    assert!(stored[0].next_attempt_at > w.clock_now());
}
