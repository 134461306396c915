//! `/admin/schedules/{venue}/exceptions`: adding and deleting date
//! exceptions (closed days, special hours).

use super::page::schedule_page;
use super::weekly_template::range_hours;
use super::{back, venue_of};
use crate::AppState;
use crate::admin::ops::{done, parse_date};
use crate::admin::{AdminError, Staff};
use crate::views::render;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Datelike;
use madoguchi_core::clock::date_ja;
use madoguchi_core::operations::DateException;
use madoguchi_core::staff::Role;
use madoguchi_store::AccessResult;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ExceptionForm {
    csrf: String,
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    open: String,
    #[serde(default)]
    close: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    reserved: String,
}

pub(crate) async fn add_exception(
    staff: Staff,
    State(state): State<AppState>,
    Path(venue): Path<i64>,
    Form(form): Form<ExceptionForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let v = venue_of(&state, venue).await?;
    let fail = |msg: String| async {
        let mut page = schedule_page(&state, &staff, Some(v.clone()), String::new()).await?;
        page.error = msg;
        Ok::<_, AdminError>(render(&page))
    };
    let Some(date) = parse_date(&form.date) else {
        return fail("日付を選んでください。".to_owned()).await;
    };
    let hours = if form.kind == "hours" {
        let weekday = u8::try_from(date.weekday().num_days_from_monday()).unwrap_or(0);
        match range_hours(
            weekday,
            &form.open,
            &form.close,
            &form.capacity,
            &form.reserved,
            30,
        ) {
            Ok(Some(h)) => vec![h],
            Ok(None) => return fail("特別な受付時間を入力してください。".to_owned()).await,
            Err(e) => return fail(e).await,
        }
    } else {
        Vec::new()
    };
    let closed = hours.is_empty();
    state
        .store
        .set_venue_exception(v.id, &DateException { date, hours })
        .await?;
    staff
        .log(
            &state,
            "schedule.exception",
            &format!("venue:{venue} date:{date}"),
            AccessResult::Ok,
        )
        .await;
    let what = if closed {
        "休業日"
    } else {
        "特別な受付時間"
    };
    Ok(done(
        &state,
        &back(venue),
        &format!(
            "{}を{}にしました。枠に反映するには「枠の作成・更新」を行ってください。",
            date_ja(date),
            what
        ),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DateForm {
    csrf: String,
    date: String,
}

pub(crate) async fn delete_exception(
    staff: Staff,
    State(state): State<AppState>,
    Path(venue): Path<i64>,
    Form(form): Form<DateForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let v = venue_of(&state, venue).await?;
    let Some(date) = parse_date(&form.date) else {
        return Ok(done(&state, &back(venue), "日付が正しくありません。"));
    };
    state.store.remove_venue_exception(v.id, date).await?;
    staff
        .log(
            &state,
            "schedule.exception_delete",
            &format!("venue:{venue} date:{date}"),
            AccessResult::Ok,
        )
        .await;
    Ok(done(
        &state,
        &back(venue),
        &format!("{}の例外を削除しました。", date_ja(date)),
    ))
}
