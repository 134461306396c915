-- Tamper evidence for the access log (issue 13). Entries are inserted as
-- before, without seq and hash; a sealer (access_chain.rs) later gives them
-- consecutive numbers and chains each to the one before by an HMAC, so an
-- edited or deleted entry shows up in `madoguchi audit verify`.
ALTER TABLE access_log ADD COLUMN seq BIGINT;
ALTER TABLE access_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX access_log_by_seq ON access_log (seq);
CREATE INDEX access_log_unsealed ON access_log (id) WHERE seq IS NULL;

-- One row: the end of the chain (seq, hash of the last sealed entry), the
-- anchor left by the retention purge (the last deleted entry, MACed with
-- the cut-off so it cannot be moved without the key), and a check value of
-- the key that sealed the chain.
CREATE TABLE access_log_head (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    seq           BIGINT NOT NULL,
    hash          TEXT NOT NULL,
    anchor_seq    BIGINT NOT NULL DEFAULT 0,
    anchor_hash   TEXT NOT NULL DEFAULT '',
    anchor_before BIGINT NOT NULL DEFAULT 0,
    anchor_mac    TEXT NOT NULL DEFAULT '',
    key_check     TEXT NOT NULL DEFAULT ''
);
INSERT INTO access_log_head (id, seq, hash) VALUES (1, 0, '');
