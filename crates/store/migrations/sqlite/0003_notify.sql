-- Notifications (issue 4). Keep in step with ../postgres/0003_notify.sql.

-- Messages owed to residents, written in the same transaction as the booking
-- change that makes them due. The text is rendered at delivery from the
-- booking and the current template, so a row holds no personal data; it is
-- deleted together with its booking (retention).
-- status: queued → sending (claimed, lease_until) → sent | failed |
-- undeliverable (no provider configured) | skipped (no longer relevant).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    booking_id      INTEGER NOT NULL REFERENCES bookings(id),
    event           TEXT NOT NULL CHECK (event IN ('booked', 'changed', 'cancelled', 'reminder')),
    channel         TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    provider_id     TEXT,
    segments        INTEGER,
    -- Set for messages that must exist once only (the day-before reminder).
    dedupe          TEXT UNIQUE
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_booking ON outbox (booking_id, id);

-- Every saved version of a template; the newest per event is in force.
CREATE TABLE notify_templates (
    id            INTEGER PRIMARY KEY,
    event         TEXT NOT NULL,
    sms_body      TEXT NOT NULL,
    email_subject TEXT NOT NULL,
    email_body    TEXT NOT NULL,
    saved_by      TEXT NOT NULL,
    saved_at      INTEGER NOT NULL
);
CREATE INDEX notify_templates_by_event ON notify_templates (event, id);

-- Messages sent per day (Japan) and channel, for the per-use charges (D3).
-- Anonymous: kept when bookings are purged.
CREATE TABLE notify_usage (
    day      TEXT NOT NULL,
    channel  TEXT NOT NULL,
    messages INTEGER NOT NULL,
    segments INTEGER NOT NULL,
    PRIMARY KEY (day, channel)
);
