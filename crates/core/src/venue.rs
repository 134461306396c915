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
    /// How to get there (map, access, parking).
    pub guide: VenueGuide,
}

/// How residents reach a venue: shown on the venue cards, the confirmation
/// and the done page, and printed on the booking slip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueGuide {
    /// A map page (https). Empty: the pages link a map search for the address.
    #[serde(default)]
    pub map_url: String,
    /// By train or bus, e.g. `名鉄一宮駅から徒歩5分`.
    #[serde(default)]
    pub access: String,
    /// Parking, e.g. `本庁舎西側の駐車場（無料）`.
    #[serde(default)]
    pub parking: String,
}

impl VenueGuide {
    /// Trimmed, with a map link that is not `https://…` refused.
    pub fn normalized(&self) -> Result<VenueGuide, &'static str> {
        let map_url = self.map_url.trim();
        if !map_url.is_empty()
            && (!map_url.starts_with("https://") || map_url.chars().any(char::is_whitespace))
        {
            return Err("地図のリンクは https:// で始まるアドレスを入力してください。");
        }
        Ok(VenueGuide {
            map_url: map_url.to_owned(),
            access: self.access.trim().to_owned(),
            parking: self.parking.trim().to_owned(),
        })
    }
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
