//! `/admin/bookings/new`: booking on a caller's behalf (phone, counter).

use super::slot_choices::{SlotChoice, choices, slots_of_day};
use super::{SECTION, actor, refusal_ja};
use crate::AppState;
use crate::admin::ops::{VenueOption, done, parse_date, today, venue_options};
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::{FormState, render, slot_label};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use madoguchi_core::booking::{Applicant, ApplicantForm, Channel, FieldErrors};
use madoguchi_core::clock::date_ja_with_year;
use madoguchi_core::ids::{SlotId, VenueId};
use madoguchi_core::staff::Role;
use madoguchi_store::{AccessResult, BookingError, NewBooking, Slot};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NewQuery {
    #[serde(default)]
    venue: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    slot: String,
}

pub(crate) struct DayChoice {
    pub date: String,
    pub label: String,
    pub remaining: i64,
}

#[derive(Template)]
#[template(path = "admin/ops/new_booking.html")]
struct NewPage {
    layout: AdminLayout,
    step: &'static str,
    venues: Vec<VenueOption>,
    venue_id: i64,
    venue_name: String,
    days: Vec<DayChoice>,
    date: String,
    date_label: String,
    slots: Vec<SlotChoice>,
    slot_id: i64,
    slot_label: String,
    form: FormState,
    key: String,
    alternatives: Vec<SlotChoice>,
    error: String,
}

impl NewPage {
    fn empty(staff: &Staff) -> Self {
        Self {
            layout: AdminLayout::new(staff, "電話などで受けた予約の登録", SECTION),
            step: "venue",
            venues: Vec::new(),
            venue_id: 0,
            venue_name: String::new(),
            days: Vec::new(),
            date: String::new(),
            date_label: String::new(),
            slots: Vec::new(),
            slot_id: 0,
            slot_label: String::new(),
            form: FormState {
                values: ApplicantForm {
                    party_size: "1".to_owned(),
                    notify: "sms".to_owned(),
                    ..Default::default()
                },
                errors: FieldErrors::default(),
            },
            key: String::new(),
            alternatives: Vec::new(),
            error: String::new(),
        }
    }
}

async fn slot_step(state: &AppState, page: &mut NewPage, slot: &Slot) -> Result<(), AdminError> {
    let venue = state.store.find_venue(slot.venue_id).await?;
    page.step = "form";
    page.venue_id = slot.venue_id.0;
    page.venue_name = venue.map(|v| v.name).unwrap_or_default();
    page.date = slot.date.format("%Y-%m-%d").to_string();
    page.slot_id = slot.id.0;
    page.slot_label = slot_label(slot.date, slot.start_min, slot.end_min);
    Ok(())
}

pub(crate) async fn new_form(
    staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<NewQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    let mut page = NewPage::empty(&staff);
    let now = state.clock.now();
    if let Some(slot) = match q.slot.parse().map(SlotId) {
        Ok(id) => state.store.find_slot(id).await?,
        Err(_) => None,
    } {
        slot_step(&state, &mut page, &slot).await?;
        return Ok(render(&page));
    }
    let venue = match q.venue.parse().map(VenueId) {
        Ok(id) => state.store.find_venue(id).await?.filter(|v| v.enabled),
        Err(_) => None,
    };
    let Some(venue) = venue else {
        page.venues = venue_options(&state, None, false).await?;
        return Ok(render(&page));
    };
    page.venue_id = venue.id.0;
    page.venue_name = venue.name.clone();
    if let Some(date) = parse_date(&q.date) {
        page.step = "slot";
        page.date = date.format("%Y-%m-%d").to_string();
        page.date_label = date_ja_with_year(date);
        let slots: Vec<_> = slots_of_day(&state, venue.id, date).await?;
        page.slots = choices(&state, &slots).await?;
        return Ok(render(&page));
    }
    page.step = "day";
    let settings = state.store.settings().await?;
    let window = venue.window_or(&settings.window);
    if let Some((first, last)) = window.bookable_range(&settings.period, now) {
        let remaining = state
            .store
            .remaining_by_day(first, last, &settings.seats, Channel::Staff, now)
            .await?;
        page.days = remaining
            .into_iter()
            .filter(|(v, day, _)| *v == venue.id && window.is_bookable(&settings.period, *day, now))
            .map(|(_, day, left)| DayChoice {
                date: day.format("%Y-%m-%d").to_string(),
                label: date_ja_with_year(day),
                remaining: left,
            })
            .collect();
    }
    Ok(render(&page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NewForm {
    csrf: String,
    slot: String,
    #[serde(flatten)]
    applicant: ApplicantForm,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    key: String,
}

pub(crate) async fn new_submit(
    staff: Staff,
    State(state): State<AppState>,
    Form(form): Form<NewForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let mut page = NewPage::empty(&staff);
    let slot = match form.slot.parse().map(SlotId) {
        Ok(id) => state.store.find_slot(id).await?,
        Err(_) => None,
    };
    let Some(slot) = slot else {
        page.venues = venue_options(&state, None, false).await?;
        page.error = "枠を選び直してください。".to_owned();
        return Ok(render(&page));
    };
    slot_step(&state, &mut page, &slot).await?;
    page.form.values = form.applicant.clone();
    let applicant: Applicant = match form.applicant.validate(today(&state)) {
        Ok(a) => a,
        Err(errors) => {
            page.form.errors = errors;
            return Ok(render(&page));
        }
    };
    if form.confirm.is_empty() || form.key.is_empty() {
        page.step = "confirm";
        page.key = new_key();
        return Ok(render(&page));
    }
    let now = state.clock.now();
    let new = NewBooking {
        slot_id: slot.id,
        applicant: applicant.clone(),
        channel: Channel::Staff,
        request_key: Some(format!("staff:{}", form.key)),
    };
    match state.store.book(&new, &actor(&staff), now).await {
        Ok(b) => {
            staff
                .log(
                    &state,
                    "booking.create",
                    &format!("booking:{}", b.reservation_no.as_str()),
                    AccessResult::Ok,
                )
                .await;
            let message = format!(
                "予約しました。予約番号 {}（{}）",
                b.reservation_no.display_grouped(),
                slot_label(b.slot_date, b.start_min, b.end_min)
            );
            Ok(done(
                &state,
                &format!("/admin/bookings/{}", b.id.0),
                &message,
            ))
        }
        Err(BookingError::Full) => {
            staff
                .log(
                    &state,
                    "booking.create",
                    &format!("slot:{}", slot.id.0),
                    AccessResult::Failed,
                )
                .await;
            let alts = state
                .store
                .alternatives_to(&slot, applicant.party_size.seats(), Channel::Staff, now)
                .await?;
            page.step = "full";
            page.key = new_key();
            page.alternatives = choices(&state, &alts).await?;
            page.error = "この枠は満席になりました。次の空いている枠から選べます（入力した内容はそのまま使います）。".to_owned();
            Ok(render(&page))
        }
        Err(e) => match refusal_ja(&e) {
            Some(reason) => {
                staff
                    .log(
                        &state,
                        "booking.create",
                        &format!("slot:{}", slot.id.0),
                        AccessResult::Failed,
                    )
                    .await;
                page.error = reason.to_owned();
                Ok(render(&page))
            }
            None => Err(AdminError::App(e.into())),
        },
    }
}

fn new_key() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..24)
        .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)]))
        .collect()
}
