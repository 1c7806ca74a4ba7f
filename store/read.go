package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"microfunnel/funnel"
)

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// writeCols replaces the dataset's packed copy.
func writeCols(ctx context.Context, q queryer, ds, version int64, c *cols) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM packs WHERE dataset_id = ?`, ds); err != nil {
		return err
	}
	for part, data := range c.encode() {
		seq := 0
		for {
			k := min(len(data), packChunk)
			if _, err := q.ExecContext(ctx, `INSERT INTO packs (dataset_id, part, seq, version, data) VALUES (?, ?, ?, ?, ?)`, ds, part, seq, version, data[:k]); err != nil {
				return fmt.Errorf("write packed copy: %w", err)
			}
			data = data[k:]
			seq++
			if len(data) == 0 {
				break
			}
		}
	}
	return nil
}

// counts of what a dataset has, for checking a packed copy.
type dsCounts struct {
	events, users, names, sets int
}

func countsOf(ctx context.Context, q queryer, ds int64) (dsCounts, error) {
	var c dsCounts
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT events FROM datasets WHERE id = ?1),
		(SELECT count(*) FROM users WHERE dataset_id = ?1),
		(SELECT count(*) FROM event_names WHERE dataset_id = ?1),
		(SELECT count(*) FROM prop_sets WHERE dataset_id = ?1)`, ds).Scan(&c.events, &c.users, &c.names, &c.sets)
	return c, err
}

// readCols reads the packed copy of the dataset at version; when the copy is
// missing, stale or damaged it rebuilds the columns from the events table.
func readCols(ctx context.Context, q queryer, ds, version int64) (*cols, error) {
	n, err := countsOf(ctx, q, ds)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT part, version, data FROM packs WHERE dataset_id = ? ORDER BY part, seq`, ds)
	if err != nil {
		return nil, err
	}
	parts := map[string][]byte{}
	fresh := true
	for rows.Next() {
		var part string
		var v int64
		var data []byte
		if err := rows.Scan(&part, &v, &data); err != nil {
			rows.Close()
			return nil, err
		}
		if v != version {
			fresh = false
		}
		parts[part] = append(parts[part], data...)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if fresh && len(parts) == 4 {
		if c, err := decodeCols(parts, n.users, n.events, n.names, n.sets); err == nil {
			return c, nil
		}
	}
	if n.events == 0 {
		return &cols{userStart: make([]uint32, n.users+1)}, nil
	}
	return rebuildCols(ctx, q, ds, n)
}

// rebuildCols reads the events table in (user, time, rowid) order: slow on
// big datasets, which is why the packed copy exists.
func rebuildCols(ctx context.Context, q queryer, ds int64, n dsCounts) (*cols, error) {
	users, err := denseIDs(ctx, q, "users", ds)
	if err != nil {
		return nil, err
	}
	names, err := denseIDs(ctx, q, "event_names", ds)
	if err != nil {
		return nil, err
	}
	sets, err := denseIDs(ctx, q, "prop_sets", ds)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT user_id, ts, event_id, set_id FROM events WHERE dataset_id = ? ORDER BY user_id, ts, rowid`, ds)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	c := &cols{userStart: make([]uint32, len(users)+1)}
	for rows.Next() {
		var u, e, s, t int64
		if err := rows.Scan(&u, &t, &e, &s); err != nil {
			return nil, err
		}
		du, ok1 := users[u]
		de, ok2 := names[e]
		dset, ok3 := sets[s]
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("%w: an event refers to a missing user, name or property set", ErrNotDatabase)
		}
		c.userStart[du+1]++
		c.ts = append(c.ts, t)
		c.name = append(c.name, de)
		c.set = append(c.set, dset)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for u := 0; u < len(users); u++ {
		c.userStart[u+1] += c.userStart[u]
	}
	return c, nil
}

// buildEvents attaches names and properties to columns.
func buildEvents(ctx context.Context, q queryer, ds int64, c *cols) (*funnel.Events, error) {
	ev := &funnel.Events{UserStart: c.userStart, Time: c.ts, Name: c.name, Set: c.set, Props: map[string]*funnel.Property{}}
	rows, err := q.QueryContext(ctx, `SELECT name FROM event_names WHERE dataset_id = ? ORDER BY id`, ds)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		ev.Names = append(ev.Names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Set ids are dense in id order.
	setIDs, err := denseIDs(ctx, q, "prop_sets", ds)
	if err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT sv.set_id, k.name, v.value FROM prop_sets s
		JOIN prop_set_values sv ON sv.set_id = s.id
		JOIN prop_keys k ON k.id = sv.key_id
		JOIN prop_values v ON v.id = sv.value_id
		WHERE s.dataset_id = ?`, ds)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	valueIdx := map[string]map[string]uint32{}
	for rows.Next() {
		var setID int64
		var key, value string
		if err := rows.Scan(&setID, &key, &value); err != nil {
			return nil, err
		}
		p := ev.Props[key]
		if p == nil {
			p = &funnel.Property{Values: []string{""}, OfSet: make([]uint32, len(setIDs))}
			ev.Props[key] = p
			valueIdx[key] = map[string]uint32{}
		}
		vi, ok := valueIdx[key][value]
		if !ok {
			vi = uint32(len(p.Values))
			p.Values = append(p.Values, value)
			valueIdx[key][value] = vi
		}
		d, ok := setIDs[setID]
		if !ok {
			return nil, fmt.Errorf("%w: property set %d", errPack, setID)
		}
		p.OfSet[d] = vi
	}
	return ev, rows.Err()
}

// denseIDs maps a per-dataset table's ids to dense indices (id order).
func denseIDs(ctx context.Context, q queryer, table string, ds int64) (map[int64]uint32, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM `+table+` WHERE dataset_id = ? ORDER BY id`, ds)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]uint32{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		m[id] = uint32(len(m))
	}
	return m, rows.Err()
}

// remember caches a dataset written by this process.
func (s *Store) remember(ctx context.Context, name string, ds, version int64, c *cols) {
	ev, err := buildEvents(ctx, s.db, ds, c)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		delete(s.cache, name)
		return
	}
	s.keep(name, &cached{id: ds, version: version, ev: ev})
}

// Load returns the dataset's events as columns for the engine. The result is
// cached per dataset version, so the second call is free; callers must not
// modify it.
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
		cols, err := readCols(ctx, tx, ds, version)
		if err != nil {
			return err
		}
		ev, err = buildEvents(ctx, tx, ds, cols)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.keep(dataset, &cached{id: ds, version: version, ev: ev})
		s.mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dataset, err)
	}
	return ev, nil
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
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
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
