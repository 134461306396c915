//! The seat rule of `madoguchi_core::capacity::SeatPolicy::remaining`,
//! written as SQL for the statements that must check it atomically (the
//! conditional seat update, holds) or filter by it (free slots, seats per
//! day). Every statement builds its condition from [`free_seats`], and the
//! test below checks the SQL against the core rule over every case.

/// Seats free for a channel in a slot row, before clamping at zero:
/// `capacity - booked - held - kept back`. `prefix` qualifies the columns
/// (`"s."` or `""`); `withhold` is an SQL boolean saying whether seats kept
/// for phone and staff are withheld (web bookings), `release_after` the
/// Unix instant after which a slot's kept-back seats are still withheld.
pub(crate) fn free_seats(prefix: &str, withhold: &str, release_after: &str) -> String {
    format!(
        "({prefix}capacity - {prefix}booked - {prefix}held - \
         (CASE WHEN {withhold} AND {prefix}starts_at > {release_after} THEN {prefix}reserved ELSE 0 END))"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::free_seats;
    use chrono::{DateTime, Duration, Utc};
    use madoguchi_core::booking::Channel;
    use madoguchi_core::capacity::{SeatPolicy, SlotSeats};

    /// The SQL and the core rule agree on the seats left, for every channel,
    /// before and after the kept-back seats are released, with and without
    /// holds.
    #[tokio::test]
    async fn the_sql_condition_is_the_core_seat_rule() {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        let sql = format!(
            "SELECT {} FROM (SELECT $3 AS capacity, $4 AS booked, $5 AS held, $6 AS reserved, $7 AS starts_at) AS slot",
            free_seats("slot.", "$1", "$2")
        );
        let policy = SeatPolicy {
            release_reserved_minutes_before: 120,
        };
        let starts_at: DateTime<Utc> = "2026-12-03T01:00:00Z".parse().unwrap();
        let mut checked = 0;
        for minutes_before in [0, 60, 119, 120, 121, 24 * 60] {
            let now = starts_at - Duration::minutes(minutes_before);
            for channel in [Channel::Web, Channel::Phone, Channel::Staff] {
                for (capacity, booked, held, reserved) in [
                    (4, 0, 0, 0),
                    (4, 1, 0, 2),
                    (4, 1, 1, 1),
                    (4, 0, 3, 1),
                    (2, 2, 0, 1),
                    (3, 0, 0, 3),
                ] {
                    let seats = SlotSeats {
                        capacity,
                        booked,
                        held,
                        reserved,
                        starts_at,
                    };
                    let release_after =
                        now + Duration::minutes(policy.release_reserved_minutes_before);
                    let (free,): (i64,) = sqlx::query_as(&sql)
                        .bind(channel == Channel::Web)
                        .bind(release_after.timestamp())
                        .bind(capacity)
                        .bind(booked)
                        .bind(held)
                        .bind(reserved)
                        .bind(starts_at.timestamp())
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                    assert_eq!(
                        free.max(0),
                        policy.remaining(&seats, channel, now),
                        "{seats:?} for {channel:?}, {minutes_before} minutes before"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 6 * 3 * 6);
    }
}
