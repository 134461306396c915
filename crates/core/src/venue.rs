//! Venues: the counters where residents are served (A3).

use crate::ids::VenueId;
use crate::window::ReceptionWindow;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Venue {
    pub id: VenueId,
    /// Short stable key for links and configuration, e.g. `honcho`.
    pub code: String,
    pub name: String,
    /// Reading in hiragana, used for sorting, search and speech.
    pub kana: String,
    pub address: String,
    pub phone: String,
    /// A short note shown to residents (access, floor, parking).
    pub note: String,
    pub display_order: i64,
    pub enabled: bool,
    /// This venue's own reception window, if it differs from the global one.
    pub window: Option<ReceptionWindow>,
}

/// What staff (or the demo seed) give to create or update a venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueForm {
    pub code: String,
    pub name: String,
    pub kana: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub display_order: i64,
}

impl Venue {
    /// The reception window that applies to this venue.
    pub fn window_or(&self, global: &ReceptionWindow) -> ReceptionWindow {
        self.window.unwrap_or(*global)
    }
}
