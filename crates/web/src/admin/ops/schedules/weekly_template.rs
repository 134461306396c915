//! `POST /admin/schedules/{venue}/template`: saving a venue's weekly hours.

use super::page::schedule_page;
use super::{RANGES, WEEKDAYS, back, venue_of};
use crate::AppState;
use crate::admin::ops::{done, parse_hhmm};
use crate::admin::{AdminError, Staff};
use crate::views::render;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use madoguchi_core::schedule::{DayHours, WeeklyTemplate};
use madoguchi_core::staff::Role;
use madoguchi_store::AccessResult;
use std::collections::HashMap;

pub(super) fn range_hours(
    weekday: u8,
    open: &str,
    close: &str,
    capacity: &str,
    reserved: &str,
    slot_minutes: u32,
) -> Result<Option<DayHours>, String> {
    if open.trim().is_empty() && close.trim().is_empty() {
        return Ok(None);
    }
    let label = WEEKDAYS.get(usize::from(weekday)).copied().unwrap_or("");
    let (Some(open_min), Some(close_min)) = (parse_hhmm(open), parse_hhmm(close)) else {
        return Err(format!(
            "{label}曜日の時間は 9:00 のように入力してください。"
        ));
    };
    if close_min < open_min + slot_minutes {
        return Err(format!(
            "{label}曜日の終了時刻は開始時刻より{slot_minutes}分以上あとにしてください。"
        ));
    }
    let capacity: u32 = madoguchi_core::text::digits_only(capacity)
        .parse()
        .map_err(|_| format!("{label}曜日の定員を数字で入力してください。"))?;
    let reserved: u32 = madoguchi_core::text::digits_only(reserved)
        .parse()
        .unwrap_or(0);
    if reserved > capacity {
        return Err(format!(
            "{label}曜日の電話・窓口用の席は定員以下にしてください。"
        ));
    }
    Ok(Some(DayHours {
        weekday,
        open_min,
        close_min,
        slot_minutes,
        capacity,
        reserved,
    }))
}

pub(crate) async fn save_template(
    staff: Staff,
    State(state): State<AppState>,
    Path(venue): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    let v = venue_of(&state, venue).await?;
    let field = |name: String| form.get(&name).cloned().unwrap_or_default();
    let slot_minutes: u32 = field("slot_minutes".into()).trim().parse().unwrap_or(30);
    let slot_minutes = if (5..=240).contains(&slot_minutes) {
        slot_minutes
    } else {
        30
    };
    let mut days = Vec::new();
    let mut error = String::new();
    for weekday in 0..7u8 {
        for i in 0..RANGES {
            let f = |what: &str| field(format!("{what}_{weekday}_{i}"));
            match range_hours(
                weekday,
                &f("open"),
                &f("close"),
                &f("cap"),
                &f("res"),
                slot_minutes,
            ) {
                Ok(Some(h)) => days.push(h),
                Ok(None) => {}
                Err(e) if error.is_empty() => error = e,
                Err(_) => {}
            }
        }
    }
    if !error.is_empty() {
        staff
            .log(
                &state,
                "schedule.template",
                &format!("venue:{venue}"),
                AccessResult::Failed,
            )
            .await;
        let mut page = schedule_page(&state, &staff, Some(v), String::new()).await?;
        page.error = error;
        return Ok(render(&page));
    }
    state
        .store
        .set_weekly_template(v.id, &WeeklyTemplate { days })
        .await?;
    staff
        .log(
            &state,
            "schedule.template",
            &format!("venue:{venue}"),
            AccessResult::Ok,
        )
        .await;
    Ok(done(
        &state,
        &back(venue),
        "週の受付時間を保存しました。枠に反映するには「枠の作成・更新」で確認してから適用してください。",
    ))
}
