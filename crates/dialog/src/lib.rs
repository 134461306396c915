//! The phone conversation: a scenario (data) and a state machine that turns
//! what the caller said into what the agent says and does. No I/O.

mod engine;
mod ja_gaps;
pub mod prompts;
pub mod scenario;
pub mod types;

pub use engine::Engine;
pub use scenario::{Scenario, ScenarioError, StaffedHours};
pub use types::*;
