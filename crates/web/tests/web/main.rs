//! The web crate's HTTP tests, one binary: the whole application
//! (`madoguchi_web::app`) on a real SQLite file, driven request by request
//! as a browser or API client would. `support` holds what every module
//! needs (a store in a temporary folder, sending a request, reading the
//! reply); each module keeps the set-up of its own pages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod admin_notifications;
mod admin_ops;
mod fuzz;
mod http;
mod ops;
mod rehearsal;
mod reports;
mod support;
