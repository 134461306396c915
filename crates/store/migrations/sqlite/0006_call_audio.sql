-- Recordings of what callers said (issue 6, C7), SQLite dialect. Keep in
-- step with ../postgres/0006_call_audio.sql. One WAV (8 kHz, 16-bit mono)
-- per caller turn, keyed like call_turns; purged with the call.
CREATE TABLE call_audio (
    call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    wav     BLOB NOT NULL,
    PRIMARY KEY (call_id, seq)
);
