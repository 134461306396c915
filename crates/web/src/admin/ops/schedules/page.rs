//! `GET /admin/schedules`: a venue's schedule page (template, exceptions,
//! the generate and capacity forms); the other verbs answer with it too.

use super::plan_view::{AffectedRow, PlanView};
use super::{RANGES, SECTION, WEEKDAYS};
use crate::AppState;
use crate::admin::ops::{VenueOption, hhmm_field, today, venue_options};
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Duration;
use madoguchi_core::clock::{date_ja, hhmm};
use madoguchi_core::ids::VenueId;
use madoguchi_core::schedule::{DayHours, WeeklyTemplate};
use madoguchi_core::staff::Role;
use madoguchi_core::venue::Venue;
use madoguchi_store::AccessResult;
use serde::Deserialize;

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

#[derive(Template)]
#[template(path = "admin/ops/schedules.html")]
pub(super) struct SchedulePage {
    layout: AdminLayout,
    venues: Vec<VenueOption>,
    venue_id: i64,
    venue_name: String,
    can_edit: bool,
    pub(super) template: Vec<TemplateRow>,
    slot_minutes: u32,
    exceptions: Vec<ExceptionRow>,
    pub(super) first: String,
    pub(super) last: String,
    pub(super) plan: Option<PlanView>,
    pub(super) capacity_error: String,
    pub(super) capacity_bookings: Vec<AffectedRow>,
    pub(super) error: String,
}

pub(super) fn template_rows(t: &WeeklyTemplate) -> Vec<TemplateRow> {
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

pub(super) async fn schedule_page(
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
