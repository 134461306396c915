//! Choosing a venue, a day and a slot, with the seats left (A9, A12).
//! The same pages serve a new booking and moving an existing one
//! (`?change=1`, for a browser holding a manage grant).

use super::{enabled_venue, require_eligible};
use crate::views::{Layout, Step, VenueInfo, render, slot_time};
use crate::{AppError, AppState, session};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::PrivateCookieJar;
use chrono::{Datelike, Months, NaiveDate};
use madoguchi_core::booking::Channel;
use madoguchi_core::calendar::{DayState, month_grid};
use madoguchi_core::clock::{date_ja, date_ja_with_year, weekday_ja};
use madoguchi_core::ids::VenueId;
use madoguchi_core::settings::ServiceSettings;
use madoguchi_core::venue::Venue;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
pub struct BrowseQuery {
    change: Option<String>,
    month: Option<String>,
}

/// Whether the pages are choosing a new slot for an existing booking.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Book,
    Change,
}

impl Mode {
    fn query(self) -> &'static str {
        match self {
            Mode::Book => "",
            Mode::Change => "?change=1",
        }
    }

    /// A new booking shows where it is in the flow; a change does not.
    fn layout(self, layout: Layout, step: Step) -> Layout {
        match self {
            Mode::Book => layout.at_step(step),
            Mode::Change => layout,
        }
    }
}

/// Works out the mode and makes sure the browser may use it.
fn mode_for(
    state: &AppState,
    jar: &PrivateCookieJar,
    settings: &ServiceSettings,
    query: &BrowseQuery,
    here: &str,
) -> Result<Mode, axum::response::Redirect> {
    if query.change.is_some() {
        return match session::manage_grant(jar, state.clock.now()) {
            Some(_) => Ok(Mode::Change),
            None => Err(axum::response::Redirect::to("/lookup")),
        };
    }
    require_eligible(jar, settings, here)?;
    Ok(Mode::Book)
}

/// Seats left per bookable day of each venue.
async fn bookable_days(
    state: &AppState,
    settings: &ServiceSettings,
) -> Result<BTreeMap<VenueId, BTreeMap<NaiveDate, i64>>, AppError> {
    let now = state.clock.now();
    let mut out: BTreeMap<VenueId, BTreeMap<NaiveDate, i64>> = BTreeMap::new();
    let Some((first, last)) = settings.window.bookable_range(&settings.period, now) else {
        return Ok(out);
    };
    let venues = state.store.venues(false).await?;
    let rows = state
        .store
        .remaining_by_day(first, last, &settings.seats, Channel::Web, now)
        .await?;
    for (venue_id, day, remaining) in rows {
        let Some(venue) = venues.iter().find(|v| v.id == venue_id) else {
            continue;
        };
        if venue
            .window_or(&settings.window)
            .is_bookable(&settings.period, day, now)
        {
            out.entry(venue_id).or_default().insert(day, remaining);
        }
    }
    Ok(out)
}

struct VenueCard {
    id: String,
    name: String,
    kana: String,
    note: String,
    info: VenueInfo,
    remaining: i64,
    first_free: String,
}

#[derive(Template)]
#[template(path = "venues.html")]
struct VenuesPage {
    layout: Layout,
    venues: Vec<VenueCard>,
    mode_query: &'static str,
    changing: bool,
    reception_open: bool,
    all_full: bool,
}

pub async fn venues(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
    Query(query): Query<BrowseQuery>,
) -> Result<Response, AppError> {
    let settings = state.store.settings().await?;
    let mode = match mode_for(&state, &jar, &settings, &query, "/venues") {
        Ok(mode) => mode,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let days = bookable_days(&state, &settings).await?;
    let reception_open = settings
        .window
        .bookable_range(&settings.period, state.clock.now())
        .is_some();
    let venues: Vec<VenueCard> = state
        .store
        .venues(false)
        .await?
        .into_iter()
        .map(|v| {
            let venue_days = days.get(&v.id);
            let remaining = venue_days.map(|d| d.values().sum()).unwrap_or(0);
            let first_free = venue_days
                .and_then(|d| d.iter().find(|(_, n)| **n > 0))
                .map(|(day, _)| date_ja(*day))
                .unwrap_or_default();
            VenueCard {
                info: VenueInfo::new(&v),
                id: v.id.to_string(),
                name: v.name,
                kana: v.kana,
                note: v.note,
                remaining,
                first_free,
            }
        })
        .collect();
    let all_full = reception_open && venues.iter().all(|v| v.remaining == 0);
    let page = VenuesPage {
        layout: mode.layout(
            Layout::new(&settings, "会場を選ぶ", String::new()),
            Step::Venue,
        ),
        venues,
        mode_query: mode.query(),
        changing: mode == Mode::Change,
        reception_open,
        all_full,
    };
    Ok(render(&page))
}

struct DayCell {
    day: u32,
    weekday: &'static str,
    date: String,
    label: String,
    /// "open", "full", "none" or "pad": the cell's look; the text says the same.
    kind: &'static str,
    text: String,
    link: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    layout: Layout,
    venue: Venue,
    month_label: String,
    weeks: Vec<Vec<DayCell>>,
    /// Every bookable day (open or full) of the whole reception window.
    open_days: Vec<DayCell>,
    /// The bookable days of the month shown: the list that replaces the
    /// grid on narrow screens.
    month_days: Vec<DayCell>,
    prev_link: String,
    next_link: String,
    changing: bool,
    mode_query: &'static str,
    venue_full: bool,
    reception_open: bool,
}

pub async fn calendar(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
    Path(venue_id): Path<String>,
    Query(query): Query<BrowseQuery>,
) -> Result<Response, AppError> {
    let venue = enabled_venue(&state, &venue_id).await?;
    let venue_id = venue.id;
    let settings = state.store.settings().await?;
    let here = format!("/venues/{venue_id}");
    let mode = match mode_for(&state, &jar, &settings, &query, &here) {
        Ok(mode) => mode,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let days = bookable_days(&state, &settings)
        .await?
        .remove(&venue_id)
        .unwrap_or_default();
    let now = state.clock.now();
    let range = settings.window.bookable_range(&settings.period, now);
    // Show the requested month, else the first month with a bookable day.
    let default_month = days
        .keys()
        .next()
        .copied()
        .or(range.map(|r| r.0))
        .unwrap_or_else(|| state.clock.today());
    let month = query
        .month
        .as_deref()
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or(default_month)
        .with_day(1)
        .unwrap_or(default_month);
    let q = mode.query();
    let cell = |date: NaiveDate, state: DayState| {
        let (kind, text, link) = match state {
            DayState::Padding => ("pad", String::new(), String::new()),
            DayState::Unavailable => ("none", "受付なし".to_owned(), String::new()),
            DayState::Full => ("full", "満席".to_owned(), String::new()),
            DayState::Available(n) => (
                "open",
                format!("残り{n}"),
                format!("/venues/{venue_id}/{date}{q}"),
            ),
        };
        DayCell {
            day: date.day(),
            weekday: weekday_ja(date),
            date: date.to_string(),
            label: date_ja(date),
            kind,
            text,
            link,
        }
    };
    let weeks: Vec<Vec<DayCell>> = month_grid(month, &days)
        .into_iter()
        .map(|week| week.into_iter().map(|d| cell(d.date, d.state)).collect())
        .collect();
    let month_days = days
        .iter()
        .filter(|(date, _)| date.year() == month.year() && date.month() == month.month())
        .map(|(date, n)| cell(*date, day_state(*n)))
        .collect();
    let open_days = days
        .iter()
        .map(|(date, n)| cell(*date, day_state(*n)))
        .collect();
    let month_link = |m: Option<NaiveDate>| {
        m.filter(|m| {
            range.is_some_and(|(first, last)| {
                *m <= last
                    && m.checked_add_months(Months::new(1))
                        .is_some_and(|next| next > first)
            })
        })
        .map(|m| {
            let sep = if q.is_empty() { "?" } else { "&" };
            format!("/venues/{venue_id}{q}{sep}month={}", m.format("%Y-%m"))
        })
        .unwrap_or_default()
    };
    let page = CalendarPage {
        layout: mode.layout(
            Layout::new(
                &settings,
                format!("{} 日にちを選ぶ", venue.name),
                String::new(),
            ),
            Step::Date,
        ),
        month_label: format!("{}年{}月", month.year(), month.month()),
        weeks,
        prev_link: month_link(month.checked_sub_months(Months::new(1))),
        next_link: month_link(month.checked_add_months(Months::new(1))),
        venue_full: range.is_some() && days.values().all(|n| *n == 0),
        reception_open: range.is_some(),
        open_days,
        month_days,
        changing: mode == Mode::Change,
        mode_query: q,
        venue,
    };
    Ok(render(&page))
}

/// A bookable day's state from its seats left.
fn day_state(remaining: i64) -> DayState {
    if remaining > 0 {
        DayState::Available(remaining)
    } else {
        DayState::Full
    }
}

struct SlotCell {
    id: String,
    time: String,
    remaining: i64,
    link: String,
}

#[derive(Template)]
#[template(path = "day.html")]
struct DayPage {
    layout: Layout,
    venue: Venue,
    date_label: String,
    slots: Vec<SlotCell>,
    day_full: bool,
    bookable: bool,
    changing: bool,
    back_link: String,
}

pub async fn day(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
    Path((venue_id, date)): Path<(String, String)>,
    Query(query): Query<BrowseQuery>,
) -> Result<Response, AppError> {
    let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| AppError::NotFound)?;
    let venue = enabled_venue(&state, &venue_id).await?;
    let venue_id = venue.id;
    let settings = state.store.settings().await?;
    let here = format!("/venues/{venue_id}/{date}");
    let mode = match mode_for(&state, &jar, &settings, &query, &here) {
        Ok(mode) => mode,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let now = state.clock.now();
    let bookable = venue
        .window_or(&settings.window)
        .is_bookable(&settings.period, date, now);
    let slots: Vec<SlotCell> = if bookable {
        state
            .store
            .slots_between(venue_id, date, date)
            .await?
            .iter()
            .map(|slot| {
                let remaining = settings.seats.remaining(&slot.seats(), Channel::Web, now);
                let link = match mode {
                    Mode::Book => format!("/book/{}", slot.id),
                    Mode::Change => format!("/manage/change/{}", slot.id),
                };
                SlotCell {
                    id: slot.id.to_string(),
                    time: slot_time(slot),
                    remaining,
                    link,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = DayPage {
        layout: mode.layout(
            Layout::new(
                &settings,
                format!("{} {} 時間を選ぶ", venue.name, date_ja(date)),
                String::new(),
            ),
            Step::Time,
        ),
        date_label: date_ja_with_year(date),
        day_full: bookable && slots.iter().all(|s| s.remaining == 0),
        bookable,
        slots,
        changing: mode == Mode::Change,
        back_link: format!("/venues/{venue_id}{}", mode.query()),
        venue,
    };
    Ok(render(&page))
}
