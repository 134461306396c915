//! `/healthz` (the process answers) and `/readyz` (it can serve: the
//! database answers, its migrations are current, and whatever the binary
//! adds — the phone's speech engines — is loaded).

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// A check the binary adds to `/readyz`: `Some(reason)` while not ready.
/// Called on every probe, so it must be cheap (read a flag).
pub type ReadinessCheck = Arc<dyn Fn() -> Option<String> + Send + Sync>;

pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// 200 `ok`, or 503 with one short plain line per reason.
pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    let mut reasons = Vec::new();
    if let Err(e) = state.store.readiness().await {
        reasons.push(e.to_string());
    }
    reasons.extend(state.readiness.iter().filter_map(|check| check()));
    if reasons.is_empty() {
        "ok".into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {}", reasons.join("; ")),
        )
            .into_response()
    }
}
