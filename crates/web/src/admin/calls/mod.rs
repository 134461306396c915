//! The phone section of the console: call log and transcripts (C3, C6),
//! rehearsal (staff type as the caller against the draft or the published
//! scenario), the scenario editor (draft → test → publish → roll back,
//! C2), and venue aliases and recognition corrections.
//!
//! Transcripts hold what callers said: staff role and up, and every view is
//! written to the access log.
//!
//! One file per page or verb; the rehearsals in progress are here because
//! both the rehearsal and the transcript pages look at them.

mod audio;
mod list;
mod rehearse;
mod scenario;
mod scenario_release;
mod transcript;
mod words;

pub(crate) use audio::turn_audio;
pub(crate) use list::list;
pub(crate) use rehearse::{rehearse_form, rehearse_input, rehearse_page, rehearse_start};
pub(crate) use scenario::{scenario, scenario_save};
pub(crate) use scenario_release::{scenario_publish, scenario_rollback};
pub(crate) use transcript::show;
pub(crate) use words::{words, words_save};

use crate::admin::AdminError;
use madoguchi_calls::Call;
use std::collections::HashMap;
use std::sync::LazyLock;
use tokio::sync::Mutex;

const SECTION: &str = "/admin/calls";

/// Rehearsal calls in progress on this instance (a rehearsal stays on the
/// instance that started it). Oldest dropped beyond [`MAX_REHEARSALS`].
static REHEARSALS: LazyLock<Mutex<HashMap<i64, Call>>> = LazyLock::new(Default::default);
const MAX_REHEARSALS: usize = 50;

fn call_error(e: madoguchi_calls::CallError) -> AdminError {
    AdminError::App(crate::AppError::internal(e.to_string()))
}

fn jst(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&madoguchi_core::JST)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
