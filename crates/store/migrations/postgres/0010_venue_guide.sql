-- How to reach a venue, shown to residents on the venue cards, the
-- confirmation and the done page: a map link, access by public transport,
-- and parking. Empty means not given (the map link then searches the address).
ALTER TABLE venues ADD COLUMN map_url TEXT NOT NULL DEFAULT '';
ALTER TABLE venues ADD COLUMN access TEXT NOT NULL DEFAULT '';
ALTER TABLE venues ADD COLUMN parking TEXT NOT NULL DEFAULT '';
