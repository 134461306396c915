//! Migrations, settings, venues and slot generation.

use crate::fixtures::{day, venue, weekdays};
use crate::harness::TestDb;
use chrono::Datelike;
use madoguchi_core::clock::jst_instant;
use madoguchi_core::settings::ServiceSettings;
use madoguchi_core::venue::VenueForm;
use std::collections::BTreeSet;

on_both_backends! {
    #[tokio::test]
    migrations_apply_twice_without_error,
    settings_are_the_defaults_until_saved_and_then_round_trip,
    upserting_a_venue_by_code_updates_it_in_place,
    slots_come_from_the_weekly_template_skip_weekends_and_holidays_and_generation_is_idempotent,
}

async fn migrations_apply_twice_without_error(db: TestDb) -> anyhow::Result<()> {
    // The harness has migrated once already.
    db.store.migrate().await?;
    // Another process starting on the same database migrates too.
    let second = db.connect_again().await?;
    second.migrate().await?;
    second.close().await;
    assert_eq!(*db.store.settings().await?, ServiceSettings::default());
    Ok(())
}

async fn settings_are_the_defaults_until_saved_and_then_round_trip(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    assert_eq!(*store.settings().await?, ServiceSettings::default());

    let mut settings = ServiceSettings::default();
    settings.city.name = "テスト市".to_owned();
    settings.period.last_day = day(2027, 2, 26);
    settings.window.opens_days_ahead = 28;
    settings.window.changes_close.at_minute = 12 * 60;
    settings.seats.release_reserved_minutes_before = 90;
    settings.closed_days.dates.insert(day(2026, 12, 4));
    settings
        .start_page
        .what_to_bring
        .push("本人確認書類".to_owned());
    store.save_settings(&settings).await?;
    assert_eq!(*store.settings().await?, settings);

    // Saving again replaces, it does not add.
    settings.window.opens_days_ahead = 14;
    store.save_settings(&settings).await?;
    assert_eq!(*store.settings().await?, settings);
    Ok(())
}

async fn upserting_a_venue_by_code_updates_it_in_place(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let first = venue(store, "honcho", 1).await?;
    let other = venue(store, "bisai", 2).await?;
    assert_ne!(first, other);

    let updated = store
        .upsert_venue(&VenueForm {
            code: "honcho".to_owned(),
            name: "一宮市役所 本庁舎".to_owned(),
            kana: "いちのみやしやくしょ ほんちょうしゃ".to_owned(),
            address: "一宮市本町2-5-6".to_owned(),
            phone: "0586-28-9131".to_owned(),
            note: "1階 市民課".to_owned(),
            display_order: 3,
        })
        .await?;
    assert_eq!(updated, first, "same code, same venue");

    let venue = store.find_venue(first).await?.expect("the venue exists");
    assert_eq!(venue.code, "honcho");
    assert_eq!(venue.name, "一宮市役所 本庁舎");
    assert_eq!(venue.kana, "いちのみやしやくしょ ほんちょうしゃ");
    assert_eq!(venue.address, "一宮市本町2-5-6");
    assert_eq!(venue.phone, "0586-28-9131");
    assert_eq!(venue.note, "1階 市民課");
    assert_eq!(venue.display_order, 3);
    assert!(venue.enabled);
    assert_eq!(venue.window, None);

    // Two venues, now in the new display order.
    let codes: Vec<String> = store
        .venues(true)
        .await?
        .into_iter()
        .map(|v| v.code)
        .collect();
    assert_eq!(codes, ["bisai", "honcho"]);
    Ok(())
}

async fn slots_come_from_the_weekly_template_skip_weekends_and_holidays_and_generation_is_idempotent(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let venue = venue(store, "honcho", 0).await?;
    // 9:00–12:00 in 30-minute slots, 4 seats of which 1 is kept for phone.
    let template = weekdays(9 * 60, 12 * 60, 30, 4, 1);
    store.set_weekly_template(venue, &template).await?;
    assert_eq!(store.weekly_template(venue).await?, template);

    // Monday 11-23 is Labour Thanksgiving Day; 11-28/29 are a weekend; the
    // year-end closure starts on 12-29.
    let (first, last) = (day(2026, 11, 23), day(2026, 12, 29));
    let closed = store.settings().await?.closed_days.clone();
    let specs = template.generate(&closed, first, last);
    let created = store.create_slots(venue, &specs).await?;
    assert_eq!(created, specs.len() as u64);

    let slots = store.slots_between(venue, first, last).await?;
    assert_eq!(slots.len(), specs.len());
    let days: BTreeSet<_> = slots.iter().map(|s| s.date).collect();
    assert!(!days.contains(&day(2026, 11, 23)), "holiday");
    assert!(
        !days.contains(&day(2026, 11, 28)) && !days.contains(&day(2026, 11, 29)),
        "weekend"
    );
    assert!(!days.contains(&day(2026, 12, 29)), "year-end closure");
    assert!(days.iter().all(|d| d.weekday().num_days_from_monday() < 5));
    // 11-24 .. 12-28: 25 working days, 6 slots each.
    assert_eq!(days.len(), 25);
    assert_eq!(slots.len(), 25 * 6);

    let first_slot = &slots[0];
    assert_eq!(first_slot.date, day(2026, 11, 24));
    assert_eq!((first_slot.start_min, first_slot.end_min), (540, 570));
    assert_eq!(first_slot.starts_at, jst_instant(day(2026, 11, 24), 540));
    assert_eq!(
        (first_slot.capacity, first_slot.reserved, first_slot.booked),
        (4, 1, 0)
    );
    let last_slot = &slots[slots.len() - 1];
    assert_eq!(
        (last_slot.date, last_slot.start_min, last_slot.end_min),
        (day(2026, 12, 28), 690, 720)
    );
    assert!(
        slots
            .windows(2)
            .all(|w| (w[0].date, w[0].start_min) < (w[1].date, w[1].start_min))
    );
    assert_eq!(
        store.find_slot(first_slot.id).await?.as_ref(),
        Some(first_slot)
    );

    // A second run creates nothing and keeps what is there.
    assert_eq!(store.create_slots(venue, &specs).await?, 0);
    assert_eq!(store.slots_between(venue, first, last).await?, slots);

    // A wider run creates only the new days.
    let wider = template.generate(&closed, first, day(2027, 1, 8));
    // 1-4 .. 1-8 are open again after the closure: 5 days.
    assert_eq!(store.create_slots(venue, &wider).await?, 5 * 6);
    Ok(())
}
