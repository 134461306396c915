//! Demo data: Ichinomiya City's 14 venues with sample hours and a few
//! bookings, generated relative to today so the demo never goes stale.
//! Idempotent: running it again changes nothing that exists.

use anyhow::Context;
use chrono::{DateTime, Days, Utc};
use madoguchi_core::JST;
use madoguchi_core::booking::{ApplicantForm, Channel, Notify};
use madoguchi_core::schedule::{DayHours, WeeklyTemplate};
use madoguchi_core::venue::{VenueForm, VenueGuide};
use madoguchi_core::window::ServicePeriod;
use madoguchi_store::{Actor, BookingError, NewBooking, Store};
use rand::{Rng, SeedableRng};

/// One of the demo's venues, with how to get there.
struct DemoVenue {
    code: &'static str,
    name: &'static str,
    kana: &'static str,
    note: &'static str,
    address: &'static str,
    access: &'static str,
    parking: &'static str,
}

/// Ichinomiya City's 14 counters. Addresses are given to the town (the
/// map link searches them); access and parking are sample texts.
const VENUES: [DemoVenue; 14] = [
    DemoVenue {
        code: "honcho",
        name: "本庁舎 市民課",
        kana: "ほんちょうしゃ しみんか",
        note: "本庁舎1階 市民課の窓口です。",
        address: "愛知県一宮市本町2丁目5番6号",
        access: "名鉄一宮駅・JR尾張一宮駅から徒歩約5分",
        parking: "本庁舎西側の駐車場",
    },
    DemoVenue {
        code: "bisai",
        name: "尾西事務所",
        kana: "びさいじむしょ",
        note: "尾西庁舎1階。",
        address: "愛知県一宮市東五城",
        access: "i-バス「尾西庁舎」下車すぐ",
        parking: "庁舎の駐車場（無料）",
    },
    DemoVenue {
        code: "kisogawa",
        name: "木曽川事務所",
        kana: "きそがわじむしょ",
        note: "木曽川庁舎1階。",
        address: "愛知県一宮市木曽川町内割田一の通り27",
        access: "JR木曽川駅・名鉄新木曽川駅から徒歩約10分",
        parking: "庁舎の駐車場（無料）",
    },
    DemoVenue {
        code: "ekinaka",
        name: "いちのみや駅ナカプラザ",
        kana: "いちのみやえきなかぷらざ",
        note: "土曜・日曜も開いています。",
        address: "愛知県一宮市新生1丁目1番1号 尾張一宮駅前ビル",
        access: "JR尾張一宮駅・名鉄一宮駅の改札から徒歩約2分",
        parking: "駅周辺の有料駐車場をご利用ください",
    },
    DemoVenue {
        code: "imaise",
        name: "今伊勢出張所",
        kana: "いまいせしゅっちょうじょ",
        note: "今伊勢公民館内。",
        address: "愛知県一宮市今伊勢町本神戸",
        access: "名鉄今伊勢駅から徒歩約10分",
        parking: "公民館の駐車場（無料）",
    },
    DemoVenue {
        code: "okucho",
        name: "奥町出張所",
        kana: "おくちょうしゅっちょうじょ",
        note: "奥町公民館内。",
        address: "愛知県一宮市奥町",
        access: "名鉄奥町駅から徒歩約10分",
        parking: "公民館の駐車場（無料）",
    },
    DemoVenue {
        code: "haguri",
        name: "葉栗出張所",
        kana: "はぐりしゅっちょうじょ",
        note: "葉栗公民館内。",
        address: "愛知県一宮市島村",
        access: "i-バス「葉栗公民館」下車すぐ",
        parking: "公民館の駐車場（無料）",
    },
    DemoVenue {
        code: "saisei",
        name: "西成出張所",
        kana: "さいせいしゅっちょうじょ",
        note: "西成公民館内。",
        address: "愛知県一宮市東島町",
        access: "i-バス「西成公民館」下車すぐ",
        parking: "公民館の駐車場（無料）",
    },
    DemoVenue {
        code: "chiaki",
        name: "千秋出張所",
        kana: "ちあきしゅっちょうじょ",
        note: "千秋公民館内。",
        address: "愛知県一宮市千秋町佐野",
        access: "i-バス「千秋公民館」下車すぐ",
        parking: "公民館の駐車場（無料）",
    },
    DemoVenue {
        code: "azai",
        name: "浅井出張所",
        kana: "あざいしゅっちょうじょ",
        note: "浅井公民館内。",
        address: "愛知県一宮市浅井町東浅井",
        access: "i-バス「浅井公民館」下車すぐ",
        parking: "公民館の駐車場（無料）",
    },
    DemoVenue {
        code: "kitagata",
        name: "北方出張所",
        kana: "きたがたしゅっちょうじょ",
        note: "北方公民館内。",
        address: "愛知県一宮市北方町北方",
        access: "i-バス「北方公民館」下車すぐ",
        parking: "公民館の駐車場（無料）",
    },
    DemoVenue {
        code: "hagiwara",
        name: "萩原出張所",
        kana: "はぎわらしゅっちょうじょ",
        note: "萩原公民館内。",
        address: "愛知県一宮市萩原町萩原",
        access: "名鉄萩原駅から徒歩約5分",
        parking: "公民館の駐車場（無料）",
    },
    DemoVenue {
        code: "yamato",
        name: "大和出張所",
        kana: "やまとしゅっちょうじょ",
        note: "大和公民館内。",
        address: "愛知県一宮市大和町馬引",
        access: "i-バス「大和公民館」下車すぐ",
        parking: "公民館の駐車場（無料）",
    },
    DemoVenue {
        code: "tanyo",
        name: "丹陽出張所",
        kana: "たんようしゅっちょうじょ",
        note: "丹陽公民館内。",
        address: "愛知県一宮市丹陽町九日市場",
        access: "i-バス「丹陽公民館」下車すぐ",
        parking: "公民館の駐車場（無料）",
    },
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
    for (order, venue) in VENUES.iter().enumerate() {
        let id = store
            .upsert_venue(&VenueForm {
                code: venue.code.to_owned(),
                name: venue.name.to_owned(),
                kana: venue.kana.to_owned(),
                address: venue.address.to_owned(),
                phone: String::new(),
                note: venue.note.to_owned(),
                display_order: i64::try_from(order).unwrap_or(0) + 1,
            })
            .await?;
        let guide = VenueGuide {
            map_url: String::new(),
            access: venue.access.to_owned(),
            parking: venue.parking.to_owned(),
        };
        store.set_venue_guide(id, &guide).await?;
        let template = template(venue.code);
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
                let mut applicant = form
                    .validate(today)
                    .map_err(|e| anyhow::anyhow!("demo applicant invalid: {e:?}"))?;
                // Sample people must never be texted or mailed, whatever is
                // configured: email without an address queues nothing (no
                // outbox rows for the booking, its changes or reminders).
                applicant.notify = Notify::Email;
                applicant.email = None;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test]
    async fn sample_bookings_never_notify_anyone() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db");
        let store = Store::connect(db.to_str().unwrap()).await.unwrap();
        store.migrate().await.unwrap();
        let now: DateTime<Utc> = "2026-11-25T01:00:00Z".parse().unwrap();
        seed(&store, now).await.unwrap();
        let first = now.with_timezone(&JST).date_naive();
        // The day-before reminders of every sample day queue nothing either.
        for ahead in 0..20 {
            let day = first.checked_add_days(Days::new(ahead)).unwrap();
            assert_eq!(store.queue_reminders(day, now).await.unwrap(), 0, "{day}");
        }
        let mut bookings = 0;
        for venue in store.venues(false).await.unwrap() {
            for slot in store
                .slots_between(venue.id, first, first + chrono::Duration::days(20))
                .await
                .unwrap()
            {
                for booking in store.bookings_in_slot(slot.id).await.unwrap() {
                    bookings += 1;
                    let notices = store.notices_for_booking(booking.id).await.unwrap();
                    assert!(notices.is_empty(), "{notices:?}");
                }
            }
        }
        assert!(bookings > 100, "the demo has sample bookings ({bookings})");
        store.close().await;
    }
}
