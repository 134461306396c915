//! `GET /venues`: the venues a resident can book at.

use super::error::ApiError;
use super::wire::{ErrorBody, VenueBody};
use crate::AppState;
use axum::Json;
use axum::extract::State;

/// List the venues
#[utoipa::path(
    get,
    path = "/venues",
    operation_id = "listVenues",
    tag = "venues",
    responses(
        (status = 200, description = "Enabled venues in display order.", body = Vec<VenueBody>),
        (status = 429, description = "Too many requests from this client, or too many failed look-ups.", body = ErrorBody),
    )
)]
pub(super) async fn venues(
    State(state): State<AppState>,
) -> Result<Json<Vec<VenueBody>>, ApiError> {
    let venues = state.store.venues(false).await?;
    Ok(Json(venues.iter().map(VenueBody::from).collect()))
}
