//! `GET /admin/schedules/overview`: seats left per venue and day.

use super::SECTION;
use crate::AppState;
use crate::admin::ops::{parse_date, today};
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate};
use madoguchi_core::booking::Channel;
use madoguchi_core::clock::weekday_ja;
use madoguchi_core::staff::Role;
use madoguchi_store::AccessResult;
use serde::Deserialize;

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
