//! Report figures (issue 15): known bookings and calls counted by venue,
//! channel, day and outcome — and the same figures after the retention
//! purge has deleted the bookings and calls themselves.

use crate::fixtures::{at, book, cancel, change, day, now, slots, venue, weekdays};
use crate::harness::TestDb;
use chrono::{DateTime, Duration, Utc};
use madoguchi_core::booking::{BookingStatus, Channel};
use madoguchi_core::ids::VenueId;
use madoguchi_store::{Actor, BookingReport, CallEnd, CallReport, NewCall, Store, Tally};
use std::collections::BTreeMap;

on_both_backends! {
    #[tokio::test]
    bookings_are_counted_by_venue_channel_and_day_before_and_after_the_purge,
    calls_are_counted_by_day_and_outcome_before_and_after_the_purge,
    counts_purged_before_lead_days_were_kept_leave_the_average_alone,
}

/// 本庁 (4 seats at 10:00 and 10:30 on Thu 12/3 and Fri 12/4) and 尾西
/// (the same on 12/3 only), booked on 11/25:
/// - web, 2 people, 本庁 12/3 10:00 → attended
/// - phone, 1 person, 本庁 12/3 10:00 → no-show
/// - staff, 3 people, 尾西 12/3 10:00 → still booked
/// - web, 1 person, 本庁 12/3 10:30 → cancelled
/// - web, 1 person, 本庁 12/3 10:30 → changed to 12/4 10:00
async fn known_bookings(store: &Store) -> anyhow::Result<(VenueId, VenueId)> {
    let honcho = venue(store, "honcho", 1).await?;
    let bisai = venue(store, "bisai", 2).await?;
    let a = slots(
        store,
        honcho,
        &weekdays(600, 660, 30, 4, 0),
        day(2026, 12, 3),
        day(2026, 12, 4),
    )
    .await?;
    let b = slots(
        store,
        bisai,
        &weekdays(600, 660, 30, 4, 0),
        day(2026, 12, 3),
        day(2026, 12, 3),
    )
    .await?;
    let staff = Actor::Staff("tanaka".to_owned());
    let attended = book(store, a[0].id, 2, "090-0000-0001", Channel::Web, now()).await?;
    store
        .set_visit_status(attended.id, BookingStatus::Attended, &staff, now())
        .await?;
    let missed = book(store, a[0].id, 1, "090-0000-0002", Channel::Phone, now()).await?;
    store
        .set_visit_status(missed.id, BookingStatus::NoShow, &staff, now())
        .await?;
    book(store, b[0].id, 3, "090-0000-0003", Channel::Staff, now()).await?;
    let cancelled = book(store, a[1].id, 1, "090-0000-0004", Channel::Web, now()).await?;
    cancel(store, &cancelled, now()).await?;
    let moved = book(store, a[1].id, 1, "090-0000-0005", Channel::Web, now()).await?;
    change(store, &moved, a[2].id, now()).await?;
    Ok((honcho, bisai))
}

/// A tally from its figures in field order: made, changes, cancelled,
/// booked, attended, no-show, seats, lead days, lead bookings.
fn tally(
    [
        made,
        changes,
        cancelled,
        booked,
        attended,
        no_show,
        seats,
        lead_days,
        lead_bookings,
    ]: [i64; 9],
) -> Tally {
    Tally {
        made,
        changes,
        cancelled,
        booked,
        attended,
        no_show,
        seats,
        lead_days,
        lead_bookings,
    }
}

fn check_bookings(report: &BookingReport, honcho: VenueId, bisai: VenueId) -> anyhow::Result<()> {
    // Booked on 11/25: 8 days before 12/3, 9 before 12/4.
    let by_venue = report.by_venue();
    assert_eq!(by_venue[&honcho], tally([4, 1, 1, 1, 1, 1, 4, 25, 3]));
    assert_eq!(by_venue[&bisai], tally([1, 0, 0, 1, 0, 0, 3, 8, 1]));
    let by_channel = report.by_channel();
    assert_eq!(
        by_channel[&Channel::Web],
        tally([3, 1, 1, 1, 1, 0, 3, 17, 2])
    );
    assert_eq!(
        by_channel[&Channel::Phone],
        tally([1, 0, 0, 0, 0, 1, 1, 8, 1])
    );
    assert_eq!(
        by_channel[&Channel::Staff],
        tally([1, 0, 0, 1, 0, 0, 3, 8, 1])
    );
    let by_day = report.by_day();
    assert_eq!(
        by_day[&day(2026, 12, 3)],
        tally([4, 0, 1, 1, 1, 1, 6, 24, 3])
    );
    assert_eq!(
        by_day[&day(2026, 12, 4)],
        tally([1, 1, 0, 1, 0, 0, 1, 9, 1])
    );
    let total = report.total();
    assert_eq!(total, tally([5, 1, 1, 2, 1, 1, 7, 33, 4]));
    assert_eq!(total.average_lead_days(), Some(8.25));
    // 本庁: 16 seats offered over two days, 3 + 1 taken; 尾西: 8 and 3.
    let seats = report.seats_by_venue();
    assert_eq!(seats[&honcho], (16, 4));
    assert_eq!(seats[&bisai], (8, 3));
    // Both days fall in the week of Monday 11/30.
    let weeks: BTreeMap<_, _> = [(day(2026, 11, 30), (24, 7))].into_iter().collect();
    assert_eq!(report.seats_by_week(), weeks);
    Ok(())
}

async fn bookings_are_counted_by_venue_channel_and_day_before_and_after_the_purge(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let (honcho, bisai) = known_bookings(store).await?;
    let first = day(2026, 12, 1);
    let last = day(2026, 12, 31);
    let before = store.booking_report(first, last).await?;
    check_bookings(&before, honcho, bisai)?;
    assert_eq!(before.clone().for_venue(bisai).total().made, 1);
    // A day outside the range counts nothing.
    let other = store.booking_report(day(2026, 12, 5), last).await?;
    assert_eq!(other.total(), Tally::default());

    assert_eq!(store.purge_bookings_before(day(2026, 12, 5)).await?, 5);
    let after = store.booking_report(first, last).await?;
    check_bookings(&after, honcho, bisai)?;
    assert_eq!(after.by_venue(), before.by_venue());
    Ok(())
}

/// A real call that started at `start` (Japan time) and, when `end` is
/// given, ended `seconds` later as (outcome, step, reason).
async fn call(
    store: &Store,
    kind: &str,
    start: &str,
    end: Option<(i64, &str, &str, &str)>,
) -> anyhow::Result<()> {
    let started: DateTime<Utc> = at(start);
    let id = store
        .start_call(
            &NewCall {
                kind: kind.to_owned(),
                caller_id: Some("0586000000".to_owned()),
                scenario_version: None,
                dry_run: false,
            },
            started,
        )
        .await?;
    if let Some((seconds, outcome, state, reason)) = end {
        store
            .end_call(
                id,
                &CallEnd {
                    outcome: outcome.to_owned(),
                    end_state: state.to_owned(),
                    end_reason: reason.to_owned(),
                    reservation_no: None,
                },
                started + Duration::seconds(seconds),
            )
            .await?;
    }
    Ok(())
}

/// Six real calls on 12/3 and 12/4 (one at 00:30 Japan time, still 12/2
/// in UTC), one on 12/2, and a simulator call that never counts.
async fn known_calls(store: &Store) -> anyhow::Result<()> {
    let voice = "voice";
    call(
        store,
        voice,
        "2026-12-03T00:30:00+09:00",
        Some((120, "booked", "ended", "completed")),
    )
    .await?;
    call(
        store,
        voice,
        "2026-12-03T09:10:00+09:00",
        Some((300, "transferred", "intent", "transfer")),
    )
    .await?;
    call(
        store,
        voice,
        "2026-12-03T09:20:00+09:00",
        Some((45, "abandoned", "date", "hangup")),
    )
    .await?;
    call(
        store,
        voice,
        "2026-12-04T10:00:00+09:00",
        Some((61, "abandoned", "date", "hangup")),
    )
    .await?;
    call(
        store,
        voice,
        "2026-12-04T10:05:00+09:00",
        Some((30, "abandoned", "name", "silence")),
    )
    .await?;
    call(store, voice, "2026-12-04T11:00:00+09:00", None).await?;
    call(
        store,
        voice,
        "2026-12-02T23:59:00+09:00",
        Some((60, "booked", "ended", "completed")),
    )
    .await?;
    call(
        store,
        "simulator",
        "2026-12-03T10:00:00+09:00",
        Some((60, "booked", "ended", "completed")),
    )
    .await?;
    Ok(())
}

fn check_calls(report: &CallReport) {
    assert_eq!(report.calls(), 6);
    let outcomes: BTreeMap<String, i64> =
        [("booked", 1), ("transferred", 1), ("abandoned", 3), ("", 1)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
    assert_eq!(report.by_outcome(), outcomes);
    let days = report.by_day();
    assert_eq!(days.len(), 2);
    assert_eq!(days[&day(2026, 12, 3)].values().sum::<i64>(), 3);
    assert_eq!(days[&day(2026, 12, 4)]["abandoned"], 2);
    assert_eq!(report.finished_by_agent(), (1, 5));
    // Japan hours: 0:30; 9:10, 9:20; 10:00, 10:05; 11:00.
    let hours: BTreeMap<u32, i64> = [(0, 1), (9, 2), (10, 2), (11, 1)].into_iter().collect();
    assert_eq!(report.by_hour(), hours);
    assert_eq!(
        report.abandoned_by_step(),
        vec![
            ("date".to_owned(), "hangup".to_owned(), 2),
            ("name".to_owned(), "silence".to_owned(), 1)
        ]
    );
    let usage = report.usage_by_day();
    // 12/3: 120 s → 2 min, 300 s → 5, 45 s → 1; 12/4: 61 s → 2, 30 s → 1, unended → 0.
    let d3 = usage[&day(2026, 12, 3)];
    assert_eq!((d3.calls, d3.minutes, d3.transferred_minutes), (3, 8, 5));
    let d4 = usage[&day(2026, 12, 4)];
    assert_eq!((d4.calls, d4.minutes, d4.transferred_minutes), (3, 3, 0));
}

async fn calls_are_counted_by_day_and_outcome_before_and_after_the_purge(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    known_calls(store).await?;
    let (first, last) = (day(2026, 12, 3), day(2026, 12, 4));
    let before = store.call_report(first, last).await?;
    check_calls(&before);
    let durations = before.durations().expect("ended calls");
    // 30, 45, 61, 120, 300 seconds.
    assert_eq!(
        (durations.calls, durations.median, durations.p90),
        (5, 61, 300)
    );

    store
        .purge_calls_before(at("2026-12-05T00:00:00+09:00"))
        .await?;
    let after = store.call_report(first, last).await?;
    assert!(after.live.is_empty(), "the log is purged: {:?}", after.live);
    check_calls(&after);
    assert_eq!(after.durations(), None);
    // The 12/2 call was counted on its own (Japan) day.
    assert_eq!(
        store
            .call_report(day(2026, 12, 2), day(2026, 12, 2))
            .await?
            .calls(),
        1
    );
    Ok(())
}

/// A row of `booking_stats` written before migration 0012 has no changes
/// or lead days (NULL): its bookings count, its lead time is unknown.
async fn counts_purged_before_lead_days_were_kept_leave_the_average_alone(
    db: TestDb,
) -> anyhow::Result<()> {
    use sqlx::Connection;
    let store = &db.store;
    let (_, bisai) = known_bookings(store).await?;
    let old_row = "INSERT INTO booking_stats (venue_id, day, channel, status, bookings, seats)
                   VALUES ($1, $2, 'web', 'attended', 2, 3)";
    match store.backend() {
        madoguchi_store::Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&db.target).await?;
            sqlx::query(old_row)
                .bind(bisai.0)
                .bind(day(2026, 12, 1))
                .execute(&mut c)
                .await?;
            c.close().await?;
        }
        madoguchi_store::Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&db.target).await?;
            sqlx::query(old_row)
                .bind(bisai.0)
                .bind(day(2026, 12, 1))
                .execute(&mut c)
                .await?;
            c.close().await?;
        }
    }
    let report = store
        .booking_report(day(2026, 12, 1), day(2026, 12, 31))
        .await?;
    // 尾西: the staff booking (3 seats, 8 days ahead) and the old row.
    assert_eq!(
        report.by_venue()[&bisai],
        tally([3, 0, 0, 1, 2, 0, 6, 8, 1])
    );
    assert_eq!(report.by_venue()[&bisai].average_lead_days(), Some(8.0));
    Ok(())
}
