-- Properties become columns (see docs/ARCHITECTURE.md): each dataset's
-- events live only in packs, as one column per property key besides the
-- user, time and event-name columns, each cut into chunks. The Go half of
-- this migration (store/migrate.go) rewrites every dataset into the new
-- parts and then drops the row tables below; both halves run in one
-- transaction.
CREATE TABLE columns (
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	key        TEXT NOT NULL,
	number     INTEGER NOT NULL, -- 1 when every value is a number
	distinct_values INTEGER NOT NULL,
	events     INTEGER NOT NULL, -- events that have a value
	PRIMARY KEY (dataset_id, key)
);

-- The number of event names, for reading the name dictionary.
ALTER TABLE datasets ADD COLUMN names INTEGER NOT NULL DEFAULT 0;

-- Merged ids (identity stitching), stored as the dataset's "ids" part.
ALTER TABLE datasets ADD COLUMN links INTEGER NOT NULL DEFAULT 0;
