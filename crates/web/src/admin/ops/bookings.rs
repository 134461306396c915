//! Bookings in the console: search, the booking page with its history and
//! corrections, moving, cancelling, visits, and booking on a caller's behalf.

use super::{VenueOption, done, parse_date, today, venue_options};
use crate::AppState;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::{BookingView, FormState, render, slot_label};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use madoguchi_core::booking::{
    Applicant, ApplicantForm, Booking, BookingStatus, Channel, FieldErrors, PartySize,
};
use madoguchi_core::clock::date_ja_with_year;
use madoguchi_core::ids::{BookingId, SlotId, VenueId};
use madoguchi_core::name::{NameKana, PersonName};
use madoguchi_core::staff::Role;
use madoguchi_store::{AccessResult, Actor, BookingError, BookingSearch, NewBooking, Slot};
use serde::Deserialize;

const SECTION: &str = "/admin/bookings";

fn actor(staff: &Staff) -> Actor {
    Actor::Staff(staff.login.clone())
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    no: String,
    #[serde(default)]
    tel: String,
    #[serde(default)]
    kana: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    cancelled: String,
    #[serde(default)]
    msg: String,
}

pub(crate) struct Row {
    pub id: i64,
    pub number: String,
    pub when: String,
    pub venue: String,
    pub name: String,
    pub kana: String,
    pub party: u8,
    pub channel: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
}

fn row(b: &Booking, venues: &[madoguchi_core::venue::Venue]) -> Row {
    Row {
        id: b.id.0,
        number: b.reservation_no.as_str().to_owned(),
        when: slot_label(b.slot_date, b.start_min, b.end_min),
        venue: venues
            .iter()
            .find(|v| v.id == b.venue_id)
            .map(|v| v.name.clone())
            .unwrap_or_default(),
        name: b.applicant.name.as_str().to_owned(),
        kana: b.applicant.name_kana.as_str().to_owned(),
        party: b.applicant.party_size.get(),
        channel: b.channel.label_ja(),
        status: b.status.as_str(),
        status_label: b.status.label_ja(),
    }
}

#[derive(Template)]
#[template(path = "admin/ops/bookings.html")]
struct SearchPage {
    layout: AdminLayout,
    q: SearchQuery,
    venues: Vec<VenueOption>,
    searched: bool,
    rows: Vec<Row>,
    can_book: bool,
    limit: i64,
}

pub(crate) async fn search(
    staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let venue = q.venue.parse::<i64>().ok();
    let search = BookingSearch {
        reservation_no: Some(q.no.trim().to_owned()).filter(|s| !s.is_empty()),
        phone: Some(q.tel.trim().to_owned()).filter(|s| !s.is_empty()),
        kana: Some(q.kana.trim().to_owned()).filter(|s| !s.is_empty()),
        venue: venue.map(VenueId),
        date: parse_date(&q.date),
        include_cancelled: !q.cancelled.is_empty(),
    };
    let searched = !search.is_empty();
    let rows = if searched {
        let venues = state.store.venues(true).await?;
        let found = state.store.search_bookings(&search).await?;
        staff
            .log(
                &state,
                "booking.search",
                &format!("results:{}", found.len()),
                AccessResult::Ok,
            )
            .await;
        found.iter().map(|b| row(b, &venues)).collect()
    } else {
        Vec::new()
    };
    let page = SearchPage {
        layout: AdminLayout::new(&staff, "予約の検索", SECTION).with_flash(q.msg.clone()),
        venues: venue_options(&state, venue, true).await?,
        searched,
        rows,
        can_book: staff.role.allows(Role::Staff),
        limit: madoguchi_store::SEARCH_LIMIT,
        q,
    };
    Ok(render(&page))
}

pub(crate) struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub detail: String,
}

fn action_label(action: &str) -> &'static str {
    match action {
        "booked" => "予約",
        "changed" => "日時・会場の変更",
        "cancelled" => "取消",
        "name_corrected" => "氏名の訂正",
        "party_size_changed" => "人数の変更",
        "attended" => "来庁済みにした",
        "no_show" => "来庁なしにした",
        "visit_undone" => "来庁記録を取り消した",
        _ => "その他",
    }
}

fn pair(v: &serde_json::Value) -> Option<(String, String)> {
    let a = v.as_array()?;
    let text = |x: &serde_json::Value| match x {
        serde_json::Value::String(s) => BookingStatus::parse(s)
            .map(|st| st.label_ja().to_owned())
            .unwrap_or_else(|| s.clone()),
        other => other.to_string(),
    };
    Some((text(a.first()?), text(a.get(1)?)))
}

async fn describe(state: &AppState, detail: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    for (key, label) in [
        ("name", "氏名"),
        ("name_kana", "フリガナ"),
        ("party_size", "人数"),
        ("status", "状態"),
    ] {
        if let Some((from, to)) = detail.get(key).and_then(pair) {
            parts.push(format!("{label}：{from} → {to}"));
        }
    }
    for (key, label) in [
        ("from_slot_id", "変更前"),
        ("to_slot_id", "変更後"),
        ("slot_id", "枠"),
    ] {
        if let Some(id) = detail.get(key).and_then(serde_json::Value::as_i64)
            && let Ok(Some(slot)) = state.store.find_slot(SlotId(id)).await
        {
            let venue = state
                .store
                .find_venue(slot.venue_id)
                .await
                .ok()
                .flatten()
                .map(|v| v.name)
                .unwrap_or_default();
            parts.push(format!(
                "{label}：{} {}",
                venue,
                slot_label(slot.date, slot.start_min, slot.end_min)
            ));
        }
    }
    if let Some(c) = detail
        .get("channel")
        .and_then(serde_json::Value::as_str)
        .and_then(Channel::parse)
    {
        parts.push(format!("受付：{}", c.label_ja()));
    }
    parts.join("、")
}

#[derive(Template)]
#[template(path = "admin/ops/booking.html")]
struct BookingPage {
    layout: AdminLayout,
    id: i64,
    b: BookingView,
    channel: &'static str,
    history: Vec<HistoryRow>,
    can_edit: bool,
    active: bool,
    visit_recorded: bool,
    name: String,
    kana: String,
    /// The phone agent could not hear the name for sure.
    name_to_check: bool,
    party: u8,
    error: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MsgQuery {
    #[serde(default)]
    msg: String,
}

async fn booking_page(
    state: &AppState,
    staff: &Staff,
    booking: &Booking,
    flash: String,
    error: String,
) -> Result<Response, AdminError> {
    let settings = state.store.settings().await?;
    let venue = state.store.find_venue(booking.venue_id).await?;
    let mut history = Vec::new();
    for e in state.store.booking_events(booking.id).await? {
        history.push(HistoryRow {
            at: e
                .at
                .with_timezone(&madoguchi_core::JST)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            actor: match e.actor.split_once(':') {
                Some(("staff", who)) => format!("職員 {who}"),
                _ => match e.actor.as_str() {
                    "citizen" => "ご本人（ウェブ）".to_owned(),
                    "phone" => "電話（自動応答）".to_owned(),
                    "system" => "システム".to_owned(),
                    other => other.to_owned(),
                },
            },
            action: action_label(&e.action),
            detail: describe(state, &e.detail).await,
        });
    }
    let page = BookingPage {
        layout: AdminLayout::new(
            staff,
            format!("予約 {}", booking.reservation_no.display_grouped()),
            SECTION,
        )
        .with_flash(flash),
        id: booking.id.0,
        b: BookingView::new(booking, venue.as_ref(), &settings),
        channel: booking.channel.label_ja(),
        history,
        can_edit: staff.role.allows(Role::Staff),
        active: booking.status == BookingStatus::Booked,
        visit_recorded: matches!(
            booking.status,
            BookingStatus::Attended | BookingStatus::NoShow
        ),
        name: booking.applicant.name.as_str().to_owned(),
        kana: booking.applicant.name_kana.as_str().to_owned(),
        name_to_check: !state.store.names_to_check(&[booking.id]).await?.is_empty(),
        party: booking.applicant.party_size.get(),
        error,
    };
    Ok(render(&page))
}

async fn load(state: &AppState, id: i64) -> Result<Booking, AdminError> {
    state
        .store
        .get_booking(BookingId(id))
        .await
        .map_err(|e| AdminError::App(e.into()))
}

pub(crate) async fn show(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<MsgQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let booking = load(&state, id).await?;
    staff
        .log(
            &state,
            "booking.view",
            &format!("booking:{}", booking.reservation_no.as_str()),
            AccessResult::Ok,
        )
        .await;
    booking_page(&state, &staff, &booking, q.msg, String::new()).await
}

fn refusal_ja(e: &BookingError) -> Option<&'static str> {
    Some(match e {
        BookingError::Full => "空きが足りません。ほかの枠を選んでください。",
        BookingError::NotActive => "この予約は取消済みか、来庁の記録があるため変更できません。",
        BookingError::TooLate => "変更の締切を過ぎているため、日時の変更はできません。",
        BookingError::NotBookable(_) => "その日は受付期間外のため予約できません。",
        BookingError::SlotNotFound => "選んだ枠が見つかりません。",
        BookingError::NotFound => "予約が見つかりません。",
        BookingError::Store(_) => return None,
    })
}

/// Logs the outcome and answers: redirect with `message` on success, the
/// booking page with the reason on a refusal.
async fn finish(
    state: &AppState,
    staff: &Staff,
    function: &str,
    booking: &Booking,
    result: Result<Booking, BookingError>,
    message: &str,
) -> Result<Response, AdminError> {
    let target = format!("booking:{}", booking.reservation_no.as_str());
    match result {
        Ok(b) => {
            staff.log(state, function, &target, AccessResult::Ok).await;
            Ok(done(state, &format!("/admin/bookings/{}", b.id.0), message))
        }
        Err(e) => match refusal_ja(&e) {
            Some(reason) => {
                staff
                    .log(state, function, &target, AccessResult::Failed)
                    .await;
                let current = load(state, booking.id.0).await?;
                booking_page(state, staff, &current, String::new(), reason.to_owned()).await
            }
            None => {
                staff
                    .log(state, function, &target, AccessResult::Failed)
                    .await;
                Err(AdminError::App(e.into()))
            }
        },
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NameForm {
    csrf: String,
    name: String,
    name_kana: String,
}

pub(crate) async fn correct_name(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<NameForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let booking = load(&state, id).await?;
    let name = PersonName::parse(&form.name);
    let kana = NameKana::parse(&form.name_kana);
    let (name, kana) = match (name, kana) {
        (Ok(n), Ok(k)) => (n, k),
        (Err(e), _) => {
            return booking_page(
                &state,
                &staff,
                &booking,
                String::new(),
                e.message_ja().to_owned(),
            )
            .await;
        }
        (_, Err(e)) => {
            return booking_page(
                &state,
                &staff,
                &booking,
                String::new(),
                e.message_ja().to_owned(),
            )
            .await;
        }
    };
    let result = state
        .store
        .correct_name(booking.id, &name, &kana, &actor(&staff), state.clock.now())
        .await;
    if result.is_ok() {
        // Checked and corrected by staff: the mark goes.
        state.store.clear_name_to_check(booking.id).await?;
    }
    finish(
        &state,
        &staff,
        "booking.name",
        &booking,
        result,
        "氏名とフリガナを訂正しました。",
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PartyForm {
    csrf: String,
    party_size: String,
}

pub(crate) async fn party_size(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<PartyForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let booking = load(&state, id).await?;
    let Some(party) = form
        .party_size
        .trim()
        .parse::<u8>()
        .ok()
        .and_then(PartySize::new)
    else {
        return booking_page(
            &state,
            &staff,
            &booking,
            String::new(),
            "人数は1人から4人までで選んでください。".to_owned(),
        )
        .await;
    };
    let result = state
        .store
        .change_party_size(booking.id, party, &actor(&staff), state.clock.now())
        .await;
    let message = format!("人数を{}人に変更しました。", party.get());
    finish(
        &state,
        &staff,
        "booking.party_size",
        &booking,
        result,
        &message,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn cancel(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let booking = load(&state, id).await?;
    let result = state
        .store
        .staff_cancel(booking.id, &actor(&staff), state.clock.now())
        .await;
    finish(
        &state,
        &staff,
        "booking.cancel",
        &booking,
        result,
        "予約を取り消しました。",
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct VisitForm {
    csrf: String,
    status: String,
}

pub(crate) async fn visit(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<VisitForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let booking = load(&state, id).await?;
    let status = match form.status.as_str() {
        "attended" => BookingStatus::Attended,
        "no_show" => BookingStatus::NoShow,
        "booked" => BookingStatus::Booked,
        _ => {
            return Err(AdminError::App(crate::AppError::BadRequest(
                "status".into(),
            )));
        }
    };
    let result = state
        .store
        .set_visit_status(booking.id, status, &actor(&staff), state.clock.now())
        .await;
    let message = match status {
        BookingStatus::Attended => "来庁済みにしました。",
        BookingStatus::NoShow => "来庁なしにしました。",
        _ => "来庁の記録を取り消しました。",
    };
    finish(&state, &staff, "booking.visit", &booking, result, message).await
}

/// A slot offered for booking or moving, with the seats staff can book.
pub(crate) struct SlotChoice {
    pub id: i64,
    pub label: String,
    pub venue: String,
    pub remaining: i64,
}

async fn choices(state: &AppState, slots: &[(Slot, i64)]) -> Result<Vec<SlotChoice>, AdminError> {
    let venues = state.store.venues(true).await?;
    Ok(slots
        .iter()
        .map(|(s, remaining)| SlotChoice {
            id: s.id.0,
            label: slot_label(s.date, s.start_min, s.end_min),
            venue: venues
                .iter()
                .find(|v| v.id == s.venue_id)
                .map(|v| v.name.clone())
                .unwrap_or_default(),
            remaining: *remaining,
        })
        .collect())
}

/// The slots of a venue on a day with the seats staff can still book.
async fn slots_of_day(
    state: &AppState,
    venue: VenueId,
    date: chrono::NaiveDate,
) -> Result<Vec<(Slot, i64)>, AdminError> {
    let settings = state.store.settings().await?;
    let now = state.clock.now();
    Ok(state
        .store
        .slots_between(venue, date, date)
        .await?
        .into_iter()
        .filter(|s| s.capacity > 0)
        .map(|s| {
            let left = settings.seats.remaining(&s.seats(), Channel::Staff, now);
            (s, left)
        })
        .collect())
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MoveQuery {
    #[serde(default)]
    venue: String,
    #[serde(default)]
    date: String,
}

#[derive(Template)]
#[template(path = "admin/ops/move.html")]
struct MovePage {
    layout: AdminLayout,
    id: i64,
    b: BookingView,
    venues: Vec<VenueOption>,
    date: String,
    slots: Vec<SlotChoice>,
    alternatives: Vec<SlotChoice>,
    error: String,
}

async fn move_page(
    state: &AppState,
    staff: &Staff,
    booking: &Booking,
    venue: VenueId,
    date: chrono::NaiveDate,
    alternatives: Vec<SlotChoice>,
    error: String,
) -> Result<Response, AdminError> {
    let settings = state.store.settings().await?;
    let v = state.store.find_venue(booking.venue_id).await?;
    let slots = slots_of_day(state, venue, date).await?;
    let page = MovePage {
        layout: AdminLayout::new(staff, "予約の日時・会場の変更", SECTION),
        id: booking.id.0,
        b: BookingView::new(booking, v.as_ref(), &settings),
        venues: venue_options(state, Some(venue.0), false).await?,
        date: date.format("%Y-%m-%d").to_string(),
        slots: choices(state, &slots).await?,
        alternatives,
        error,
    };
    Ok(render(&page))
}

pub(crate) async fn move_form(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<MoveQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    let booking = load(&state, id).await?;
    let venue = q.venue.parse().map(VenueId).unwrap_or(booking.venue_id);
    let date = parse_date(&q.date).unwrap_or(booking.slot_date);
    move_page(
        &state,
        &staff,
        &booking,
        venue,
        date,
        Vec::new(),
        String::new(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct MoveForm {
    csrf: String,
    slot: String,
}

pub(crate) async fn move_submit(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Staff)?;
    staff.check_csrf(&form.csrf)?;
    let booking = load(&state, id).await?;
    let Ok(slot_id) = form.slot.parse().map(SlotId) else {
        return move_page(
            &state,
            &staff,
            &booking,
            booking.venue_id,
            booking.slot_date,
            Vec::new(),
            "変更先の枠を選んでください。".to_owned(),
        )
        .await;
    };
    let now = state.clock.now();
    let result = state
        .store
        .staff_move(booking.id, slot_id, &actor(&staff), now)
        .await;
    let target = format!("booking:{}", booking.reservation_no.as_str());
    match result {
        Ok(b) => {
            staff
                .log(&state, "booking.move", &target, AccessResult::Ok)
                .await;
            let message = format!(
                "予約を{}に変更しました。",
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
                .log(&state, "booking.move", &target, AccessResult::Failed)
                .await;
            let slot = state.store.find_slot(slot_id).await?;
            let mut alternatives = Vec::new();
            if let Some(slot) = &slot {
                let alts = state
                    .store
                    .alternatives_to(
                        slot,
                        booking.applicant.party_size.seats(),
                        Channel::Staff,
                        now,
                    )
                    .await?;
                alternatives = choices(&state, &alts).await?;
            }
            let (venue, date) = slot.map_or((booking.venue_id, booking.slot_date), |s| {
                (s.venue_id, s.date)
            });
            move_page(
                &state,
                &staff,
                &booking,
                venue,
                date,
                alternatives,
                "その枠は満席になりました。空いている枠を選んでください。".to_owned(),
            )
            .await
        }
        Err(e) => match refusal_ja(&e) {
            Some(reason) => {
                staff
                    .log(&state, "booking.move", &target, AccessResult::Failed)
                    .await;
                move_page(
                    &state,
                    &staff,
                    &booking,
                    booking.venue_id,
                    booking.slot_date,
                    Vec::new(),
                    reason.to_owned(),
                )
                .await
            }
            None => Err(AdminError::App(e.into())),
        },
    }
}

// ---- booking on a caller's behalf -------------------------------------

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
