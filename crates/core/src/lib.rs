//! The booking domain of Madoguchi.
//!
//! Pure: no I/O, no async, no SQL. Time comes in through a [`clock::Clock`];
//! randomness through a `rand::Rng` the caller passes. Everything that can be
//! invalid is parsed once into a type that cannot be (`parse` / `TryFrom`),
//! so code past the edges never holds an unchecked string.

pub mod booking;
pub mod calendar;
pub mod capacity;
pub mod clock;
pub mod contact;
pub mod eligibility;
pub mod era;
pub mod ids;
pub mod name;
pub mod reservation_no;
pub mod schedule;
pub mod settings;
pub mod staff;
pub mod text;
pub mod venue;
pub mod window;

pub use clock::{Clock, JST};
