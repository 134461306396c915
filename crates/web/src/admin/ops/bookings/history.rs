//! A booking's history on its page: each event in plain words.

use crate::AppState;
use crate::views::slot_label;
use madoguchi_core::booking::{BookingStatus, Channel};
use madoguchi_core::ids::SlotId;

pub(crate) struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub detail: String,
}

pub(super) fn action_label(action: &str) -> &'static str {
    match action {
        "booked" => "予約",
        "changed" => "日時・会場の変更",
        "cancelled" => "取消",
        "name_corrected" => "氏名の訂正",
        "party_size_changed" => "人数の変更",
        "attended" => "来庁済みにした",
        "no_show" => "来庁なしにした",
        "visit_undone" => "来庁記録を取り消した",
        _ => "その他",
    }
}

fn pair(v: &serde_json::Value) -> Option<(String, String)> {
    let a = v.as_array()?;
    let text = |x: &serde_json::Value| match x {
        serde_json::Value::String(s) => BookingStatus::parse(s)
            .map(|st| st.label_ja().to_owned())
            .unwrap_or_else(|| s.clone()),
        other => other.to_string(),
    };
    Some((text(a.first()?), text(a.get(1)?)))
}

pub(super) async fn describe(state: &AppState, detail: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    for (key, label) in [
        ("name", "氏名"),
        ("name_kana", "フリガナ"),
        ("party_size", "人数"),
        ("status", "状態"),
    ] {
        if let Some((from, to)) = detail.get(key).and_then(pair) {
            parts.push(format!("{label}：{from} → {to}"));
        }
    }
    for (key, label) in [
        ("from_slot_id", "変更前"),
        ("to_slot_id", "変更後"),
        ("slot_id", "枠"),
    ] {
        if let Some(id) = detail.get(key).and_then(serde_json::Value::as_i64)
            && let Ok(Some(slot)) = state.store.find_slot(SlotId(id)).await
        {
            let venue = state
                .store
                .find_venue(slot.venue_id)
                .await
                .ok()
                .flatten()
                .map(|v| v.name)
                .unwrap_or_default();
            parts.push(format!(
                "{label}：{} {}",
                venue,
                slot_label(slot.date, slot.start_min, slot.end_min)
            ));
        }
    }
    if let Some(c) = detail
        .get("channel")
        .and_then(serde_json::Value::as_str)
        .and_then(Channel::parse)
    {
        parts.push(format!("受付：{}", c.label_ja()));
    }
    parts.join("、")
}
