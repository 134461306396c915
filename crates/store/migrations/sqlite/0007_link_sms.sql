-- The SMS with the web booking link that the phone agent offers a caller it
-- could not help (issue 6, A15), sqlite dialect. Keep in step with
-- ../postgres/0007_link_sms.sql.
--
-- Its own table rather than outbox rows: an outbox row belongs to a booking
-- and holds no personal data (the text and the number come from the booking
-- at delivery), while a link SMS has no booking, so the row must keep the
-- number itself. It is the call's personal data: deleted with the call.
-- status and delivery columns as in outbox (0003_notify).
CREATE TABLE link_sms (
    id              INTEGER PRIMARY KEY,
    -- One link per call at most.
    call_id         INTEGER NOT NULL UNIQUE REFERENCES calls(id) ON DELETE CASCADE,
    -- The recipient, E.164 (+81...).
    phone           TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    provider_id     TEXT,
    segments        INTEGER
);
CREATE INDEX link_sms_due ON link_sms (status, next_attempt_at);
-- The per-number cap counts a number's recent links.
CREATE INDEX link_sms_by_phone ON link_sms (phone, created_at);
