//! Bookings whose name is marked for staff to check: the phone agent could
//! not hear it for sure and kept the best reading (issue 11). Correcting
//! the name clears the mark.

use crate::{Result, Store, read, write_tx};
use madoguchi_core::ids::BookingId;
use std::collections::HashSet;

/// Marks booking `$id` (i64) for staff to check, inside the booking's own
/// transaction `$tx` (see [`Store::book_held`]); `$at`: unix seconds.
macro_rules! insert_mark {
    ($tx:expr, $id:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO name_checks (booking_id, created_at) VALUES ($1, $2)
             ON CONFLICT (booking_id) DO NOTHING",
        )
        .bind($id)
        .bind($at)
        .execute($tx)
        .await?
    };
}
pub(crate) use insert_mark;

impl Store {
    /// Clears the mark (the name was checked and corrected).
    pub async fn clear_name_to_check(&self, booking: BookingId) -> Result<()> {
        write_tx!(self, tx => {
            sqlx::query("DELETE FROM name_checks WHERE booking_id = $1")
                .bind(booking.0)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Which of `bookings` have their name marked for checking.
    pub async fn names_to_check(&self, bookings: &[BookingId]) -> Result<HashSet<BookingId>> {
        if bookings.is_empty() {
            return Ok(HashSet::new());
        }
        let ids: Vec<String> = bookings.iter().map(|b| b.0.to_string()).collect();
        // Ids are integers formatted here, not caller text.
        let sql = format!(
            "SELECT booking_id FROM name_checks WHERE booking_id IN ({})",
            ids.join(",")
        );
        let rows: Vec<(i64,)> = read!(self, pool => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(id,)| BookingId(id)).collect())
    }
}
