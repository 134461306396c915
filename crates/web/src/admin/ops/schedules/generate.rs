//! `POST /admin/schedules/{venue}/preview` and `/apply`: generating slots
//! from the template, previewed before anything is written.

use super::page::schedule_page;
use super::plan_view::{affected_rows, plan_view};
use super::{back, venue_of};
use crate::AppState;
use crate::admin::ops::{done, parse_date};
use crate::admin::{AdminError, Staff};
use crate::views::render;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{Duration, NaiveDate};
use madoguchi_core::operations::SchedulePlan;
use madoguchi_core::staff::Role;
use madoguchi_core::venue::Venue;
use madoguchi_store::AccessResult;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RangeForm {
    csrf: String,
    first: String,
    last: String,
}

async fn range(
    state: &AppState,
    staff: &Staff,
    v: &Venue,
    form: &RangeForm,
) -> Result<Result<(NaiveDate, NaiveDate), Response>, AdminError> {
    match (parse_date(&form.first), parse_date(&form.last)) {
        (Some(first), Some(last)) if first <= last && last - first <= Duration::days(400) => {
            Ok(Ok((first, last)))
        }
        _ => {
            let mut page = schedule_page(state, staff, Some(v.clone()), String::new()).await?;
            page.error = "期間の開始日と終了日を正しく選んでください（1年以内）。".to_owned();
            Ok(Err(render(&page)))
        }
    }
}

pub(crate) async fn preview(
    staff: Staff,
    State(state): State<AppState>,
    Path(venue): Path<i64>,
    Form(form): Form<RangeForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let v = venue_of(&state, venue).await?;
    let (first, last) = match range(&state, &staff, &v, &form).await? {
        Ok(r) => r,
        Err(page) => return Ok(page),
    };
    let plan = state.store.schedule_preview(v.id, first, last).await?;
    let mut view = plan_view(&plan, first, last);
    view.conflict_bookings =
        affected_rows(&state.store.bookings_in_conflict(&plan.conflicts).await?);
    staff
        .log(
            &state,
            "schedule.preview",
            &format!("venue:{venue} {first}..{last}"),
            AccessResult::Ok,
        )
        .await;
    let mut page = schedule_page(&state, &staff, Some(v), String::new()).await?;
    page.first = view.first.clone();
    page.last = view.last.clone();
    page.plan = Some(view);
    Ok(render(&page))
}

pub(crate) async fn apply(
    staff: Staff,
    State(state): State<AppState>,
    Path(venue): Path<i64>,
    Form(form): Form<RangeForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let v = venue_of(&state, venue).await?;
    let (first, last) = match range(&state, &staff, &v, &form).await? {
        Ok(r) => r,
        Err(page) => return Ok(page),
    };
    let applied = state.store.apply_schedule(v.id, first, last).await?;
    staff
        .log(
            &state,
            "schedule.apply",
            &format!("venue:{venue} {first}..{last}"),
            AccessResult::Ok,
        )
        .await;
    let message = format!(
        "枠を更新しました（追加{}枠、削除{}枠、定員変更{}枠）。",
        applied.added, applied.removed, applied.updated
    );
    if applied.refused.is_empty() {
        return Ok(done(&state, &back(venue), &message));
    }
    let plan = SchedulePlan {
        conflicts: applied.refused.clone(),
        ..Default::default()
    };
    let mut view = plan_view(&plan, first, last);
    view.applied = true;
    view.conflict_bookings = affected_rows(&applied.refused_bookings);
    let mut page = schedule_page(
        &state,
        &staff,
        Some(v),
        format!(
            "{message}予約がある{}枠は変更していません。",
            applied.refused.len()
        ),
    )
    .await?;
    page.plan = Some(view);
    Ok(render(&page))
}
