-- Reports (issue 15), PostgreSQL dialect. Keep in step with ../sqlite/0012_reports.sql.
-- What the retention purge leaves behind, so that reports still count
-- bookings and calls whose personal data was deleted.

-- For the bookings counted in a row: how often they were changed (moved to
-- another slot, or their party size changed) and the sum of their lead
-- times in days (Japan visit day minus the Japan day the booking was made).
-- NULL for rows purged before this migration: not known, so reports leave
-- them out of the average lead time instead of counting them as 0 days.
ALTER TABLE booking_stats ADD COLUMN changes BIGINT;
ALTER TABLE booking_stats ADD COLUMN lead_days BIGINT;

-- Real phone calls whose log was purged: counts per Japan day and hour
-- (0-23) they started, outcome, and the dialog state and reason they ended
-- with. `minutes` rounds each call up to a whole minute (the billing unit).
CREATE TABLE call_stats (
    day        DATE NOT NULL,
    hour       BIGINT NOT NULL,
    outcome    TEXT NOT NULL,
    end_state  TEXT NOT NULL,
    end_reason TEXT NOT NULL,
    calls      BIGINT NOT NULL,
    seconds    BIGINT NOT NULL,
    minutes    BIGINT NOT NULL,
    PRIMARY KEY (day, hour, outcome, end_state, end_reason)
);
