//! Per-client rate limits, and the slow-down and lock-out for failed
//! booking look-ups and staff sign-ins that keep anyone from trying
//! reservation numbers or passwords one after another.
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
    /// Failed attempts (per guard, address and target) after which each
    /// further attempt is slowed down.
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
    failures: Mutex<HashMap<FailureKey, Failures>>,
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

    /// Starts a guarded attempt of `guard` by `ip` at `target` (the
    /// reservation number looked up, the login signing in). The attempt is
    /// counted as a failure *before* it is answered, so concurrent attempts
    /// can never get past the lock-out count; [`Attempt::succeeded`] takes
    /// it back. Waits out the slow-down, or refuses when locked out.
    ///
    /// Counts are kept per guard, address and target: one client's failures
    /// never block another guard (look-ups vs sign-in), nor a look-up of
    /// another booking or a sign-in to another account from the same
    /// address (every visitor behind a proxy may share one).
    pub async fn begin(
        &self,
        guard: Guard,
        ip: IpAddr,
        target: &str,
    ) -> Result<Attempt<'_>, crate::AppError> {
        let key = FailureKey {
            guard,
            ip,
            target: target.to_owned(),
        };
        let delay = self
            .count_attempt(&key)
            .ok_or(crate::AppError::TooManyRequests)?;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok(Attempt {
            limits: self,
            key: Some(key),
        })
    }

    /// Counts one attempt at `key` unless locked out; returns how long to
    /// hold it back (by the failures before it), or `None` when locked out.
    fn count_attempt(&self, key: &FailureKey) -> Option<Duration> {
        if self.exempt(key.ip) {
            return Some(Duration::ZERO);
        }
        let Ok(mut failures) = self.failures.lock() else {
            return Some(Duration::ZERO);
        };
        let window = self.config.lookup_window;
        if failures.len() > SWEEP_AT {
            failures.retain(|_, f| f.since.elapsed() < window);
        }
        let entry = failures.entry(key.clone()).or_insert(Failures {
            count: 0,
            since: Instant::now(),
        });
        if entry.since.elapsed() >= window {
            *entry = Failures {
                count: 0,
                since: Instant::now(),
            };
        }
        let before = entry.count;
        if before >= self.config.lookup_failures_lockout {
            return None;
        }
        entry.count += 1;
        let over = before.saturating_sub(self.config.lookup_failures_before_delay);
        Some(if before >= self.config.lookup_failures_before_delay {
            Duration::from_millis(500u64.saturating_mul(1 << over.min(4)))
        } else {
            Duration::ZERO
        })
    }

    fn forget(&self, key: &FailureKey) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(key);
        }
    }
}

/// What a counted attempt is. Each kind has its own counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Guard {
    /// A booking look-up (number + phone or birth date), web or API.
    Lookup,
    /// A staff sign-in: password or TOTP code.
    SignIn,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FailureKey {
    guard: Guard,
    ip: IpAddr,
    target: String,
}

/// An attempt counted as failed until [`Attempt::succeeded`] says otherwise
/// (dropping it keeps the count: an attempt cut short by an error still
/// counts).
#[must_use = "an attempt counts as a failure unless marked succeeded"]
pub struct Attempt<'a> {
    limits: &'a Limits,
    key: Option<FailureKey>,
}

impl Attempt<'_> {
    /// The attempt succeeded: the failures at its target are forgotten
    /// (whoever succeeds there knows the answer already).
    pub fn succeeded(mut self) {
        if let Some(key) = self.key.take() {
            self.limits.forget(&key);
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

    fn key(guard: Guard, ip: &str, target: &str) -> FailureKey {
        FailureKey {
            guard,
            ip: ip.parse().unwrap(),
            target: target.to_owned(),
        }
    }

    #[test]
    fn failed_attempts_slow_down_then_lock_out() {
        let l = limits();
        let k = key(Guard::Lookup, "198.51.100.7", "ABC1234");
        for _ in 0..3 {
            assert_eq!(l.count_attempt(&k), Some(Duration::ZERO));
        }
        assert_eq!(l.count_attempt(&k), Some(Duration::from_millis(500)));
        assert_eq!(l.count_attempt(&k), Some(Duration::from_millis(1000)));
        for _ in 0..5 {
            assert!(l.count_attempt(&k).is_some());
        }
        assert_eq!(l.count_attempt(&k), None, "the eleventh is refused");
    }

    #[test]
    fn failures_lock_only_their_own_guard_and_target() {
        let l = limits();
        let ip = "198.51.100.7";
        let k = key(Guard::Lookup, ip, "ABC1234");
        while l.count_attempt(&k).is_some() {}
        assert_eq!(
            l.count_attempt(&key(Guard::Lookup, ip, "XYZ9876")),
            Some(Duration::ZERO)
        );
        assert_eq!(
            l.count_attempt(&key(Guard::SignIn, ip, "ABC1234")),
            Some(Duration::ZERO)
        );
    }

    #[tokio::test]
    async fn a_success_forgets_the_failures_at_its_target() {
        let l = limits();
        let ip: IpAddr = "198.51.100.8".parse().unwrap();
        for _ in 0..3 {
            let failed = l.begin(Guard::SignIn, ip, "kato").await.unwrap();
            drop(failed);
        }
        l.begin(Guard::SignIn, ip, "kato")
            .await
            .unwrap()
            .succeeded();
        assert_eq!(
            l.count_attempt(&key(Guard::SignIn, "198.51.100.8", "kato")),
            Some(Duration::ZERO)
        );
    }
}
