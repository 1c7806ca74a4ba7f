package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// InsertStats summarises one write.
type InsertStats struct {
	Dataset  string        `json:"dataset"`
	Source   string        `json:"source,omitempty"`
	Events   int64         `json:"events"`   // events written
	Users    int64         `json:"users"`    // distinct users in the input
	Rejected int64         `json:"rejected"` // rows skipped as bad (with --skip-bad)
	Duration time.Duration `json:"duration_ns"`
}

// EventsPerSecond is the write's throughput.
func (st InsertStats) EventsPerSecond() float64 {
	if st.Duration <= 0 {
		return 0
	}
	return float64(st.Events) / st.Duration.Seconds()
}

// WriteOptions adjust a write.
type WriteOptions struct {
	Replace  bool   // delete the dataset's events first, in the same transaction
	Force    bool   // write even if the ledger already has Hash
	Hash     string // content hash recorded in the import ledger ("" records nothing)
	Source   string // where the events came from, for the ledger
	Rejected int64  // bad rows skipped, for the ledger and the stats
}

// Insert adds the records that fill passes to add to the dataset (created
// if needed), all in one transaction: if fill or the write fails, nothing
// is written.
func (s *Store) Insert(ctx context.Context, dataset string, fill func(add func(*Record) error) error) (InsertStats, error) {
	return s.Write(ctx, dataset, WriteOptions{}, fill)
}

// Write is Insert with options.
func (s *Store) Write(ctx context.Context, dataset string, o WriteOptions, fill func(add func(*Record) error) error) (InsertStats, error) {
	start := time.Now()
	b := newBatch()
	n := 0
	err := fill(func(r *Record) error {
		n++
		if err := r.check(); err != nil {
			return fmt.Errorf("record %d: %w", n, err)
		}
		b.add(r)
		return nil
	})
	if err != nil {
		return InsertStats{}, fmt.Errorf("write %s: %w", dataset, err)
	}
	st, err := s.commit(ctx, dataset, b, o)
	st.Duration = time.Since(start)
	return st, err
}

// check reports what makes a record unusable.
func (r *Record) check() error {
	switch {
	case r.User == "":
		return errors.New("missing user")
	case r.Event == "":
		return errors.New("missing event name")
	case !utf8.ValidString(r.User) || !utf8.ValidString(r.Event):
		return errors.New("invalid UTF-8")
	}
	for _, p := range r.Props {
		if !utf8.ValidString(p.Key) || !utf8.ValidString(p.Value) {
			return errors.New("invalid UTF-8 in a property")
		}
	}
	return nil
}

// ValidDatasetName reports whether name can name a dataset.
func ValidDatasetName(name string) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("dataset name is empty")
	}
	if len(name) > 200 || !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\n\r\t") {
		return fmt.Errorf("dataset name %q: use up to 200 printable characters", name)
	}
	return nil
}

// rowsPerInsert rows go in one INSERT: SQLite parses one statement for
// many rows, several times faster than a statement a row.
const rowsPerInsert = 200

func (s *Store) commit(ctx context.Context, dataset string, b *batch, o WriteOptions) (InsertStats, error) {
	st := InsertStats{Dataset: dataset, Source: o.Source, Events: int64(b.len()), Users: int64(len(b.users)), Rejected: o.Rejected}
	if err := ValidDatasetName(dataset); err != nil {
		return st, err
	}
	var result *cols
	var dsID, version int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var existed bool
		var err error
		dsID, version, existed, err = s.datasetForWrite(ctx, tx, dataset)
		if err != nil {
			return err
		}
		if o.Hash != "" && !o.Force {
			var src string
			err := tx.QueryRowContext(ctx, `SELECT source FROM imports WHERE dataset_id = ? AND hash = ?`, dsID, o.Hash).Scan(&src)
			if err == nil {
				return fmt.Errorf("%w (as %s); nothing added, use --force to import it again", ErrAlreadyLoaded, src)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if o.Replace && existed {
			if err := clearDataset(ctx, tx, dsID, false); err != nil {
				return err
			}
		}
		var old *cols
		if existed && !o.Replace {
			if old, err = readCols(ctx, tx, dsID, version); err != nil {
				return err
			}
		}
		w := writer{ctx: ctx, tx: tx, ds: dsID, b: b}
		if err := w.resolve(); err != nil {
			return err
		}
		if err := w.insertEvents(); err != nil {
			return err
		}
		dense := make([]uint32, len(b.user))
		for i, u := range b.user {
			dense[i] = w.userDense[u]
		}
		names := make([]uint32, len(b.name))
		for i, e := range b.name {
			names[i] = w.nameDense[e]
		}
		sets := make([]uint32, len(b.set))
		for i, e := range b.set {
			sets[i] = w.setDense[e]
		}
		result = merge(old, w.totalUsers, dense, b.ts, names, sets)
		version++
		if err := writeCols(ctx, tx, dsID, version, result); err != nil {
			return err
		}
		var first, last any
		if len(result.ts) > 0 {
			first, last = minMax(result.ts)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE datasets SET version = ?, events = ?, users = ?, first_ms = ?, last_ms = ? WHERE id = ?`,
			version, len(result.ts), result.users(), first, last, dsID); err != nil {
			return err
		}
		if o.Hash != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO imports (dataset_id, hash, source, events, rejected, imported_ms) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (dataset_id, hash) DO UPDATE SET source = excluded.source, events = imports.events + excluded.events, imported_ms = excluded.imported_ms`,
				dsID, o.Hash, o.Source, b.len(), o.Rejected, s.Now().UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("write %s: %w", dataset, err)
	}
	s.remember(ctx, dataset, dsID, version, result)
	return st, nil
}

func minMax(ts []int64) (lo, hi int64) {
	if len(ts) == 0 {
		return 0, 0
	}
	lo, hi = ts[0], ts[0]
	for _, t := range ts {
		lo, hi = min(lo, t), max(hi, t)
	}
	return lo, hi
}

func (s *Store) datasetForWrite(ctx context.Context, tx *sql.Tx, name string) (id, version int64, existed bool, err error) {
	err = tx.QueryRowContext(ctx, `SELECT id, version FROM datasets WHERE name = ?`, name).Scan(&id, &version)
	if err == nil {
		return id, version, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO datasets (name, created_ms) VALUES (?, ?) RETURNING id`, name, s.Now().UnixMilli()).Scan(&id)
	return id, 0, false, err
}

// clearDataset removes a dataset's events and everything interned for it;
// with all, the dataset row (and its funnels and ledger) too.
func clearDataset(ctx context.Context, tx *sql.Tx, id int64, all bool) error {
	stmts := []string{
		`DELETE FROM events WHERE dataset_id = ?`,
		`DELETE FROM packs WHERE dataset_id = ?`,
		`DELETE FROM prop_sets WHERE dataset_id = ?`,
		`DELETE FROM users WHERE dataset_id = ?`,
		`DELETE FROM event_names WHERE dataset_id = ?`,
		`DELETE FROM imports WHERE dataset_id = ?`,
	}
	if all {
		stmts = append(stmts, `DELETE FROM datasets WHERE id = ?`)
	} else {
		stmts = append(stmts, `UPDATE datasets SET events = 0, users = 0, first_ms = NULL, last_ms = NULL WHERE id = ?`)
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

// writer resolves a batch's local ids to database ids and dense indices.
type writer struct {
	ctx context.Context
	tx  *sql.Tx
	ds  int64
	b   *batch

	userID, nameID, setID          []int64
	userDense, nameDense, setDense []uint32
	totalUsers                     int
}

func (w *writer) resolve() error {
	var err error
	if w.userID, w.userDense, w.totalUsers, err = w.internNames("users", w.b.users); err != nil {
		return fmt.Errorf("users: %w", err)
	}
	if w.nameID, w.nameDense, _, err = w.internNames("event_names", w.b.names); err != nil {
		return fmt.Errorf("event names: %w", err)
	}
	if err := w.resolveSets(); err != nil {
		return fmt.Errorf("properties: %w", err)
	}
	return nil
}

// internNames finds or adds each name in a per-dataset table (users or
// event_names) and returns its id and dense index, plus the table's size
// for the dataset. Ids are assigned here, in this write transaction, so
// that dense order (id order) is known without reading ids back.
func (w *writer) internNames(table string, names []string) (ids []int64, dense []uint32, total int, err error) {
	existing := map[string]int{}
	var existingIDs []int64
	rows, err := w.tx.QueryContext(w.ctx, `SELECT id, name FROM `+table+` WHERE dataset_id = ? ORDER BY id`, w.ds)
	if err != nil {
		return nil, nil, 0, err
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, nil, 0, err
		}
		existing[name] = len(existingIDs)
		existingIDs = append(existingIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, 0, err
	}
	next, err := w.maxID(table)
	if err != nil {
		return nil, nil, 0, err
	}
	ids = make([]int64, len(names))
	dense = make([]uint32, len(names))
	total = len(existingIDs)
	var fresh []any
	for i, n := range names {
		if d, ok := existing[n]; ok {
			ids[i], dense[i] = existingIDs[d], uint32(d)
			continue
		}
		next++
		ids[i], dense[i] = next, uint32(total)
		total++
		fresh = append(fresh, next, w.ds, n)
	}
	return ids, dense, total, w.insertRows(`INSERT INTO `+table+` (id, dataset_id, name) VALUES `, 3, fresh)
}

func (w *writer) maxID(table string) (int64, error) {
	var n int64
	err := w.tx.QueryRowContext(w.ctx, `SELECT coalesce(max(id), 0) FROM `+table).Scan(&n)
	return n, err
}

// insertRows inserts flat args, width per row, many rows per statement.
func (w *writer) insertRows(prefix string, width int, args []any) error {
	if len(args) == 0 {
		return nil
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
	var stmt *sql.Stmt
	full := rowsPerInsert * width
	for len(args) > 0 {
		k := min(len(args), full)
		chunk := args[:k]
		args = args[k:]
		if k == full {
			if stmt == nil {
				var err error
				stmt, err = w.tx.PrepareContext(w.ctx, prefix+strings.TrimSuffix(strings.Repeat(one+",", rowsPerInsert), ","))
				if err != nil {
					return err
				}
				defer stmt.Close()
			}
			if _, err := stmt.ExecContext(w.ctx, chunk...); err != nil {
				return err
			}
			continue
		}
		if _, err := w.tx.ExecContext(w.ctx, prefix+strings.TrimSuffix(strings.Repeat(one+",", k/width), ","), chunk...); err != nil {
			return err
		}
	}
	return nil
}

// resolveSets interns property keys and values (shared by all datasets) and
// the batch's property sets (per dataset).
func (w *writer) resolveSets() error {
	b := w.b
	keyID := make([]int64, len(b.keys))
	valID := make([][]int64, len(b.keys))
	if len(b.keys) > 0 {
		known := map[string]int64{}
		rows, err := w.tx.QueryContext(w.ctx, `SELECT id, name FROM prop_keys`)
		if err != nil {
			return err
		}
		if err := scanIDs(rows, known); err != nil {
			return err
		}
		next, err := w.maxID("prop_keys")
		if err != nil {
			return err
		}
		var fresh []any
		for i, k := range b.keys {
			id, ok := known[k]
			if !ok {
				next++
				id = next
				fresh = append(fresh, id, k)
			}
			keyID[i] = id
		}
		if err := w.insertRows(`INSERT INTO prop_keys (id, name) VALUES `, 2, fresh); err != nil {
			return err
		}
		next, err = w.maxID("prop_values")
		if err != nil {
			return err
		}
		fresh = fresh[:0]
		for i := range b.keys {
			known := map[string]int64{}
			rows, err := w.tx.QueryContext(w.ctx, `SELECT id, value FROM prop_values WHERE key_id = ?`, keyID[i])
			if err != nil {
				return err
			}
			if err := scanIDs(rows, known); err != nil {
				return err
			}
			valID[i] = make([]int64, len(b.values[i]))
			for j, v := range b.values[i] {
				id, ok := known[v]
				if !ok {
					next++
					id = next
					fresh = append(fresh, id, keyID[i], v)
				}
				valID[i][j] = id
			}
		}
		if err := w.insertRows(`INSERT INTO prop_values (id, key_id, value) VALUES `, 3, fresh); err != nil {
			return err
		}
	}

	// Existing sets of the dataset, by canonical key over global ids.
	existing := map[string]int{}
	var existingIDs []int64
	rows, err := w.tx.QueryContext(w.ctx, `SELECT s.id, v.key_id, v.value_id FROM prop_sets s
		LEFT JOIN prop_set_values v ON v.set_id = s.id WHERE s.dataset_id = ? ORDER BY s.id, v.key_id`, w.ds)
	if err != nil {
		return err
	}
	var cur int64 = -1
	var kb []byte
	flush := func() {
		if cur >= 0 {
			existing[string(kb)] = len(existingIDs)
			existingIDs = append(existingIDs, cur)
		}
	}
	for rows.Next() {
		var id int64
		var k, v sql.NullInt64
		if err := rows.Scan(&id, &k, &v); err != nil {
			rows.Close()
			return err
		}
		if id != cur {
			flush()
			cur, kb = id, kb[:0]
		}
		if k.Valid {
			kb = binary.AppendUvarint(kb, uint64(k.Int64))
			kb = binary.AppendUvarint(kb, uint64(v.Int64))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	flush()

	next, err := w.maxID("prop_sets")
	if err != nil {
		return err
	}
	w.setID = make([]int64, len(b.sets))
	w.setDense = make([]uint32, len(b.sets))
	total := len(existingIDs)
	var freshSets, freshVals []any
	type gpair struct{ k, v int64 }
	var gp []gpair
	for i, ps := range b.sets {
		gp = gp[:0]
		for _, p := range ps {
			gp = append(gp, gpair{keyID[p.key], valID[p.key][p.val]})
		}
		slices.SortFunc(gp, func(x, y gpair) int { return int(x.k - y.k) })
		kb = kb[:0]
		for _, p := range gp {
			kb = binary.AppendUvarint(kb, uint64(p.k))
			kb = binary.AppendUvarint(kb, uint64(p.v))
		}
		if d, ok := existing[string(kb)]; ok {
			w.setID[i], w.setDense[i] = existingIDs[d], uint32(d)
			continue
		}
		next++
		w.setID[i], w.setDense[i] = next, uint32(total)
		existing[string(kb)] = total
		existingIDs = append(existingIDs, next)
		total++
		freshSets = append(freshSets, next, w.ds)
		for _, p := range gp {
			freshVals = append(freshVals, next, p.k, p.v)
		}
	}
	if err := w.insertRows(`INSERT INTO prop_sets (id, dataset_id) VALUES `, 2, freshSets); err != nil {
		return err
	}
	return w.insertRows(`INSERT INTO prop_set_values (set_id, key_id, value_id) VALUES `, 3, freshVals)
}

func scanIDs(rows *sql.Rows, into map[string]int64) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return err
		}
		into[s] = id
	}
	return rows.Err()
}

// insertEvents writes the batch's events in input order, so that rowid
// order breaks ties in time the way the packed copy does.
func (w *writer) insertEvents() error {
	b := w.b
	width := 5
	full := rowsPerInsert * width
	one := "(?,?,?,?,?)"
	stmt, err := w.tx.PrepareContext(w.ctx, `INSERT INTO events (dataset_id, user_id, ts, event_id, set_id) VALUES `+strings.TrimSuffix(strings.Repeat(one+",", rowsPerInsert), ","))
	if err != nil {
		return err
	}
	defer stmt.Close()
	args := make([]any, 0, full)
	for i := 0; i < b.len(); i++ {
		args = append(args, w.ds, w.userID[b.user[i]], b.ts[i], w.nameID[b.name[i]], w.setID[b.set[i]])
		if len(args) == full {
			if _, err := stmt.ExecContext(w.ctx, args...); err != nil {
				return err
			}
			args = args[:0]
		}
	}
	return w.insertRows(`INSERT INTO events (dataset_id, user_id, ts, event_id, set_id) VALUES `, width, args)
}
