//! The checklist residents confirm before the booking screens (A11).

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

/// Where to go after the checklist: one of the booking pages that send
/// residents here (`/venues`, `/venues/3`, `/venues/3/2026-12-03`,
/// `/book/12`), else the venue list. Anything else, however it is encoded
/// (`/%09/evil.example`, control characters), is never followed: no open
/// redirect, and no header value that cannot be sent.
fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/venues";
    let Some(path) = next else {
        return HOME.to_owned();
    };
    let is_id = |s: &str| !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit());
    let is_date =
        |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10;
    let segments: Vec<&str> = match path.strip_prefix('/') {
        Some(rest) => rest.split('/').collect(),
        None => return HOME.to_owned(),
    };
    let known = match segments.as_slice() {
        ["venues"] => true,
        ["venues", venue] => is_id(venue),
        ["venues", venue, day] => is_id(venue) && is_date(day),
        ["book", slot] => is_id(slot),
        _ => false,
    };
    if known {
        path.to_owned()
    } else {
        HOME.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_follows_only_the_booking_pages() {
        for good in ["/venues", "/venues/3", "/venues/3/2026-12-03", "/book/12"] {
            assert_eq!(safe_next(Some(good)), good);
        }
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "/\t/evil.example/",
            "/%09/evil.example/x",
            "/venues/3\r\nSet-Cookie: x=1",
            "/venues/\u{b}3",
            "/venues/3/2026-13-45",
            "/venues/3?x=//evil",
            "/admin",
            "/book/12/../../x",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/venues", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/venues");
    }
}
