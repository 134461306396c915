//! The start page the city website links to.

use crate::AppState;
use crate::views::{Layout, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use madoguchi_core::clock::date_ja_with_year;

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    layout: Layout,
    about: String,
    what_to_bring: Vec<String>,
    how_it_works: Vec<String>,
    period: String,
    booking_phone: String,
    venues: Vec<(String, String, String)>,
    open: bool,
}

pub async fn page(State(state): State<AppState>) -> Result<Response, crate::AppError> {
    let settings = state.store.settings().await?;
    let venues = state.store.venues(false).await?;
    let now = state.clock.now();
    let open = settings
        .window
        .bookable_range(&settings.period, now)
        .is_some();
    let page = StartPage {
        layout: Layout::new(
            &settings,
            settings.city.service_title.clone(),
            String::new(),
        ),
        about: settings.start_page.about.clone(),
        what_to_bring: settings.start_page.what_to_bring.clone(),
        how_it_works: settings.start_page.how_it_works.clone(),
        period: format!(
            "{}から{}まで",
            date_ja_with_year(settings.period.first_day),
            date_ja_with_year(settings.period.last_day)
        ),
        booking_phone: settings.city.booking_phone.clone(),
        venues: venues
            .iter()
            .map(|v| (v.id.to_string(), v.name.clone(), v.note.clone()))
            .collect(),
        open,
    };
    Ok(render(&page))
}
