//! `POST /admin/bookings/{id}/name`: correcting the name or its reading.

use super::page::booking_page;
use super::{actor, finish, load};
use crate::AppState;
use crate::admin::{AdminError, Staff};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use madoguchi_core::name::{NameKana, PersonName};
use madoguchi_core::staff::Role;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NameForm {
    csrf: String,
    name: String,
    name_kana: String,
}

pub(crate) async fn correct_name(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let booking = load(&state, id).await?;
    let name = PersonName::parse(&form.name);
    let kana = NameKana::parse(&form.name_kana);
    let (name, kana) = match (name, kana) {
        (Ok(n), Ok(k)) => (n, k),
        (Err(e), _) => {
            return booking_page(
                &state,
                &staff,
                &booking,
                String::new(),
                e.message_ja().to_owned(),
            )
            .await;
        }
        (_, Err(e)) => {
            return booking_page(
                &state,
                &staff,
                &booking,
                String::new(),
                e.message_ja().to_owned(),
            )
            .await;
        }
    };
    let result = state
        .store
        .correct_name(booking.id, &name, &kana, &actor(&staff), state.clock.now())
        .await;
    if result.is_ok() {
        // Checked and corrected by staff: the mark goes.
        state.store.clear_name_to_check(booking.id).await?;
    }
    finish(
        &state,
        &staff,
        "booking.name",
        &booking,
        result,
        "氏名とフリガナを訂正しました。",
    )
    .await
}
