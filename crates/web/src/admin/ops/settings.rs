//! Service settings staff edit (admins only): the reception window, the
//! city's closed days, the eligibility checklist and the start-page texts.

use super::done;
use super::venues::window_from;
use crate::AppState;
use crate::admin::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use madoguchi_core::eligibility::EligibilityItem;
use madoguchi_core::staff::Role;
use madoguchi_store::AccessResult;
use serde::Deserialize;
use std::collections::BTreeSet;

const SECTION: &str = "/admin/settings";
const PATH: &str = "/admin/settings";

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MsgQuery {
    #[serde(default)]
    msg: String,
}

#[derive(Template)]
#[template(path = "admin/ops/settings.html")]
struct SettingsPage {
    layout: AdminLayout,
    opens_days_ahead: u32,
    closes_days_before: u32,
    closes_at: String,
    closures: String,
    checklist: String,
    about: String,
    what_to_bring: String,
    how_it_works: String,
    error: String,
}

async fn settings_page(
    state: &AppState,
    staff: &Staff,
    flash: String,
    error: String,
) -> Result<Response, AdminError> {
    let s = state.store.settings().await?;
    let page = SettingsPage {
        layout: AdminLayout::new(staff, "設定", SECTION).with_flash(flash),
        opens_days_ahead: s.window.opens_days_ahead,
        closes_days_before: s.window.closes.days_before,
        closes_at: super::hhmm_field(s.window.closes.at_minute),
        closures: s
            .closed_days
            .dates
            .iter()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        checklist: s
            .checklist
            .items
            .iter()
            .map(|i| format!("{}｜{}", i.statement, i.if_not))
            .collect::<Vec<_>>()
            .join("\n"),
        about: s.start_page.about.clone(),
        what_to_bring: s.start_page.what_to_bring.join("\n"),
        how_it_works: s.start_page.how_it_works.join("\n"),
        error,
    };
    Ok(render(&page))
}

pub(crate) async fn page(
    staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<MsgQuery>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff
        .log(&state, "settings.view", "", AccessResult::Ok)
        .await;
    settings_page(&state, &staff, q.msg, String::new()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct WindowForm {
    csrf: String,
    opens_days_ahead: String,
    closes_days_before: String,
    closes_at: String,
}

pub(crate) async fn save_window(
    staff: Staff,
    State(state): State<AppState>,
    Form(f): Form<WindowForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&f.csrf)?;
    match window_from(&f.opens_days_ahead, &f.closes_days_before, &f.closes_at) {
        Ok(window) => {
            let mut s = (*state.store.settings().await?).clone();
            s.window = window;
            state.store.save_settings(&s).await?;
            staff
                .log(&state, "settings.window", "", AccessResult::Ok)
                .await;
            Ok(done(&state, PATH, "受付期間を保存しました。"))
        }
        Err(message) => settings_page(&state, &staff, String::new(), message.to_owned()).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TextForm {
    csrf: String,
    #[serde(default)]
    text: String,
}

pub(crate) async fn save_closures(
    staff: Staff,
    State(state): State<AppState>,
    Form(f): Form<TextForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&f.csrf)?;
    let mut dates = BTreeSet::new();
    for line in f.text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let folded = madoguchi_core::text::normalize_dashes(&madoguchi_core::text::nfkc(line))
            .replace('/', "-");
        match super::parse_date(&folded) {
            Some(d) => {
                dates.insert(d);
            }
            None => {
                return settings_page(&state, &staff, String::new(), format!("「{line}」は日付として読めません。2026-12-28 のように1行に1日ずつ入力してください。")).await;
            }
        }
    }
    let mut s = (*state.store.settings().await?).clone();
    let count = dates.len();
    s.closed_days.dates = dates;
    state.store.save_settings(&s).await?;
    staff
        .log(&state, "settings.closures", "", AccessResult::Ok)
        .await;
    Ok(done(
        &state,
        PATH,
        &format!(
            "市の休業日を保存しました（{count}日）。枠に反映するには各会場の「枠の作成・更新」を行ってください。"
        ),
    ))
}

pub(crate) async fn save_checklist(
    staff: Staff,
    State(state): State<AppState>,
    Form(f): Form<TextForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&f.csrf)?;
    let mut s = (*state.store.settings().await?).clone();
    let mut items = Vec::new();
    for (n, line) in f
        .text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let (statement, if_not) = line
            .split_once('｜')
            .or_else(|| line.split_once('|'))
            .unwrap_or((line, ""));
        // Keep the key of an unchanged statement so residents' ticks stay valid.
        let key = s
            .checklist
            .items
            .iter()
            .find(|i| i.statement == statement.trim())
            .map_or_else(|| format!("item{}", n + 1), |i| i.key.clone());
        items.push(EligibilityItem {
            key,
            statement: statement.trim().to_owned(),
            if_not: if_not.trim().to_owned(),
        });
    }
    if items.is_empty() {
        return settings_page(
            &state,
            &staff,
            String::new(),
            "確認事項を1つ以上入力してください。".to_owned(),
        )
        .await;
    }
    let mut seen = BTreeSet::new();
    for item in &mut items {
        while !seen.insert(item.key.clone()) {
            item.key.push('x');
        }
    }
    s.checklist.items = items;
    state.store.save_settings(&s).await?;
    staff
        .log(&state, "settings.checklist", "", AccessResult::Ok)
        .await;
    Ok(done(&state, PATH, "確認事項を保存しました。"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StartPageForm {
    csrf: String,
    #[serde(default)]
    about: String,
    #[serde(default)]
    what_to_bring: String,
    #[serde(default)]
    how_it_works: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(crate) async fn save_start_page(
    staff: Staff,
    State(state): State<AppState>,
    Form(f): Form<StartPageForm>,
) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    staff.check_csrf(&f.csrf)?;
    let mut s = (*state.store.settings().await?).clone();
    s.start_page.about = f.about.trim().replace("\r\n", "\n");
    s.start_page.what_to_bring = lines(&f.what_to_bring);
    s.start_page.how_it_works = lines(&f.how_it_works);
    state.store.save_settings(&s).await?;
    staff
        .log(&state, "settings.start_page", "", AccessResult::Ok)
        .await;
    Ok(done(&state, PATH, "スタートページの文章を保存しました。"))
}
