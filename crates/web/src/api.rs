//! The JSON API for the city website, partners and tests. Described by the
//! OpenAPI document served at `/api/v1/openapi.json`. Ids are opaque; times
//! are RFC 3339 in Japan time.

use crate::idempotency::{IdempotencyError, IdempotencyKey};
use crate::limits::{ClientIp, Guard};
use crate::{AppError, AppState};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use madoguchi_core::JST;
use madoguchi_core::booking::{ApplicantForm, Booking, Channel};
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::ids::{SlotId, VenueId};
use madoguchi_core::reservation_no::ReservationNo;
use madoguchi_store::{Actor, BookingError, NewBooking, Slot};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/venues", get(venues))
        .route("/venues/{venue_id}/availability", get(availability))
        .route("/bookings", post(create_booking))
        .route("/bookings/{reservation_no}", get(get_booking))
        .route("/bookings/{reservation_no}/cancel", post(cancel_booking))
        .route("/bookings/{reservation_no}/change", post(change_booking))
}

/// `{"error": message}` with a status.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// Errors of the API, each with its status and JSON body.
enum ApiError {
    App(AppError),
    Status(StatusCode, String),
    Invalid(Value),
    NoRoom(String, Vec<Value>),
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
                *response.body_mut() = axum::body::Body::from(
                    json!({ "error": AppError::Internal(String::new()).message_ja() }).to_string(),
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
            ApiError::Invalid(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "errors": errors })),
            )
                .into_response(),
            ApiError::NoRoom(message, alternatives) => (
                StatusCode::CONFLICT,
                Json(json!({ "error": message, "alternatives": alternatives })),
            )
                .into_response(),
        }
    }
}

/// A JSON body whose rejection (malformed JSON, wrong content type) is a
/// clear 400 in the API's shape instead of axum's plain text.
struct ApiJson<T>(T);

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

fn rfc3339(at: DateTime<Utc>) -> String {
    at.with_timezone(&JST).to_rfc3339()
}

fn slot_json(slot: &Slot, remaining: i64) -> Value {
    json!({
        "id": slot.id.0,
        "venue_id": slot.venue_id.0,
        "start": rfc3339(slot.starts_at),
        "end": rfc3339(slot.ends_at()),
        "capacity": slot.capacity,
        "remaining": remaining,
    })
}

fn booking_json(booking: &Booking, venue_name: Option<&str>) -> Value {
    json!({
        "reservation_no": booking.reservation_no.as_str(),
        "status": booking.status.as_str(),
        "venue_id": booking.venue_id.0,
        "venue_name": venue_name,
        "slot_id": booking.slot_id.0,
        "start": rfc3339(booking.starts_at()),
        "end": rfc3339(booking.ends_at()),
        "party_size": booking.applicant.party_size.get(),
    })
}

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
        .into_response()
}

async fn venues(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let venues = state.store.venues(false).await?;
    Ok(Json(Value::Array(
        venues
            .iter()
            .map(|v| {
                json!({
                    "id": v.id.0,
                    "code": v.code,
                    "name": v.name,
                    "kana": v.kana,
                    "address": v.address,
                    "phone": v.phone,
                    "note": v.note,
                })
            })
            .collect(),
    )))
}

#[derive(Deserialize)]
struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// Longest range one availability request may cover.
const MAX_RANGE_DAYS: i64 = 92;

fn json_bytes(bytes: axum::body::Bytes) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response()
}

async fn availability(
    State(state): State<AppState>,
    Path(venue_id): Path<String>,
    Query(range): Query<RangeQuery>,
) -> Result<Response, ApiError> {
    let venue_id: VenueId = venue_id.parse().map_err(|_| AppError::NotFound)?;
    let mut errors = serde_json::Map::new();
    let mut parse = |field: &str, value: &Option<String>| match value.as_deref() {
        None | Some("") => None,
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                errors.insert(
                    field.to_owned(),
                    json!("日付は YYYY-MM-DD の形式で指定してください。"),
                );
                None
            }
        },
    };
    let from = parse("from", &range.from);
    let to = parse("to", &range.to);
    if !errors.is_empty() {
        return Err(ApiError::Invalid(Value::Object(errors)));
    }
    // The common question (a venue, given days) answered from memory first.
    if let (Some(first), Some(last)) = (from, to)
        && let Some(cached) = state
            .availability
            .get(&(venue_id, first, last), state.store.write_generation())
    {
        return Ok(json_bytes(cached));
    }
    let venue = state
        .store
        .find_venue(venue_id)
        .await?
        .filter(|v| v.enabled)
        .ok_or(AppError::NotFound)?;
    let settings = state.store.settings().await?;
    let now = state.clock.now();
    let window = venue.window_or(&settings.window);
    let bookable = window.bookable_range(&settings.period, now);
    let (Some(first), Some(last)) = (from.or(bookable.map(|r| r.0)), to.or(bookable.map(|r| r.1)))
    else {
        return Ok(Json(json!({ "venue_id": venue_id.0, "slots": [] })).into_response());
    };
    if last < first || (last - first).num_days() > MAX_RANGE_DAYS {
        return Err(ApiError::Invalid(json!({
            "to": format!("期間は from 以降、{MAX_RANGE_DAYS}日以内で指定してください。")
        })));
    }
    let key = (venue_id, first, last);
    // Asked once per request: a miss on an aged answer makes this request
    // the one that refreshes it.
    if (from.is_none() || to.is_none())
        && let Some(cached) = state.availability.get(&key, state.store.write_generation())
    {
        return Ok(json_bytes(cached));
    }
    let generation = state.store.write_generation();
    let slots: Vec<Value> = state
        .store
        .slots_between(venue_id, first, last)
        .await?
        .iter()
        .filter(|s| window.is_bookable(&settings.period, s.date, now))
        .filter_map(|s| {
            let remaining = settings.seats.remaining(&s.seats(), Channel::Web, now);
            (remaining > 0).then(|| slot_json(s, remaining))
        })
        .collect();
    let bytes = axum::body::Bytes::from(
        serde_json::to_vec(&json!({ "venue_id": venue_id.0, "slots": slots }))
            .map_err(|e| AppError::internal(format!("json: {e}")))?,
    );
    state.availability.put(key, generation, bytes.clone());
    Ok(json_bytes(bytes))
}

/// An id given as a JSON number or string.
fn parse_id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A field given as a JSON string or number, as the form would carry it.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

#[derive(Deserialize)]
struct BookingRequest {
    #[serde(default)]
    slot_id: Value,
    #[serde(default)]
    party_size: Value,
    #[serde(default)]
    name: Value,
    #[serde(default)]
    name_kana: Value,
    #[serde(default)]
    birth_date: Value,
    #[serde(default)]
    phone: Value,
    #[serde(default)]
    email: Value,
    #[serde(default)]
    notify: Value,
}

async fn alternatives_json(
    state: &AppState,
    slot: &Slot,
    party: i64,
) -> Result<Vec<Value>, ApiError> {
    let offered = state
        .store
        .alternatives_to(slot, party, Channel::Web, state.clock.now())
        .await?;
    Ok(offered
        .iter()
        .map(|(s, remaining)| slot_json(s, *remaining))
        .collect())
}

fn no_room_message(all: &[Value]) -> String {
    if all.is_empty() {
        "申し訳ありません。現在、予約できる空きがありません。".to_owned()
    } else {
        "申し訳ありません。この時間は満席です。空いている時間をご案内します。".to_owned()
    }
}

async fn create_booking(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: axum::http::HeaderMap,
    ApiJson(request): ApiJson<BookingRequest>,
) -> Result<Response, ApiError> {
    let idempotency_key = IdempotencyKey::from_headers(&headers)?;
    let form = ApplicantForm {
        party_size: text(&request.party_size),
        name: text(&request.name),
        name_kana: text(&request.name_kana),
        birth_date: text(&request.birth_date),
        phone: text(&request.phone),
        email: text(&request.email),
        notify: text(&request.notify),
    };
    let validated = form.validate(state.clock.today());
    let slot_id = parse_id(&request.slot_id);
    let slot = match slot_id {
        Some(id) => state.store.find_slot(SlotId(id)).await?,
        None => None,
    };
    let mut errors = match &validated {
        Ok(_) => serde_json::Map::new(),
        Err(field_errors) => field_errors
            .iter()
            .map(|(k, v)| (k.to_owned(), json!(v)))
            .collect(),
    };
    if slot.is_none() {
        errors.insert(
            "slot_id".to_owned(),
            json!(if slot_id.is_none() {
                "予約する枠（slot_id）を指定してください。"
            } else {
                "指定された枠が見つかりません。"
            }),
        );
    }
    let (Ok(applicant), Some(slot)) = (validated, slot) else {
        return Err(ApiError::Invalid(Value::Object(errors)));
    };
    let party = applicant.party_size.seats();
    let new = NewBooking {
        slot_id: slot.id,
        applicant,
        channel: Channel::Web,
        request_key: idempotency_key.as_ref().map(IdempotencyKey::request_key),
    };
    let logged = crate::access::stamp("api", "booking.create", ip);
    match state
        .store
        .book_recorded(&new, &Actor::Citizen, Some(&logged), state.clock.now())
        .await
    {
        Ok(booking) => {
            if idempotency_key.is_some() {
                crate::idempotency::check_answer(slot.id, &new.applicant, &booking)?;
            }
            tracing::info!(booking = %booking.id, slot = %slot.id, "booked through the API");
            let venue = state.store.find_venue(booking.venue_id).await?;
            Ok((
                StatusCode::CREATED,
                Json(booking_json(
                    &booking,
                    venue.as_ref().map(|v| v.name.as_str()),
                )),
            )
                .into_response())
        }
        Err(BookingError::Full | BookingError::NotBookable(_)) => {
            let alternatives = alternatives_json(&state, &slot, party).await?;
            Err(ApiError::NoRoom(
                no_room_message(&alternatives),
                alternatives,
            ))
        }
        Err(BookingError::SlotNotFound) => Err(ApiError::Invalid(
            json!({ "slot_id": "指定された枠が見つかりません。" }),
        )),
        Err(other) => Err(AppError::from(other).into()),
    }
}

/// Parses the number and phone of a look-up; anything unparsable is
/// answered exactly like "not found".
async fn identify(
    state: &AppState,
    ip: std::net::IpAddr,
    number: &str,
    phone: &str,
) -> Result<Booking, ApiError> {
    let parsed = ReservationNo::parse(number);
    let target = parsed
        .as_ref()
        .map_or_else(|_| number.trim().to_owned(), |n| n.as_str().to_owned());
    let attempt = state.limits().begin(Guard::Lookup, ip, &target).await?;
    let found = match (parsed, PhoneNumber::parse(phone)) {
        (Ok(number), Ok(phone)) => state
            .store
            .find_booking(&number, &phone)
            .await
            .map_err(AppError::from)?,
        _ => None,
    };
    if let Some(booking) = &found {
        attempt.succeeded();
        crate::access::api(
            state,
            ip,
            "booking.lookup",
            &format!("booking:{}", booking.id),
            madoguchi_store::AccessResult::Ok,
        )
        .await;
    } else {
        crate::access::api(
            state,
            ip,
            "booking.lookup",
            "",
            madoguchi_store::AccessResult::Failed,
        )
        .await;
    }
    found.ok_or_else(|| {
        ApiError::Status(
            StatusCode::NOT_FOUND,
            "予約が見つかりません。予約番号と電話番号をご確認ください。".to_owned(),
        )
    })
}

#[derive(Deserialize)]
struct PhoneQuery {
    #[serde(default)]
    phone: String,
}

async fn get_booking(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(number): Path<String>,
    Query(query): Query<PhoneQuery>,
) -> Result<Json<Value>, ApiError> {
    let booking = identify(&state, ip, &number, &query.phone).await?;
    let venue = state.store.find_venue(booking.venue_id).await?;
    Ok(Json(booking_json(
        &booking,
        venue.as_ref().map(|v| v.name.as_str()),
    )))
}

#[derive(Deserialize)]
struct CancelRequest {
    #[serde(default)]
    phone: Value,
}

fn refusal(e: BookingError) -> ApiError {
    match e {
        BookingError::TooLate => ApiError::Status(
            StatusCode::CONFLICT,
            "変更・取消の受付は終了しました（前日の締切を過ぎました）。".to_owned(),
        ),
        BookingError::NotActive => ApiError::Status(
            StatusCode::CONFLICT,
            "この予約はすでに取り消されています。".to_owned(),
        ),
        BookingError::NotFound => ApiError::Status(
            StatusCode::NOT_FOUND,
            "予約が見つかりません。予約番号と電話番号をご確認ください。".to_owned(),
        ),
        other => ApiError::App(other.into()),
    }
}

async fn cancel_booking(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(number): Path<String>,
    ApiJson(request): ApiJson<CancelRequest>,
) -> Result<Json<Value>, ApiError> {
    let booking = identify(&state, ip, &number, &text(&request.phone)).await?;
    let cancelled = state
        .store
        .cancel(
            &booking.reservation_no,
            &booking.applicant.phone,
            &Actor::Citizen,
            state.clock.now(),
        )
        .await
        .map_err(refusal)?;
    tracing::info!(booking = %cancelled.id, "cancelled through the API");
    crate::access::api(
        &state,
        ip,
        "booking.cancel",
        &format!("booking:{}", cancelled.id),
        madoguchi_store::AccessResult::Ok,
    )
    .await;
    let venue = state.store.find_venue(cancelled.venue_id).await?;
    Ok(Json(booking_json(
        &cancelled,
        venue.as_ref().map(|v| v.name.as_str()),
    )))
}

#[derive(Deserialize)]
struct ChangeRequest {
    #[serde(default)]
    phone: Value,
    #[serde(default)]
    slot_id: Value,
}

async fn change_booking(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(number): Path<String>,
    ApiJson(request): ApiJson<ChangeRequest>,
) -> Result<Json<Value>, ApiError> {
    let booking = identify(&state, ip, &number, &text(&request.phone)).await?;
    let Some(slot_id) = parse_id(&request.slot_id) else {
        return Err(ApiError::Invalid(
            json!({ "slot_id": "変更先の枠（slot_id）を指定してください。" }),
        ));
    };
    let Some(slot) = state.store.find_slot(SlotId(slot_id)).await? else {
        return Err(ApiError::Invalid(
            json!({ "slot_id": "指定された枠が見つかりません。" }),
        ));
    };
    let result = state
        .store
        .change(
            &booking.reservation_no,
            &booking.applicant.phone,
            slot.id,
            &Actor::Citizen,
            Channel::Web,
            state.clock.now(),
        )
        .await;
    match result {
        Ok(moved) => {
            tracing::info!(booking = %moved.id, slot = %slot.id, "changed through the API");
            crate::access::api(
                &state,
                ip,
                "booking.change",
                &format!("booking:{}", moved.id),
                madoguchi_store::AccessResult::Ok,
            )
            .await;
            let venue = state.store.find_venue(moved.venue_id).await?;
            Ok(Json(booking_json(
                &moved,
                venue.as_ref().map(|v| v.name.as_str()),
            )))
        }
        Err(BookingError::Full | BookingError::NotBookable(_)) => {
            let alternatives =
                alternatives_json(&state, &slot, booking.applicant.party_size.seats()).await?;
            Err(ApiError::NoRoom(
                no_room_message(&alternatives),
                alternatives,
            ))
        }
        Err(BookingError::SlotNotFound) => Err(ApiError::Invalid(
            json!({ "slot_id": "指定された枠が見つかりません。" }),
        )),
        Err(other) => Err(refusal(other)),
    }
}
