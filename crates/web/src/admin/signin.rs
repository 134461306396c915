//! Signing in (password, then a TOTP code when the account has one) and out.
//!
//! Every failure gives the same message, whatever the cause (unknown name,
//! wrong password, locked or disabled account), so the page tells nobody
//! which accounts exist. A wrong name costs the same time as a wrong
//! password. Failures count per account (lock-out) and per address and
//! account (the sign-in limiter, apart from the look-up one).

use super::auth::{self, AdminError, current_session, remove_session_cookie, session_cookie};
use super::{password, safe_admin_next, totp};
use crate::limits::{ClientIp, Guard};
use crate::views::render;
use crate::{AppError, AppState, access, session};
use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::{CookieJar, Form, PrivateCookieJar};
use madoguchi_core::staff::Login;
use madoguchi_store::AccessResult;
use serde::Deserialize;

const FAILED: &str = "サインインできませんでした。ユーザー名とパスワードをご確認ください。続けて間違えた場合は、しばらく時間をおいてからお試しください。";
const CODE_FAILED: &str =
    "確認コードが正しくありません。認証アプリに表示されている新しいコードを入力してください。";

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    title: &'static str,
    csrf: String,
    next: String,
    login: String,
    notice: &'static str,
    error: &'static str,
    totp: bool,
}

impl LoginPage {
    fn password(csrf: String, next: String) -> Self {
        Self {
            title: "管理画面へのサインイン",
            csrf,
            next,
            login: String::new(),
            notice: "",
            error: "",
            totp: false,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    signed_out: Option<String>,
}

pub(crate) async fn form(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
    Query(query): Query<LoginQuery>,
) -> Response {
    let (jar, csrf) = session::csrf_token(jar, state.config.secure_cookies);
    let mut page = LoginPage::password(csrf, safe_admin_next(&query.next));
    if query.signed_out.is_some() {
        page.notice = "サインアウトしました。";
    }
    (jar, render(&page)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    private: PrivateCookieJar,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AdminError> {
    if session::check_csrf(&private, &form.csrf).is_err() {
        access::record(
            &state,
            "anonymous",
            "admin.signin",
            "",
            ip,
            AccessResult::Denied,
        )
        .await;
        return Err(AppError::Forbidden("admin sign-in CSRF").into());
    }
    let next = safe_admin_next(&form.next);
    let mut page = LoginPage::password(form.csrf.clone(), next.clone());
    page.login = form.login.trim().to_owned();
    page.error = FAILED;
    let now = state.clock.now();
    let admin = &state.config.admin;

    let Ok(attempt) = state
        .limits()
        .begin(Guard::SignIn, ip, &page.login.to_lowercase())
        .await
    else {
        access::record(
            &state,
            "anonymous",
            "admin.signin",
            "",
            ip,
            AccessResult::Denied,
        )
        .await;
        return Ok(render(&page));
    };

    let user = match Login::parse(&form.login) {
        Ok(login) => state.store.find_staff_user_by_login(&login).await?,
        Err(_) => None,
    };
    let Some(user) = user else {
        password::verify_nothing(form.password).await;
        access::record(
            &state,
            "anonymous",
            "admin.signin",
            "",
            ip,
            AccessResult::Failed,
        )
        .await;
        return Ok(render(&page));
    };
    let target = format!("user:{}", user.id);
    if user.disabled || user.is_locked(now) {
        password::verify_nothing(form.password).await;
        access::record(
            &state,
            "anonymous",
            "admin.signin",
            &target,
            ip,
            AccessResult::Denied,
        )
        .await;
        return Ok(render(&page));
    }
    if !password::verify_password(user.password_hash.clone(), form.password).await {
        let locked = state
            .store
            .record_signin_failure(user.id, admin.max_failures, admin.lock_for, now)
            .await?;
        if locked {
            tracing::warn!(user = user.id, "staff account locked after failed sign-ins");
        }
        access::record(
            &state,
            "anonymous",
            "admin.signin",
            &target,
            ip,
            AccessResult::Failed,
        )
        .await;
        return Ok(render(&page));
    }
    attempt.succeeded();
    let verified = user.totp_secret.is_none();
    if verified {
        state.store.record_signin_success(user.id).await?;
    }
    let new = state
        .store
        .create_staff_session(user.id, verified, admin.session, now)
        .await?;
    let jar = jar.add(session_cookie(new.token, state.config.secure_cookies));
    if verified {
        access::record(
            &state,
            &format!("staff:{}", user.id),
            "admin.signin",
            &target,
            ip,
            AccessResult::Ok,
        )
        .await;
        Ok((jar, Redirect::to(&next)).into_response())
    } else {
        Ok((jar, Redirect::to("/admin/login/totp")).into_response())
    }
}

pub(crate) async fn totp_form(
    State(state): State<AppState>,
    jar: CookieJar,
) -> Result<Response, AdminError> {
    match current_session(&state, &jar).await? {
        Some((session, _)) if !session.verified => {
            let page = totp_page(session.csrf, "");
            Ok(render(&page))
        }
        Some(_) => Ok(Redirect::to("/admin").into_response()),
        None => Ok(Redirect::to("/admin/login").into_response()),
    }
}

fn totp_page(csrf: String, error: &'static str) -> LoginPage {
    LoginPage {
        title: "確認コードの入力",
        csrf,
        next: String::new(),
        login: String::new(),
        notice: "",
        error,
        totp: true,
    }
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub(crate) async fn totp_submit(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, AdminError> {
    let Some((session, token)) = current_session(&state, &jar).await? else {
        return Ok(Redirect::to("/admin/login").into_response());
    };
    let user = &session.user;
    let actor = format!("staff:{}", user.id);
    let target = format!("user:{}", user.id);
    if session.verified {
        return Ok(Redirect::to("/admin").into_response());
    }
    if !auth::constant_time_eq(session.csrf.as_bytes(), form.csrf.as_bytes()) {
        return Err(AdminError::Denied {
            actor,
            message: "画面の有効期限が切れました。もう一度サインインしてください。",
        });
    }
    let Ok(attempt) = state
        .limits()
        .begin(Guard::SignIn, ip, &format!("totp:{}", user.id))
        .await
    else {
        return Ok(render(&totp_page(session.csrf, CODE_FAILED)));
    };
    let now = state.clock.now();
    let admin = &state.config.admin;
    let accepted = match user.totp_secret.as_deref() {
        Some(secret) => match totp::check(secret, &form.code, now) {
            Some(step) => state.store.use_totp_step(user.id, step).await?,
            None => false,
        },
        None => false,
    };
    if !accepted {
        let locked = state
            .store
            .record_signin_failure(user.id, admin.max_failures, admin.lock_for, now)
            .await?;
        access::record(
            &state,
            "anonymous",
            "admin.signin.totp",
            &target,
            ip,
            AccessResult::Failed,
        )
        .await;
        if locked {
            // Start again from the password, which is now refused too.
            state.store.end_staff_session(&token).await?;
            let jar = remove_session_cookie(jar);
            return Ok((jar, Redirect::to("/admin/login")).into_response());
        }
        return Ok(render(&totp_page(session.csrf, CODE_FAILED)));
    }
    attempt.succeeded();
    // A fresh token once fully signed in (no session fixation across the
    // two steps).
    state.store.end_staff_session(&token).await?;
    state.store.record_signin_success(user.id).await?;
    let new = state
        .store
        .create_staff_session(user.id, true, admin.session, now)
        .await?;
    let jar = jar.add(session_cookie(new.token, state.config.secure_cookies));
    access::record(
        &state,
        &actor,
        "admin.signin.totp",
        &target,
        ip,
        AccessResult::Ok,
    )
    .await;
    Ok((jar, Redirect::to("/admin")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// Ends this session (also a half-finished two-step sign-in).
pub(crate) async fn logout(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    jar: CookieJar,
    Form(form): Form<LogoutForm>,
) -> Result<Response, AdminError> {
    let Some((session, token)) = current_session(&state, &jar).await? else {
        return Ok(Redirect::to("/admin/login").into_response());
    };
    let actor = format!("staff:{}", session.user.id);
    if !auth::constant_time_eq(session.csrf.as_bytes(), form.csrf.as_bytes()) {
        return Err(AdminError::Denied {
            actor,
            message: "画面の有効期限が切れました。もう一度画面を開いてからサインアウトしてください。",
        });
    }
    state.store.end_staff_session(&token).await?;
    access::record(&state, &actor, "admin.signout", "", ip, AccessResult::Ok).await;
    let jar = remove_session_cookie(jar);
    Ok((jar, Redirect::to("/admin/login?signed_out=1")).into_response())
}
