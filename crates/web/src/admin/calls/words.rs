//! `/admin/calls/words`: venue aliases and recognition corrections.

use super::SECTION;
use crate::AppState;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use madoguchi_core::staff::Role;
use madoguchi_store::AccessResult;

pub(crate) struct AliasRow {
    pub id: i64,
    pub venue: String,
    pub alias: String,
}

pub(crate) struct CorrectionRow {
    pub id: i64,
    pub from: String,
    pub to: String,
}

pub(crate) struct VenueOption {
    pub id: i64,
    pub name: String,
}

#[derive(Template)]
#[template(path = "admin/call_words.html")]
struct WordsPage {
    layout: AdminLayout,
    venues: Vec<VenueOption>,
    aliases: Vec<AliasRow>,
    corrections: Vec<CorrectionRow>,
}

pub(crate) async fn words(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    let venues = state.store.venues(true).await?;
    let name = |id: madoguchi_core::ids::VenueId| {
        venues
            .iter()
            .find(|v| v.id == id)
            .map(|v| v.name.clone())
            .unwrap_or_default()
    };
    let page = WordsPage {
        layout: AdminLayout::new(&staff, "会場の別名と認識の補正", SECTION),
        aliases: state
            .store
            .venue_aliases()
            .await?
            .into_iter()
            .map(|a| AliasRow {
                id: a.id,
                venue: name(a.venue_id),
                alias: a.alias,
            })
            .collect(),
        corrections: state
            .store
            .recognition_corrections()
            .await?
            .into_iter()
            .map(|c| CorrectionRow {
                id: c.id,
                from: c.from_text,
                to: c.to_text,
            })
            .collect(),
        venues: venues
            .iter()
            .map(|v| VenueOption {
                id: v.id.0,
                name: v.name.clone(),
            })
            .collect(),
    };
    Ok(render(&page))
}

#[derive(serde::Deserialize)]
pub(crate) struct WordForm {
    csrf: String,
    /// add_alias, delete_alias, add_correction, delete_correction
    action: String,
    #[serde(default)]
    id: i64,
    #[serde(default)]
    venue_id: i64,
    #[serde(default)]
    text: String,
    #[serde(default)]
    to: String,
}

pub(crate) async fn words_save(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<WordForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let store = &state.store;
    let text = form.text.trim();
    match form.action.as_str() {
        "add_alias" if !text.is_empty() => {
            store
                .add_venue_alias(madoguchi_core::ids::VenueId(form.venue_id), text)
                .await?
        }
        "delete_alias" => store.delete_venue_alias(form.id).await?,
        "add_correction" if !text.is_empty() => {
            store
                .set_recognition_correction(text, form.to.trim())
                .await?
        }
        "delete_correction" => store.delete_recognition_correction(form.id).await?,
        _ => {}
    }
    staff
        .log(&state, "call.words", &form.action, AccessResult::Ok)
        .await;
    Ok(Redirect::to("/admin/calls/words").into_response())
}
