//! The slots offered for booking or moving, with the seats staff can book.

use crate::AppState;
use crate::admin::AdminError;
use crate::views::slot_label;
use madoguchi_core::booking::Channel;
use madoguchi_core::ids::VenueId;
use madoguchi_store::Slot;

/// A slot offered for booking or moving, with the seats staff can book.
pub(crate) struct SlotChoice {
    pub id: i64,
    pub label: String,
    pub venue: String,
    pub remaining: i64,
}

pub(super) async fn choices(
    state: &AppState,
    slots: &[(Slot, i64)],
) -> Result<Vec<SlotChoice>, AdminError> {
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
pub(super) async fn slots_of_day(
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
