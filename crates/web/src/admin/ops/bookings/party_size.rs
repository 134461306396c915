//! `POST /admin/bookings/{id}/party`: changing the number of people.

use super::page::booking_page;
use super::{actor, finish, load};
use crate::AppState;
use crate::admin::{AdminError, Staff};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use madoguchi_core::booking::PartySize;
use madoguchi_core::staff::Role;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PartyForm {
    csrf: String,
    party_size: String,
}

pub(crate) async fn party_size(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<PartyForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let booking = load(&state, id).await?;
    let Some(party) = form
        .party_size
        .trim()
        .parse::<u8>()
        .ok()
        .and_then(PartySize::new)
    else {
        return booking_page(
            &state,
            &staff,
            &booking,
            String::new(),
            "人数は1人から4人までで選んでください。".to_owned(),
        )
        .await;
    };
    let result = state
        .store
        .change_party_size(booking.id, party, &actor(&staff), state.clock.now())
        .await;
    let message = format!("人数を{}人に変更しました。", party.get());
    finish(
        &state,
        &staff,
        "booking.party_size",
        &booking,
        result,
        &message,
    )
    .await
}
