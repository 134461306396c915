//! Errors at the HTTP edge: what the client sees (a status and a plain
//! Japanese message) kept apart from what is logged (the cause).

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use madoguchi_store::{BookingError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("too many requests")]
    TooManyRequests,
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(detail: impl Into<String>) -> Self {
        AppError::Internal(detail.into())
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to residents.
    pub fn message_ja(&self) -> &'static str {
        match self {
            AppError::NotFound => "お探しのページが見つかりません。",
            AppError::BadRequest(_) => {
                "送信された内容を読み取れませんでした。もう一度お試しください。"
            }
            AppError::Forbidden(_) => {
                "ページの有効期限が切れました。お手数ですが、もう一度最初からお試しください。"
            }
            AppError::TooManyRequests => {
                "アクセスが集中しているか、短い時間に何度も操作が行われました。しばらく待ってから、もう一度お試しください。"
            }
            AppError::Internal(_) => {
                "システムで問題が起きました。時間をおいてもう一度お試しいただくか、市の専用ダイヤルへお電話ください。"
            }
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<BookingError> for AppError {
    fn from(e: BookingError) -> Self {
        match e {
            BookingError::SlotNotFound | BookingError::NotFound => AppError::NotFound,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

/// The internal cause of a 500, carried to the logging middleware.
#[derive(Clone)]
struct InternalCause(String);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = crate::views::error_page(status, self.message_ja());
        if let AppError::Internal(cause) = self {
            response.extensions_mut().insert(InternalCause(cause));
        }
        response
    }
}

/// Logs each internal error once, with its cause, and never sends the cause
/// to the client.
pub async fn log_internal_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if let Some(InternalCause(cause)) = response.extensions().get::<InternalCause>() {
        tracing::error!(%path, %cause, "request failed");
    }
    response
}

pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::api::json_error(
            StatusCode::NOT_FOUND,
            "見つかりません。URLをご確認ください。",
        );
    }
    AppError::NotFound.into_response()
}
