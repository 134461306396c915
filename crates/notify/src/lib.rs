//! Notifications to residents: message templates, the SMS and email
//! providers, and the worker that drains the store's outbox.
