//! How the API answers when it does not succeed: every failure is JSON,
//! `{"error": …}`, `{"errors": {field: …}}` or a 409 with alternatives.

use super::wire::{ErrorBody, Invalid, NoRoom, SlotBody};
use crate::AppError;
use crate::idempotency::IdempotencyError;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

/// `{"error": message}` with a status.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(ErrorBody {
            error: message.to_owned(),
        }),
    )
        .into_response()
}

/// Errors of the API, each with its status and JSON body.
pub(super) enum ApiError {
    App(AppError),
    Status(StatusCode, String),
    Invalid(BTreeMap<String, String>),
    NoRoom(String, Vec<SlotBody>),
}

impl ApiError {
    /// A 422 about one field.
    pub(super) fn field(field: &str, message: &str) -> Self {
        ApiError::Invalid(BTreeMap::from([(field.to_owned(), message.to_owned())]))
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl From<IdempotencyError> for ApiError {
    fn from(e: IdempotencyError) -> Self {
        let (status, message) = e.status_and_message();
        ApiError::Status(status, message.to_owned())
    }
}

impl From<madoguchi_store::StoreError> for ApiError {
    fn from(e: madoguchi_store::StoreError) -> Self {
        ApiError::App(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::App(AppError::Internal(cause)) => {
                // Keep the cause for the log, send only the message.
                let mut response = AppError::Internal(cause).into_response();
                let body = ErrorBody {
                    error: AppError::Internal(String::new()).message_ja().to_owned(),
                };
                *response.body_mut() = axum::body::Body::from(
                    serde_json::to_string(&body).unwrap_or_else(|_| "{}".to_owned()),
                );
                response.headers_mut().insert(
                    axum::http::header::CONTENT_TYPE,
                    axum::http::HeaderValue::from_static("application/json"),
                );
                response
            }
            ApiError::App(e @ AppError::NotFound) => {
                json_error(StatusCode::NOT_FOUND, e.message_ja())
            }
            ApiError::App(e @ AppError::TooManyRequests) => {
                json_error(StatusCode::TOO_MANY_REQUESTS, e.message_ja())
            }
            ApiError::App(e) => json_error(StatusCode::BAD_REQUEST, e.message_ja()),
            ApiError::Status(status, message) => json_error(status, &message),
            ApiError::Invalid(errors) => {
                (StatusCode::UNPROCESSABLE_ENTITY, Json(Invalid { errors })).into_response()
            }
            ApiError::NoRoom(error, alternatives) => (
                StatusCode::CONFLICT,
                Json(NoRoom {
                    error,
                    alternatives,
                }),
            )
                .into_response(),
        }
    }
}

/// A JSON body whose rejection (malformed JSON, wrong content type) is a
/// clear 400 in the API's shape instead of axum's plain text.
pub(super) struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => {
                let message = match rejection {
                    JsonRejection::MissingJsonContentType(_) => {
                        "Content-Type: application/json で送信してください。"
                    }
                    JsonRejection::JsonSyntaxError(_) => "JSONの形式が正しくありません。",
                    JsonRejection::JsonDataError(_) => "JSONの項目の型が正しくありません。",
                    _ => "リクエストを読み取れませんでした。",
                };
                Err(json_error(StatusCode::BAD_REQUEST, message))
            }
        }
    }
}
