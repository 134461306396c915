//! The dialog log of real calls for a period, one row per turn, for
//! disclosure (C3). Turns hold what callers said: the web decides who sees
//! which columns.

use super::JST_OFFSET_SECONDS;
use crate::calls::{CallId, CallTurn};
use crate::{Result, Store, read};
use chrono::{DateTime, NaiveDate, Utc};

/// One turn with the call it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogTurn {
    pub call: CallId,
    pub call_started: DateTime<Utc>,
    /// How the call ended ("" while running).
    pub call_outcome: String,
    pub turn: CallTurn,
}

type Row = (
    i64,
    i64,
    Option<String>,
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
);

impl Store {
    /// Every turn of the real calls that started on Japan days `first` to
    /// `last`, in call and turn order.
    pub async fn dialog_turns(&self, first: NaiveDate, last: NaiveDate) -> Result<Vec<DialogTurn>> {
        let midnight = |day: NaiveDate| {
            day.and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp() - JST_OFFSET_SECONDS)
                .unwrap_or_default()
        };
        let rows: Vec<Row> = read!(self, pool => {
            sqlx::query_as(
                "SELECT c.id, c.started_at, c.outcome, t.seq, t.at, t.state, t.prompt_id, t.prompt_text,
                        t.caller_input, t.understood, t.outcome
                 FROM calls c JOIN call_turns t ON t.call_id = c.id
                 WHERE c.kind = 'voice' AND c.dry_run = FALSE AND c.started_at >= $1 AND c.started_at < $2
                 ORDER BY c.started_at, c.id, t.seq",
            )
            .bind(midnight(first))
            .bind(midnight(last + chrono::Days::new(1)))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(
                |(
                    id,
                    started,
                    call_outcome,
                    seq,
                    at,
                    state,
                    prompt_id,
                    prompt_text,
                    caller_input,
                    understood,
                    outcome,
                )| {
                    Ok(DialogTurn {
                        call: CallId(id),
                        call_started: crate::rows::instant(started)?,
                        call_outcome: call_outcome.unwrap_or_default(),
                        turn: CallTurn {
                            seq,
                            at: crate::rows::instant(at)?,
                            state,
                            prompt_id,
                            prompt_text,
                            caller_input,
                            understood,
                            outcome,
                        },
                    })
                },
            )
            .collect()
    }
}
