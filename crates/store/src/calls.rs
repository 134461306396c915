//! Phone calls and their turns (C3, C6), scenario versions (C2), venue
//! aliases and recognition corrections that staff add.
//!
//! Turns hold what callers said, so they are personal data: they are shown
//! to staff and exported, never logged.

use crate::{Result, Store, StoreError, background_tx, quiet_tx, read, write_tx};
use chrono::{DateTime, Utc};
use madoguchi_core::ids::VenueId;

/// A call's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct CallId(pub i64);

/// A call about to start.
#[derive(Debug, Clone)]
pub struct NewCall {
    /// `simulator`, `rehearsal` or `voice`.
    pub kind: String,
    /// The caller's number as the network gave it, if any.
    pub caller_id: Option<String>,
    pub scenario_version: Option<i64>,
    pub dry_run: bool,
}

/// How a call ended.
#[derive(Debug, Clone, Default)]
pub struct CallEnd {
    /// booked, changed, cancelled, looked_up, transferred, ineligible,
    /// abandoned, failed.
    pub outcome: String,
    /// The dialog state the call ended in.
    pub end_state: String,
    /// Why it ended: completed, hangup, silence, repeated_failures,
    /// transfer, …
    pub end_reason: String,
    pub reservation_no: Option<String>,
}

/// One turn of a call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallTurn {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub state: String,
    pub prompt_id: String,
    pub prompt_text: String,
    pub caller_input: String,
    pub understood: String,
    pub outcome: String,
}

/// A call as listed for staff.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallSummary {
    pub id: CallId,
    pub kind: String,
    pub scenario_version: Option<i64>,
    pub dry_run: bool,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub end_state: Option<String>,
    pub end_reason: Option<String>,
    pub reservation_no: Option<String>,
    pub turns: i64,
}

impl CallSummary {
    /// Seconds from start to end, when ended.
    pub fn duration_seconds(&self) -> Option<i64> {
        self.ended_at
            .map(|end| (end - self.started_at).num_seconds())
    }
}

/// Calls of one outcome and end reason.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CallCount {
    pub outcome: String,
    pub end_reason: String,
    pub calls: i64,
    pub average_seconds: f64,
}

/// One stored version of the dialog scenario.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScenarioVersion {
    pub id: i64,
    /// The scenario as JSON (the dialog crate owns its shape).
    pub body: String,
    /// draft, published or retired.
    pub status: String,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A name callers use for a venue besides its official one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VenueAlias {
    pub id: i64,
    pub venue_id: VenueId,
    pub alias: String,
}

/// A replacement applied to what the recognizer returned, before parsing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecognitionCorrection {
    pub id: i64,
    pub from_text: String,
    pub to_text: String,
}

type CallRow = (
    i64,
    String,
    Option<i64>,
    bool,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

fn call_summary(row: CallRow) -> Result<CallSummary> {
    let (
        id,
        kind,
        scenario_version,
        dry_run,
        started,
        ended,
        outcome,
        end_state,
        end_reason,
        number,
        turns,
    ) = row;
    Ok(CallSummary {
        id: CallId(id),
        kind,
        scenario_version,
        dry_run,
        started_at: crate::rows::instant(started)?,
        ended_at: ended.map(crate::rows::instant).transpose()?,
        outcome,
        end_state,
        end_reason,
        reservation_no: number,
        turns,
    })
}

const CALL_COLUMNS: &str = "id, kind, scenario_version, dry_run, started_at, ended_at, outcome, end_state, end_reason, reservation_no, turns";

type TurnRow = (i64, i64, String, String, String, String, String, String);

type ScenarioRow = (i64, String, String, String, String, i64, Option<i64>);

fn scenario_version(row: ScenarioRow) -> Result<ScenarioVersion> {
    let (id, body, status, note, created_by, created_at, published_at) = row;
    Ok(ScenarioVersion {
        id,
        body,
        status,
        note,
        created_by,
        created_at: crate::rows::instant(created_at)?,
        published_at: published_at.map(crate::rows::instant).transpose()?,
    })
}

const SCENARIO_COLUMNS: &str = "id, body, status, note, created_by, created_at, published_at";

/// Appends one turn inside the caller's transaction (a macro, like
/// `queue_notices!`, to keep the calling futures `Send`).
macro_rules! insert_turn {
    ($tx:expr, $call:expr, $turn:expr) => {{
        let turn: &CallTurn = $turn;
        sqlx::query(
            "INSERT INTO call_turns (call_id, seq, at, state, prompt_id, prompt_text, caller_input, understood, outcome)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind($call.0)
        .bind(turn.seq)
        .bind(turn.at.timestamp())
        .bind(&turn.state)
        .bind(&turn.prompt_id)
        .bind(&turn.prompt_text)
        .bind(&turn.caller_input)
        .bind(&turn.understood)
        .bind(&turn.outcome)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("UPDATE calls SET turns = turns + 1 WHERE id = $1")
            .bind($call.0)
            .execute(&mut *$tx)
            .await?;
    }};
}

impl Store {
    /// Records the start of a call.
    pub async fn start_call(&self, call: &NewCall, now: DateTime<Utc>) -> Result<CallId> {
        let (id,): (i64,) = quiet_tx!(self, tx => {
            sqlx::query_as(
                "INSERT INTO calls (kind, caller_id, scenario_version, dry_run, started_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(&call.kind)
            .bind(call.caller_id.as_deref())
            .bind(call.scenario_version)
            .bind(call.dry_run)
            .bind(now.timestamp())
            .fetch_one(&mut *tx)
            .await?
        });
        self.activity.call_started();
        Ok(CallId(id))
    }

    /// Appends one turn to a call's log.
    pub async fn record_turn(&self, call: CallId, turn: &CallTurn) -> Result<()> {
        quiet_tx!(self, tx => {
            insert_turn!(tx, call, turn);
        });
        self.activity.turn_recorded(turn);
        Ok(())
    }

    /// Records how a call ended. A call ends once: later calls change nothing.
    pub async fn end_call(&self, call: CallId, end: &CallEnd, now: DateTime<Utc>) -> Result<()> {
        let ended = quiet_tx!(self, tx => {
            sqlx::query(
                "UPDATE calls SET ended_at = $1, outcome = $2, end_state = $3, end_reason = $4, reservation_no = $5
                 WHERE id = $6 AND ended_at IS NULL",
            )
            .bind(now.timestamp())
            .bind(&end.outcome)
            .bind(&end.end_state)
            .bind(&end.end_reason)
            .bind(end.reservation_no.as_deref())
            .bind(call.0)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        if ended == 1 {
            self.activity.call_ended(&end.outcome);
        }
        Ok(())
    }

    /// Deletes calls (with their turns: what callers said, their
    /// recordings and link SMS: their numbers) that started before
    /// `before`, after adding the real ones to the anonymous counts
    /// (`call_stats`); returns how many (E2: personal data is not kept).
    pub async fn purge_calls_before(&self, before: DateTime<Utc>) -> Result<u64> {
        let deleted = background_tx!(self, tx => {
            // What reports need of these calls outlives them (issue 15).
            crate::reports::count_purged_calls!(tx, before.timestamp());
            sqlx::query("DELETE FROM link_sms WHERE call_id IN (SELECT id FROM calls WHERE started_at < $1)")
                .bind(before.timestamp())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM call_audio WHERE call_id IN (SELECT id FROM calls WHERE started_at < $1)")
                .bind(before.timestamp())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM call_turns WHERE call_id IN (SELECT id FROM calls WHERE started_at < $1)")
                .bind(before.timestamp())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM calls WHERE started_at < $1")
                .bind(before.timestamp())
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        self.scrub_deleted().await?;
        Ok(deleted)
    }

    /// Stores the recording of a caller's turn (`seq` as in `call_turns`).
    pub async fn save_call_audio(&self, call: CallId, seq: i64, wav: &[u8]) -> Result<()> {
        quiet_tx!(self, tx => {
            sqlx::query("INSERT INTO call_audio (call_id, seq, wav) VALUES ($1, $2, $3) ON CONFLICT (call_id, seq) DO UPDATE SET wav = excluded.wav")
                .bind(call.0)
                .bind(seq)
                .bind(wav)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// The recording of one turn, as stored (WAV).
    pub async fn call_audio(&self, call: CallId, seq: i64) -> Result<Option<Vec<u8>>> {
        let row: Option<(Vec<u8>,)> = read!(self, pool => {
            sqlx::query_as("SELECT wav FROM call_audio WHERE call_id = $1 AND seq = $2")
                .bind(call.0)
                .bind(seq)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(wav,)| wav))
    }

    /// The turns of a call that have a recording.
    pub async fn call_audio_turns(&self, call: CallId) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = read!(self, pool => {
            sqlx::query_as("SELECT seq FROM call_audio WHERE call_id = $1 ORDER BY seq")
                .bind(call.0)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|(seq,)| seq).collect())
    }

    /// Calls started in `[from, to)` counted by outcome and end reason, with
    /// their average duration in seconds (C4, C6: how many calls were
    /// abandoned midway, and why). Calls still running count as outcome "".
    pub async fn call_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CallCount>> {
        let rows: Vec<(String, String, i64, f64)> = read!(self, pool => {
            sqlx::query_as(
                "SELECT COALESCE(outcome, ''), COALESCE(end_reason, ''), COUNT(*),
                        CAST(COALESCE(AVG(ended_at - started_at), 0) AS DOUBLE PRECISION)
                 FROM calls WHERE started_at >= $1 AND started_at < $2
                 GROUP BY COALESCE(outcome, ''), COALESCE(end_reason, '')
                 ORDER BY 3 DESC, 1, 2",
            )
            .bind(from.timestamp())
            .bind(to.timestamp())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(outcome, end_reason, calls, average_seconds)| CallCount {
                outcome,
                end_reason,
                calls,
                average_seconds,
            })
            .collect())
    }

    /// Calls, newest first.
    pub async fn calls(&self, limit: i64, offset: i64) -> Result<Vec<CallSummary>> {
        let sql = format!(
            "SELECT {CALL_COLUMNS} FROM calls ORDER BY started_at DESC, id DESC LIMIT $1 OFFSET $2"
        );
        let rows: Vec<CallRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(limit).bind(offset).fetch_all(pool).await?
        });
        rows.into_iter().map(call_summary).collect()
    }

    pub async fn find_call(&self, call: CallId) -> Result<Option<CallSummary>> {
        let sql = format!("SELECT {CALL_COLUMNS} FROM calls WHERE id = $1");
        let row: Option<CallRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(call.0).fetch_optional(pool).await?
        });
        row.map(call_summary).transpose()
    }

    /// A call's turns in order.
    pub async fn call_turns(&self, call: CallId) -> Result<Vec<CallTurn>> {
        let rows: Vec<TurnRow> = read!(self, pool => {
            sqlx::query_as(
                "SELECT seq, at, state, prompt_id, prompt_text, caller_input, understood, outcome
                 FROM call_turns WHERE call_id = $1 ORDER BY seq",
            )
            .bind(call.0)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(
                |(seq, at, state, prompt_id, prompt_text, caller_input, understood, outcome)| {
                    Ok(CallTurn {
                        seq,
                        at: crate::rows::instant(at)?,
                        state,
                        prompt_id,
                        prompt_text,
                        caller_input,
                        understood,
                        outcome,
                    })
                },
            )
            .collect()
    }

    /// The published scenario, if staff ever published one.
    pub async fn published_scenario(&self) -> Result<Option<ScenarioVersion>> {
        self.scenario_with_status("published").await
    }

    /// The draft being edited, if any.
    pub async fn draft_scenario(&self) -> Result<Option<ScenarioVersion>> {
        self.scenario_with_status("draft").await
    }

    async fn scenario_with_status(&self, status: &str) -> Result<Option<ScenarioVersion>> {
        let sql = format!(
            "SELECT {SCENARIO_COLUMNS} FROM scenario_versions WHERE status = $1 ORDER BY id DESC LIMIT 1"
        );
        let row: Option<ScenarioRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(status).fetch_optional(pool).await?
        });
        row.map(scenario_version).transpose()
    }

    pub async fn scenario_version(&self, id: i64) -> Result<Option<ScenarioVersion>> {
        let sql = format!("SELECT {SCENARIO_COLUMNS} FROM scenario_versions WHERE id = $1");
        let row: Option<ScenarioRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        row.map(scenario_version).transpose()
    }

    /// Every version, newest first.
    pub async fn scenario_versions(&self) -> Result<Vec<ScenarioVersion>> {
        let sql = format!("SELECT {SCENARIO_COLUMNS} FROM scenario_versions ORDER BY id DESC");
        let rows: Vec<ScenarioRow> = read!(self, pool => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        rows.into_iter().map(scenario_version).collect()
    }

    /// Saves `body` as the draft (replacing the draft there is). The caller
    /// validates the body first.
    pub async fn save_scenario_draft(
        &self,
        body: &str,
        note: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let id = write_tx!(self, tx => {
            let updated: Option<(i64,)> = sqlx::query_as(
                "UPDATE scenario_versions SET body = $1, note = $2, created_by = $3, created_at = $4
                 WHERE status = 'draft' RETURNING id",
            )
            .bind(body)
            .bind(note)
            .bind(by)
            .bind(now.timestamp())
            .fetch_optional(&mut *tx)
            .await?;
            match updated {
                Some((id,)) => id,
                None => {
                    let (id,): (i64,) = sqlx::query_as(
                        "INSERT INTO scenario_versions (body, status, note, created_by, created_at)
                         VALUES ($1, 'draft', $2, $3, $4) RETURNING id",
                    )
                    .bind(body)
                    .bind(note)
                    .bind(by)
                    .bind(now.timestamp())
                    .fetch_one(&mut *tx)
                    .await?;
                    id
                }
            }
        });
        Ok(id)
    }

    /// Publishes the draft: it becomes the version new calls use and the
    /// version published before becomes history. `None` without a draft.
    pub async fn publish_scenario_draft(&self, now: DateTime<Utc>) -> Result<Option<i64>> {
        let id = write_tx!(self, tx => {
            let draft: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM scenario_versions WHERE status = 'draft' ORDER BY id DESC LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?;
            match draft {
                None => None,
                Some((id,)) => {
                    sqlx::query("UPDATE scenario_versions SET status = 'retired' WHERE status = 'published'")
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE scenario_versions SET status = 'published', published_at = $1 WHERE id = $2")
                        .bind(now.timestamp())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    Some(id)
                }
            }
        });
        Ok(id)
    }

    /// Publishes again the body of an earlier version, as a new version
    /// (history is never rewritten). `None` when `id` does not exist.
    pub async fn rollback_scenario(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let Some(old) = self.scenario_version(id).await? else {
            return Ok(None);
        };
        let note = format!("version {id} restored");
        let new_id = write_tx!(self, tx => {
            sqlx::query("UPDATE scenario_versions SET status = 'retired' WHERE status = 'published'")
                .execute(&mut *tx)
                .await?;
            let (new_id,): (i64,) = sqlx::query_as(
                "INSERT INTO scenario_versions (body, status, note, created_by, created_at, published_at)
                 VALUES ($1, 'published', $2, $3, $4, $4) RETURNING id",
            )
            .bind(&old.body)
            .bind(&note)
            .bind(by)
            .bind(now.timestamp())
            .fetch_one(&mut *tx)
            .await?;
            new_id
        });
        Ok(Some(new_id))
    }

    pub async fn venue_aliases(&self) -> Result<Vec<VenueAlias>> {
        let rows: Vec<(i64, i64, String)> = read!(self, pool => {
            sqlx::query_as("SELECT id, venue_id, alias FROM venue_aliases ORDER BY venue_id, id")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, venue, alias)| VenueAlias {
                id,
                venue_id: VenueId(venue),
                alias,
            })
            .collect())
    }

    /// Adds an alias (adding it twice changes nothing).
    pub async fn add_venue_alias(&self, venue: VenueId, alias: &str) -> Result<()> {
        let alias = alias.trim();
        if alias.is_empty() {
            return Err(StoreError::Write("empty alias".to_owned()));
        }
        write_tx!(self, tx => {
            sqlx::query("INSERT INTO venue_aliases (venue_id, alias) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(venue.0)
                .bind(alias)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    pub async fn delete_venue_alias(&self, id: i64) -> Result<()> {
        write_tx!(self, tx => {
            sqlx::query("DELETE FROM venue_aliases WHERE id = $1").bind(id).execute(&mut *tx).await?;
        });
        Ok(())
    }

    pub async fn recognition_corrections(&self) -> Result<Vec<RecognitionCorrection>> {
        let rows: Vec<(i64, String, String)> = read!(self, pool => {
            sqlx::query_as("SELECT id, from_text, to_text FROM recognition_corrections ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, from_text, to_text)| RecognitionCorrection {
                id,
                from_text,
                to_text,
            })
            .collect())
    }

    /// Adds or replaces the correction for `from`.
    pub async fn set_recognition_correction(&self, from: &str, to: &str) -> Result<()> {
        if from.is_empty() {
            return Err(StoreError::Write("empty correction".to_owned()));
        }
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO recognition_corrections (from_text, to_text) VALUES ($1, $2)
                 ON CONFLICT (from_text) DO UPDATE SET to_text = excluded.to_text",
            )
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    pub async fn delete_recognition_correction(&self, id: i64) -> Result<()> {
        write_tx!(self, tx => {
            sqlx::query("DELETE FROM recognition_corrections WHERE id = $1").bind(id).execute(&mut *tx).await?;
        });
        Ok(())
    }
}
