//! `POST /admin/bookings/{id}/cancel`: cancelling on a resident's behalf.

use super::{actor, finish, load};
use crate::AppState;
use crate::admin::{AdminError, Staff};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use madoguchi_core::staff::Role;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn cancel(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let booking = load(&state, id).await?;
    let result = state
        .store
        .staff_cancel(booking.id, &actor(&staff), state.clock.now())
        .await;
    finish(
        &state,
        &staff,
        "booking.cancel",
        &booking,
        result,
        "予約を取り消しました。",
    )
    .await
}
