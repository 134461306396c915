//! Notification settings the city edits: the day-before reminder on or off
//! and its time of day. Kept in the store's settings under `notify`.

use madoguchi_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

const KEY: &str = "notify";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifySettings {
    pub reminders_enabled: bool,
    /// Time of day (Japan) from which the next day's reminders go out,
    /// minutes past midnight.
    pub reminder_minute: u32,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            reminders_enabled: true,
            reminder_minute: 10 * 60,
        }
    }
}

impl NotifySettings {
    pub async fn load(store: &Store) -> Result<Self, StoreError> {
        match store.setting(KEY).await? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("notify settings: {e}"))),
            None => Ok(Self::default()),
        }
    }

    pub async fn save(&self, store: &Store) -> Result<(), StoreError> {
        let json = serde_json::to_string(self)
            .map_err(|e| StoreError::Corrupt(format!("notify settings: {e}")))?;
        store.put_setting(KEY, &json).await
    }

    /// Whether reminders for tomorrow are due at `time` (Japan).
    pub fn reminder_due(&self, time: chrono::NaiveTime) -> bool {
        let minute = chrono::Timelike::hour(&time) * 60 + chrono::Timelike::minute(&time);
        minute >= self.reminder_minute
    }
}
