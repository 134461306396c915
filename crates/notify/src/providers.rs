//! Delivery providers behind two small traits: one implementation per
//! wire format. A Japanese carrier's SMS API is one more file implementing
//! [`SmsProvider`].

pub mod smtp;
pub mod twilio;

use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An SMS to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// E.164, e.g. `+819012345678`.
    pub to: String,
    pub body: String,
}

/// An email to send (plain text, UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// A message the provider accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The provider's id of the message (Twilio's `sid`, the SMTP queue id).
    pub provider_id: Option<String>,
}

/// Why a message was not accepted. The text is shown to staff and may be
/// logged: it never holds the recipient or the message text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth another try later (rate limit, server error, timeout).
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// Will fail the same way again (bad number, refused recipient).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

pub trait SmsProvider: Send + Sync {
    fn send<'a>(&'a self, sms: &'a OutgoingSms) -> BoxFuture<'a, Result<Accepted, SendError>>;
}

pub trait EmailProvider: Send + Sync {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> BoxFuture<'a, Result<Accepted, SendError>>;
}

/// A configuration that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderConfigError {
    #[error("[email] {0}")]
    Email(String),
    #[error("[sms] {0}")]
    Sms(String),
}
