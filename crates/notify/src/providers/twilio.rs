//! SMS through Twilio's Messages API: `POST {api_base}/2010-04-01/Accounts/
//! {sid}/Messages.json`, form-encoded `To`, `From`, `Body`, HTTP basic auth
//! with the account SID and auth token.

use super::{Accepted, BoxFuture, OutgoingSms, ProviderConfigError, SendError, SmsProvider};
use std::time::Duration;

/// Twilio's public API.
pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";

#[derive(Clone)]
pub struct Twilio {
    client: reqwest::Client,
    api_base: String,
    account_sid: String,
    auth_token: String,
    from: String,
}

impl std::fmt::Debug for Twilio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Twilio")
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

impl Twilio {
    /// `api_base` None means Twilio's public API.
    pub fn new(
        api_base: Option<&str>,
        account_sid: &str,
        auth_token: &str,
        from: &str,
    ) -> Result<Self, ProviderConfigError> {
        for (key, value) in [
            ("account_sid", account_sid),
            ("auth_token", auth_token),
            ("from", from),
        ] {
            if value.trim().is_empty() {
                return Err(ProviderConfigError::Sms(format!("{key} is missing")));
            }
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ProviderConfigError::Sms(e.to_string()))?;
        Ok(Self {
            client,
            api_base: api_base
                .filter(|b| !b.trim().is_empty())
                .unwrap_or(DEFAULT_API_BASE)
                .trim_end_matches('/')
                .to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            from: from.to_owned(),
        })
    }

    async fn post(&self, sms: &OutgoingSms) -> Result<Accepted, SendError> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.api_base, self.account_sid
        );
        let response = self
            .client
            .post(&url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&[
                ("To", sms.to.as_str()),
                ("From", self.from.as_str()),
                ("Body", sms.body.as_str()),
            ])
            .send()
            .await
            // Timeouts and refused connections: worth another try.
            .map_err(|e| SendError::Temporary(format!("SMS API: {}", describe(&e))))?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
        if status.is_success() {
            return Ok(Accepted {
                provider_id: body.get("sid").and_then(|s| s.as_str()).map(str::to_owned),
            });
        }
        let code = body
            .get("code")
            .and_then(serde_json::Value::as_i64)
            .map(|c| format!(" (Twilio {c})"))
            .unwrap_or_default();
        let message = body.get("message").and_then(|m| m.as_str()).unwrap_or("");
        let reason = format!("HTTP {}{code} {message}", status.as_u16())
            .trim_end()
            .to_owned();
        if status.as_u16() == 429 || status.is_server_error() {
            Err(SendError::Temporary(reason))
        } else {
            Err(SendError::Permanent(reason))
        }
    }
}

/// reqwest's error, without the URL (which holds the account SID).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else {
        let mut text = e.to_string();
        if let Some(url) = e.url() {
            text = text.replace(url.as_str(), "(Messages API)");
        }
        text
    }
}

impl SmsProvider for Twilio {
    fn send<'a>(&'a self, sms: &'a OutgoingSms) -> BoxFuture<'a, Result<Accepted, SendError>> {
        Box::pin(self.post(sms))
    }
}
