//! Madoguchi's HTTP side: the citizen pages, the JSON API, and what guards
//! them (CSRF tokens, rate limits, security headers).
//!
//! [`app`] builds the whole router; the binary only binds a port, and tests
//! call `app` directly.

mod access;
mod admin;
mod api;
mod citizen;
mod error;
mod headers;
mod health;
mod idempotency;
mod limits;
mod metrics;
mod read_cache;
mod session;
mod views;

pub use admin::AdminConfig;
pub use admin::password::{
    hash_password_blocking as hash_password, verify_password_blocking as verify_password,
};
pub use error::AppError;
pub use health::ReadinessCheck;
pub use limits::RateLimitConfig;

use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderValue, header};
use axum_extra::extract::cookie::Key;
use madoguchi_core::Clock;
use madoguchi_store::Store;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// Settings of the web side that come from the deployment, not the city.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    pub rate_limit: RateLimitConfig,
    /// Take the client address from `X-Forwarded-For` (behind a trusted
    /// reverse proxy only).
    pub trust_forwarded_for: bool,
    /// Mark cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// Which notification channels are configured, for the admin console.
    pub notify: madoguchi_notify::admin::NotifyStatus,
    /// Admin console sessions and lock-out.
    pub admin: AdminConfig,
}

/// Everything a handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<WebConfig>,
    cookie_key: Key,
    limits: Arc<limits::Limits>,
    availability: Arc<read_cache::AvailabilityCache>,
    metrics: metrics::SharedMetrics,
    /// Checks the binary adds to `/readyz` (the phone's engines).
    readiness: Vec<ReadinessCheck>,
    ready_cache: Arc<health::ReadyCache>,
}

impl AppState {
    /// `cookie_secret` must be at least 64 bytes; every instance of one
    /// deployment uses the same (the store keeps it).
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: WebConfig,
        cookie_secret: &[u8],
    ) -> Result<Self, AppError> {
        let cookie_key = Key::try_from(cookie_secret)
            .map_err(|_| AppError::internal("cookie secret shorter than 64 bytes"))?;
        let limits = Arc::new(limits::Limits::new(config.rate_limit.clone()));
        let metrics = Arc::new(metrics::Metrics::new(&store));
        Ok(Self {
            store,
            clock,
            config: Arc::new(config),
            cookie_key,
            limits,
            availability: Arc::default(),
            metrics,
            readiness: Vec::new(),
            ready_cache: Arc::default(),
        })
    }

    /// Adds a check to `/readyz`.
    pub fn with_readiness(mut self, check: ReadinessCheck) -> Self {
        self.readiness.push(check);
        self
    }
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Key {
        state.cookie_key.clone()
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    app_with(state, Router::new())
}

/// The whole application with `extra` routes (the phone's Twilio
/// entrance) merged in *under* the outermost layers, so that they get the
/// security headers, the body limit and the error log like every page. A
/// router merged after [`app`] would miss them: layers wrap only the routes
/// present when they are added.
pub fn app_with(state: AppState, extra: Router) -> Router {
    let static_files = Router::new()
        .route("/static/style.css", axum::routing::get(views::stylesheet))
        .route("/static/admin.css", axum::routing::get(admin::stylesheet))
        .route("/static/print.js", axum::routing::get(views::print_script))
        .route("/favicon.ico", axum::routing::get(views::favicon))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        ));
    Router::new()
        .merge(citizen::routes())
        .nest("/api/v1", api::routes())
        .nest(
            "/admin",
            admin::routes()
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    admin::log_denials,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    admin::verify_flash,
                )),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::rate_limit,
        ))
        .merge(static_files)
        .merge(extra.with_state::<AppState>(()))
        .route("/healthz", axum::routing::get(health::healthz))
        .route("/readyz", axum::routing::get(health::readyz))
        .fallback(error::not_found)
        // Inside the routes, where the route template is known.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(64 * 1024))
        .layer(axum::middleware::from_fn(error::log_internal_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .with_state(state)
}

/// The metrics endpoint (`GET /metrics`, Prometheus text format) and
/// `/readyz`, for a listener of their own that only the monitoring
/// reaches (`[metrics] listen`): the public application never serves
/// `/metrics`. `state` must be the public application's, whose requests
/// it reports.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(metrics::scrape))
        .route("/readyz", axum::routing::get(health::readyz))
        .route("/healthz", axum::routing::get(health::healthz))
        .with_state(state)
}
