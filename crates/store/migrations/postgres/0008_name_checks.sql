-- Bookings whose name the phone agent could not hear for sure (issue 11):
-- the booking keeps the best reading heard, and staff check the name with
-- the caller. A row is the mark; correcting the name removes it. Its own
-- table so that the bookings' columns (and every query reading them) stay
-- as they are. Keep in step with the other dialect's 0008_name_checks.sql.
CREATE TABLE name_checks (
    booking_id BIGINT PRIMARY KEY REFERENCES bookings(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
