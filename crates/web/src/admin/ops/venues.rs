//! Venues: the list, adding one, editing its details, its own reception
//! window, and taking it out of service.

use super::{done, hhmm_field, parse_hhmm};
use crate::AppState;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use madoguchi_core::ids::VenueId;
use madoguchi_core::staff::Role;
use madoguchi_core::venue::{Venue, VenueForm, VenueGuide};
use madoguchi_core::window::{Cutoff, ReceptionWindow};
use madoguchi_store::AccessResult;
use serde::Deserialize;

const SECTION: &str = "/admin/venues";

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MsgQuery {
    #[serde(default)]
    msg: String,
}

#[derive(Template)]
#[template(path = "admin/ops/venues.html")]
struct ListPage {
    layout: AdminLayout,
    venues: Vec<Venue>,
    can_edit: bool,
    form: VenueForm,
    error: String,
}

fn empty_form() -> VenueForm {
    VenueForm {
        code: String::new(),
        name: String::new(),
        kana: String::new(),
        address: String::new(),
        phone: String::new(),
        note: String::new(),
        display_order: 0,
    }
}

pub(crate) async fn list(
    staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<MsgQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    staff.log(&state, "venue.list", "", AccessResult::Ok).await;
    let page = ListPage {
        layout: AdminLayout::new(&staff, "会場", SECTION).with_flash(q.msg),
        venues: state.store.venues(true).await?,
        can_edit: staff.role.allows(Role::Admin),
        form: empty_form(),
        error: String::new(),
    };
    Ok(render(&page))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct VenueFields {
    csrf: String,
    #[serde(default)]
    code: String,
    name: String,
    kana: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    display_order: String,
    /// How to get there (edit page only).
    #[serde(flatten)]
    guide: VenueGuide,
}

fn check(f: &VenueFields, code: String) -> Result<VenueForm, &'static str> {
    let code = code.trim().to_owned();
    if code.is_empty()
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("会場コードは半角の英小文字・数字・ハイフンで入力してください（32文字まで）。");
    }
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err("会場名を入力してください（60文字まで）。");
    }
    let kana = f.kana.trim();
    if kana.is_empty() || kana.chars().count() > 60 {
        return Err("会場名のよみを入力してください（60文字まで）。");
    }
    if f.note.chars().count() > 400 || f.address.chars().count() > 200 {
        return Err("住所は200文字、お知らせは400文字までにしてください。");
    }
    Ok(VenueForm {
        code,
        name: name.to_owned(),
        kana: kana.to_owned(),
        address: f.address.trim().to_owned(),
        phone: f.phone.trim().to_owned(),
        note: f.note.trim().to_owned(),
        display_order: madoguchi_core::text::nfkc(&f.display_order)
            .trim()
            .parse()
            .unwrap_or(0),
    })
}

pub(crate) async fn create(
    staff: Staff,
    State(state): State<AppState>,
    Form(f): Form<VenueFields>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&f.csrf)?;
    let venues = state.store.venues(true).await?;
    let result = check(&f, f.code.clone()).and_then(|form| {
        if venues.iter().any(|v| v.code == form.code) {
            Err("その会場コードはすでに使われています。")
        } else {
            Ok(form)
        }
    });
    match result {
        Ok(form) => {
            let id = state.store.upsert_venue(&form).await?;
            staff
                .log(
                    &state,
                    "venue.create",
                    &format!("venue:{}", id.0),
                    AccessResult::Ok,
                )
                .await;
            Ok(done(
                &state,
                &format!("/admin/venues/{}", id.0),
                &format!(
                    "会場「{}」を追加しました。受付時間を設定し、枠を作成してください。",
                    form.name
                ),
            ))
        }
        Err(message) => {
            let page = ListPage {
                layout: AdminLayout::new(&staff, "会場", SECTION),
                venues,
                can_edit: true,
                form: VenueForm {
                    code: f.code.clone(),
                    name: f.name.clone(),
                    kana: f.kana.clone(),
                    address: f.address.clone(),
                    phone: f.phone.clone(),
                    note: f.note.clone(),
                    display_order: 0,
                },
                error: message.to_owned(),
            };
            Ok(render(&page))
        }
    }
}

#[derive(Template)]
#[template(path = "admin/ops/venue.html")]
struct EditPage {
    layout: AdminLayout,
    venue: Venue,
    can_edit: bool,
    own_window: bool,
    opens_days_ahead: u32,
    closes_days_before: u32,
    closes_at: String,
    error: String,
}

async fn edit_page(
    state: &AppState,
    staff: &Staff,
    venue: Venue,
    flash: String,
    error: String,
) -> Result<Response, AdminError> {
    let settings = state.store.settings().await?;
    let window = venue.window_or(&settings.window);
    let page = EditPage {
        layout: AdminLayout::new(staff, format!("会場：{}", venue.name), SECTION).with_flash(flash),
        can_edit: staff.role.allows(Role::Admin),
        own_window: venue.window.is_some(),
        opens_days_ahead: window.opens_days_ahead,
        closes_days_before: window.closes.days_before,
        closes_at: hhmm_field(window.closes.at_minute),
        venue,
        error,
    };
    Ok(render(&page))
}

async fn venue_of(state: &AppState, id: i64) -> Result<Venue, AdminError> {
    state
        .store
        .find_venue(VenueId(id))
        .await?
        .ok_or(AdminError::App(crate::AppError::NotFound))
}

pub(crate) async fn edit(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<MsgQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Viewer)?;
    let venue = venue_of(&state, id).await?;
    staff
        .log(
            &state,
            "venue.view",
            &format!("venue:{id}"),
            AccessResult::Ok,
        )
        .await;
    edit_page(&state, &staff, venue, q.msg, String::new()).await
}

pub(crate) async fn save(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<VenueFields>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&f.csrf)?;
    let venue = venue_of(&state, id).await?;
    // The code is the venue's stable key (links, configuration): kept.
    let checked = check(&f, venue.code.clone()).and_then(|form| {
        let guide = f.guide.normalized()?;
        if guide.access.chars().count() > 200 || guide.parking.chars().count() > 200 {
            return Err("交通と駐車場は、それぞれ200文字までにしてください。");
        }
        Ok((form, guide))
    });
    match checked {
        Ok((form, guide)) => {
            state.store.upsert_venue(&form).await?;
            state.store.set_venue_guide(venue.id, &guide).await?;
            staff
                .log(
                    &state,
                    "venue.edit",
                    &format!("venue:{id}"),
                    AccessResult::Ok,
                )
                .await;
            Ok(done(
                &state,
                &format!("/admin/venues/{id}"),
                "会場の情報を保存しました。",
            ))
        }
        Err(message) => edit_page(&state, &staff, venue, String::new(), message.to_owned()).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct EnabledForm {
    csrf: String,
    enabled: String,
}

pub(crate) async fn set_enabled(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<EnabledForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&f.csrf)?;
    let venue = venue_of(&state, id).await?;
    let enabled = f.enabled == "1";
    state.store.set_venue_enabled(venue.id, enabled).await?;
    staff
        .log(
            &state,
            "venue.enabled",
            &format!("venue:{id} enabled:{enabled}"),
            AccessResult::Ok,
        )
        .await;
    let message = if enabled {
        "会場の受付を再開しました。"
    } else {
        "会場の受付を停止しました。予約済みの方の予約はそのまま残ります。"
    };
    Ok(done(&state, &format!("/admin/venues/{id}"), message))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct WindowForm {
    csrf: String,
    #[serde(default)]
    own: String,
    #[serde(default)]
    opens_days_ahead: String,
    #[serde(default)]
    closes_days_before: String,
    #[serde(default)]
    closes_at: String,
}

/// A reception window from the form fields (changes close with booking).
pub(crate) fn window_from(
    opens: &str,
    days_before: &str,
    at: &str,
) -> Result<ReceptionWindow, &'static str> {
    let opens: u32 = madoguchi_core::text::digits_only(opens)
        .parse()
        .map_err(|_| "何日前から受け付けるかを数字で入力してください。")?;
    let days_before: u32 = madoguchi_core::text::digits_only(days_before)
        .parse()
        .map_err(|_| "締切が何日前かを数字で入力してください。")?;
    let at_minute = parse_hhmm(at).ok_or("締切の時刻は 17:00 のように入力してください。")?;
    if opens == 0 || opens > 365 || days_before > opens || days_before > 30 {
        return Err("受付開始は1〜365日前、締切は受付開始より後（30日前まで）にしてください。");
    }
    let cutoff = Cutoff {
        days_before,
        at_minute,
    };
    Ok(ReceptionWindow {
        opens_days_ahead: opens,
        closes: cutoff,
        changes_close: cutoff,
    })
}

pub(crate) async fn set_window(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<WindowForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&f.csrf)?;
    let venue = venue_of(&state, id).await?;
    if f.own != "1" {
        state.store.set_venue_window(venue.id, None).await?;
        staff
            .log(
                &state,
                "venue.window",
                &format!("venue:{id}"),
                AccessResult::Ok,
            )
            .await;
        return Ok(done(
            &state,
            &format!("/admin/venues/{id}"),
            "この会場の受付期間を全体の設定に合わせました。",
        ));
    }
    match window_from(&f.opens_days_ahead, &f.closes_days_before, &f.closes_at) {
        Ok(window) => {
            state
                .store
                .set_venue_window(venue.id, Some(&window))
                .await?;
            staff
                .log(
                    &state,
                    "venue.window",
                    &format!("venue:{id}"),
                    AccessResult::Ok,
                )
                .await;
            Ok(done(
                &state,
                &format!("/admin/venues/{id}"),
                "この会場の受付期間を保存しました。",
            ))
        }
        Err(message) => edit_page(&state, &staff, venue, String::new(), message.to_owned()).await,
    }
}
