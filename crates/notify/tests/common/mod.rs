//! What the notification tests share: a store on a temporary SQLite file
//! with one venue and slots, bookings made through the store as the web
//! does, and a clock the test moves by hand.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use madoguchi_core::Clock;
use madoguchi_core::booking::{ApplicantForm, Booking, Channel};
use madoguchi_core::schedule::{DayHours, WeeklyTemplate};
use madoguchi_core::venue::VenueForm;
use madoguchi_notify::{Delivery, RetryPolicy, Worker};
use madoguchi_store::{Actor, NewBooking, Slot, Store};
use std::sync::{Arc, Mutex};

pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn at(rfc3339: &str) -> Arc<Self> {
        Arc::new(Self(Mutex::new(instant(rfc3339))))
    }
    pub fn set(&self, rfc3339: &str) {
        *self.0.lock().unwrap() = instant(rfc3339);
    }
    pub fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl TestClock {
    pub fn now_jst_date(&self) -> NaiveDate {
        self.today()
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub fn instant(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

/// Wednesday 2026-11-25 10:00 in Japan.
pub const NOW: &str = "2026-11-25T10:00:00+09:00";

pub fn thursday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

pub struct World {
    pub store: Store,
    pub clock: Arc<TestClock>,
    pub slots: Vec<Slot>,
    _dir: tempfile::TempDir,
}

/// A fresh store with the venue 本庁舎 and its 10:00 and 10:30 slots on
/// Thursday 3 December.
pub async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("madoguchi.db");
    world_on(path.to_str().unwrap(), dir).await
}

/// The same world on `target` (an SQLite path or a PostgreSQL URL).
pub async fn world_on(target: &str, dir: tempfile::TempDir) -> World {
    world_with_capacity(target, dir, 4).await
}

/// The world with `capacity` seats in each of its two slots.
pub async fn world_with_capacity(target: &str, dir: tempfile::TempDir, capacity: u32) -> World {
    let store = Store::connect(target).await.unwrap();
    store.migrate().await.unwrap();
    let venue = store
        .upsert_venue(&VenueForm {
            code: "honcho".to_owned(),
            name: "本庁舎".to_owned(),
            kana: "ほんちょうしゃ".to_owned(),
            address: "愛知県一宮市本町2丁目5番6号".to_owned(),
            phone: "0586-28-8100".to_owned(),
            note: String::new(),
            display_order: 1,
        })
        .await
        .unwrap();
    let template = WeeklyTemplate {
        days: (0..5)
            .map(|weekday| DayHours {
                weekday,
                open_min: 600,
                close_min: 660,
                slot_minutes: 30,
                capacity,
                reserved: 0,
            })
            .collect(),
    };
    store.set_weekly_template(venue, &template).await.unwrap();
    let closed = store.settings().await.unwrap().closed_days.clone();
    store
        .create_slots(venue, &template.generate(&closed, thursday(), thursday()))
        .await
        .unwrap();
    let slots = store
        .slots_between(venue, thursday(), thursday())
        .await
        .unwrap();
    World {
        store,
        clock: TestClock::at(NOW),
        slots,
        _dir: dir,
    }
}

impl World {
    /// Books through the store as the web does; `email` empty for none.
    pub async fn book(&self, notify: &str, mobile: &str, email: &str) -> Booking {
        let form = ApplicantForm {
            party_size: "2".to_owned(),
            name: "一宮 花子".to_owned(),
            name_kana: "いちのみや はなこ".to_owned(),
            birth_date: "昭和30年5月1日".to_owned(),
            phone: mobile.to_owned(),
            email: email.to_owned(),
            notify: notify.to_owned(),
        };
        let applicant = form.validate(self.clock.today()).unwrap();
        self.store
            .book(
                &NewBooking {
                    slot_id: self.slots[0].id,
                    applicant,
                    channel: Channel::Web,
                    request_key: None,
                },
                &Actor::Citizen,
                self.clock.now(),
            )
            .await
            .unwrap()
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn worker(&self, delivery: Delivery) -> Worker {
        Worker::new(
            self.store.clone(),
            self.clock.clone(),
            delivery,
            Some("https://yoyaku.example.jp".to_owned()),
            RetryPolicy::default(),
        )
    }
}
