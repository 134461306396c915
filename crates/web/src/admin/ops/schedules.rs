//! Schedules and seats: a venue's weekly template, date exceptions,
//! generating slots with a preview, bulk capacity changes, and the
//! overview of seats left per venue and day.

use super::{VenueOption, done, hhmm_field, parse_date, parse_hhmm, today, venue_options};
use crate::AppState;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate};
use madoguchi_core::booking::Channel;
use madoguchi_core::clock::{date_ja, hhmm, weekday_ja};
use madoguchi_core::ids::VenueId;
use madoguchi_core::operations::{CapacityOp, DateException, SchedulePlan, SlotSelection};
use madoguchi_core::schedule::{DayHours, WeeklyTemplate};
use madoguchi_core::staff::Role;
use madoguchi_core::venue::Venue;
use madoguchi_store::{AccessResult, AffectedBooking, CapacityError};
use serde::Deserialize;
use std::collections::HashMap;

const SECTION: &str = "/admin/schedules";
const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
/// Opening ranges per weekday on the template form (e.g. morning, afternoon).
const RANGES: usize = 2;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageQuery {
    #[serde(default)]
    venue: String,
    #[serde(default)]
    msg: String,
}

pub(crate) struct TemplateRow {
    pub weekday: usize,
    pub label: &'static str,
    pub ranges: Vec<RangeFields>,
}

pub(crate) struct RangeFields {
    pub index: usize,
    pub open: String,
    pub close: String,
    pub capacity: String,
    pub reserved: String,
}

pub(crate) struct ExceptionRow {
    pub date: String,
    pub label: String,
    pub hours: String,
}

pub(crate) struct AffectedRow {
    pub number: String,
    pub when: String,
    pub party: i64,
}

fn affected_rows(list: &[AffectedBooking]) -> Vec<AffectedRow> {
    list.iter()
        .map(|b| AffectedRow {
            number: b.reservation_no.clone(),
            when: format!("{} {}", date_ja(b.date), hhmm(b.start_min)),
            party: b.party_size,
        })
        .collect()
}

pub(crate) struct PlanLine {
    pub when: String,
    pub what: String,
}

/// The preview (or result) of generating slots, as the page shows it.
#[derive(Default)]
pub(crate) struct PlanView {
    pub first: String,
    pub last: String,
    pub period: String,
    pub add: usize,
    pub remove: usize,
    pub update: usize,
    pub unchanged: usize,
    pub add_days: Vec<PlanLine>,
    pub removed: Vec<PlanLine>,
    pub updated: Vec<PlanLine>,
    pub conflicts: Vec<PlanLine>,
    pub conflict_bookings: Vec<AffectedRow>,
    pub applied: bool,
}

fn plan_view(plan: &SchedulePlan, first: NaiveDate, last: NaiveDate) -> PlanView {
    let mut per_day: Vec<(NaiveDate, usize, u32, u32)> = Vec::new();
    for s in &plan.add {
        match per_day.last_mut() {
            Some((d, n, _, end)) if *d == s.date => {
                *n += 1;
                *end = s.end_min;
            }
            _ => per_day.push((s.date, 1, s.start_min, s.end_min)),
        }
    }
    let when = |d: NaiveDate, m: u32| format!("{} {}", date_ja(d), hhmm(m));
    PlanView {
        first: first.format("%Y-%m-%d").to_string(),
        last: last.format("%Y-%m-%d").to_string(),
        period: format!("{}〜{}", date_ja(first), date_ja(last)),
        add: plan.add.len(),
        remove: plan.remove.len(),
        update: plan.update.len(),
        unchanged: plan.unchanged,
        add_days: per_day
            .iter()
            .map(|(d, n, start, end)| PlanLine {
                when: date_ja(*d),
                what: format!("{}〜{} {}枠", hhmm(*start), hhmm(*end), n),
            })
            .collect(),
        removed: plan
            .remove
            .iter()
            .map(|s| PlanLine {
                when: when(s.date, s.start_min),
                what: format!("削除（定員{}）", s.capacity),
            })
            .collect(),
        updated: plan
            .update
            .iter()
            .map(|u| PlanLine {
                when: when(u.slot.date, u.slot.start_min),
                what: format!(
                    "定員 {} → {}（うち電話・窓口用 {} → {}）",
                    u.slot.capacity, u.capacity, u.slot.reserved, u.reserved
                ),
            })
            .collect(),
        conflicts: plan
            .conflicts
            .iter()
            .map(|c| PlanLine {
                when: when(c.slot.date, c.slot.start_min),
                what: c.describe_ja(),
            })
            .collect(),
        conflict_bookings: Vec::new(),
        applied: false,
    }
}

#[derive(Template)]
#[template(path = "admin/ops/schedules.html")]
struct SchedulePage {
    layout: AdminLayout,
    venues: Vec<VenueOption>,
    venue_id: i64,
    venue_name: String,
    can_edit: bool,
    template: Vec<TemplateRow>,
    slot_minutes: u32,
    exceptions: Vec<ExceptionRow>,
    first: String,
    last: String,
    plan: Option<PlanView>,
    capacity_error: String,
    capacity_bookings: Vec<AffectedRow>,
    error: String,
}

fn template_rows(t: &WeeklyTemplate) -> Vec<TemplateRow> {
    (0..7)
        .map(|weekday| {
            let hours: Vec<&DayHours> = t
                .days
                .iter()
                .filter(|h| usize::from(h.weekday) == weekday)
                .collect();
            TemplateRow {
                weekday,
                label: WEEKDAYS[weekday],
                ranges: (0..RANGES)
                    .map(|index| match hours.get(index) {
                        Some(h) => RangeFields {
                            index,
                            open: hhmm_field(h.open_min),
                            close: hhmm_field(h.close_min),
                            capacity: h.capacity.to_string(),
                            reserved: h.reserved.to_string(),
                        },
                        None => RangeFields {
                            index,
                            open: String::new(),
                            close: String::new(),
                            capacity: String::new(),
                            reserved: String::new(),
                        },
                    })
                    .collect(),
            }
        })
        .collect()
}

async fn venue_of(state: &AppState, id: i64) -> Result<Venue, AdminError> {
    state
        .store
        .find_venue(VenueId(id))
        .await?
        .ok_or(AdminError::App(crate::AppError::NotFound))
}

async fn schedule_page(
    state: &AppState,
    staff: &Staff,
    venue: Option<Venue>,
    flash: String,
) -> Result<SchedulePage, AdminError> {
    let from = today(state);
    let mut page = SchedulePage {
        layout: AdminLayout::new(staff, "日程・枠", SECTION).with_flash(flash),
        venues: venue_options(state, venue.as_ref().map(|v| v.id.0), true).await?,
        venue_id: 0,
        venue_name: String::new(),
        can_edit: staff.role.allows(Role::Staff),
        template: Vec::new(),
        slot_minutes: 30,
        exceptions: Vec::new(),
        first: (from + Duration::days(1)).format("%Y-%m-%d").to_string(),
        last: (from + Duration::days(31)).format("%Y-%m-%d").to_string(),
        plan: None,
        capacity_error: String::new(),
        capacity_bookings: Vec::new(),
        error: String::new(),
    };
    if let Some(v) = venue {
        let t = state.store.weekly_template(v.id).await?;
        page.slot_minutes = t.days.first().map_or(30, |h| h.slot_minutes);
        page.template = template_rows(&t);
        page.exceptions = state
            .store
            .venue_exceptions(v.id, from, from + Duration::days(400))
            .await?
            .iter()
            .map(|e| ExceptionRow {
                date: e.date.format("%Y-%m-%d").to_string(),
                label: date_ja(e.date),
                hours: if e.is_closed() {
                    "休業".to_owned()
                } else {
                    e.hours
                        .iter()
                        .map(|h| {
                            format!(
                                "{}〜{} 定員{}（電話・窓口用{}）",
                                hhmm(h.open_min),
                                hhmm(h.close_min),
                                h.capacity,
                                h.reserved
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("、")
                },
            })
            .collect();
        page.venue_id = v.id.0;
        page.venue_name = v.name;
    }
    Ok(page)
}

pub(crate) async fn page(
    staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let venue = match q.venue.parse().map(VenueId) {
        Ok(id) => state.store.find_venue(id).await?,
        Err(_) => None,
    };
    staff
        .log(
            &state,
            "schedule.view",
            &venue
                .as_ref()
                .map_or(String::new(), |v| format!("venue:{}", v.id.0)),
            AccessResult::Ok,
        )
        .await;
    Ok(render(&schedule_page(&state, &staff, venue, q.msg).await?))
}

fn back(venue: i64) -> String {
    format!("/admin/schedules?venue={venue}")
}

fn range_hours(
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

// ---- overview ---------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub(crate) struct OverviewQuery {
    #[serde(default)]
    from: String,
}

pub(crate) struct Cell {
    pub class: &'static str,
    pub symbol: &'static str,
    pub text: String,
}

pub(crate) struct OverviewRow {
    pub venue_id: i64,
    pub venue: String,
    pub cells: Vec<Cell>,
}

pub(crate) struct DayHead {
    pub label: String,
    pub weekday: &'static str,
}

#[derive(Template)]
#[template(path = "admin/ops/overview.html")]
struct OverviewPage {
    layout: AdminLayout,
    days: Vec<DayHead>,
    rows: Vec<OverviewRow>,
    prev: String,
    next: String,
}

pub(crate) async fn overview(
    staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    const DAYS: i64 = 14;
    let from = parse_date(&q.from).unwrap_or_else(|| today(&state));
    let last = from + Duration::days(DAYS - 1);
    let settings = state.store.settings().await?;
    let remaining = state
        .store
        .remaining_by_day(
            from,
            last,
            &settings.seats,
            Channel::Staff,
            state.clock.now(),
        )
        .await?;
    let venues = state.store.venues(false).await?;
    let days: Vec<NaiveDate> = from
        .iter_days()
        .take(usize::try_from(DAYS).unwrap_or(14))
        .collect();
    let rows = venues
        .iter()
        .map(|v| OverviewRow {
            venue_id: v.id.0,
            venue: v.name.clone(),
            cells: days
                .iter()
                .map(|d| {
                    match remaining
                        .iter()
                        .find(|(vid, day, _)| *vid == v.id && day == d)
                    {
                        None => Cell {
                            class: "none",
                            symbol: "－",
                            text: "枠なし".to_owned(),
                        },
                        Some((_, _, 0)) => Cell {
                            class: "full",
                            symbol: "×",
                            text: "満席".to_owned(),
                        },
                        Some((_, _, n)) if *n <= 3 => Cell {
                            class: "few",
                            symbol: "△",
                            text: format!("残り{n}"),
                        },
                        Some((_, _, n)) => Cell {
                            class: "open",
                            symbol: "○",
                            text: format!("残り{n}"),
                        },
                    }
                })
                .collect(),
        })
        .collect();
    staff
        .log(
            &state,
            "schedule.overview",
            &format!("from:{from}"),
            AccessResult::Ok,
        )
        .await;
    let page = OverviewPage {
        layout: AdminLayout::new(&staff, "空き状況の一覧", SECTION),
        days: days
            .iter()
            .map(|d| DayHead {
                label: format!("{}/{}", d.month(), d.day()),
                weekday: weekday_ja(*d),
            })
            .collect(),
        rows,
        prev: (from - Duration::days(DAYS)).format("%Y-%m-%d").to_string(),
        next: (from + Duration::days(DAYS)).format("%Y-%m-%d").to_string(),
    };
    Ok(render(&page))
}
