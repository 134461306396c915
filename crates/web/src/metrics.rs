//! Prometheus metrics, served by [`crate::metrics_app`] on a listener of
//! its own (`[metrics] listen`, off by default): never on the public one.
//!
//! Labels carry route templates (`/bookings/{number}`), never the path
//! asked for, so no reservation number or other personal data reaches the
//! metrics.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

/// Labels of one HTTP request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    /// The route template, or `unmatched` (not found, static files).
    route: String,
    status: u16,
}

/// 1 ms to 8 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 14))
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The registry and the metrics the web side moves itself.
pub struct Metrics {
    registry: Registry,
    latency: LatencyFamily,
    outbox_messages: Gauge,
    outbox_oldest_age: Gauge<f64, AtomicU64>,
}

impl Metrics {
    /// Registers the web side's metrics and the store's counters.
    pub(crate) fn new(store: &madoguchi_store::Store) -> Self {
        let mut registry = Registry::with_prefix("madoguchi");
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status",
            latency.clone(),
        );
        let activity = store.activity().clone();
        registry.register(
            "bookings",
            "Bookings made through this instance, by channel",
            activity.bookings,
        );
        registry.register(
            "calls_in_progress",
            "Phone calls going on in this instance",
            activity.calls_in_progress,
        );
        registry.register(
            "calls_ended",
            "Phone calls ended in this instance, by outcome",
            activity.calls_ended,
        );
        registry.register(
            "call_turns_not_understood",
            "Caller turns the dialog did not understand, by step",
            activity.turns_not_understood,
        );
        registry.register(
            "call_turns_keyed",
            "Caller turns answered with the keypad, by step",
            activity.turns_keyed,
        );
        registry.register(
            "call_turn_seconds",
            "Phone: end of the caller's speech to the agent's reply on the line",
            activity.turn_seconds,
        );
        registry.register(
            "purge_runs",
            "Retention purges run by this instance",
            activity.purge_runs,
        );
        registry.register(
            "purged_bookings",
            "Bookings deleted by retention purges of this instance",
            activity.purged_bookings,
        );
        let outbox_messages = Gauge::default();
        registry.register(
            "outbox_messages",
            "SMS and email messages queued or being sent (whole deployment)",
            outbox_messages.clone(),
        );
        let outbox_oldest_age: Gauge<f64, AtomicU64> = Gauge::default();
        registry.register(
            "outbox_oldest_age_seconds",
            "Age of the oldest message waiting to be sent (0 when none)",
            outbox_oldest_age.clone(),
        );
        Self {
            registry,
            latency,
            outbox_messages,
            outbox_oldest_age,
        }
    }

    fn observe(&self, method: &Method, route: Option<&MatchedPath>, status: StatusCode, secs: f64) {
        let labels = RouteLabels {
            method: method_label(method),
            route: route.map_or_else(|| "unmatched".to_owned(), |r| r.as_str().to_owned()),
            status: status.as_u16(),
        };
        self.latency.get_or_create(&labels).observe(secs);
    }
}

/// Methods by name; anything unusual as `other` (bounded labels).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Times each request; added with `Router::layer`, so that the route
/// template is known here.
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.observe(
        &method,
        route.as_ref(),
        response.status(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`: the Prometheus text format.
pub(crate) async fn scrape(State(state): State<AppState>) -> Response {
    let metrics = &state.metrics;
    match state.store.outbox_backlog().await {
        Ok(backlog) => {
            metrics.outbox_messages.set(backlog.messages);
            let age = backlog.oldest.map_or(0.0, |oldest| {
                (state.clock.now() - oldest).num_milliseconds().max(0) as f64 / 1000.0
            });
            metrics.outbox_oldest_age.set(age);
        }
        // The counters are still worth having; the gauges keep their last value.
        Err(e) => tracing::warn!(error = %e, "metrics: outbox backlog not read"),
    }
    let mut body = String::new();
    if let Err(e) =
        prometheus_client::encoding::prometheus_text::encode(&mut body, &metrics.registry)
    {
        tracing::error!(error = %e, "metrics not encoded");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        )],
        body,
    )
        .into_response()
}

/// Shared by every clone of the state.
pub(crate) type SharedMetrics = Arc<Metrics>;
