//! `GET /venues/{venue_id}/availability`: the slots that can be booked now
//! and have room, answered from the read cache when it can be.

use super::error::ApiError;
use super::wire::{Availability, ErrorBody, Invalid, SlotBody};
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use madoguchi_core::booking::Channel;
use madoguchi_core::ids::VenueId;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct RangeQuery {
    /// First day (default: first bookable day).
    #[param(value_type = Option<String>, format = Date)]
    from: Option<String>,
    /// Last day (default: last bookable day); at most 92 days after from.
    #[param(value_type = Option<String>, format = Date)]
    to: Option<String>,
}

/// Longest range one availability request may cover.
const MAX_RANGE_DAYS: i64 = 92;

fn json_bytes(bytes: axum::body::Bytes) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response()
}

/// Bookable slots of a venue
#[utoipa::path(
    get,
    path = "/venues/{venue_id}/availability",
    operation_id = "venueAvailability",
    tag = "venues",
    params(("venue_id" = String, Path), RangeQuery),
    responses(
        (status = 200, description = "Slots that can be booked now and have room.", body = Availability),
        (status = 404, description = "Unknown venue.", body = ErrorBody),
        (status = 422, description = "Bad dates.", body = Invalid),
        (status = 429, description = "Too many requests from this client, or too many failed look-ups.", body = ErrorBody),
    )
)]
pub(super) async fn availability(
    State(state): State<AppState>,
    Path(venue_id): Path<String>,
    Query(range): Query<RangeQuery>,
) -> Result<Response, ApiError> {
    let venue_id: VenueId = venue_id.parse().map_err(|_| AppError::NotFound)?;
    let mut errors = BTreeMap::new();
    let mut parse = |field: &str, value: &Option<String>| match value.as_deref() {
        None | Some("") => None,
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                errors.insert(
                    field.to_owned(),
                    "日付は YYYY-MM-DD の形式で指定してください。".to_owned(),
                );
                None
            }
        },
    };
    let from = parse("from", &range.from);
    let to = parse("to", &range.to);
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    // The common question (a venue, given days) answered from memory first.
    if let (Some(first), Some(last)) = (from, to)
        && let Some(cached) = state
            .availability
            .get(&(venue_id, first, last), state.store.write_generation())
    {
        return Ok(json_bytes(cached));
    }
    let venue = state
        .store
        .find_venue(venue_id)
        .await?
        .filter(|v| v.enabled)
        .ok_or(AppError::NotFound)?;
    let settings = state.store.settings().await?;
    let now = state.clock.now();
    let window = venue.window_or(&settings.window);
    let bookable = window.bookable_range(&settings.period, now);
    let (Some(first), Some(last)) = (from.or(bookable.map(|r| r.0)), to.or(bookable.map(|r| r.1)))
    else {
        return Ok(Json(Availability {
            venue_id: venue_id.0,
            slots: Vec::new(),
        })
        .into_response());
    };
    if last < first || (last - first).num_days() > MAX_RANGE_DAYS {
        return Err(ApiError::field(
            "to",
            &format!("期間は from 以降、{MAX_RANGE_DAYS}日以内で指定してください。"),
        ));
    }
    let key = (venue_id, first, last);
    // Asked once per request: a miss on an aged answer makes this request
    // the one that refreshes it.
    if (from.is_none() || to.is_none())
        && let Some(cached) = state.availability.get(&key, state.store.write_generation())
    {
        return Ok(json_bytes(cached));
    }
    let generation = state.store.write_generation();
    let slots: Vec<SlotBody> = state
        .store
        .slots_between(venue_id, first, last)
        .await?
        .iter()
        .filter(|s| window.is_bookable(&settings.period, s.date, now))
        .filter_map(|s| {
            let remaining = settings.seats.remaining(&s.seats(), Channel::Web, now);
            (remaining > 0).then(|| SlotBody::new(s, remaining))
        })
        .collect();
    let bytes = axum::body::Bytes::from(
        serde_json::to_vec(&Availability {
            venue_id: venue_id.0,
            slots,
        })
        .map_err(|e| AppError::internal(format!("json: {e}")))?,
    );
    state.availability.put(key, generation, bytes.clone());
    Ok(json_bytes(bytes))
}
