-- Datasets, with counters kept up to date by every write so listing them
-- never scans events.
-- AUTOINCREMENT: an id is never reused, so (id, version) names one state
-- of one dataset even across a drop and a re-import under the same name
-- (the in-memory caches of other processes rely on it).
CREATE TABLE datasets (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT NOT NULL UNIQUE,
	created_ms INTEGER NOT NULL,
	version    INTEGER NOT NULL DEFAULT 0,
	events     INTEGER NOT NULL DEFAULT 0,
	users      INTEGER NOT NULL DEFAULT 0,
	first_ms   INTEGER,
	last_ms    INTEGER
);

-- Interned users and event names, per dataset. Ids only grow, so a dense
-- index by id order is stable across appends (the packs rely on it).
-- A user's name is unique in its dataset, but no UNIQUE index says so: a
-- million random names into a b-tree is a third of an import's time. The
-- writer, the only one, interns names in memory in its write transaction.
CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	name       TEXT NOT NULL
);
CREATE INDEX users_dataset ON users(dataset_id);

CREATE TABLE event_names (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	UNIQUE (dataset_id, name)
);

-- Property keys and values are shared by all datasets.
CREATE TABLE prop_keys (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);

CREATE TABLE prop_values (
	id     INTEGER PRIMARY KEY,
	key_id INTEGER NOT NULL REFERENCES prop_keys(id),
	value  TEXT NOT NULL,
	UNIQUE (key_id, value)
);

-- An event's properties are one interned property set: real exports repeat
-- a few combinations of device, country, source... millions of times, so
-- events stay five integers wide and reading one key for a breakdown reads
-- only the (small) set table.
CREATE TABLE prop_sets (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE
);
CREATE INDEX prop_sets_dataset ON prop_sets(dataset_id);

CREATE TABLE prop_set_values (
	set_id   INTEGER NOT NULL REFERENCES prop_sets(id) ON DELETE CASCADE,
	key_id   INTEGER NOT NULL REFERENCES prop_keys(id),
	value_id INTEGER NOT NULL REFERENCES prop_values(id),
	PRIMARY KEY (set_id, key_id)
) WITHOUT ROWID;
CREATE INDEX prop_set_values_key ON prop_set_values(key_id, value_id);

-- The events: four integers and the dataset. No index and no foreign keys:
-- each would cost a b-tree update or a lookup per row on import, and the
-- engine reads the packed copy below, not these rows. The rowid is the order
-- events were written in, which breaks ties in time. A SQL user who wants to
-- query events by user adds an index of their own (see docs/BENCHMARKS.md).
CREATE TABLE events (
	dataset_id INTEGER NOT NULL,
	user_id    INTEGER NOT NULL,
	ts         INTEGER NOT NULL,
	event_id   INTEGER NOT NULL,
	set_id     INTEGER NOT NULL
);

-- The import ledger: content hashes already imported into a dataset.
CREATE TABLE imports (
	dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	hash        TEXT NOT NULL,
	source      TEXT NOT NULL,
	events      INTEGER NOT NULL,
	rejected    INTEGER NOT NULL,
	imported_ms INTEGER NOT NULL,
	PRIMARY KEY (dataset_id, hash)
);

-- The packed columnar copy of each dataset's events (sorted by user, then
-- time), rewritten by every write in the same transaction; version must
-- equal datasets.version or the copy is stale and is rebuilt from events.
CREATE TABLE packs (
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	part       TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	data       BLOB NOT NULL,
	PRIMARY KEY (dataset_id, part, seq)
);

CREATE TABLE funnels (
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	definition TEXT NOT NULL,
	saved_ms   INTEGER NOT NULL,
	PRIMARY KEY (dataset_id, name)
);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
