//! Schedules and seats: a venue's weekly template, date exceptions,
//! generating slots with a preview, bulk capacity changes, and the
//! overview of seats left per venue and day.
//!
//! One file per page or verb; the venue look-up and the words for weekdays
//! they share are here.

mod capacity;
mod exceptions;
mod generate;
mod overview;
mod page;
mod plan_view;
mod weekly_template;

pub(crate) use capacity::capacity;
pub(crate) use exceptions::{add_exception, delete_exception};
pub(crate) use generate::{apply, preview};
pub(crate) use overview::overview;
pub(crate) use page::page;
pub(crate) use weekly_template::save_template;

use crate::AppState;
use crate::admin::AdminError;
use madoguchi_core::ids::VenueId;
use madoguchi_core::venue::Venue;

const SECTION: &str = "/admin/schedules";
const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
/// Opening ranges per weekday on the template form (e.g. morning, afternoon).
const RANGES: usize = 2;

async fn venue_of(state: &AppState, id: i64) -> Result<Venue, AdminError> {
    state
        .store
        .find_venue(VenueId(id))
        .await?
        .ok_or(AdminError::App(crate::AppError::NotFound))
}

fn back(venue: i64) -> String {
    format!("/admin/schedules?venue={venue}")
}
