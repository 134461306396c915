-- Phone calls (issue 5), SQLite dialect. Keep in step with ../postgres/0004_calls.sql.

-- Seats held for a caller while they confirm an offered slot. `held` counts
-- the seats of unexpired and expired-but-not-yet-released holds; the claim
-- statement counts them as taken, and releases expired ones when it finds
-- no room (see bookings.rs `claim_seats!`). The CHECK is the last line of
-- defence: booked and held seats together never exceed the capacity.
ALTER TABLE slots ADD COLUMN held INTEGER NOT NULL DEFAULT 0
    CHECK (held >= 0 AND booked + held <= capacity);

CREATE TABLE seat_holds (
    id         INTEGER PRIMARY KEY,
    slot_id    INTEGER NOT NULL REFERENCES slots(id),
    seats      INTEGER NOT NULL CHECK (seats > 0),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX seat_holds_by_slot ON seat_holds (slot_id, expires_at);

-- Versions of the dialog scenario (C2): one draft at most, one published,
-- the rest history. Calls record the version they used.
CREATE TABLE scenario_versions (
    id           INTEGER PRIMARY KEY,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    published_at INTEGER
);

-- One phone call (real, simulated or rehearsed) and how it ended (C3, C6).
CREATE TABLE calls (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    caller_id        TEXT,
    scenario_version INTEGER REFERENCES scenario_versions(id),
    dry_run          BOOLEAN NOT NULL DEFAULT FALSE,
    started_at       INTEGER NOT NULL,
    ended_at         INTEGER,
    outcome          TEXT,
    end_state        TEXT,
    end_reason       TEXT,
    reservation_no   TEXT,
    turns            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX calls_by_start ON calls (started_at);

-- Every turn of a call: what the agent said and what the caller answered.
CREATE TABLE call_turns (
    id           INTEGER PRIMARY KEY,
    call_id      INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    state        TEXT NOT NULL,
    prompt_id    TEXT NOT NULL DEFAULT '',
    prompt_text  TEXT NOT NULL DEFAULT '',
    caller_input TEXT NOT NULL DEFAULT '',
    understood   TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL DEFAULT '',
    UNIQUE (call_id, seq)
);

-- Other names callers use for a venue (short forms, areas, landmarks).
CREATE TABLE venue_aliases (
    id       INTEGER PRIMARY KEY,
    venue_id INTEGER NOT NULL REFERENCES venues(id),
    alias    TEXT NOT NULL,
    UNIQUE (venue_id, alias)
);

-- Text replacements applied to every recognizer result before parsing.
CREATE TABLE recognition_corrections (
    id        INTEGER PRIMARY KEY,
    from_text TEXT NOT NULL UNIQUE,
    to_text   TEXT NOT NULL
);
