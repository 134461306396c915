//! Demo data: Ichinomiya City's 14 venues with sample hours and a few
//! bookings, generated relative to today so the demo never goes stale.
//! Idempotent: running it again changes nothing that exists.

use anyhow::Context;
use chrono::{DateTime, Days, Utc};
use madoguchi_core::JST;
use madoguchi_core::booking::{ApplicantForm, Channel};
use madoguchi_core::schedule::{DayHours, WeeklyTemplate};
use madoguchi_core::venue::VenueForm;
use madoguchi_core::window::ServicePeriod;
use madoguchi_store::{Actor, BookingError, NewBooking, Store};
use rand::{Rng, SeedableRng};

/// (code, name, kana, note)
const VENUES: [(&str, &str, &str, &str); 14] = [
    (
        "honcho",
        "本庁舎 市民課",
        "ほんちょうしゃ しみんか",
        "本庁舎1階 市民課の窓口です。駐車場は本庁舎西側をご利用ください。",
    ),
    ("bisai", "尾西事務所", "びさいじむしょ", "尾西庁舎内。"),
    (
        "kisogawa",
        "木曽川事務所",
        "きそがわじむしょ",
        "木曽川庁舎内。",
    ),
    (
        "ekinaka",
        "いちのみや駅ナカプラザ",
        "いちのみやえきなかぷらざ",
        "尾張一宮駅構内。土曜・日曜も開いています。",
    ),
    (
        "imaise",
        "今伊勢出張所",
        "いまいせしゅっちょうじょ",
        "今伊勢公民館内。",
    ),
    (
        "okucho",
        "奥町出張所",
        "おくちょうしゅっちょうじょ",
        "奥町公民館内。",
    ),
    (
        "haguri",
        "葉栗出張所",
        "はぐりしゅっちょうじょ",
        "葉栗公民館内。",
    ),
    (
        "saisei",
        "西成出張所",
        "さいせいしゅっちょうじょ",
        "西成公民館内。",
    ),
    (
        "chiaki",
        "千秋出張所",
        "ちあきしゅっちょうじょ",
        "千秋公民館内。",
    ),
    (
        "azai",
        "浅井出張所",
        "あざいしゅっちょうじょ",
        "浅井公民館内。",
    ),
    (
        "kitagata",
        "北方出張所",
        "きたがたしゅっちょうじょ",
        "北方公民館内。",
    ),
    (
        "hagiwara",
        "萩原出張所",
        "はぎわらしゅっちょうじょ",
        "萩原公民館内。",
    ),
    (
        "yamato",
        "大和出張所",
        "やまとしゅっちょうじょ",
        "大和公民館内。",
    ),
    (
        "tanyo",
        "丹陽出張所",
        "たんようしゅっちょうじょ",
        "丹陽公民館内。",
    ),
];

const DEMO_FLAG: &str = "demo_seeded";

fn template(code: &str) -> WeeklyTemplate {
    let capacity = if code == "honcho" { 4 } else { 2 };
    let mut template = WeeklyTemplate::weekdays(9 * 60, 16 * 60 + 30, capacity);
    if code == "ekinaka" {
        for weekday in [5, 6] {
            template.days.push(DayHours {
                weekday,
                open_min: 10 * 60,
                close_min: 17 * 60,
                slot_minutes: 30,
                capacity: 2,
                reserved: 0,
            });
        }
    }
    template
}

/// Loads the demo data as of `now`.
pub async fn seed(store: &Store, now: DateTime<Utc>) -> anyhow::Result<()> {
    let today = now.with_timezone(&JST).date_naive();
    if store.setting(DEMO_FLAG).await?.is_some() {
        tracing::info!("demo data already present");
        return Ok(());
    }
    let mut settings = (*store.settings().await?).clone();
    // Keep the period while it is current; otherwise move it so that the
    // demo starts today and lasts as long.
    if !settings.period.contains(today) {
        let length = settings.period.last_day - settings.period.first_day;
        settings.period = ServicePeriod {
            first_day: today,
            last_day: today + length,
        };
    }
    store.save_settings(&settings).await?;

    let mut created = 0;
    for (order, (code, name, kana, note)) in VENUES.iter().enumerate() {
        let id = store
            .upsert_venue(&VenueForm {
                code: (*code).to_owned(),
                name: (*name).to_owned(),
                kana: (*kana).to_owned(),
                address: String::new(),
                phone: String::new(),
                note: (*note).to_owned(),
                display_order: i64::try_from(order).unwrap_or(0) + 1,
            })
            .await?;
        let template = template(code);
        store.set_weekly_template(id, &template).await?;
        let specs = template.generate(
            &settings.closed_days,
            settings.period.first_day,
            settings.period.last_day,
        );
        created += store.create_slots(id, &specs).await?;
    }
    tracing::info!(slots = created, "demo venues and slots created");

    let booked = sample_bookings(store, now).await?;
    tracing::info!(bookings = booked, "demo bookings created");
    store
        .put_setting(DEMO_FLAG, &now.to_rfc3339())
        .await
        .context("marking the demo as seeded")?;
    Ok(())
}

/// Books part of the next two weeks so the calendar shows real states:
/// some seats taken everywhere, and the first bookable day at 尾西事務所 full.
async fn sample_bookings(store: &Store, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let settings = store.settings().await?;
    let Some((first, _)) = settings.window.bookable_range(&settings.period, now) else {
        return Ok(0);
    };
    let last = first.checked_add_days(Days::new(13)).unwrap_or(first);
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261102);
    let today = now.with_timezone(&JST).date_naive();
    let mut count = 0;
    let mut full_day_done = false;
    for venue in store.venues(false).await? {
        let slots = store.slots_between(venue.id, first, last).await?;
        let Some(first_day) = slots.first().map(|s| s.date) else {
            continue;
        };
        for slot in slots {
            let fill_all = venue.code == "bisai" && slot.date == first_day;
            full_day_done |= fill_all;
            let target = if fill_all {
                slot.capacity
            } else {
                (0..=slot.capacity).filter(|_| rng.random_bool(0.3)).count() as i64
            };
            let mut taken = 0;
            while taken < target {
                let party = if target - taken >= 2 && rng.random_bool(0.2) {
                    2
                } else {
                    1
                };
                let n = count + 1;
                let form = ApplicantForm {
                    party_size: party.to_string(),
                    name: format!("見本 {}", SAMPLE_GIVEN[n as usize % SAMPLE_GIVEN.len()].0),
                    name_kana: format!(
                        "ミホン {}",
                        SAMPLE_GIVEN[n as usize % SAMPLE_GIVEN.len()].1
                    ),
                    birth_date: format!("{}-{:02}-{:02}", 1940 + n % 60, 1 + n % 12, 1 + n % 28),
                    phone: format!("090{:08}", 10_000_000 + n),
                    email: String::new(),
                    notify: "sms".to_owned(),
                };
                let applicant = form
                    .validate(today)
                    .map_err(|e| anyhow::anyhow!("demo applicant invalid: {e:?}"))?;
                let channel = if n % 2 == 0 {
                    Channel::Phone
                } else {
                    Channel::Web
                };
                let new = NewBooking {
                    slot_id: slot.id,
                    applicant,
                    channel,
                    request_key: None,
                };
                match store.book(&new, &Actor::System, now).await {
                    Ok(_) => count += 1,
                    Err(BookingError::Full) => break,
                    Err(e) => return Err(e.into()),
                }
                taken += party;
            }
        }
    }
    if !full_day_done {
        tracing::warn!("no full demo day could be made");
    }
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Given names for sample bookings (kanji, katakana).
const SAMPLE_GIVEN: [(&str, &str); 8] = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("一郎", "イチロウ"),
    ("幸子", "サチコ"),
    ("健", "ケン"),
    ("恵子", "ケイコ"),
    ("誠", "マコト"),
    ("和子", "カズコ"),
];
