//! The web residents of a rehearsal: availability, then booking through
//! the JSON API, taking an offered alternative when refused.

use super::summary::WebSummary;
use super::{ms, popular};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Instant;

#[derive(Deserialize)]
pub(super) struct VenueJson {
    pub(super) id: i64,
    pub(super) name: String,
}

#[derive(Deserialize)]
pub(super) struct SlotJson {
    pub(super) id: i64,
    pub(super) remaining: i64,
}

#[derive(Deserialize)]
pub(super) struct AvailabilityJson {
    pub(super) slots: Vec<SlotJson>,
}

#[derive(Deserialize)]
pub(super) struct NoRoomJson {
    #[serde(default)]
    pub(super) alternatives: Vec<SlotJson>,
}

/// Tries of one resident: the first choice, then offered alternatives.
const WEB_ATTEMPTS: u32 = 5;

/// One resident booking on the web.
pub(super) struct WebResident {
    pub(super) client: reqwest::Client,
    pub(super) base: String,
    pub(super) venues: Arc<Vec<VenueJson>>,
    pub(super) first: chrono::NaiveDate,
    pub(super) last: chrono::NaiveDate,
    pub(super) n: u32,
}

#[derive(Default)]
pub(super) struct WebDone {
    pub(super) booked: bool,
    pub(super) via_alternative: bool,
    pub(super) refusals: u32,
    pub(super) offered: u32,
    pub(super) gave_up_full: bool,
    pub(super) error: Option<String>,
    pub(super) availability_ms: Vec<f64>,
    pub(super) booking_ms: Vec<f64>,
}

impl WebSummary {
    pub(super) fn add(&mut self, done: &WebDone) {
        self.booked += u32::from(done.booked);
        self.booked_alternative += u32::from(done.booked && done.via_alternative);
        self.refusals += done.refusals;
        self.alternatives_offered += done.offered;
        self.not_booked_full += u32::from(done.gave_up_full);
        if let Some(e) = &done.error {
            *self.errors.entry(e.clone()).or_default() += 1;
        }
    }
}

impl WebResident {
    pub(super) async fn book(self, seed: u64) -> WebDone {
        let mut done = WebDone::default();
        if let Err(e) = self.try_book(seed, &mut done).await {
            done.error = Some(e);
        }
        done
    }

    async fn try_book(&self, seed: u64, done: &mut WebDone) -> Result<(), String> {
        let mut rng = StdRng::seed_from_u64(seed);
        let party: i64 = if rng.random_bool(0.15) { 2 } else { 1 };
        // A resident looks at up to three venues for a free time in the first fortnight.
        let mut chosen = None;
        for _ in 0..3 {
            let venue = &self.venues[popular(&mut rng, self.venues.len())];
            let at = Instant::now();
            let reply = self
                .client
                .get(format!(
                    "{}/api/v1/venues/{}/availability?from={}&to={}",
                    self.base, venue.id, self.first, self.last
                ))
                .send()
                .await
                .map_err(|e| format!("availability: {e}"))?;
            if !reply.status().is_success() {
                return Err(format!("availability {}", reply.status().as_u16()));
            }
            let free: AvailabilityJson = reply.json().await.map_err(|e| e.to_string())?;
            done.availability_ms.push(ms(at));
            let fitting: Vec<i64> = free
                .slots
                .iter()
                .filter(|s| s.remaining >= party)
                .map(|s| s.id)
                .take(3)
                .collect();
            if !fitting.is_empty() {
                chosen = Some(fitting[rng.random_range(0..fitting.len())]);
                break;
            }
        }
        let Some(mut slot) = chosen else {
            done.gave_up_full = true;
            return Ok(());
        };
        for attempt in 0..WEB_ATTEMPTS {
            let at = Instant::now();
            let reply = self
                .client
                .post(format!("{}/api/v1/bookings", self.base))
                .header("Idempotency-Key", format!("rehearse-{seed}-{attempt}"))
                .json(&self.applicant(slot, party))
                .send()
                .await
                .map_err(|e| format!("booking: {e}"))?;
            let status = reply.status().as_u16();
            let body = reply.text().await.map_err(|e| e.to_string())?;
            done.booking_ms.push(ms(at));
            match status {
                201 => {
                    done.booked = true;
                    done.via_alternative = attempt > 0;
                    return Ok(());
                }
                409 => {
                    done.refusals += 1;
                    let refusal: NoRoomJson =
                        serde_json::from_str(&body).map_err(|e| format!("409 body: {e}"))?;
                    if !refusal.alternatives.is_empty() {
                        done.offered += 1;
                    }
                    // The resident takes one of the offered times that seat the party.
                    let fitting: Vec<i64> = refusal
                        .alternatives
                        .iter()
                        .filter(|s| s.remaining >= party)
                        .map(|s| s.id)
                        .collect();
                    if fitting.is_empty() {
                        done.gave_up_full = true;
                        return Ok(());
                    }
                    slot = fitting[rng.random_range(0..fitting.len())];
                }
                other => return Err(format!("booking {other}")),
            }
        }
        done.gave_up_full = true;
        Ok(())
    }

    /// Made-up residents; a third of them want email, the rest SMS.
    fn applicant(&self, slot: i64, party: i64) -> serde_json::Value {
        let n = self.n;
        let email = n.is_multiple_of(3);
        serde_json::json!({
            "slot_id": slot,
            "party_size": party,
            "name": "練習 太郎",
            "name_kana": "レンシュウ タロウ",
            "birth_date": format!("{}-{:02}-{:02}", 1950 + n % 50, 1 + n % 12, 1 + n % 28),
            "phone": format!("090{:08}", 20_000_000 + n),
            "email": if email { format!("rehearsal{n}@example.jp") } else { String::new() },
            "notify": if email { "email" } else { "sms" },
        })
    }
}
