//! Per-client rate limits, and the slow-down for failed booking look-ups
//! that keeps anyone from trying reservation numbers one after another.
//!
//! State is per process. Behind a load balancer each instance limits on its
//! own, which still bounds a client to (instances × limit).

use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    /// Sustained requests per minute per client address.
    pub per_minute: u32,
    /// Requests a client may send in a burst.
    pub burst: u32,
    /// Leave loopback clients alone (tests and benchmarks on the machine).
    pub exempt_loopback: bool,
    /// Failed look-ups after which each further attempt is slowed down.
    pub lookup_failures_before_delay: u32,
    /// Failed look-ups after which look-ups are refused for the window.
    pub lookup_failures_lockout: u32,
    /// How long failed look-ups are remembered.
    pub lookup_window: Duration,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            per_minute: 300,
            burst: 120,
            exempt_loopback: false,
            lookup_failures_before_delay: 3,
            lookup_failures_lockout: 10,
            lookup_window: Duration::from_secs(15 * 60),
        }
    }
}

/// The address a request came from, as the rate limits see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

struct Bucket {
    tokens: f64,
    at: Instant,
}

struct Failures {
    count: u32,
    since: Instant,
}

pub struct Limits {
    config: RateLimitConfig,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
    failures: Mutex<HashMap<IpAddr, Failures>>,
}

/// Entries kept before stale ones are swept.
const SWEEP_AT: usize = 50_000;

impl Limits {
    pub fn new(config: RateLimitConfig) -> Self {
        Self {
            config,
            buckets: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn exempt(&self, ip: IpAddr) -> bool {
        self.config.exempt_loopback && ip.is_loopback()
    }

    /// Takes one token for `ip`; false when the client is over its limit.
    fn take(&self, ip: IpAddr) -> bool {
        if self.exempt(ip) {
            return true;
        }
        let now = Instant::now();
        let rate = f64::from(self.config.per_minute) / 60.0;
        let burst = f64::from(self.config.burst.max(1));
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        if buckets.len() > SWEEP_AT {
            buckets.retain(|_, b| now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Before a look-up: how long to hold this client back, or `None` when
    /// it has failed too often and must wait for the window to pass.
    pub fn lookup_delay(&self, ip: IpAddr) -> Option<Duration> {
        if self.exempt(ip) {
            return Some(Duration::ZERO);
        }
        let Ok(mut failures) = self.failures.lock() else {
            return Some(Duration::ZERO);
        };
        let window = self.config.lookup_window;
        let count = match failures.get(&ip) {
            Some(f) if f.since.elapsed() < window => f.count,
            Some(_) => {
                failures.remove(&ip);
                0
            }
            None => 0,
        };
        if count >= self.config.lookup_failures_lockout {
            return None;
        }
        let over = count.saturating_sub(self.config.lookup_failures_before_delay);
        Some(if count >= self.config.lookup_failures_before_delay {
            Duration::from_millis(500u64.saturating_mul(1 << over.min(4)))
        } else {
            Duration::ZERO
        })
    }

    /// After a look-up that found nothing.
    pub fn record_lookup_failure(&self, ip: IpAddr) {
        if self.exempt(ip) {
            return;
        }
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        let window = self.config.lookup_window;
        if failures.len() > SWEEP_AT {
            failures.retain(|_, f| f.since.elapsed() < window);
        }
        let entry = failures.entry(ip).or_insert(Failures {
            count: 0,
            since: Instant::now(),
        });
        if entry.since.elapsed() >= window {
            *entry = Failures {
                count: 0,
                since: Instant::now(),
            };
        }
        entry.count += 1;
    }

    /// Waits out the look-up delay for `ip`, or refuses.
    pub async fn before_lookup(&self, ip: IpAddr) -> Result<(), crate::AppError> {
        match self.lookup_delay(ip) {
            None => Err(crate::AppError::TooManyRequests),
            Some(delay) if delay.is_zero() => Ok(()),
            Some(delay) => {
                tokio::time::sleep(delay).await;
                Ok(())
            }
        }
    }
}

fn client_ip(request: &Request, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for {
        // The proxy appends the address it saw; the last entry is the one
        // it vouches for.
        let forwarded = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Middleware: identifies the client and applies the request rate limit.
pub async fn rate_limit(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&request, state.config.trust_forwarded_for);
    request.extensions_mut().insert(ClientIp(ip));
    if state.limits.take(ip) {
        return next.run(request).await;
    }
    tracing::warn!(client = %ip, path = request.uri().path(), "rate limited");
    let mut response = if request.uri().path().starts_with("/api/") {
        crate::api::json_error(
            StatusCode::TOO_MANY_REQUESTS,
            crate::AppError::TooManyRequests.message_ja(),
        )
    } else {
        crate::AppError::TooManyRequests.into_response()
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
    response
}

impl AppState {
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::new(RateLimitConfig {
            per_minute: 60,
            burst: 3,
            ..RateLimitConfig::default()
        })
    }

    #[test]
    fn a_burst_is_allowed_then_refused() {
        let l = limits();
        let ip: IpAddr = "203.0.113.5".parse().unwrap();
        assert!(l.take(ip) && l.take(ip) && l.take(ip));
        assert!(!l.take(ip));
        // Another client is not affected.
        assert!(l.take("203.0.113.6".parse().unwrap()));
    }

    #[test]
    fn loopback_is_exempt_only_when_configured() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let strict = limits();
        assert!((0..10).filter(|_| strict.take(ip)).count() == 3);
        let lenient = Limits::new(RateLimitConfig {
            burst: 1,
            exempt_loopback: true,
            ..RateLimitConfig::default()
        });
        assert!((0..10).all(|_| lenient.take(ip)));
    }

    #[test]
    fn failed_lookups_slow_down_then_lock_out() {
        let l = limits();
        let ip: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(l.lookup_delay(ip), Some(Duration::ZERO));
        for _ in 0..3 {
            l.record_lookup_failure(ip);
        }
        assert_eq!(l.lookup_delay(ip), Some(Duration::from_millis(500)));
        l.record_lookup_failure(ip);
        assert_eq!(l.lookup_delay(ip), Some(Duration::from_millis(1000)));
        for _ in 0..6 {
            l.record_lookup_failure(ip);
        }
        assert_eq!(l.lookup_delay(ip), None);
    }
}
