//! Rehearsal mode's delivery: every SMS and email goes into the store's
//! `diverted_messages` for staff to read in the console, never to a
//! provider, whatever `[sms]` and `[email]` say.

use crate::providers::{
    Accepted, BoxFuture, EmailProvider, OutgoingEmail, OutgoingSms, SendError, SmsProvider,
};
use crate::worker::Delivery;
use madoguchi_core::Clock;
use madoguchi_store::{NewDiverted, Store};
use std::sync::Arc;

/// Keeps messages in the database instead of sending them.
pub struct Sink {
    store: Store,
    clock: Arc<dyn Clock>,
}

impl Sink {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    async fn keep(&self, message: NewDiverted<'_>) -> Result<Accepted, SendError> {
        match self.store.divert_message(message, self.clock.now()).await {
            Ok(id) => Ok(Accepted {
                provider_id: Some(format!("rehearsal-{id}")),
            }),
            // The worker tries again later, as after any provider hiccup.
            Err(e) => Err(SendError::Temporary(format!("rehearsal sink: {e}"))),
        }
    }
}

impl SmsProvider for Sink {
    fn send<'a>(&'a self, sms: &'a OutgoingSms) -> BoxFuture<'a, Result<Accepted, SendError>> {
        Box::pin(self.keep(NewDiverted {
            channel: "sms",
            recipient: &sms.to,
            subject: "",
            body: &sms.body,
        }))
    }
}

impl EmailProvider for Sink {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> BoxFuture<'a, Result<Accepted, SendError>> {
        Box::pin(self.keep(NewDiverted {
            channel: "email",
            recipient: &email.to,
            subject: &email.subject,
            body: &email.body,
        }))
    }
}

impl Delivery {
    /// Both channels into the rehearsal sink: nothing leaves the instance.
    pub fn rehearsal_sink(store: Store, clock: Arc<dyn Clock>) -> Self {
        let sink = Arc::new(Sink::new(store, clock));
        Self {
            sms: Some(sink.clone() as Arc<dyn SmsProvider>),
            email: Some(sink as Arc<dyn EmailProvider>),
        }
    }
}
