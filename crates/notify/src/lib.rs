//! Notifications to residents: message templates, the SMS and email
//! providers, and the worker that drains the store's outbox.
//!
//! The binary owns configuration: it deserialises [`EmailConfig`] and
//! [`SmsConfig`] from its `[email]` and `[sms]` sections and builds the
//! providers with [`Delivery::from_config`].

pub mod admin;
pub mod providers;
pub mod redact;
pub mod settings;
pub mod sink;
pub mod templates;
pub mod worker;

pub use providers::ProviderConfigError;
pub use settings::NotifySettings;
pub use worker::{Delivery, RetryPolicy, Worker};

use serde::Deserialize;
use std::sync::Arc;

/// `[email]`: SMTP delivery. Absent `smtp_url`: email is not configured.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailConfig {
    /// `smtp://host:port`, `smtp://host:port?tls=starttls`, `smtps://host:port`.
    pub smtp_url: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `一宮市 予約窓口 <yoyaku@city.ichinomiya.aichi.jp>`.
    pub from: Option<String>,
}

/// `[sms]`: the SMS provider. Absent `provider`: SMS is not configured.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsConfig {
    /// `twilio`.
    pub provider: Option<String>,
    /// Default: the provider's public API.
    pub api_base: Option<String>,
    pub account_sid: Option<String>,
    pub auth_token: Option<String>,
    /// The sending number (E.164) or sender id.
    pub from: Option<String>,
}

impl Delivery {
    /// The providers the configuration names; a channel left out is not
    /// configured (its messages are stored as undeliverable).
    pub fn from_config(email: &EmailConfig, sms: &SmsConfig) -> Result<Self, ProviderConfigError> {
        let email = match email.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) {
            None => None,
            Some(url) => {
                let from = email
                    .from
                    .as_deref()
                    .filter(|f| !f.trim().is_empty())
                    .ok_or_else(|| ProviderConfigError::Email("from is missing".to_owned()))?;
                let smtp = providers::smtp::Smtp::new(
                    url,
                    email.username.as_deref(),
                    email.password.as_deref(),
                    from,
                )?;
                Some(Arc::new(smtp) as Arc<dyn providers::EmailProvider>)
            }
        };
        let sms = match sms.provider.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("twilio") => {
                let twilio = providers::twilio::Twilio::new(
                    sms.api_base.as_deref(),
                    sms.account_sid.as_deref().unwrap_or(""),
                    sms.auth_token.as_deref().unwrap_or(""),
                    sms.from.as_deref().unwrap_or(""),
                )?;
                Some(Arc::new(twilio) as Arc<dyn providers::SmsProvider>)
            }
            Some(other) => {
                return Err(ProviderConfigError::Sms(format!(
                    "unknown provider {other} (known: twilio)"
                )));
            }
        };
        Ok(Self { sms, email })
    }

    pub fn sms_configured(&self) -> bool {
        self.sms.is_some()
    }
    pub fn email_configured(&self) -> bool {
        self.email.is_some()
    }
}
