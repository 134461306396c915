//! Looking up, changing and cancelling a booking with the reservation number
//! and the phone number given at booking (A6).

use super::book::SlotView;
use crate::limits::{ClientIp, Guard};
use crate::views::{BookingView, Layout, render};
use crate::{AppError, AppState, access, session};
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::{Form, PrivateCookieJar};
use madoguchi_core::booking::{Booking, BookingStatus, Channel};
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::ids::SlotId;
use madoguchi_core::reservation_no::ReservationNo;
use madoguchi_store::AccessResult;
use madoguchi_store::{Actor, BookingError};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "lookup.html")]
struct LookupPage {
    layout: Layout,
    number: String,
    phone: String,
    number_error: String,
    phone_error: String,
    not_found: bool,
}

#[derive(Template)]
#[template(path = "manage.html")]
struct ManagePage {
    layout: Layout,
    booking: BookingView,
    active: bool,
    can_change: bool,
    notice: String,
    /// Whether the notice reports what was done (else why it was not).
    notice_ok: bool,
}

/// What a change or cancellation did, carried by the redirect after it
/// (Post/Redirect/Get: reloading the result page resubmits nothing). Only
/// these codes are shown, never text from the address.
#[derive(Deserialize, Default)]
pub struct ResultQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    problem: Option<String>,
}

/// The notice for a `done` code on the booking page: (text, succeeded).
fn done_notice(code: &str, city_phone: &str) -> Option<(String, bool)> {
    Some(match code {
        "cancelled" => ("予約を取り消しました。".to_owned(), true),
        "changed" => (
            "予約を変更しました。新しい日時は下のとおりです。".to_owned(),
            true,
        ),
        "cancel-closed" => (
            format!(
                "取消の受付は終了しました。ご用の方は市の専用ダイヤル（{city_phone}）へお電話ください。"
            ),
            false,
        ),
        "already-cancelled" => ("この予約はすでに取り消されています。".to_owned(), false),
        _ => return None,
    })
}

/// The message for a `problem` code on the change page.
fn change_problem(code: &str, city_phone: &str) -> Option<String> {
    Some(match code {
        "full" => "申し訳ありません。この時間はほかの方の予約で満席になりました。別の時間をお選びください。元の予約はそのまま残っています。".to_owned(),
        "closed" => "この日は予約を受け付けていません。別の日をお選びください。元の予約はそのまま残っています。".to_owned(),
        "too-late" => format!("変更の受付は終了しました。ご用の方は市の専用ダイヤル（{city_phone}）へお電話ください。"),
        "inactive" => "この予約は取り消されているため、変更できません。".to_owned(),
        _ => return None,
    })
}

#[derive(Template)]
#[template(path = "cancel.html")]
struct CancelPage {
    layout: Layout,
    booking: BookingView,
}

#[derive(Template)]
#[template(path = "change.html")]
struct ChangePage {
    layout: Layout,
    booking: BookingView,
    slot: SlotView,
    problem: String,
}

pub async fn lookup_form(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
) -> Result<Response, AppError> {
    let settings = state.store.settings().await?;
    let (jar, csrf) = session::csrf_token(jar, state.config.secure_cookies);
    let page = LookupPage {
        layout: Layout::new(&settings, "予約の確認・変更・取消", csrf),
        number: String::new(),
        phone: String::new(),
        number_error: String::new(),
        phone_error: String::new(),
        not_found: false,
    };
    Ok((jar, render(&page)).into_response())
}

#[derive(Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    phone: String,
}

pub async fn lookup(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    jar: PrivateCookieJar,
    Form(form): Form<LookupForm>,
) -> Result<Response, AppError> {
    session::check_csrf(&jar, &form.csrf)?;
    let settings = state.store.settings().await?;
    let number = ReservationNo::parse(&form.number);
    let phone = PhoneNumber::parse(&form.phone);
    let mut page = LookupPage {
        layout: Layout::new(&settings, "予約の確認・変更・取消", form.csrf.clone()),
        number_error: number
            .as_ref()
            .err()
            .map(|e| e.message_ja().to_owned())
            .unwrap_or_default(),
        phone_error: phone
            .as_ref()
            .err()
            .map(|e| e.message_ja().to_owned())
            .unwrap_or_default(),
        number: form.number,
        phone: form.phone,
        not_found: false,
    };
    let (Ok(number), Ok(phone)) = (number, phone) else {
        page.layout.title = "入力内容をご確認ください".to_owned();
        return Ok(render(&page));
    };
    let attempt = state
        .limits()
        .begin(Guard::Lookup, ip, number.as_str())
        .await?;
    match state.store.find_booking(&number, &phone).await? {
        Some(found) => {
            attempt.succeeded();
            access::citizen(
                &state,
                ip,
                "booking.lookup",
                &format!("booking:{}", found.id),
                AccessResult::Ok,
            )
            .await;
            let grant = session::ManageGrant { number, phone };
            let jar = session::set_manage_grant(
                jar,
                &grant,
                state.clock.now(),
                state.config.secure_cookies,
            );
            Ok((jar, Redirect::to("/manage")).into_response())
        }
        None => {
            tracing::info!(client = %ip, "booking look-up found nothing");
            access::citizen(&state, ip, "booking.lookup", "", AccessResult::Failed).await;
            page.not_found = true;
            page.layout.title = "予約が見つかりませんでした".to_owned();
            Ok(render(&page))
        }
    }
}

/// The booking this browser may manage, or a redirect to the look-up.
async fn granted_booking(
    state: &AppState,
    jar: &PrivateCookieJar,
) -> Result<Result<(session::ManageGrant, Booking), Response>, AppError> {
    let Some(grant) = session::manage_grant(jar, state.clock.now()) else {
        return Ok(Err(Redirect::to("/lookup").into_response()));
    };
    match state
        .store
        .find_booking(&grant.number, &grant.phone)
        .await?
    {
        Some(booking) => Ok(Ok((grant, booking))),
        None => Ok(Err(Redirect::to("/lookup").into_response())),
    }
}

async fn booking_view(state: &AppState, booking: &Booking) -> Result<BookingView, AppError> {
    let venue = state.store.find_venue(booking.venue_id).await?;
    let settings = state.store.settings().await?;
    Ok(BookingView::new(booking, venue.as_ref(), &settings))
}

async fn can_change(state: &AppState, booking: &Booking) -> Result<bool, AppError> {
    Ok(state
        .store
        .is_changeable(booking, state.clock.now())
        .await?)
}

pub async fn show(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
    Query(query): Query<ResultQuery>,
) -> Result<Response, AppError> {
    let (_, booking) = match granted_booking(&state, &jar).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let settings = state.store.settings().await?;
    let (jar, csrf) = session::csrf_token(jar, state.config.secure_cookies);
    let (notice, notice_ok) = query
        .done
        .as_deref()
        .and_then(|code| done_notice(code, &settings.city.phone))
        .unwrap_or_default();
    let title = if notice.is_empty() {
        "ご予約の内容".to_owned()
    } else {
        notice.clone()
    };
    let page = ManagePage {
        layout: Layout::new(&settings, title, csrf),
        active: booking.status == BookingStatus::Booked,
        can_change: can_change(&state, &booking).await?,
        notice,
        notice_ok,
        booking: booking_view(&state, &booking).await?,
    };
    Ok((jar, render(&page)).into_response())
}

pub async fn cancel_form(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
) -> Result<Response, AppError> {
    let (_, booking) = match granted_booking(&state, &jar).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    if !can_change(&state, &booking).await? {
        return Ok(Redirect::to("/manage").into_response());
    }
    let settings = state.store.settings().await?;
    let (jar, csrf) = session::csrf_token(jar, state.config.secure_cookies);
    let page = CancelPage {
        layout: Layout::new(&settings, "予約の取消", csrf),
        booking: booking_view(&state, &booking).await?,
    };
    Ok((jar, render(&page)).into_response())
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    jar: PrivateCookieJar,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    session::check_csrf(&jar, &form.csrf)?;
    let (grant, _) = match granted_booking(&state, &jar).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let result = state
        .store
        .cancel(
            &grant.number,
            &grant.phone,
            &Actor::Citizen,
            state.clock.now(),
        )
        .await;
    let done = match result {
        Ok(booking) => {
            tracing::info!(booking = %booking.id, "cancelled on the web");
            access::citizen(
                &state,
                ip,
                "booking.cancel",
                &format!("booking:{}", booking.id),
                AccessResult::Ok,
            )
            .await;
            "cancelled"
        }
        Err(BookingError::TooLate) => "cancel-closed",
        Err(BookingError::NotActive) => "already-cancelled",
        Err(other) => return Err(other.into()),
    };
    Ok(Redirect::to(&format!("/manage?done={done}")).into_response())
}

async fn change_target(state: &AppState, slot_id: &str) -> Result<SlotView, AppError> {
    let (slot, venue) = super::slot_with_venue(state, slot_id).await?;
    let settings = state.store.settings().await?;
    let remaining = settings
        .seats
        .remaining(&slot.seats(), Channel::Web, state.clock.now());
    Ok(SlotView::new(&slot, &venue, remaining))
}

pub async fn change_form(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
    Path(slot_id): Path<String>,
    Query(query): Query<ResultQuery>,
) -> Result<Response, AppError> {
    let (_, booking) = match granted_booking(&state, &jar).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    if !can_change(&state, &booking).await? {
        return Ok(Redirect::to("/manage").into_response());
    }
    let settings = state.store.settings().await?;
    let slot = change_target(&state, &slot_id).await?;
    let (jar, csrf) = session::csrf_token(jar, state.config.secure_cookies);
    let reported = query
        .problem
        .as_deref()
        .and_then(|code| change_problem(code, &settings.city.phone));
    let problem = if let Some(problem) = reported {
        problem
    } else if slot.remaining < i64::from(booking.applicant.party_size.get()) {
        "この時間は空きが足りません。別の時間をお選びください。".to_owned()
    } else {
        String::new()
    };
    let title = if problem.is_empty() {
        "予約の変更"
    } else {
        "予約を変更できませんでした"
    };
    let page = ChangePage {
        layout: Layout::new(&settings, title, csrf),
        booking: booking_view(&state, &booking).await?,
        slot,
        problem,
    };
    Ok((jar, render(&page)).into_response())
}

pub async fn change(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    jar: PrivateCookieJar,
    Path(slot_id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    session::check_csrf(&jar, &form.csrf)?;
    let (grant, _) = match granted_booking(&state, &jar).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let id: SlotId = slot_id.parse().map_err(|_| AppError::NotFound)?;
    let result = state
        .store
        .change(
            &grant.number,
            &grant.phone,
            id,
            &Actor::Citizen,
            Channel::Web,
            state.clock.now(),
        )
        .await;
    let problem = match result {
        Ok(moved) => {
            tracing::info!(booking = %moved.id, slot = %id, "changed on the web");
            access::citizen(
                &state,
                ip,
                "booking.change",
                &format!("booking:{}", moved.id),
                AccessResult::Ok,
            )
            .await;
            return Ok(Redirect::to("/manage?done=changed").into_response());
        }
        Err(BookingError::Full) => "full",
        Err(BookingError::NotBookable(_)) => "closed",
        Err(BookingError::TooLate) => "too-late",
        Err(BookingError::NotActive) => "inactive",
        Err(other) => return Err(other.into()),
    };
    Ok(Redirect::to(&format!("/manage/change/{id}?problem={problem}")).into_response())
}

pub async fn logout(
    jar: PrivateCookieJar,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    session::check_csrf(&jar, &form.csrf)?;
    Ok((session::clear_manage_grant(jar), Redirect::to("/")).into_response())
}
