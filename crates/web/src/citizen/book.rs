//! Personal details → confirmation → booked. When the slot fills while the
//! resident is typing, the 3 earliest free slots are offered, each taken in
//! one click with what was already typed (A14).

use super::{require_eligible, slot_with_venue};
use crate::views::{BookingView, FormState, Layout, Step, VenueInfo, render, slot_label};
use crate::{AppError, AppState, session};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::{Form, PrivateCookieJar};
use madoguchi_core::booking::{Applicant, ApplicantForm, Channel, FieldErrors, PartySize};
use madoguchi_core::settings::ServiceSettings;
use madoguchi_core::venue::Venue;
use madoguchi_core::window::DayClosedReason;
use madoguchi_store::{Actor, BookingError, NewBooking, Slot};
use serde::Deserialize;

/// A slot as the booking pages show it.
pub(super) struct SlotView {
    pub id: String,
    pub venue_id: String,
    pub venue_name: String,
    pub venue: VenueInfo,
    pub when: String,
    pub remaining: i64,
}

impl SlotView {
    pub fn new(slot: &Slot, venue: &Venue, remaining: i64) -> Self {
        Self {
            id: slot.id.to_string(),
            venue_id: venue.id.to_string(),
            venue_name: venue.name.clone(),
            venue: VenueInfo::new(venue),
            when: slot_label(slot.date, slot.start_min, slot.end_min),
            remaining,
        }
    }
}

#[derive(Template)]
#[template(path = "book_form.html")]
struct FormPage {
    layout: Layout,
    slot: SlotView,
    form: FormState,
    party_sizes: Vec<u8>,
}

#[derive(Template)]
#[template(path = "book_confirm.html")]
struct ConfirmPage {
    layout: Layout,
    slot: SlotView,
    /// As typed, carried in hidden fields (and shown again on 修正する).
    values: ApplicantForm,
    /// As checked and normalised, for reading.
    shown: ApplicantForm,
    birth_date: String,
    phone: String,
    notify: &'static str,
    request_id: String,
}

#[derive(Template)]
#[template(path = "book_full.html")]
struct FullPage {
    layout: Layout,
    reason: String,
    /// Whether details were typed: then each alternative books in one
    /// click with them; otherwise it opens the form for that slot.
    has_details: bool,
    values: ApplicantForm,
    request_id: String,
    alternatives: Vec<SlotView>,
}

#[derive(Template)]
#[template(path = "book_done.html")]
struct DonePage {
    layout: Layout,
    booking: BookingView,
    what_to_bring: Vec<String>,
}

/// What every step of booking a slot needs, or the redirect to the
/// checklist for a browser that has not confirmed it.
async fn open_slot(
    state: &AppState,
    jar: &PrivateCookieJar,
    slot_id: &str,
) -> Result<Result<(std::sync::Arc<ServiceSettings>, Slot, Venue), Redirect>, AppError> {
    let settings = state.store.settings().await?;
    if let Err(redirect) = require_eligible(jar, &settings, &format!("/book/{slot_id}")) {
        return Ok(Err(redirect));
    }
    let (slot, venue) = slot_with_venue(state, slot_id).await?;
    Ok(Ok((settings, slot, venue)))
}

fn party_sizes() -> Vec<u8> {
    (1..=madoguchi_core::booking::PartySize::MAX).collect()
}

pub async fn form(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
    Path(slot_id): Path<String>,
) -> Result<Response, AppError> {
    let (settings, slot, venue) = match open_slot(&state, &jar, &slot_id).await? {
        Ok(opened) => opened,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (jar, csrf) = session::csrf_token(jar, state.config.secure_cookies);
    let values = ApplicantForm {
        party_size: "1".to_owned(),
        notify: "sms".to_owned(),
        ..ApplicantForm::default()
    };
    let page = match availability(&state, &settings, &slot, &venue, 1) {
        Ok(remaining) => render(&FormPage {
            layout: Layout::new(&settings, "お名前と連絡先の入力", csrf).at_step(Step::Details),
            slot: SlotView::new(&slot, &venue, remaining),
            form: FormState {
                values,
                errors: FieldErrors::default(),
            },
            party_sizes: party_sizes(),
        }),
        Err(reason) => full_page(&state, &settings, &slot, reason, None, csrf).await?,
    };
    Ok((jar, page).into_response())
}

#[derive(Deserialize)]
pub struct ApplicantSubmission {
    #[serde(default)]
    csrf: String,
    /// Present when the resident pressed "修正する" on the confirmation page.
    #[serde(default)]
    edit: Option<String>,
    /// Drawn when the confirmation page is shown; sending the same
    /// confirmation twice (double click, back and resend) books once.
    #[serde(default)]
    request_id: String,
    #[serde(flatten)]
    values: ApplicantForm,
}

/// Seats the web can still book in `slot`, or why it cannot be booked.
fn availability(
    state: &AppState,
    settings: &ServiceSettings,
    slot: &Slot,
    venue: &Venue,
    party: i64,
) -> Result<i64, String> {
    let now = state.clock.now();
    if let Err(reason) =
        venue
            .window_or(&settings.window)
            .check_booking(&settings.period, slot.date, now)
    {
        return Err(closed_message(reason).to_owned());
    }
    let remaining = settings.seats.remaining(&slot.seats(), Channel::Web, now);
    if remaining == 0 || remaining < party {
        return Err(format!(
            "お選びの時間（{}）は満席になりました。",
            slot_label(slot.date, slot.start_min, slot.end_min)
        ));
    }
    Ok(remaining)
}

fn closed_message(reason: DayClosedReason) -> &'static str {
    match reason {
        DayClosedReason::Closed => {
            "お選びの日の予約受付は終了しました（前日の受付締切を過ぎました）。"
        }
        DayClosedReason::NotYetOpen => "お選びの日は、まだ予約の受付が始まっていません。",
        DayClosedReason::OutsidePeriod => "お選びの日は受付期間の外です。",
    }
}

/// Checks the details; shows them for confirmation, or the form again with
/// every problem marked and everything typed kept.
pub async fn review(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
    Path(slot_id): Path<String>,
    Form(submission): Form<ApplicantSubmission>,
) -> Result<Response, AppError> {
    session::check_csrf(&jar, &submission.csrf)?;
    let (settings, slot, venue) = match open_slot(&state, &jar, &slot_id).await? {
        Ok(opened) => opened,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let csrf = submission.csrf;
    let values = submission.values;
    let mut errors = FieldErrors::default();
    let applicant = if submission.edit.is_some() {
        None
    } else {
        match values.validate(state.clock.today()) {
            Ok(applicant) => Some(applicant),
            Err(e) => {
                errors = e;
                None
            }
        }
    };
    let party = applicant.as_ref().map_or(1, |a| a.party_size.seats());
    let remaining = match availability(&state, &settings, &slot, &venue, 1) {
        Ok(remaining) => remaining,
        Err(reason) => {
            let details = Details {
                values,
                request_id: submission.request_id,
            };
            return full_page(&state, &settings, &slot, reason, Some(details), csrf).await;
        }
    };
    if party > remaining {
        errors.add(
            "party_size",
            format!(
                "この時間の残りは{remaining}人分です。人数を減らすか、別の時間をお選びください。"
            ),
        );
    }
    match applicant {
        Some(applicant) if errors.is_empty() => Ok(render(&ConfirmPage {
            layout: Layout::new(&settings, "予約内容の確認", csrf).at_step(Step::Confirm),
            slot: SlotView::new(&slot, &venue, remaining),
            birth_date: applicant.birth_date.display_ja(),
            phone: applicant.phone.display(),
            notify: applicant.notify.label_ja(),
            shown: applicant.to_form(),
            values,
            request_id: new_request_id(),
        })),
        _ => Ok(render(&FormPage {
            layout: Layout::new(
                &settings,
                if errors.is_empty() {
                    "お名前と連絡先の入力"
                } else {
                    "入力内容をご確認ください"
                },
                csrf,
            )
            .at_step(Step::Details),
            slot: SlotView::new(&slot, &venue, remaining),
            form: FormState { values, errors },
            party_sizes: party_sizes(),
        })),
    }
}

/// Makes the booking.
pub async fn confirm(
    State(state): State<AppState>,
    axum::Extension(crate::limits::ClientIp(ip)): axum::Extension<crate::limits::ClientIp>,
    jar: PrivateCookieJar,
    Path(slot_id): Path<String>,
    Form(submission): Form<ApplicantSubmission>,
) -> Result<Response, AppError> {
    session::check_csrf(&jar, &submission.csrf)?;
    let (settings, slot, venue) = match open_slot(&state, &jar, &slot_id).await? {
        Ok(opened) => opened,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let applicant: Applicant = match submission.values.validate(state.clock.today()) {
        Ok(a) => a,
        Err(errors) => {
            // Only reachable with a tampered or stale form: show it again.
            let remaining =
                settings
                    .seats
                    .remaining(&slot.seats(), Channel::Web, state.clock.now());
            return Ok(render(&FormPage {
                layout: Layout::new(&settings, "入力内容をご確認ください", submission.csrf)
                    .at_step(Step::Details),
                slot: SlotView::new(&slot, &venue, remaining),
                form: FormState {
                    values: submission.values,
                    errors,
                },
                party_sizes: party_sizes(),
            }));
        }
    };
    let request_id = submission.request_id;
    let new = NewBooking {
        slot_id: slot.id,
        applicant,
        channel: Channel::Web,
        request_key: is_request_id(&request_id).then(|| format!("web:{request_id}")),
    };
    let logged = crate::access::stamp("citizen", "booking.create", ip);
    match state
        .store
        .book_recorded(&new, &Actor::Citizen, Some(&logged), state.clock.now())
        .await
    {
        Ok(booking) => {
            tracing::info!(booking = %booking.id, slot = %slot.id, "booked on the web");
            let grant = session::ManageGrant {
                number: booking.reservation_no.clone(),
                phone: booking.applicant.phone.clone(),
            };
            let jar = session::set_manage_grant(
                jar,
                &grant,
                state.clock.now(),
                state.config.secure_cookies,
            );
            Ok((jar, Redirect::to("/booked")).into_response())
        }
        Err(BookingError::Full) => {
            let reason = format!(
                "申し訳ありません。お選びの時間（{}）は、入力の間にほかの方の予約で満席になりました。",
                slot_label(slot.date, slot.start_min, slot.end_min)
            );
            let details = Details {
                values: submission.values,
                request_id,
            };
            full_page(
                &state,
                &settings,
                &slot,
                reason,
                Some(details),
                submission.csrf,
            )
            .await
        }
        Err(BookingError::NotBookable(reason)) => {
            let details = Details {
                values: submission.values,
                request_id,
            };
            let reason = closed_message(reason).to_owned();
            full_page(
                &state,
                &settings,
                &slot,
                reason,
                Some(details),
                submission.csrf,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// What a resident typed, carried to the one-click alternatives.
struct Details {
    values: ApplicantForm,
    request_id: String,
}

/// A fresh id for one confirmation (128 random bits, hex).
fn new_request_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_request_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// "That slot is full" with up to three alternatives (A14), or a plain
/// statement that everything is full (A12).
async fn full_page(
    state: &AppState,
    settings: &ServiceSettings,
    slot: &Slot,
    reason: String,
    details: Option<Details>,
    csrf: String,
) -> Result<Response, AppError> {
    let has_details = details.is_some();
    let Details { values, request_id } = details.unwrap_or(Details {
        values: ApplicantForm::default(),
        request_id: String::new(),
    });
    let party = PartySize::parse(&values.party_size).map_or(1, PartySize::seats);
    let offered = state
        .store
        .alternatives_to(slot, party, Channel::Web, state.clock.now())
        .await?;
    let venues = state.store.venues(false).await?;
    let alternatives = offered
        .iter()
        .filter_map(|(s, remaining)| {
            let v = venues.iter().find(|v| v.id == s.venue_id)?;
            Some(SlotView::new(s, v, *remaining))
        })
        .collect();
    Ok(render(&FullPage {
        layout: Layout::new(settings, "満席のため予約できませんでした", csrf),
        reason,
        has_details,
        values,
        request_id: if is_request_id(&request_id) {
            request_id
        } else {
            new_request_id()
        },
        alternatives,
    }))
}

pub async fn done(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
) -> Result<Response, AppError> {
    let Some(grant) = session::manage_grant(&jar, state.clock.now()) else {
        return Ok(Redirect::to("/lookup").into_response());
    };
    let settings = state.store.settings().await?;
    let booking = state
        .store
        .find_booking(&grant.number, &grant.phone)
        .await?
        .ok_or(AppError::NotFound)?;
    let venue = state.store.find_venue(booking.venue_id).await?;
    Ok(render(&DonePage {
        layout: Layout::new(&settings, "予約が完了しました", String::new()).at_step(Step::Done),
        booking: BookingView::new(&booking, venue.as_ref(), &settings),
        what_to_bring: settings.start_page.what_to_bring.clone(),
    }))
}
