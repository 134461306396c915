-- Staff accounts, their sessions, and the access log (E3). SQLite dialect;
-- keep in step with ../postgres/0002_staff.sql. Instants are Unix seconds.

CREATE TABLE staff_users (
    id              INTEGER PRIMARY KEY,
    -- Sign-in name, ASCII, lower case.
    login           TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'viewer')),
    -- Argon2id, PHC string format.
    password_hash   TEXT NOT NULL,
    -- Base32 TOTP secret once confirmed; a secret being set up waits in
    -- totp_pending until the user proves it with a code.
    totp_secret     TEXT,
    totp_pending    TEXT,
    -- The last TOTP time step accepted, so that a code works only once.
    totp_last_step  INTEGER,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    failed_signins  INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Server-side sessions. The browser holds a random token; only its SHA-256
-- is stored, so a copy of the database does not give anyone a session.
CREATE TABLE staff_sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES staff_users(id),
    -- The CSRF token of admin forms in this session.
    csrf        TEXT NOT NULL,
    -- FALSE while the second factor is still to be given.
    verified    BOOLEAN NOT NULL,
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    -- Absolute end, however active the session is.
    expires_at  INTEGER NOT NULL
);
CREATE INDEX staff_sessions_by_user ON staff_sessions (user_id);

-- Who used which function, when, from where, with what result. Append-only:
-- the store has no UPDATE or DELETE on it (only a documented retention purge).
-- Actors and targets are ids ("staff:3", "citizen", "booking:12345678"),
-- never names, phone numbers or emails.
CREATE TABLE access_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    function  TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    client_ip TEXT NOT NULL DEFAULT '',
    result    TEXT NOT NULL CHECK (result IN ('ok', 'denied', 'failed'))
);
CREATE INDEX access_log_by_at ON access_log (at, id);
