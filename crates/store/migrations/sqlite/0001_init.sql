-- Madoguchi schema, SQLite dialect. Keep in step with ../postgres/0001_init.sql.
-- Instants are Unix seconds (UTC); slot days are local Japan dates (YYYY-MM-DD)
-- with the time as minutes past midnight.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE venues (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    kana          TEXT NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    display_order INTEGER NOT NULL DEFAULT 0,
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    window_json   TEXT
);

-- The weekly template of each venue.
CREATE TABLE venue_hours (
    venue_id     INTEGER NOT NULL REFERENCES venues(id),
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    open_min     INTEGER NOT NULL,
    close_min    INTEGER NOT NULL,
    slot_minutes INTEGER NOT NULL CHECK (slot_minutes > 0),
    capacity     INTEGER NOT NULL CHECK (capacity >= 0),
    reserved     INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    PRIMARY KEY (venue_id, weekday, open_min)
);

CREATE TABLE slots (
    id        INTEGER PRIMARY KEY,
    venue_id  INTEGER NOT NULL REFERENCES venues(id),
    day       TEXT NOT NULL,
    start_min INTEGER NOT NULL,
    end_min   INTEGER NOT NULL,
    starts_at INTEGER NOT NULL,
    capacity  INTEGER NOT NULL,
    reserved  INTEGER NOT NULL DEFAULT 0,
    booked    INTEGER NOT NULL DEFAULT 0,
    -- The last line of defence against overselling.
    CHECK (booked >= 0 AND booked <= capacity),
    CHECK (reserved >= 0 AND reserved <= capacity),
    UNIQUE (venue_id, day, start_min)
);
CREATE INDEX slots_by_day ON slots (day, start_min);
-- Slots with a seat left: the search for alternatives stays quick when most
-- of the period is sold out (queries repeat the condition to use it).
CREATE INDEX slots_with_room ON slots (day, start_min) WHERE booked < capacity;

CREATE TABLE bookings (
    id             INTEGER PRIMARY KEY,
    reservation_no TEXT NOT NULL UNIQUE,
    venue_id       INTEGER NOT NULL REFERENCES venues(id),
    slot_id        INTEGER NOT NULL REFERENCES slots(id),
    party_size     INTEGER NOT NULL CHECK (party_size BETWEEN 1 AND 4),
    name           TEXT NOT NULL,
    name_kana      TEXT NOT NULL,
    birth_date     TEXT NOT NULL,
    phone          TEXT NOT NULL,
    email          TEXT,
    notify         TEXT NOT NULL,
    channel        TEXT NOT NULL,
    status         TEXT NOT NULL,
    -- Set by clients that may send the same request twice (a double click,
    -- a retried API call): the second time, the first booking is returned.
    request_key    TEXT UNIQUE,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX bookings_by_slot ON bookings (slot_id);
CREATE INDEX bookings_by_phone ON bookings (phone);

-- Every change to a booking: who, when, what (old -> new).
CREATE TABLE booking_events (
    id         INTEGER PRIMARY KEY,
    booking_id INTEGER NOT NULL REFERENCES bookings(id),
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX booking_events_by_booking ON booking_events (booking_id, id);

-- What remains of bookings once their personal data is deleted after the
-- retention period: anonymous counts per venue, day, channel and status.
CREATE TABLE booking_stats (
    venue_id INTEGER NOT NULL REFERENCES venues(id),
    day      TEXT NOT NULL,
    channel  TEXT NOT NULL,
    status   TEXT NOT NULL,
    bookings INTEGER NOT NULL,
    seats    INTEGER NOT NULL,
    PRIMARY KEY (venue_id, day, channel, status)
);
