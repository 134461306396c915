//! `GET /admin/rehearsal/messages`: the SMS and email a rehearsal instance
//! kept instead of sending (rehearsal mode, F3), newest first.

use crate::AppState;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use madoguchi_core::JST;
use madoguchi_core::staff::Role;
use madoguchi_store::AccessResult;

/// The newest this many are listed.
const SHOWN: u32 = 500;

struct Row {
    at: String,
    channel: &'static str,
    recipient: String,
    subject: String,
    body: String,
}

#[derive(Template)]
#[template(path = "admin/diverted.html")]
struct Page {
    layout: AdminLayout,
    rehearsal: bool,
    sms: u64,
    email: u64,
    shown: u32,
    rows: Vec<Row>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    let messages = state.store.diverted_messages(SHOWN).await?;
    let (sms, email) = state.store.diverted_counts().await?;
    staff
        .log(
            &state,
            "rehearsal.messages",
            "diverted_messages",
            AccessResult::Ok,
        )
        .await;
    let page = Page {
        layout: AdminLayout::new(&staff, "送られなかったSMS・メール（練習用）", ""),
        rehearsal: state.store.is_rehearsal(),
        sms,
        email,
        shown: SHOWN,
        rows: messages
            .into_iter()
            .map(|m| Row {
                at: m
                    .at
                    .with_timezone(&JST)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                channel: if m.channel == "sms" {
                    "SMS"
                } else {
                    "メール"
                },
                recipient: m.recipient,
                subject: m.subject,
                body: m.body,
            })
            .collect(),
    };
    Ok(render(&page))
}
