//! What the monitoring sees: `/readyz` knows about the phone, and
//! `/metrics` is served on a listener of its own (`[metrics] listen`).

use crate::voice::Phone;
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;

/// Adds the phone's speech engines to `/readyz` when the phone is on.
pub fn with_phone_readiness(
    state: madoguchi_web::AppState,
    phone: Option<&Arc<Phone>>,
) -> madoguchi_web::AppState {
    match phone {
        Some(phone) => {
            let phone = phone.clone();
            state.with_readiness(Arc::new(move || {
                (!phone.engines_ready()).then(|| "phone: speech engines not loaded".to_owned())
            }))
        }
        None => state,
    }
}

/// Binds `listen` and serves `/metrics` (and `/readyz`, `/healthz`) there
/// in the background, for as long as the process runs.
pub async fn serve_metrics(
    listen: &str,
    state: madoguchi_web::AppState,
) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("[metrics] cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    if !address.ip().is_loopback() {
        tracing::warn!(%address, "metrics served beyond this machine: make sure only the monitoring reaches this address");
    }
    let app = madoguchi_web::metrics_app(state);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    tracing::info!(%address, "metrics at /metrics");
    Ok(address)
}
