//! Service settings and server secrets, kept as JSON values by key.

use crate::{Result, Store, StoreError, read, write_tx};
use madoguchi_core::settings::ServiceSettings;

const SERVICE_KEY: &str = "service";

impl Store {
    /// The service settings; defaults until the city saves its own. Read
    /// through the in-process cache (every request needs them); clone the
    /// value to change it, then [`Store::save_settings`].
    pub async fn settings(&self) -> Result<std::sync::Arc<ServiceSettings>> {
        if let Some(cached) = self.cache.settings() {
            return Ok(cached);
        }
        let settings = match self.setting(SERVICE_KEY).await? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("settings: {e}")))?,
            None => ServiceSettings::default(),
        };
        let settings = std::sync::Arc::new(settings);
        self.cache.put_settings(settings.clone());
        Ok(settings)
    }

    pub async fn save_settings(&self, settings: &ServiceSettings) -> Result<()> {
        let json = serde_json::to_string(settings)
            .map_err(|e| StoreError::Corrupt(format!("settings: {e}")))?;
        self.put_setting(SERVICE_KEY, &json).await
    }

    /// A raw setting value.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let value: Option<(String,)> = read!(self, pool => {
            sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
        });
        Ok(value.map(|(v,)| v))
    }

    pub async fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        self.cache.clear_settings();
        write_tx!(self, tx => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        });
        self.cache.clear_settings();
        Ok(())
    }

    /// A secret shared by every instance (e.g. the cookie key): read it, or
    /// store `fresh` if there is none yet. Concurrent first starts agree on
    /// one value because the insert is conditional.
    pub async fn secret_or_insert(&self, key: &str, fresh: &str) -> Result<String> {
        write_tx!(self, tx => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                .bind(key)
                .bind(fresh)
                .execute(&mut *tx)
                .await?;
        });
        self.setting(key)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("secret {key} vanished")))
    }
}
