-- Rehearsal mode (F3): the SMS and email a staging instance would have
-- sent, kept here for staff to read instead of going to a provider.
-- Deleted with the bookings' retention period (they hold test data that
-- may look personal). Keep in step with the other dialect's
-- 0014_diverted_messages.sql.
CREATE TABLE diverted_messages (
    id INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL
);
CREATE INDEX diverted_messages_created ON diverted_messages (created_at);
