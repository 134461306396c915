//! The signed-in user's own account: change the password, and turn the
//! second factor (TOTP) on or off.

use super::{AdminError, AdminLayout, Staff, password, totp};
use crate::AppState;
use crate::views::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use madoguchi_core::staff::{PASSWORD_MIN_CHARS, check_password};
use madoguchi_store::AccessResult;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin/account.html")]
struct AccountPage {
    layout: AdminLayout,
    min_chars: usize,
    password_error: String,
    totp_enabled: bool,
    /// Set while a secret is being set up: shown as text and as a URI.
    pending_secret: String,
    pending_uri: String,
    code_error: String,
}

#[derive(Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    done: String,
}

fn flash(done: &str) -> &'static str {
    match done {
        "password" => "パスワードを変更しました。ほかの端末のサインインは終了しました。",
        "totp-on" => {
            "確認コード（2段階認証）を有効にしました。次回のサインインから確認コードを入力します。"
        }
        "totp-off" => "確認コード（2段階認証）を無効にしました。",
        _ => "",
    }
}

async fn render_page(
    state: &AppState,
    staff: &Staff,
    flash_text: &str,
    password_error: String,
    code_error: String,
) -> Result<Response, AdminError> {
    let user = state
        .store
        .find_staff_user(staff.user_id)
        .await?
        .ok_or(AdminError::SignIn {
            next: String::new(),
        })?;
    let pending_secret = user.totp_pending.clone().unwrap_or_default();
    let settings = state.store.settings().await?;
    let page = AccountPage {
        layout: AdminLayout::new(staff, "自分のアカウント", "/admin/account")
            .with_flash(flash_text),
        min_chars: PASSWORD_MIN_CHARS,
        password_error,
        totp_enabled: user.totp_secret.is_some(),
        pending_uri: if pending_secret.is_empty() {
            String::new()
        } else {
            totp::otpauth_uri(
                &pending_secret,
                &staff.login,
                &format!("{} 窓口予約", settings.city.name),
            )
        },
        pending_secret: totp::grouped(&pending_secret),
        code_error,
    };
    Ok(render(&page))
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(done): Query<Done>,
) -> Result<Response, AdminError> {
    render_page(
        &state,
        &staff,
        flash(&done.done),
        String::new(),
        String::new(),
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AdminError> {
    staff.check_csrf(&form.csrf)?;
    let user = state
        .store
        .find_staff_user(staff.user_id)
        .await?
        .ok_or(AdminError::SignIn {
            next: String::new(),
        })?;
    let error = if !password::verify_password(user.password_hash.clone(), form.current).await {
        "今のパスワードが正しくありません。".to_owned()
    } else if form.new != form.confirm {
        "新しいパスワードが確認欄と一致しません。".to_owned()
    } else if let Err(e) = check_password(&staff.login, &form.new) {
        e.message_ja().to_owned()
    } else {
        String::new()
    };
    if !error.is_empty() {
        staff
            .log(
                &state,
                "account.password",
                &format!("user:{}", staff.user_id),
                AccessResult::Failed,
            )
            .await;
        return render_page(&state, &staff, "", error, String::new()).await;
    }
    let hash = password::hash_password(form.new).await?;
    state
        .store
        .set_staff_password(staff.user_id, &hash, Some(&staff.token), state.clock.now())
        .await
        .map_err(|e| AdminError::App(crate::AppError::internal(e.to_string())))?;
    staff
        .log(
            &state,
            "account.password",
            &format!("user:{}", staff.user_id),
            AccessResult::Ok,
        )
        .await;
    Ok(Redirect::to("/admin/account?done=password").into_response())
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Creates a secret to set up in an authenticator app (not active yet).
pub(crate) async fn start_totp(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AdminError> {
    staff.check_csrf(&form.csrf)?;
    state
        .store
        .set_totp_pending(staff.user_id, Some(&totp::new_secret()))
        .await?;
    Ok(Redirect::to("/admin/account#totp").into_response())
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// Turns the second factor on once a code from the app matches.
pub(crate) async fn confirm_totp(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<CodeForm>,
) -> Result<Response, AdminError> {
    staff.check_csrf(&form.csrf)?;
    let target = format!("user:{}", staff.user_id);
    let user = state
        .store
        .find_staff_user(staff.user_id)
        .await?
        .ok_or(AdminError::SignIn {
            next: String::new(),
        })?;
    let now = state.clock.now();
    let step = user
        .totp_pending
        .as_deref()
        .and_then(|secret| totp::check(secret, &form.code, now));
    let Some(step) = step else {
        staff
            .log(&state, "account.totp.enable", &target, AccessResult::Failed)
            .await;
        let message =
            "確認コードが正しくありません。アプリに表示されている新しいコードを入力してください。";
        return render_page(&state, &staff, "", String::new(), message.to_owned()).await;
    };
    state.store.confirm_totp(staff.user_id, step, now).await?;
    staff
        .log(&state, "account.totp.enable", &target, AccessResult::Ok)
        .await;
    Ok(Redirect::to("/admin/account?done=totp-on").into_response())
}

pub(crate) async fn disable_totp(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AdminError> {
    staff.check_csrf(&form.csrf)?;
    state
        .store
        .disable_totp(staff.user_id, state.clock.now())
        .await?;
    staff
        .log(
            &state,
            "account.totp.disable",
            &format!("user:{}", staff.user_id),
            AccessResult::Ok,
        )
        .await;
    Ok(Redirect::to("/admin/account?done=totp-off").into_response())
}
