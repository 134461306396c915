//! On a rehearsal (staging) instance every call says so right after the
//! greeting, in the scenario's own words (prompt `rehearsal_notice`, which
//! staff can edit like any other), and the turn's record shows it.

use crate::Call;
use madoguchi_dialog::Utterance;

/// The prompt said after the greeting on a rehearsal instance.
pub const NOTICE: &str = "rehearsal_notice";

/// The notice to say after `said`, when `said` is the greeting of a call
/// on a rehearsal instance.
pub(crate) fn notice_after(call: &Call, said: &Utterance) -> Option<Utterance> {
    (said.prompt_id == "greeting" && call.store.is_rehearsal()).then(|| call.prompt(NOTICE))
}
