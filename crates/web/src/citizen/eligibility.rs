//! The checklist residents confirm before the booking screens (A11).

use super::safe_next;
use crate::views::{Layout, Step, render};
use crate::{AppError, AppState, session};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::{Form, PrivateCookieJar};
use serde::Deserialize;

struct ItemView {
    key: String,
    statement: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "eligibility.html")]
struct EligibilityPage {
    layout: Layout,
    items: Vec<ItemView>,
    next: String,
    /// (statement, what to do instead) for each unticked item, after a submit.
    unticked: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    let settings = state.store.settings().await?;
    let (jar, csrf) = session::csrf_token(jar, state.config.secure_cookies);
    let page = EligibilityPage {
        layout: Layout::new(&settings, "確認事項", csrf).at_step(Step::Checklist),
        items: settings
            .checklist
            .items
            .iter()
            .map(|i| ItemView {
                key: i.key.clone(),
                statement: i.statement.clone(),
                checked: false,
            })
            .collect(),
        next: safe_next(query.next.as_deref()),
        unticked: Vec::new(),
    };
    Ok((jar, render(&page)).into_response())
}

#[derive(Deserialize)]
pub struct EligibilityForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: Option<String>,
    /// The keys of the ticked items (repeated `confirm` fields).
    #[serde(default)]
    confirm: Vec<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    jar: PrivateCookieJar,
    Form(form): Form<EligibilityForm>,
) -> Result<Response, AppError> {
    session::check_csrf(&jar, &form.csrf)?;
    let settings = state.store.settings().await?;
    let unticked = settings.checklist.unticked(&form.confirm);
    let next = safe_next(form.next.as_deref());
    if unticked.is_empty() {
        let jar = session::set_eligible(
            jar,
            &settings.checklist.version(),
            state.config.secure_cookies,
        );
        return Ok((jar, Redirect::to(&next)).into_response());
    }
    let page = EligibilityPage {
        layout: Layout::new(&settings, "確認事項（ご確認ください）", form.csrf.clone())
            .at_step(Step::Checklist),
        items: settings
            .checklist
            .items
            .iter()
            .map(|i| ItemView {
                key: i.key.clone(),
                statement: i.statement.clone(),
                checked: form.confirm.contains(&i.key),
            })
            .collect(),
        next,
        unticked: unticked
            .iter()
            .map(|i| (i.statement.clone(), i.if_not.clone()))
            .collect(),
    };
    Ok((jar, render(&page)).into_response())
}
