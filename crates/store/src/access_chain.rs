//! Tamper evidence for the access log (issue 13): every entry is chained to
//! the one before it by an HMAC, so an entry edited or deleted after the
//! fact shows up in [`Store::verify_access_log`].
//!
//! Writers insert entries as before, without a number or hash: a booking's
//! entry stays one statement of the booking's own transaction, and nothing
//! on the hot path reads the end of the chain (on PostgreSQL that would
//! serialize every booking). A *sealer* ([`Store::seal_access_log`]) later
//! takes the unsealed entries in one write transaction that locks the
//! single-row `access_log_head`, numbers them `seq = head + 1 …` in id
//! order and stores
//! `hash = HMAC-SHA256(key, prev_hash ‖ seq ‖ at ‖ actor ‖ function ‖ target ‖ client_ip ‖ result)`,
//! every field length-prefixed. The chain's order is the sealer's: an entry
//! that commits late (PostgreSQL) is sealed by a later run, so there are no
//! gaps to explain away.
//!
//! The retention purge deletes a prefix of the chain and leaves an anchor
//! (the last deleted entry's seq and hash, MACed with the cut-off) from
//! which verification starts.
//!
//! What this does not prove: that entries were never inserted by someone
//! writing to the database directly (they would be sealed like any other),
//! nor that the newest entries were not cut off together with the head row;
//! the verify output's head hash, noted down elsewhere, covers the latter.

use crate::rows::instant;
use crate::{Backend, Result, Store, StoreError, background_tx, read};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Entries sealed per transaction: short enough that the SQLite writer is
/// never held for long.
const SEAL_BATCH: i64 = 1000;

/// Entries deleted per transaction by the retention purge.
const PURGE_BATCH: i64 = 5000;

/// Entries read per page while verifying.
const VERIFY_PAGE: i64 = 5000;

/// The fewest bytes of secret a chain key is derived from.
pub const MIN_SECRET_BYTES: usize = 32;

/// The key of the chain's HMACs, derived from a deployment secret.
#[derive(Clone)]
pub struct ChainKey([u8; 32]);

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(…)")
    }
}

/// Why a secret cannot make a chain key.
#[derive(Debug, thiserror::Error)]
#[error("the secret has {0} bytes; at least {MIN_SECRET_BYTES} are needed")]
pub struct ShortSecret(pub usize);

impl ChainKey {
    /// The sub-key "audit-chain" of `secret` (HKDF-SHA256), so the same
    /// secret can serve other purposes without the keys being related.
    pub fn derive(secret: &[u8]) -> Result<Self, ShortSecret> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ShortSecret(secret.len()));
        }
        let mut key = [0u8; 32];
        hkdf::Hkdf::<Sha256>::new(None, secret)
            .expand(b"madoguchi audit-chain", &mut key)
            .map_err(|_| ShortSecret(secret.len()))?;
        Ok(Self(key))
    }

    fn mac(&self, domain: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        field(&mut mac, domain);
        mac
    }

    /// A value that tells whether two keys are the same, without showing
    /// either.
    fn check(&self) -> String {
        hex(&self
            .mac(b"madoguchi.access_log.key_check.v1")
            .finalize()
            .into_bytes())
    }
}

/// One length-prefixed field: no two different field lists encode alike.
fn field(mac: &mut HmacSha256, bytes: &[u8]) {
    mac.update(&(bytes.len() as u64).to_be_bytes());
    mac.update(bytes);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An entry as the chain covers it.
#[derive(Debug, sqlx::FromRow)]
struct ChainRow {
    id: i64,
    at: i64,
    actor: String,
    function: String,
    target: String,
    client_ip: String,
    result: String,
}

#[derive(Debug, sqlx::FromRow)]
struct SealedRow {
    seq: i64,
    hash: String,
    #[sqlx(flatten)]
    entry: ChainRow,
}

/// The hash of `entry` as number `seq`, after the entry hashed `prev` (hex;
/// empty before the first).
fn entry_hash(key: &ChainKey, prev: &str, seq: i64, entry: &ChainRow) -> String {
    let mut mac = key.mac(b"madoguchi.access_log.v1");
    for part in [
        prev.as_bytes(),
        &seq.to_be_bytes(),
        &entry.at.to_be_bytes(),
        entry.actor.as_bytes(),
        entry.function.as_bytes(),
        entry.target.as_bytes(),
        entry.client_ip.as_bytes(),
        entry.result.as_bytes(),
    ] {
        field(&mut mac, part);
    }
    hex(&mac.finalize().into_bytes())
}

/// The MAC of a purge anchor: without the key it cannot be moved.
fn anchor_mac(key: &ChainKey, seq: i64, hash: &str, before: i64) -> String {
    let mut mac = key.mac(b"madoguchi.access_log.anchor.v1");
    field(&mut mac, &seq.to_be_bytes());
    field(&mut mac, hash.as_bytes());
    field(&mut mac, &before.to_be_bytes());
    hex(&mac.finalize().into_bytes())
}

#[derive(Debug, sqlx::FromRow)]
struct HeadRow {
    seq: i64,
    hash: String,
    anchor_seq: i64,
    anchor_hash: String,
    anchor_before: i64,
    anchor_mac: String,
    key_check: String,
}

const HEAD: &str = "SELECT seq, hash, anchor_seq, anchor_hash, anchor_before, anchor_mac, key_check \
                    FROM access_log_head WHERE id = 1";
/// PostgreSQL: the row lock is what makes sealers (on every instance) and
/// the purge take turns. SQLite: the write transaction already does.
const HEAD_FOR_UPDATE: &str = "SELECT seq, hash, anchor_seq, anchor_hash, anchor_before, anchor_mac, key_check \
                               FROM access_log_head WHERE id = 1 FOR UPDATE";

/// How the chain was found broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakKind {
    /// The entry's content no longer matches its hash: it was edited.
    Edited,
    /// No entry has this number: it was deleted.
    Missing,
    /// An entry older than the grace period has no number: the sealer is not
    /// running, or the entry was slipped in.
    Unsealed,
    /// An entry carries a number beyond the end of the chain.
    BeyondHead,
    /// The end of the chain does not match the last entry (entries at the
    /// end deleted, or the head row edited).
    HeadMismatch,
    /// The purge anchor's MAC does not match: it was moved.
    AnchorForged,
    /// The chain was sealed with another key: nothing can be checked.
    WrongKey,
}

impl BreakKind {
    /// What the operator reads.
    pub fn describe(self) -> &'static str {
        match self {
            BreakKind::Edited => "the entry does not match its hash (edited)",
            BreakKind::Missing => "no entry has this number (deleted)",
            BreakKind::Unsealed => {
                "an old entry was never sealed (sealer not running, or slipped in)"
            }
            BreakKind::BeyondHead => "an entry is numbered beyond the end of the chain",
            BreakKind::HeadMismatch => {
                "the end of the chain does not match the last entry (entries at the end deleted)"
            }
            BreakKind::AnchorForged => "the retention purge's anchor was moved",
            BreakKind::WrongKey => {
                "the chain was sealed with another key (check [security] secret_key)"
            }
        }
    }
}

/// The first broken link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub kind: BreakKind,
    /// The chain number where it breaks.
    pub seq: i64,
    /// The entry concerned: for [`BreakKind::Missing`], the next entry
    /// still there.
    pub entry_id: Option<i64>,
    pub at: Option<DateTime<Utc>>,
}

/// What [`Store::verify_access_log`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Entries sealed by this run before checking.
    pub sealed_now: u64,
    /// Entries whose hash was checked.
    pub checked: u64,
    /// Where checking started: the last entry deleted by the retention
    /// purge (0 when nothing was purged).
    pub anchor_seq: i64,
    /// The end of the chain: the last number and its hash (hex).
    pub head_seq: i64,
    pub head_hash: String,
    /// `None` when the chain is whole.
    pub broken: Option<ChainBreak>,
}

impl Store {
    /// Seals every entry written so far (see the module comment); returns
    /// how many. Cheap when there is nothing to seal (one indexed read).
    /// Fails if the chain was sealed with another key.
    pub async fn seal_access_log(&self, key: &ChainKey) -> Result<u64> {
        let head_sql = match self.backend() {
            Backend::Postgres => HEAD_FOR_UPDATE,
            Backend::Sqlite => HEAD,
        };
        let check = key.check();
        let mut sealed = 0u64;
        loop {
            let waiting: Option<(i64,)> = read!(self, pool => {
                sqlx::query_as("SELECT id FROM access_log WHERE seq IS NULL LIMIT 1")
                    .fetch_optional(pool)
                    .await?
            });
            if waiting.is_none() {
                return Ok(sealed);
            }
            let done: u64 = background_tx!(self, tx => {
                let head: HeadRow = sqlx::query_as(head_sql).fetch_one(&mut *tx).await?;
                if head.key_check.is_empty() {
                    sqlx::query("UPDATE access_log_head SET key_check = $1 WHERE id = 1")
                        .bind(&check)
                        .execute(&mut *tx)
                        .await?;
                } else if head.key_check != check {
                    return Err(StoreError::Corrupt(
                        "the access log was sealed with another key".to_owned(),
                    ));
                }
                let rows: Vec<ChainRow> = sqlx::query_as(
                    "SELECT id, at, actor, function, target, client_ip, result FROM access_log \
                     WHERE seq IS NULL ORDER BY id LIMIT $1",
                )
                .bind(SEAL_BATCH)
                .fetch_all(&mut *tx)
                .await?;
                if !rows.is_empty() {
                    let mut prev = head.hash;
                    let mut seq = head.seq;
                    let mut sealed_rows = Vec::with_capacity(rows.len());
                    for row in &rows {
                        seq += 1;
                        prev = entry_hash(key, &prev, seq, row);
                        sealed_rows.push((row.id, seq, prev.clone()));
                    }
                    // VALUES columns are column1.. on both backends.
                    let mut update = sqlx::QueryBuilder::new(
                        "UPDATE access_log SET seq = v.column2, hash = v.column3 FROM (",
                    );
                    update.push_values(&sealed_rows, |mut values, (id, seq, hash)| {
                        values.push_bind(*id).push_bind(*seq).push_bind(hash.as_str());
                    });
                    update.push(") AS v WHERE access_log.id = v.column1 AND access_log.seq IS NULL");
                    let updated = update.build().execute(&mut *tx).await?.rows_affected();
                    if updated != sealed_rows.len() as u64 {
                        return Err(StoreError::Write(format!(
                            "sealed {updated} of {} access-log entries",
                            sealed_rows.len()
                        )));
                    }
                    sqlx::query("UPDATE access_log_head SET seq = $1, hash = $2 WHERE id = 1")
                        .bind(seq)
                        .bind(&prev)
                        .execute(&mut *tx)
                        .await?;
                }
                rows.len() as u64
            });
            sealed += done;
            if done < SEAL_BATCH as u64 {
                return Ok(sealed);
            }
        }
    }

    /// Seals, then checks the whole chain from the purge anchor on and
    /// reports the first broken link. An entry left unsealed for longer
    /// than `grace` before `now` is a break too.
    pub async fn verify_access_log(
        &self,
        key: &ChainKey,
        now: DateTime<Utc>,
        grace: chrono::Duration,
    ) -> Result<ChainReport> {
        // Sealing refuses a chain of another key; that is reported below.
        let sealed_now = match self.seal_access_log(key).await {
            Ok(n) => n,
            Err(StoreError::Corrupt(_)) => 0,
            Err(e) => return Err(e),
        };
        // The highest number first, then the head: a sealer running in
        // between only moves the head further.
        let (max_seq,): (Option<i64>,) = read!(self, pool => {
            sqlx::query_as("SELECT MAX(seq) FROM access_log")
                .fetch_one(pool)
                .await?
        });
        let head: HeadRow = read!(self, pool => {
            sqlx::query_as(HEAD).fetch_one(pool).await?
        });
        let mut report = ChainReport {
            sealed_now,
            checked: 0,
            anchor_seq: head.anchor_seq,
            head_seq: head.seq,
            head_hash: head.hash.clone(),
            broken: None,
        };
        let broken = |kind, seq, entry: Option<&ChainRow>| -> Result<Option<ChainBreak>> {
            Ok(Some(ChainBreak {
                kind,
                seq,
                entry_id: entry.map(|e| e.id),
                at: entry.map(|e| instant(e.at)).transpose()?,
            }))
        };
        if !head.key_check.is_empty() && head.key_check != key.check() {
            report.broken = broken(BreakKind::WrongKey, 0, None)?;
            return Ok(report);
        }
        if head.anchor_seq != 0
            && head.anchor_mac
                != anchor_mac(key, head.anchor_seq, &head.anchor_hash, head.anchor_before)
        {
            report.broken = broken(BreakKind::AnchorForged, head.anchor_seq, None)?;
            return Ok(report);
        }
        let mut expected = head.anchor_seq + 1;
        let mut prev = head.anchor_hash.clone();
        'walk: loop {
            let page: Vec<SealedRow> = read!(self, pool => {
                sqlx::query_as(
                    "SELECT seq, hash, id, at, actor, function, target, client_ip, result \
                     FROM access_log WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3",
                )
                .bind(expected)
                .bind(head.seq)
                .bind(VERIFY_PAGE)
                .fetch_all(pool)
                .await?
            });
            let full = page.len() as i64 == VERIFY_PAGE;
            for row in &page {
                if row.seq != expected {
                    report.broken = broken(BreakKind::Missing, expected, Some(&row.entry))?;
                    break 'walk;
                }
                if entry_hash(key, &prev, row.seq, &row.entry) != row.hash {
                    report.broken = broken(BreakKind::Edited, row.seq, Some(&row.entry))?;
                    break 'walk;
                }
                report.checked += 1;
                prev.clone_from(&row.hash);
                expected += 1;
            }
            if !full {
                break;
            }
        }
        if report.broken.is_none() && expected <= head.seq {
            // Entries at the end deleted: the head names a number not there.
            report.broken = broken(BreakKind::Missing, expected, None)?;
        }
        if report.broken.is_none() && prev != head.hash {
            report.broken = broken(BreakKind::HeadMismatch, head.seq, None)?;
        }
        if report.broken.is_none() && max_seq.is_some_and(|m| m > head.seq) {
            let row: Option<SealedRow> = read!(self, pool => {
                sqlx::query_as(
                    "SELECT seq, hash, id, at, actor, function, target, client_ip, result \
                     FROM access_log WHERE seq > $1 ORDER BY seq LIMIT 1",
                )
                .bind(head.seq)
                .fetch_optional(pool)
                .await?
            });
            if let Some(row) = row {
                report.broken = broken(BreakKind::BeyondHead, row.seq, Some(&row.entry))?;
            }
        }
        if report.broken.is_none() {
            let stale: Option<ChainRow> = read!(self, pool => {
                sqlx::query_as(
                    "SELECT id, at, actor, function, target, client_ip, result FROM access_log \
                     WHERE seq IS NULL AND at < $1 ORDER BY id LIMIT 1",
                )
                .bind((now - grace).timestamp())
                .fetch_optional(pool)
                .await?
            });
            if let Some(row) = stale {
                report.broken = broken(BreakKind::Unsealed, 0, Some(&row))?;
            }
        }
        Ok(report)
    }

    /// The retention purge of the access log: seals, then deletes the
    /// longest run of the chain's first entries that are all older than
    /// `before`, and leaves the last deleted entry as the anchor verification
    /// starts from. Deleting by number, not by time, keeps the chain whole:
    /// an old entry sealed after a newer one waits for a later purge.
    /// Refuses to delete entries whose chain is not whole (numbers missing or
    /// hashes not matching): the evidence stays. Returns how many entries
    /// were deleted.
    pub async fn purge_access_log_before(
        &self,
        before: DateTime<Utc>,
        key: &ChainKey,
    ) -> Result<u64> {
        self.seal_access_log(key).await?;
        let head_sql = match self.backend() {
            Backend::Postgres => HEAD_FOR_UPDATE,
            Backend::Sqlite => HEAD,
        };
        let cutoff = before.timestamp();
        let mut deleted = 0u64;
        loop {
            let (done, more): (u64, bool) = background_tx!(self, tx => {
                let head: HeadRow = sqlx::query_as(head_sql).fetch_one(&mut *tx).await?;
                // The chain's first entries in order (the seq index, never a
                // scan of the whole log), checked before they go.
                let first: Vec<SealedRow> = sqlx::query_as(
                    "SELECT seq, hash, id, at, actor, function, target, client_ip, result \
                     FROM access_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(head.anchor_seq)
                .bind(PURGE_BATCH)
                .fetch_all(&mut *tx)
                .await?;
                let mut last: Option<(i64, String)> = None;
                let mut prev = head.anchor_hash.clone();
                for row in first.iter().take_while(|row| row.entry.at < cutoff) {
                    let expected = last.as_ref().map_or(head.anchor_seq, |(seq, _)| *seq) + 1;
                    if row.seq != expected || entry_hash(key, &prev, row.seq, &row.entry) != row.hash {
                        return Err(StoreError::Corrupt(format!(
                            "the access log's chain is broken at seq {expected}; \
                             nothing more purged (run `madoguchi audit verify`)"
                        )));
                    }
                    prev.clone_from(&row.hash);
                    last = Some((row.seq, row.hash.clone()));
                }
                match last {
                    None => (0, false),
                    Some((last, hash)) => {
                        let gone = sqlx::query("DELETE FROM access_log WHERE seq > $1 AND seq <= $2")
                            .bind(head.anchor_seq)
                            .bind(last)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                        sqlx::query(
                            "UPDATE access_log_head SET anchor_seq = $1, anchor_hash = $2, \
                             anchor_before = $3, anchor_mac = $4 WHERE id = 1",
                        )
                        .bind(last)
                        .bind(&hash)
                        .bind(cutoff)
                        .bind(anchor_mac(key, last, &hash, cutoff))
                        .execute(&mut *tx)
                        .await?;
                        (gone, first.len() as i64 == PURGE_BATCH && first.iter().all(|row| row.entry.at < cutoff))
                    }
                }
            });
            deleted += done;
            if !more {
                return Ok(deleted);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(actor: &str, function: &str) -> ChainRow {
        ChainRow {
            id: 1,
            at: 1_700_000_000,
            actor: actor.to_owned(),
            function: function.to_owned(),
            target: String::new(),
            client_ip: "192.0.2.1".to_owned(),
            result: "ok".to_owned(),
        }
    }

    #[test]
    fn fields_are_length_prefixed_so_shifting_text_between_them_changes_the_hash() {
        let key = ChainKey::derive(&[7u8; 32]).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(
            entry_hash(&key, "", 1, &row("staff:1", "admin.signin")),
            entry_hash(&key, "", 1, &row("staff:1admin", ".signin")),
        );
    }

    #[test]
    fn a_short_secret_is_refused_and_keys_differ_by_secret() {
        assert!(ChainKey::derive(&[1u8; 31]).is_err());
        let a = ChainKey::derive(&[1u8; 32]).unwrap_or_else(|e| panic!("{e}"));
        let b = ChainKey::derive(&[2u8; 32]).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(a.check(), b.check());
    }
}
