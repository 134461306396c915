//! `GET /admin/calls/{id}/audio/{seq}`: one turn's recording.

use crate::AppState;
use crate::admin::{AdminError, Staff};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use madoguchi_core::staff::Role;
use madoguchi_store::{AccessResult, CallId};
use std::collections::HashMap;

/// One turn's recording (WAV): played in the transcript page, or
/// downloaded with `?download=1`. The caller's voice is personal data: the
/// same role as the transcript, and every fetch is access-logged.
pub(crate) async fn turn_audio(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, seq)): Path<(i64, i64)>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Result<Response, AdminError> {
    use axum::http::header;
    staff.require(Role::Staff)?;
    let target = format!("call:{id} turn:{seq}");
    let Some(wav) = state.store.call_audio(CallId(id), seq).await? else {
        staff
            .log(&state, "call.audio", &target, AccessResult::Failed)
            .await;
        return Err(AdminError::App(crate::AppError::NotFound));
    };
    staff
        .log(&state, "call.audio", &target, AccessResult::Ok)
        .await;
    let disposition = if query.contains_key("download") {
        format!("attachment; filename=\"call-{id}-turn-{seq}.wav\"")
    } else {
        "inline".to_owned()
    };
    Ok((
        [
            (header::CONTENT_TYPE, "audio/wav".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        wav,
    )
        .into_response())
}
