// Package store keeps microfunnel's datasets in one SQLite file: events,
// interned names and properties, saved funnels, the import ledger and a
// packed columnar copy of each dataset that the funnel engine reads.
// Every SQL statement of the program lives in this package.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"microfunnel/funnel"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is an open microfunnel database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string

	// Now is the clock; tests replace it.
	Now func() time.Time

	mu    sync.Mutex
	cache map[string]*cached // loaded datasets by name
	uses  int64
}

type cached struct {
	id, version int64 // datasets.id is never reused
	ev          *funnel.Events
	used        int64 // s.uses when last returned
}

// cacheDatasets loaded datasets stay in memory: the three samples and the one
// being explored, without holding every dataset a long session ever opened.
const cacheDatasets = 4

// Open opens (creating if needed) the database at path and brings its
// schema up to date. A file that is not SQLite, is corrupt, or was written by
// a newer microfunnel is an error that says so.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open database: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("open database %s: is a directory", path)
	}
	// Pragmas in the DSN so that every pooled connection gets them.
	q := url.Values{}
	for _, p := range []string{"page_size(16384)", "busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s := &Store{db: db, path: path, Now: time.Now, cache: map[string]*cached{}}
	// Two processes creating the same new file race to switch it to WAL,
	// and SQLite answers BUSY at once rather than through busy_timeout;
	// the loser just tries again.
	err = s.migrate(context.Background())
	for try := 0; isBusy(err) && try < 100; try++ {
		time.Sleep(time.Duration(10+try) * time.Millisecond)
		err = s.migrate(context.Background())
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

// keep caches a loaded dataset, dropping the least recently used beyond
// cacheDatasets. The caller holds s.mu.
func (s *Store) keep(name string, c *cached) {
	s.uses++
	c.used = s.uses
	s.cache[name] = c
	for len(s.cache) > cacheDatasets {
		oldest := ""
		for n, c := range s.cache {
			if oldest == "" || c.used < s.cache[oldest].used {
				oldest = n
			}
		}
		delete(s.cache, oldest)
	}
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// translate turns SQLite's own codes into the package's errors.
func translate(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%w: the file is not a SQLite database", ErrNotDatabase)
		case sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("%w: the database file is corrupt (%v)", ErrNotDatabase, err)
		}
	}
	return err
}

func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED)
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		n, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(n)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its number", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{v, e.Name(), string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// SchemaVersion is the newest schema this binary knows.
func SchemaVersion() int {
	ms, _ := migrations()
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

func (s *Store) migrate(ctx context.Context) error {
	// The first statement reads the header: a non-SQLite file fails here.
	var tables int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name <> 'schema_migrations'`).Scan(&tables); err != nil {
		return translate(err)
	}
	var hasLedger int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&hasLedger); err != nil {
		return translate(err)
	}
	if hasLedger == 0 && tables > 0 {
		return fmt.Errorf("%w: it is a SQLite database with other tables", ErrNotDatabase)
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)`); err != nil {
		return translate(err)
	}
	var current int
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return translate(err)
	}
	ms, err := migrations()
	if err != nil {
		return err
	}
	if latest := SchemaVersion(); current > latest {
		return fmt.Errorf("%w: schema version %d, this binary knows up to %d; upgrade microfunnel", ErrNewerSchema, current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := s.inTx(ctx, func(tx *sql.Tx) error {
			// Another process may have migrated since we looked: ask again
			// under the write lock (the transaction is IMMEDIATE).
			var done int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&done); err != nil || done > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			if fn := goMigrations[m.version]; fn != nil {
				if err := fn(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)`, m.version, m.name, s.Now().UnixMilli())
			return err
		}); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// inTx runs fn in one transaction, committed only if fn succeeds.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return translate(err)
	}
	return translate(tx.Commit())
}

// inConnTx runs fn in one write transaction on a connection of its own
// (the importer talks to the driver directly through it), committed only if
// fn succeeds.
func (s *Store) inConnTx(ctx context.Context, fn func(*sql.Conn) error) error {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return translate(err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		// Not ctx: it may be the reason for rolling back.
		if _, err := c.ExecContext(context.Background(), `ROLLBACK`); err != nil {
			// Never hand a connection still in a transaction back to the pool.
			c.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	if err := fn(c); err != nil {
		return translate(err)
	}
	if _, err := c.ExecContext(ctx, `COMMIT`); err != nil {
		return translate(err)
	}
	committed = true
	return nil
}

// Setting returns a stored setting, or "" when it is not set.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", key, translate(err))
	}
	return v, nil
}

// SetSetting stores a setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("write setting %s: %w", key, translate(err))
	}
	return nil
}
