//! `/healthz` (the process answers) and `/readyz` (it can serve: the
//! database answers, its migrations are current, and whatever the binary
//! adds — the phone's speech engines — is loaded).

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a good answer from the database is reused: `/readyz` sits
/// outside the rate limits (a load balancer must never be refused), so a
/// flood of probes costs one query a second at most.
const REUSE_READY: Duration = Duration::from_secs(1);

/// When the database last answered ready.
#[derive(Debug, Default)]
pub(crate) struct ReadyCache(Mutex<Option<Instant>>);

impl ReadyCache {
    fn fresh(&self) -> bool {
        self.0
            .lock()
            .map(|at| at.is_some_and(|at| at.elapsed() < REUSE_READY))
            .unwrap_or(false)
    }

    fn note_ready(&self) {
        if let Ok(mut at) = self.0.lock() {
            *at = Some(Instant::now());
        }
    }
}

/// A check the binary adds to `/readyz`: `Some(reason)` while not ready.
/// Called on every probe, so it must be cheap (read a flag).
pub type ReadinessCheck = Arc<dyn Fn() -> Option<String> + Send + Sync>;

pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// 200 `ok`, or 503 with one short plain line per reason.
pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    let mut reasons = Vec::new();
    if !state.ready_cache.fresh() {
        match state.store.readiness().await {
            Ok(()) => state.ready_cache.note_ready(),
            Err(e) => reasons.push(e.to_string()),
        }
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
