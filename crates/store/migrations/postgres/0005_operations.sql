-- Admin console operations (issue 3). Keep in step with ../sqlite/0005_operations.sql.

-- Dates on which a venue differs from its weekly template: closed (hours_json
-- is '[]') or open with special hours (a JSON list of DayHours).
CREATE TABLE venue_exceptions (
    venue_id   BIGINT NOT NULL REFERENCES venues(id),
    day        DATE NOT NULL,
    hours_json TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (venue_id, day)
);

-- Staff search bookings by venue and day.
CREATE INDEX bookings_by_venue ON bookings (venue_id, slot_id);
