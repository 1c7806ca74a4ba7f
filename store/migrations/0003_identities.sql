-- Identity stitching: an id that identity calls or events linked to
-- another is stored here with the id its events now belong to (the
-- dataset's user), so that a later import's events of the old id join it
-- too. See store/stitch.go.
CREATE TABLE identities (
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	id         TEXT NOT NULL,
	canonical  TEXT NOT NULL,
	PRIMARY KEY (dataset_id, id)
) WITHOUT ROWID;
