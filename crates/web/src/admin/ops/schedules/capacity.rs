//! `POST /admin/schedules/{venue}/capacity`: changing the seats of many
//! slots at once.

use super::page::schedule_page;
use super::plan_view::AffectedRow;
use super::plan_view::affected_rows;
use super::{back, venue_of};
use crate::AppState;
use crate::admin::ops::{done, parse_date, parse_hhmm};
use crate::admin::{AdminError, Staff};
use crate::views::render;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use madoguchi_core::operations::{CapacityOp, SlotSelection};
use madoguchi_core::staff::Role;
use madoguchi_store::{AccessResult, CapacityError};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CapacityForm {
    csrf: String,
    first: String,
    last: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    op: String,
    #[serde(default)]
    seats: String,
}

pub(crate) async fn capacity(
    staff: Staff,
    State(state): State<AppState>,
    Path(venue): Path<i64>,
    Form(form): Form<CapacityForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let v = venue_of(&state, venue).await?;
    let fail = |msg: String, bookings: Vec<AffectedRow>| async {
        let mut page = schedule_page(&state, &staff, Some(v.clone()), String::new()).await?;
        page.capacity_error = msg;
        page.capacity_bookings = bookings;
        Ok::<_, AdminError>(render(&page))
    };
    let (Some(first), Some(last)) = (parse_date(&form.first), parse_date(&form.last)) else {
        return fail(
            "期間の開始日と終了日を選んでください。".to_owned(),
            Vec::new(),
        )
        .await;
    };
    let seats: Option<i64> = madoguchi_core::text::nfkc(&form.seats).trim().parse().ok();
    let op = match (form.op.as_str(), seats) {
        ("add", Some(n)) if n != 0 && n.abs() <= 100 => CapacityOp::Add(n),
        ("set", Some(n)) if (0..=100).contains(&n) => CapacityOp::Set(n),
        ("close", _) => CapacityOp::Close,
        _ => {
            return fail(
                "変更のしかたと席数を入力してください（増減は -100〜100、設定は 0〜100）。"
                    .to_owned(),
                Vec::new(),
            )
            .await;
        }
    };
    let from_min = Some(form.from.trim())
        .filter(|s| !s.is_empty())
        .map(parse_hhmm);
    let to_min = Some(form.to.trim())
        .filter(|s| !s.is_empty())
        .map(parse_hhmm);
    if from_min == Some(None) || to_min == Some(None) {
        return fail(
            "時間は 13:00 のように入力してください。".to_owned(),
            Vec::new(),
        )
        .await;
    }
    let selection = SlotSelection {
        first: first.min(last),
        last: last.max(first),
        from_min: from_min.flatten(),
        to_min: to_min.flatten(),
    };
    let target = format!("venue:{venue} {first}..{last}");
    match state.store.change_capacity(v.id, selection, op).await {
        Ok(changed) => {
            staff
                .log(&state, "schedule.capacity", &target, AccessResult::Ok)
                .await;
            Ok(done(&state, &back(venue), &op.done_ja(changed.slots)))
        }
        Err(CapacityError::NoSlots) => {
            staff
                .log(&state, "schedule.capacity", &target, AccessResult::Failed)
                .await;
            fail("その期間・時間に枠がありません。".to_owned(), Vec::new()).await
        }
        Err(CapacityError::BelowBooked(list)) => {
            staff
                .log(&state, "schedule.capacity", &target, AccessResult::Failed)
                .await;
            fail(
                format!(
                    "予約済みの人数を下回るため、変更しませんでした（{}件の予約に影響します）。先に下の予約の変更・取消をしてください。",
                    list.len()
                ),
                affected_rows(&list),
            )
            .await
        }
        Err(CapacityError::Store(e)) => Err(e.into()),
    }
}
