//! Staff accounts and their server-side sessions.
//!
//! Passwords arrive already hashed (Argon2id, by `web`); session tokens are
//! random, handed to the browser once, and stored only as SHA-256, so a copy
//! of the database gives nobody a session.

use crate::rows::instant;
use crate::{Result, Store, StoreError, quiet_tx, read};
use chrono::{DateTime, Duration, Utc};
use madoguchi_core::staff::{Login, Role};
use rand::Rng;
use sha2::{Digest, Sha256};

/// Inside a transaction: returns `StaffError::LastAdmin` when `$id` is the
/// only enabled administrator.
macro_rules! ensure_other_admin {
    ($executor:expr, $id:expr) => {
        let (others, is_admin): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM staff_users WHERE role = 'admin' AND disabled = FALSE AND id <> $1), (SELECT COUNT(*) FROM staff_users WHERE role = 'admin' AND disabled = FALSE AND id = $1)",
        )
        .bind($id)
        .fetch_one($executor)
        .await?;
        if others == 0 && is_admin > 0 {
            return Err(StaffError::LastAdmin);
        }
    };
}

/// A staff account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub id: i64,
    pub login: Login,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    /// Confirmed TOTP secret (base32): sign-in asks for a code.
    pub totp_secret: Option<String>,
    /// A TOTP secret being set up, not yet confirmed with a code.
    pub totp_pending: Option<String>,
    pub disabled: bool,
    pub failed_signins: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl StaffUser {
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// A staff account to create.
#[derive(Debug, Clone)]
pub struct NewStaffUser {
    pub login: Login,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

/// Why an account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("a user with that name exists")]
    LoginTaken,
    #[error("no such user")]
    NotFound,
    /// The change would leave no enabled administrator.
    #[error("the last enabled administrator cannot be removed")]
    LastAdmin,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for StaffError {
    fn from(e: sqlx::Error) -> Self {
        StaffError::Store(StoreError::Database(e))
    }
}

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::minutes(30),
            absolute: Duration::hours(10),
        }
    }
}

/// What the browser gets when a session starts: shown once, never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

/// A live session with its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    pub user: StaffUser,
    pub csrf: String,
    /// False while the second factor is still to be given.
    pub verified: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Only touch `last_seen` when it is at least this old: one write per
/// minute per session, not per request.
const TOUCH_EVERY_SECONDS: i64 = 60;

const USER_COLUMNS: &str = "u.id, u.login, u.display_name, u.role, u.password_hash, u.totp_secret, u.totp_pending, u.disabled, u.failed_signins, u.locked_until, u.created_at, u.updated_at";

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    login: String,
    display_name: String,
    role: String,
    password_hash: String,
    totp_secret: Option<String>,
    totp_pending: Option<String>,
    disabled: bool,
    failed_signins: i64,
    locked_until: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl UserRow {
    fn into_user(self) -> Result<StaffUser> {
        Ok(StaffUser {
            id: self.id,
            login: Login::parse(&self.login)
                .map_err(|_| StoreError::Corrupt(format!("staff login of user {}", self.id)))?,
            display_name: self.display_name,
            role: Role::parse(&self.role)
                .map_err(|_| StoreError::Corrupt(format!("staff role {}", self.role)))?,
            password_hash: self.password_hash,
            totp_secret: self.totp_secret,
            totp_pending: self.totp_pending,
            disabled: self.disabled,
            failed_signins: crate::to_u32(self.failed_signins, "failed sign-ins")?,
            locked_until: self.locked_until.map(instant).transpose()?,
            created_at: instant(self.created_at)?,
            updated_at: instant(self.updated_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    csrf: String,
    verified: bool,
    s_created_at: i64,
    last_seen: i64,
    expires_at: i64,
}

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// The stored form of a session token.
fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Store {
    /// Creates an account; the sign-in name must be free.
    pub async fn create_staff_user(
        &self,
        user: &NewStaffUser,
        now: DateTime<Utc>,
    ) -> Result<i64, StaffError> {
        let at = now.timestamp();
        let id: Option<(i64,)> = quiet_tx!(self, tx => {
            sqlx::query_as("INSERT INTO staff_users (login, display_name, role, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (login) DO NOTHING RETURNING id")
                .bind(user.login.as_str())
                .bind(user.display_name.trim())
                .bind(user.role.as_str())
                .bind(&user.password_hash)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?
        });
        id.map(|(id,)| id).ok_or(StaffError::LoginTaken)
    }

    pub async fn find_staff_user(&self, id: i64) -> Result<Option<StaffUser>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM staff_users u WHERE u.id = $1");
        let row: Option<UserRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        row.map(UserRow::into_user).transpose()
    }

    pub async fn find_staff_user_by_login(&self, login: &Login) -> Result<Option<StaffUser>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM staff_users u WHERE u.login = $1");
        let row: Option<UserRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(login.as_str()).fetch_optional(pool).await?
        });
        row.map(UserRow::into_user).transpose()
    }

    /// Every account, by sign-in name.
    pub async fn staff_users(&self) -> Result<Vec<StaffUser>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM staff_users u ORDER BY u.login");
        let rows: Vec<UserRow> = read!(self, pool => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        rows.into_iter().map(UserRow::into_user).collect()
    }

    /// Whether an enabled administrator exists.
    pub async fn has_enabled_admin(&self) -> Result<bool> {
        let row: Option<(i64,)> = read!(self, pool => {
            sqlx::query_as("SELECT id FROM staff_users WHERE role = 'admin' AND disabled = FALSE LIMIT 1")
                .fetch_optional(pool)
                .await?
        });
        Ok(row.is_some())
    }

    /// Replaces the password hash, clears any lock, and ends the user's
    /// sessions except `keep_session` (the token of the session making the
    /// change, when users change their own password).
    pub async fn set_staff_password(
        &self,
        id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StaffError> {
        let keep = keep_session.map(token_hash).unwrap_or_default();
        quiet_tx!(self, tx => {
            let done = sqlx::query("UPDATE staff_users SET password_hash = $1, failed_signins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(now.timestamp())
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                return Err(StaffError::NotFound);
            }
            sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(id)
                .bind(&keep)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Changes the role. The last enabled administrator keeps theirs.
    pub async fn set_staff_role(
        &self,
        id: i64,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(), StaffError> {
        quiet_tx!(self, tx => {
            if role != Role::Admin {
                ensure_other_admin!(&mut *tx, id);
            }
            let done = sqlx::query("UPDATE staff_users SET role = $1, updated_at = $2 WHERE id = $3")
                .bind(role.as_str())
                .bind(now.timestamp())
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                return Err(StaffError::NotFound);
            }
        });
        Ok(())
    }

    /// Disables (ending every session) or enables an account. The last
    /// enabled administrator cannot be disabled.
    pub async fn set_staff_disabled(
        &self,
        id: i64,
        disabled: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StaffError> {
        quiet_tx!(self, tx => {
            if disabled {
                ensure_other_admin!(&mut *tx, id);
            }
            let done = sqlx::query("UPDATE staff_users SET disabled = $1, failed_signins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3")
                .bind(disabled)
                .bind(now.timestamp())
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                return Err(StaffError::NotFound);
            }
            if disabled {
                sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    /// Counts a failed sign-in; after `max_failures` in a row the account is
    /// locked for `lock_for` (and the count starts again). Returns whether
    /// the account is now locked.
    pub async fn record_signin_failure(
        &self,
        id: i64,
        max_failures: u32,
        lock_for: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let until = (now + lock_for).timestamp();
        let locked: Option<(Option<i64>,)> = quiet_tx!(self, tx => {
            sqlx::query_as("UPDATE staff_users SET failed_signins = CASE WHEN failed_signins + 1 >= $1 THEN 0 ELSE failed_signins + 1 END, locked_until = CASE WHEN failed_signins + 1 >= $1 THEN $2 ELSE locked_until END WHERE id = $3 RETURNING locked_until")
                .bind(i64::from(max_failures.max(1)))
                .bind(until)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
        });
        Ok(locked
            .and_then(|(until,)| until)
            .is_some_and(|until| until > now.timestamp()))
    }

    /// After a successful sign-in: the failure count starts again.
    pub async fn record_signin_success(&self, id: i64) -> Result<()> {
        quiet_tx!(self, tx => {
            sqlx::query("UPDATE staff_users SET failed_signins = 0, locked_until = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Stores a TOTP secret being set up (or clears it with `None`).
    pub async fn set_totp_pending(&self, id: i64, secret: Option<&str>) -> Result<()> {
        quiet_tx!(self, tx => {
            sqlx::query("UPDATE staff_users SET totp_pending = $1 WHERE id = $2")
                .bind(secret)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Makes the pending secret the account's second factor, remembering
    /// `step` (the time step of the code that confirmed it) as used.
    pub async fn confirm_totp(&self, id: i64, step: i64, now: DateTime<Utc>) -> Result<bool> {
        let done = quiet_tx!(self, tx => {
            sqlx::query("UPDATE staff_users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $1, updated_at = $2 WHERE id = $3 AND totp_pending IS NOT NULL")
                .bind(step)
                .bind(now.timestamp())
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Removes the second factor (the user's own choice, or an
    /// administrator's reset).
    pub async fn disable_totp(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        quiet_tx!(self, tx => {
            sqlx::query("UPDATE staff_users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL, updated_at = $1 WHERE id = $2")
                .bind(now.timestamp())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Accepts a TOTP code's time step once: false when this step (or a
    /// later one) was used already, so a code seen over a shoulder cannot
    /// be replayed.
    pub async fn use_totp_step(&self, id: i64, step: i64) -> Result<bool> {
        let done = quiet_tx!(self, tx => {
            sqlx::query("UPDATE staff_users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)")
                .bind(step)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Starts a session for `user_id`. `verified` is false when a second
    /// factor must still be given. Also sweeps sessions that have ended.
    pub async fn create_staff_session(
        &self,
        user_id: i64,
        verified: bool,
        policy: SessionPolicy,
        now: DateTime<Utc>,
    ) -> Result<NewSession> {
        let session = NewSession {
            token: random_hex(32),
            csrf: random_hex(24),
        };
        let at = now.timestamp();
        quiet_tx!(self, tx => {
            sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1 OR last_seen <= $2")
                .bind(at)
                .bind((now - policy.idle).timestamp())
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO staff_sessions (token_hash, user_id, csrf, verified, created_at, last_seen, expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6)")
                .bind(token_hash(&session.token))
                .bind(user_id)
                .bind(&session.csrf)
                .bind(verified)
                .bind(at)
                .bind((now + policy.absolute).timestamp())
                .execute(&mut *tx)
                .await?;
        });
        Ok(session)
    }

    /// The live session of `token`: not idle longer than `policy.idle`,
    /// not past its absolute end, of an enabled account. Marks it used.
    pub async fn staff_session(
        &self,
        token: &str,
        policy: SessionPolicy,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffSession>> {
        let hash = token_hash(token);
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf, s.verified, s.created_at AS s_created_at, s.last_seen, s.expires_at FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id WHERE s.token_hash = $1"
        );
        let row: Option<SessionRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(&hash).fetch_optional(pool).await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        let at = now.timestamp();
        let idle_since = (now - policy.idle).timestamp();
        if row.expires_at <= at || row.last_seen <= idle_since || row.user.disabled {
            self.end_staff_session(token).await?;
            return Ok(None);
        }
        if at - row.last_seen >= TOUCH_EVERY_SECONDS {
            quiet_tx!(self, tx => {
                sqlx::query("UPDATE staff_sessions SET last_seen = $1 WHERE token_hash = $2")
                    .bind(at)
                    .bind(&hash)
                    .execute(&mut *tx)
                    .await?;
            });
        }
        Ok(Some(StaffSession {
            user: row.user.into_user()?,
            csrf: row.csrf,
            verified: row.verified,
            created_at: instant(row.s_created_at)?,
            expires_at: instant(row.expires_at)?,
        }))
    }

    /// Ends one session (sign-out).
    pub async fn end_staff_session(&self, token: &str) -> Result<()> {
        quiet_tx!(self, tx => {
            sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
                .bind(token_hash(token))
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Ends every session of a user.
    pub async fn end_staff_sessions(&self, user_id: i64) -> Result<()> {
        quiet_tx!(self, tx => {
            sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }
}
