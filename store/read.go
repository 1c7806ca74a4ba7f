package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"microfunnel/funnel"
)

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// errChanged: the dataset was rewritten between reading two of its parts.
var errChanged = errors.New("the dataset changed while it was read (an import ran meanwhile); try again")

// readParts reads whole parts of the dataset at version.
func readParts(ctx context.Context, q queryer, ds, version int64, parts ...string) (map[string]blobs, error) {
	args := []any{ds}
	for _, p := range parts {
		args = append(args, p)
	}
	rows, err := q.QueryContext(ctx, `SELECT part, seq, version, data FROM packs WHERE dataset_id = ? AND part IN (?`+
		strings.Repeat(",?", len(parts)-1)+`) ORDER BY part, seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]blobs, len(parts))
	for rows.Next() {
		var part string
		var seq, v int64
		var data []byte
		if err := rows.Scan(&part, &seq, &v, &data); err != nil {
			return nil, err
		}
		if v != version {
			return nil, fmt.Errorf("%w: part %s is at version %d, the dataset at %d", errPack, part, v, version)
		}
		if seq != int64(len(out[part])) {
			return nil, fmt.Errorf("%w: part %s is missing chunk %d", errPack, part, len(out[part]))
		}
		out[part] = append(out[part], data)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, p := range parts {
		if _, ok := out[p]; !ok {
			return nil, fmt.Errorf("%w: part %s is missing", errPack, p)
		}
	}
	return out, nil
}

// readChunked reads a column of n values stored in chunks of chunkEvents,
// decoding each chunk on a core of its own as the next one is read. A chunk
// is copied out of the driver's buffer into one of a few reused buffers, so
// a load touches little more memory than the column it builds: on a big
// dataset, fresh memory (page faults) costs more than the copy.
func readChunked[T any](ctx context.Context, q queryer, m dsMeta, part string, n int, dec func([]byte, []T) error) ([]T, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, version, data FROM packs WHERE dataset_id = ? AND part = ? ORDER BY seq`, m.id, part)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	want := max((n+chunkEvents-1)/chunkEvents, 1)
	dst := make([]T, n)
	workers := runtime.GOMAXPROCS(0)
	free := make(chan []byte, workers+1)
	sem := make(chan struct{}, workers)
	errs := make([]error, want)
	var wg sync.WaitGroup
	seq := 0
	for rows.Next() {
		var s, v int64
		var raw sql.RawBytes
		if err := rows.Scan(&s, &v, &raw); err != nil {
			wg.Wait()
			return nil, err
		}
		if v != m.version || s != int64(seq) || seq >= want {
			wg.Wait()
			return nil, fmt.Errorf("%w: part %s chunk %d (version %d, the dataset at %d)", errPack, part, s, v, m.version)
		}
		var buf []byte
		select {
		case buf = <-free:
		default:
		}
		buf = append(buf[:0], raw...)
		sem <- struct{}{}
		wg.Add(1)
		go func(seq int, buf []byte) {
			defer wg.Done()
			lo := seq * chunkEvents
			errs[seq] = dec(buf, dst[lo:min(lo+chunkEvents, n)])
			select {
			case free <- buf:
			default:
			}
			<-sem
		}(seq, buf)
		seq++
	}
	wg.Wait()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if seq != want {
		return nil, fmt.Errorf("%w: part %s has %d chunks for %d events", errPack, part, seq, n)
	}
	return dst, errors.Join(errs...)
}

// writeParts replaces the dataset's parts with the given ones.
func writeParts(ctx context.Context, q queryer, ds, version int64, parts map[string]blobs) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM packs WHERE dataset_id = ?`, ds); err != nil {
		return err
	}
	names := make([]string, 0, len(parts))
	for p := range parts {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		for seq, data := range parts[p] {
			if _, err := q.ExecContext(ctx, `INSERT INTO packs (dataset_id, part, seq, version, data) VALUES (?, ?, ?, ?, ?)`, ds, p, seq, version, data); err != nil {
				return fmt.Errorf("write column %s: %w", p, err)
			}
		}
	}
	return nil
}

// dsMeta is what the datasets and columns tables say of a dataset.
type dsMeta struct {
	id, version, events, users int64
	names                      int
	links                      int       // merged ids (identity stitching)
	keys                       []keyMeta // sorted by key
}

type keyMeta struct {
	key      string
	number   bool
	distinct int64
	events   int64
}

func readMeta(ctx context.Context, q queryer, id int64) (dsMeta, error) {
	m := dsMeta{id: id}
	if err := q.QueryRowContext(ctx, `SELECT version, events, users, names, links FROM datasets WHERE id = ?`, id).Scan(&m.version, &m.events, &m.users, &m.names, &m.links); err != nil {
		return m, err
	}
	rows, err := q.QueryContext(ctx, `SELECT key, number, distinct_values, events FROM columns WHERE dataset_id = ? ORDER BY key`, id)
	if err != nil {
		return m, err
	}
	defer rows.Close()
	for rows.Next() {
		var k keyMeta
		if err := rows.Scan(&k.key, &k.number, &k.distinct, &k.events); err != nil {
			return m, err
		}
		m.keys = append(m.keys, k)
	}
	return m, rows.Err()
}

func (m dsMeta) key(k string) (keyMeta, bool) {
	i := sort.Search(len(m.keys), func(i int) bool { return m.keys[i].key >= k })
	if i < len(m.keys) && m.keys[i].key == k {
		return m.keys[i], true
	}
	return keyMeta{}, false
}

// readBase reads the user, time and name columns (and the user ids when
// withUsers).
func readBase(ctx context.Context, q queryer, m dsMeta, withUsers bool) (*table, error) {
	parts := []string{partUsers, partNameDict}
	if withUsers {
		parts = append(parts, partUserDict)
	}
	ps, err := readParts(ctx, q, m.id, m.version, parts...)
	if err != nil {
		return nil, err
	}
	n := int(m.events)
	t := &table{cols: map[string]*column{}}
	if t.names, err = decodeDict(ps[partNameDict], nil, m.names); err != nil {
		return nil, fmt.Errorf("event names: %w", err)
	}
	if t.userStart, err = decodeUsers(ps[partUsers], int(m.users), n); err != nil {
		return nil, fmt.Errorf("users column: %w", err)
	}
	if t.ts, err = readChunked(ctx, q, m, partTime, n, decodeTime); err != nil {
		return nil, fmt.Errorf("time column: %w", err)
	}
	if t.name, err = readChunked(ctx, q, m, partName, n, func(b []byte, dst []uint32) error {
		return decodeCodes(b, dst, len(t.names))
	}); err != nil {
		return nil, fmt.Errorf("event column: %w", err)
	}
	if withUsers {
		if t.users, err = decodeDict(ps[partUserDict], nil, int(m.users)); err != nil {
			return nil, fmt.Errorf("user ids: %w", err)
		}
	}
	return t, nil
}

// readColumn reads one property column.
func readColumn(ctx context.Context, q queryer, m dsMeta, key string) (*column, error) {
	km, ok := m.key(key)
	if !ok {
		return nil, fmt.Errorf("property %q: %w", key, ErrNotFound)
	}
	ps, err := readParts(ctx, q, m.id, m.version, prefixValues+key)
	if err != nil {
		return nil, err
	}
	c := &column{values: make([]string, 1, km.distinct+1), number: km.number}
	if c.values, err = decodeDict(ps[prefixValues+key], c.values, int(km.distinct)+1); err != nil {
		return nil, fmt.Errorf("property %q: %w", key, err)
	}
	if c.of, err = readChunked(ctx, q, m, prefixCodes+key, int(m.events), func(b []byte, dst []uint32) error {
		return decodeCodes(b, dst, len(c.values))
	}); err != nil {
		return nil, fmt.Errorf("property %q: %w", key, err)
	}
	c.events = km.events
	return c, nil
}

// readTable reads every column of a dataset (a write appending to it).
func readTable(ctx context.Context, q queryer, m dsMeta) (*table, error) {
	t, err := readBase(ctx, q, m, true)
	if err != nil {
		return nil, err
	}
	for _, k := range m.keys {
		c, err := readColumn(ctx, q, m, k.key)
		if err != nil {
			return nil, err
		}
		t.cols[k.key] = c
	}
	return t, nil
}

func (c *column) property() *funnel.Property {
	return &funnel.Property{Values: c.values, Of: c.of, Number: c.number}
}

// events wraps a table's columns for the engine; properties not in the
// table load on first use through load.
func (t *table) events(m dsMeta, load func(key string) (*funnel.Property, error)) *funnel.Events {
	ev := &funnel.Events{UserStart: t.userStart, Time: t.ts, Name: t.name, Names: t.names,
		Props: map[string]*funnel.Property{}, Loader: load}
	ev.Keys = make([]string, len(m.keys))
	for i, k := range m.keys {
		ev.Keys[i] = k.key
	}
	for k, c := range t.cols {
		ev.Props[k] = c.property()
	}
	return ev
}

// remember caches a dataset written by this process, with every column.
func (s *Store) remember(name string, m dsMeta, t *table) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keep(name, &cached{id: m.id, version: m.version, ev: t.events(m, s.columnLoader(m))})
}

// columnLoader reads property columns of the dataset at m's version.
func (s *Store) columnLoader(m dsMeta) func(string) (*funnel.Property, error) {
	return func(key string) (*funnel.Property, error) {
		ctx := context.Background()
		c, err := readColumn(ctx, s.db, m, key)
		if err != nil {
			// Another process may have rewritten the dataset since its
			// other columns were read.
			var now int64
			if s.db.QueryRowContext(ctx, `SELECT version FROM datasets WHERE id = ?`, m.id).Scan(&now); now != m.version {
				err = errChanged
			}
			return nil, fmt.Errorf("load property %s: %w", key, translate(err))
		}
		return c.property(), nil
	}
}

// Load returns the dataset's events as columns for the engine: the user,
// time and event columns now, each property column the first time a
// computation reads it. The result is cached per dataset version, so the
// second call is free; callers must not modify it.
func (s *Store) Load(ctx context.Context, dataset string) (*funnel.Events, error) {
	var ds, version int64
	err := s.db.QueryRowContext(ctx, `SELECT id, version FROM datasets WHERE name = ?`, dataset).Scan(&ds, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.notFound(ctx, dataset)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dataset, translate(err))
	}
	s.mu.Lock()
	c := s.cache[dataset]
	if c != nil && c.id == ds && c.version == version {
		s.uses++
		c.used = s.uses
		s.mu.Unlock()
		return c.ev, nil
	}
	s.mu.Unlock()
	var ev *funnel.Events
	err = s.inReadTx(ctx, func(tx *sql.Tx) error {
		m, err := readMeta(ctx, tx, ds)
		if err != nil {
			return err
		}
		t, err := readBase(ctx, tx, m, false)
		if err != nil {
			return err
		}
		ev = t.events(m, s.columnLoader(m))
		s.mu.Lock()
		s.keep(dataset, &cached{id: ds, version: m.version, ev: ev})
		s.mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dataset, err)
	}
	return ev, nil
}

// withMeta gives fn a consistent snapshot of the named dataset and what
// the catalogue says of it.
func (s *Store) withMeta(ctx context.Context, dataset string, fn func(tx *sql.Tx, m dsMeta) error) error {
	return s.inReadTx(ctx, func(tx *sql.Tx) error {
		id, err := s.datasetID(ctx, tx, dataset)
		if err != nil {
			return err
		}
		m, err := readMeta(ctx, tx, id)
		if err != nil {
			return err
		}
		return fn(tx, m)
	})
}

// inReadTx gives fn a consistent snapshot.
func (s *Store) inReadTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	return translate(fn(tx))
}

func scanDataset(sc interface{ Scan(...any) error }) (DatasetInfo, error) {
	var d DatasetInfo
	var first, last sql.NullInt64
	if err := sc.Scan(&d.Name, &d.Events, &d.Users, &first, &last, &d.Version); err != nil {
		return d, err
	}
	if first.Valid {
		d.First = time.UnixMilli(first.Int64).UTC()
		d.Last = time.UnixMilli(last.Int64).UTC()
	}
	return d, nil
}

const datasetCols = `name, events, users, first_ms, last_ms, version`

// Datasets lists every dataset, by name.
func (s *Store) Datasets(ctx context.Context) ([]DatasetInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+datasetCols+` FROM datasets ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list datasets: %w", translate(err))
	}
	defer rows.Close()
	var out []DatasetInfo
	for rows.Next() {
		d, err := scanDataset(rows)
		if err != nil {
			return nil, fmt.Errorf("list datasets: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Dataset describes one dataset; ErrNotFound when there is none by that name.
func (s *Store) Dataset(ctx context.Context, name string) (DatasetInfo, error) {
	d, err := scanDataset(s.db.QueryRowContext(ctx, `SELECT `+datasetCols+` FROM datasets WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return d, s.notFound(ctx, name)
	}
	if err != nil {
		return d, fmt.Errorf("dataset %s: %w", name, translate(err))
	}
	return d, nil
}

// notFound names the datasets there are, so the message says what to type.
func (s *Store) notFound(ctx context.Context, name string) error {
	ds, _ := s.Datasets(ctx)
	if len(ds) == 0 {
		return fmt.Errorf("dataset %q: %w (the database has no datasets; run `microfunnel sample` or `microfunnel import`)", name, ErrNotFound)
	}
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	return fmt.Errorf("dataset %q: %w (have: %s)", name, ErrNotFound, joinNames(names))
}

func joinNames(names []string) string {
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// DeleteDataset removes a dataset and everything that belongs to it.
func (s *Store) DeleteDataset(ctx context.Context, name string) error {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT id FROM datasets WHERE name = ?`, name).Scan(&id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return s.notFound(ctx, name)
			}
			return err
		}
		return clearDataset(ctx, tx, id, true)
	})
	s.mu.Lock()
	delete(s.cache, name)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}
