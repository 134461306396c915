//! Who is signed in to the admin console, and what they may do.

use super::layout::AdminErrorPage;
use crate::limits::ClientIp;
use crate::{AppError, AppState, access, views};
use axum::extract::{FromRequestParts, MatchedPath, OriginalUri, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use madoguchi_core::staff::Role;
use madoguchi_store::{AccessResult, StaffSession, StoreError};
use std::net::{IpAddr, Ipv4Addr};

/// The cookie holding the session token (random; only its hash is stored).
pub(crate) const SESSION_COOKIE: &str = "madoguchi_admin";

/// A signed-in staff member. Taking it as a handler argument makes the
/// handler unreachable without a live, fully verified session: anyone else
/// is sent to the sign-in page.
#[derive(Debug, Clone)]
pub(crate) struct Staff {
    pub user_id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// The CSRF token of this session, for the hidden `csrf` field.
    pub csrf: String,
    pub ip: IpAddr,
    /// The session token (to end this session, or keep it on a password
    /// change).
    pub(crate) token: String,
}

impl Staff {
    /// The access-log actor: `staff:<user id>`.
    pub fn actor(&self) -> String {
        format!("staff:{}", self.user_id)
    }

    /// Role guard: `staff.require(Role::Staff)?;` answers 403 (and logs
    /// the denial) when the role is too low.
    pub fn require(&self, role: Role) -> Result<(), AdminError> {
        if self.role.allows(role) {
            Ok(())
        } else {
            Err(AdminError::Denied {
                actor: self.actor(),
                message: "この操作を行う権限がありません。必要な場合は管理者に依頼してください。",
            })
        }
    }

    /// CSRF guard for admin forms: `staff.check_csrf(&form.csrf)?;` with
    /// `<input type="hidden" name="csrf" value="{{ layout.csrf }}">` in the
    /// form.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), AdminError> {
        if constant_time_eq(self.csrf.as_bytes(), submitted.as_bytes()) {
            Ok(())
        } else {
            Err(AdminError::Denied {
                actor: self.actor(),
                message: "画面の有効期限が切れたか、別の画面から送信されました。もう一度画面を開いてから操作してください。",
            })
        }
    }

    /// Records a use of a staff function in the access log:
    /// `staff.log(&state, "booking.cancel", &format!("booking:{no}"), AccessResult::Ok).await;`
    pub async fn log(&self, state: &AppState, function: &str, target: &str, result: AccessResult) {
        access::record(state, &self.actor(), function, target, self.ip, result).await;
    }

    pub(crate) fn from_session(session: StaffSession, token: String, ip: IpAddr) -> Self {
        Staff {
            user_id: session.user.id,
            login: session.user.login.as_str().to_owned(),
            name: session.user.display_name,
            role: session.user.role,
            csrf: session.csrf,
            ip,
            token,
        }
    }
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn client_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ClientIp>()
        .map(|ClientIp(ip)| *ip)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The session cookie: HttpOnly, SameSite=Strict, `Secure` when
/// configured, scoped to `/admin`.
pub(crate) fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .build()
}

pub(crate) fn remove_session_cookie(jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build(SESSION_COOKIE).path("/admin"))
}

/// The session behind the cookie, verified or not.
pub(crate) async fn current_session(
    state: &AppState,
    jar: &CookieJar,
) -> Result<Option<(StaffSession, String)>, StoreError> {
    let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let policy = state.config.admin.session;
    Ok(state
        .store
        .staff_session(&token, policy, state.clock.now())
        .await?
        .map(|s| (s, token)))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AdminError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let ip = client_ip(parts);
        let next = if parts.method == Method::GET {
            // The URI as the browser sent it (the nested router strips
            // `/admin` from `parts.uri`).
            parts
                .extensions
                .get::<OriginalUri>()
                .and_then(|OriginalUri(uri)| uri.path_and_query())
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default()
        } else {
            String::new()
        };
        match current_session(state, &jar).await? {
            Some((session, token)) if session.verified => {
                Ok(Staff::from_session(session, token, ip))
            }
            Some(_) => Err(AdminError::SecondFactor),
            None => Err(AdminError::SignIn { next }),
        }
    }
}

/// What admin handlers return on failure.
#[derive(Debug)]
pub(crate) enum AdminError {
    /// No live session: to the sign-in page, then back to `next`.
    SignIn {
        next: String,
    },
    /// Signed in with a password, second factor still owed.
    SecondFactor,
    /// Not allowed (role, CSRF): 403 with a Japanese page; logged in the
    /// access log by [`log_denials`].
    Denied {
        actor: String,
        message: &'static str,
    },
    App(AppError),
}

impl From<AppError> for AdminError {
    fn from(e: AppError) -> Self {
        AdminError::App(e)
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        AdminError::App(e.into())
    }
}

impl From<askama::Error> for AdminError {
    fn from(e: askama::Error) -> Self {
        AdminError::App(e.into())
    }
}

/// Marks a denied response for [`log_denials`].
#[derive(Clone)]
struct DeniedBy(String);

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        match self {
            AdminError::SignIn { next } => {
                let target = if super::is_admin_path(&next) && next != "/admin" {
                    format!("/admin/login?next={}", super::urlencode(&next))
                } else {
                    "/admin/login".to_owned()
                };
                Redirect::to(&target).into_response()
            }
            AdminError::SecondFactor => Redirect::to("/admin/login/totp").into_response(),
            AdminError::Denied { actor, message } => {
                let page = AdminErrorPage {
                    title: "操作できません",
                    message,
                };
                let mut response = (StatusCode::FORBIDDEN, views::render(&page)).into_response();
                response.extensions_mut().insert(DeniedBy(actor));
                response
            }
            AdminError::App(e) => e.into_response(),
        }
    }
}

/// Middleware on the admin routes: every 403 answered by a guard becomes an
/// access-log entry `admin.denied` with the route as target.
pub(crate) async fn log_denials(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let route = format!(
        "{} {}",
        request.method(),
        request
            .extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| request.uri().path().to_owned())
    );
    let ip = request
        .extensions()
        .get::<ClientIp>()
        .map(|ClientIp(ip)| *ip)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let response = next.run(request).await;
    if let Some(DeniedBy(actor)) = response.extensions().get::<DeniedBy>() {
        access::record(
            &state,
            actor,
            "admin.denied",
            &route,
            ip,
            AccessResult::Denied,
        )
        .await;
    }
    response
}
