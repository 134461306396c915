//! Venues and their weekly templates.

use crate::rows::VenueRow;
use crate::{Result, Store, read, to_u32, write_tx};
use madoguchi_core::ids::VenueId;
use madoguchi_core::schedule::{DayHours, WeeklyTemplate};
use madoguchi_core::venue::{Venue, VenueForm, VenueGuide};
use madoguchi_core::window::ReceptionWindow;

impl Store {
    /// Venues in display order; disabled ones only when asked for.
    pub async fn venues(&self, include_disabled: bool) -> Result<Vec<Venue>> {
        let all = self.all_venues().await?;
        Ok(all
            .iter()
            .filter(|v| include_disabled || v.enabled)
            .cloned()
            .collect())
    }

    pub async fn find_venue(&self, id: VenueId) -> Result<Option<Venue>> {
        Ok(self
            .all_venues()
            .await?
            .iter()
            .find(|v| v.id == id)
            .cloned())
    }

    /// Every venue, through the in-process cache: a city has a handful of
    /// venues and every page and booking needs them.
    async fn all_venues(&self) -> Result<std::sync::Arc<Vec<Venue>>> {
        if let Some(cached) = self.cache.venues() {
            return Ok(cached);
        }
        let rows: Vec<VenueRow> = read!(self, pool => {
            sqlx::query_as(
                "SELECT id, code, name, kana, address, phone, note, display_order, enabled, window_json,
                   map_url, access, parking
                 FROM venues ORDER BY display_order, id",
            )
            .fetch_all(pool)
            .await?
        });
        let venues = std::sync::Arc::new(
            rows.into_iter()
                .map(VenueRow::into_venue)
                .collect::<Result<Vec<_>>>()?,
        );
        self.cache.put_venues(venues.clone());
        Ok(venues)
    }

    /// Creates the venue with this code, or updates its details.
    pub async fn upsert_venue(&self, form: &VenueForm) -> Result<VenueId> {
        let id: (i64,) = write_tx!(self, tx => {
            sqlx::query_as(
                "INSERT INTO venues (code, name, kana, address, phone, note, display_order)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, kana = excluded.kana,
                   address = excluded.address, phone = excluded.phone, note = excluded.note,
                   display_order = excluded.display_order
                 RETURNING id",
            )
            .bind(&form.code)
            .bind(&form.name)
            .bind(&form.kana)
            .bind(&form.address)
            .bind(&form.phone)
            .bind(&form.note)
            .bind(form.display_order)
            .fetch_one(&mut *tx)
            .await?
        });
        self.cache.clear_venues();
        Ok(VenueId(id.0))
    }

    /// Sets how residents reach a venue (map, access, parking).
    pub async fn set_venue_guide(&self, id: VenueId, guide: &VenueGuide) -> Result<()> {
        write_tx!(self, tx => {
            sqlx::query("UPDATE venues SET map_url = $1, access = $2, parking = $3 WHERE id = $4")
                .bind(&guide.map_url)
                .bind(&guide.access)
                .bind(&guide.parking)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        });
        self.cache.clear_venues();
        Ok(())
    }

    pub async fn set_venue_enabled(&self, id: VenueId, enabled: bool) -> Result<()> {
        write_tx!(self, tx => {
            sqlx::query("UPDATE venues SET enabled = $1 WHERE id = $2")
                .bind(enabled)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        });
        self.cache.clear_venues();
        Ok(())
    }

    /// Gives a venue its own reception window, or (`None`) makes it follow
    /// the global one.
    pub async fn set_venue_window(
        &self,
        id: VenueId,
        window: Option<&ReceptionWindow>,
    ) -> Result<()> {
        let json = window
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| crate::StoreError::Corrupt(format!("venue window: {e}")))?;
        write_tx!(self, tx => {
            sqlx::query("UPDATE venues SET window_json = $1 WHERE id = $2")
                .bind(json)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        });
        self.cache.clear_venues();
        Ok(())
    }

    /// Replaces a venue's weekly template.
    pub async fn set_weekly_template(
        &self,
        venue: VenueId,
        template: &WeeklyTemplate,
    ) -> Result<()> {
        write_tx!(self, tx => {
            sqlx::query("DELETE FROM venue_hours WHERE venue_id = $1")
                .bind(venue.0)
                .execute(&mut *tx)
                .await?;
            for day in &template.days {
                sqlx::query(
                    "INSERT INTO venue_hours (venue_id, weekday, open_min, close_min, slot_minutes, capacity, reserved)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(venue.0)
                .bind(i64::from(day.weekday))
                .bind(i64::from(day.open_min))
                .bind(i64::from(day.close_min))
                .bind(i64::from(day.slot_minutes))
                .bind(i64::from(day.capacity))
                .bind(i64::from(day.reserved))
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    pub async fn weekly_template(&self, venue: VenueId) -> Result<WeeklyTemplate> {
        let rows: Vec<(i64, i64, i64, i64, i64, i64)> = read!(self, pool => {
            sqlx::query_as(
                "SELECT weekday, open_min, close_min, slot_minutes, capacity, reserved
                 FROM venue_hours WHERE venue_id = $1 ORDER BY weekday, open_min",
            )
            .bind(venue.0)
            .fetch_all(pool)
            .await?
        });
        let days = rows
            .into_iter()
            .map(|(weekday, open, close, minutes, capacity, reserved)| {
                Ok(DayHours {
                    weekday: u8::try_from(weekday)
                        .map_err(|_| crate::StoreError::Corrupt(format!("weekday {weekday}")))?,
                    open_min: to_u32(open, "open_min")?,
                    close_min: to_u32(close, "close_min")?,
                    slot_minutes: to_u32(minutes, "slot_minutes")?,
                    capacity: to_u32(capacity, "capacity")?,
                    reserved: to_u32(reserved, "reserved")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(WeeklyTemplate { days })
    }
}
