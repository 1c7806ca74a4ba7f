package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
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
	Warnings []string      `json:"warnings,omitempty"`
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
	New      bool   // fail with ErrExists if the dataset exists (checked in the transaction)
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
	st, err := s.write(ctx, dataset, o, func(b *batch, flush func() error) (WriteOptions, error) {
		n := 0
		err := fill(func(r *Record) error {
			n++
			if err := r.check(); err != nil {
				return fmt.Errorf("record %d: %w", n, err)
			}
			b.add(r)
			if n%chunkRows == 0 {
				return flush()
			}
			return nil
		})
		return o, err
	})
	st.Duration = time.Since(start)
	if err != nil {
		return st, fmt.Errorf("write %s: %w", dataset, err)
	}
	return st, nil
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

// chunkRows rows are handed from the parser to the writer at a time.
const chunkRows = 1 << 16

// chunk is what a producer has added to the batch since the last chunk.
// Its slices are never written again by the producer (the batch only
// appends), so the writer may read them while the producer goes on.
type chunk struct {
	user, name, set []uint32
	ts              []int64
	users, names    []string
	keys            []string
	vals            []valAdd
	sets            [][]pair
}

// snapshot cuts the next chunk off the batch.
type cursor struct{ rows, users, names, keys, vals, sets int }

func (b *batch) next(c *cursor) chunk {
	ch := chunk{
		user: b.user[c.rows:], name: b.name[c.rows:], set: b.set[c.rows:], ts: b.ts[c.rows:],
		users: b.users[c.users:], names: b.names[c.names:], keys: b.keys[c.keys:],
		vals: b.valLog[c.vals:], sets: b.sets[c.sets:],
	}
	*c = cursor{len(b.ts), len(b.users), len(b.names), len(b.keys), len(b.valLog), len(b.sets)}
	return ch
}

var errStopped = errors.New("write stopped")

// write runs produce, which fills a batch and calls flush now and then, in
// its own goroutine while this one resolves and inserts what it has
// produced so far: parsing and SQLite each get a core. Everything happens in
// one transaction, committed only if produce and every write succeed, so a
// failure or a killed process leaves the store as it was. produce returns
// the final options (an import knows its content hash only at the end).
func (s *Store) write(ctx context.Context, dataset string, start WriteOptions, produce func(b *batch, flush func() error) (WriteOptions, error)) (InsertStats, error) {
	st := InsertStats{Dataset: dataset}
	if err := ValidDatasetName(dataset); err != nil {
		return st, err
	}
	b := newBatch()
	chunks := make(chan chunk, 4)
	stop := make(chan struct{})
	var o WriteOptions
	var produceErr error
	go func() {
		defer close(chunks)
		var cur cursor
		flush := func() error {
			select {
			case chunks <- b.next(&cur):
				return nil
			case <-stop:
				return errStopped
			}
		}
		o, produceErr = produce(b, flush)
		if produceErr == nil {
			produceErr = flush()
		}
	}()
	// However the writer ends, even before its transaction could start, the
	// producer must not block on a full channel nor go on reading.
	drained := false
	drain := func() {
		if !drained {
			drained = true
			close(stop)
			for range chunks {
			}
		}
	}
	defer drain()
	var result *cols
	var dsID, version int64
	err := s.inConnTx(ctx, func(tx *sql.Conn) error {
		var existed bool
		var err error
		if dsID, version, existed, err = s.datasetForWrite(ctx, tx, dataset); err != nil {
			drain()
			return err
		}
		if start.New && existed {
			drain()
			return fmt.Errorf("dataset %s: %w", dataset, ErrExists)
		}
		if start.Replace && existed {
			if err := clearDataset(ctx, tx, dsID, false); err != nil {
				drain()
				return err
			}
			existed = false
		}
		// The packed copy is read before this write adds any row: its
		// counts check against the tables as they are now.
		var old *cols
		if existed {
			if old, err = readCols(ctx, tx, dsID, version); err != nil {
				drain()
				return err
			}
		}
		// A big page cache while writing saves spilling pages to the WAL
		// twice; put back the default before the connection goes back to
		// the pool, so readers do not keep 64 MiB of pages resident.
		if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -65536`); err != nil {
			drain()
			return err
		}
		defer tx.ExecContext(ctx, `PRAGMA cache_size = -2000`)
		w := &writer{ctx: ctx, tx: tx, ds: dsID}
		if err := w.start(existed); err != nil {
			drain()
			return err
		}
		for ch := range chunks {
			if err := ctx.Err(); err != nil {
				drain()
				return err
			}
			if err := w.add(ch); err != nil {
				drain()
				return err
			}
		}
		// The channel is closed: the producer is done with the batch.
		if produceErr != nil {
			return produceErr
		}
		st.Source, st.Events, st.Users, st.Rejected = o.Source, int64(b.len()), int64(len(b.users)), o.Rejected
		st.Warnings = b.cardinalityWarnings()
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
		dense := make([]uint32, b.len())
		for i, u := range b.user {
			dense[i] = w.userDense[u]
		}
		names := make([]uint32, b.len())
		for i, e := range b.name {
			names[i] = w.nameDense[e]
		}
		sets := make([]uint32, b.len())
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
		return st, err
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

func (s *Store) datasetForWrite(ctx context.Context, tx queryer, name string) (id, version int64, existed bool, err error) {
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
func clearDataset(ctx context.Context, tx queryer, id int64, all bool) error {
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
	// Property values and keys are shared; drop the ones no dataset uses
	// now, so that a dropped dataset's values leave the file too.
	for _, q := range []string{
		`DELETE FROM prop_values WHERE id NOT IN (SELECT value_id FROM prop_set_values)`,
		`DELETE FROM prop_keys WHERE id NOT IN (SELECT key_id FROM prop_set_values)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// writer resolves each chunk's local ids to database ids and dense indices
// and inserts its rows. Ids are assigned here, in the write transaction, so
// dense order (id order) is known without reading ids back.
type writer struct {
	ctx context.Context
	tx  *sql.Conn // in a transaction
	ds  int64

	users, names dict
	totalUsers   int

	knownKeys map[string]int64 // every property key in the database
	nextKey   int64
	nextValue int64
	keyID     []int64            // by local key
	knownVals []map[string]int64 // by local key: the key's values in the database
	valID     [][]int64          // by local key, local value

	knownSets map[string]int // canonical set -> dense index
	setIDs    []int64        // by dense index
	nextSet   int64
	setID     []any    // by local set: the id, boxed once for every row that binds it
	setDense  []uint32 // by local set

	userDense, nameDense []uint32
	args                 []any
	kb                   []byte
}

// dict interns one per-dataset table of names (users, event_names).
type dict struct {
	table string
	known map[string]int // name -> dense index
	ids   []int64        // by dense index
	next  int64
	id    []any // by local index: the id, boxed once for every row that binds it
}

func (w *writer) loadDict(d *dict, table string, existed bool) error {
	d.table, d.known = table, map[string]int{}
	if existed {
		rows, err := w.tx.QueryContext(w.ctx, `SELECT id, name FROM `+table+` WHERE dataset_id = ? ORDER BY id`, w.ds)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			d.known[name] = len(d.ids)
			d.ids = append(d.ids, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	var err error
	d.next, err = w.maxID(table)
	return err
}

// intern resolves new local names, inserting the ones the dataset lacks,
// and appends their dense indices to dense.
func (w *writer) intern(d *dict, names []string, dense *[]uint32) error {
	var fresh []any
	for _, n := range names {
		if i, ok := d.known[n]; ok {
			d.id = append(d.id, any(d.ids[i]))
			*dense = append(*dense, uint32(i))
			continue
		}
		d.next++
		d.known[n] = len(d.ids)
		*dense = append(*dense, uint32(len(d.ids)))
		d.ids = append(d.ids, d.next)
		d.id = append(d.id, any(d.next))
		fresh = append(fresh, d.next, w.ds, n)
	}
	return w.insertRows(`INSERT INTO `+d.table+` (id, dataset_id, name) VALUES `, 3, fresh)
}

// start loads what the dataset and the database already have.
func (w *writer) start(existed bool) error {
	if err := w.loadDict(&w.users, "users", existed); err != nil {
		return fmt.Errorf("users: %w", err)
	}
	if err := w.loadDict(&w.names, "event_names", existed); err != nil {
		return fmt.Errorf("event names: %w", err)
	}
	w.totalUsers = len(w.users.ids)
	w.knownKeys = map[string]int64{}
	rows, err := w.tx.QueryContext(w.ctx, `SELECT id, name FROM prop_keys`)
	if err != nil {
		return err
	}
	if err := scanIDs(rows, w.knownKeys); err != nil {
		return err
	}
	if w.nextKey, err = w.maxID("prop_keys"); err != nil {
		return err
	}
	if w.nextValue, err = w.maxID("prop_values"); err != nil {
		return err
	}
	if w.nextSet, err = w.maxID("prop_sets"); err != nil {
		return err
	}
	w.knownSets = map[string]int{}
	if existed {
		if err := w.loadSets(); err != nil {
			return err
		}
	}
	w.args = make([]any, 0, rowsPerInsert*5)
	return nil
}

const eventsInsert = `INSERT INTO events (dataset_id, user_id, ts, event_id, set_id) VALUES `

// loadSets reads the dataset's property sets, keyed by their canonical form
// over global key and value ids.
func (w *writer) loadSets() error {
	rows, err := w.tx.QueryContext(w.ctx, `SELECT s.id, v.key_id, v.value_id FROM prop_sets s
		LEFT JOIN prop_set_values v ON v.set_id = s.id WHERE s.dataset_id = ? ORDER BY s.id, v.key_id`, w.ds)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cur int64 = -1
	var kb []byte
	flush := func() {
		if cur >= 0 {
			w.knownSets[string(kb)] = len(w.setIDs)
			w.setIDs = append(w.setIDs, cur)
		}
	}
	for rows.Next() {
		var id int64
		var k, v sql.NullInt64
		if err := rows.Scan(&id, &k, &v); err != nil {
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
	if err := rows.Err(); err != nil {
		return err
	}
	flush()
	return nil
}

// add resolves and inserts one chunk.
func (w *writer) add(ch chunk) error {
	if err := w.intern(&w.users, ch.users, &w.userDense); err != nil {
		return fmt.Errorf("users: %w", err)
	}
	w.totalUsers = len(w.users.ids)
	if err := w.intern(&w.names, ch.names, &w.nameDense); err != nil {
		return fmt.Errorf("event names: %w", err)
	}
	if err := w.addProps(ch); err != nil {
		return fmt.Errorf("properties: %w", err)
	}
	return w.insertEvents(ch)
}

var eventsInsertFull = eventsInsert + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?),", rowsPerInsert), ",")

// insertEvents writes a chunk's events through the driver directly:
// database/sql's per-argument conversion is a tenth of an import, and the
// rows of a chunk are plain int64s. The driver connection is used only
// inside Raw, as database/sql requires.
func (w *writer) insertEvents(ch chunk) error {
	ds := any(w.ds)
	rest := len(ch.ts) % rowsPerInsert
	full := len(ch.ts) - rest
	err := w.tx.Raw(func(dc any) error {
		prep, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errors.New("sqlite driver cannot prepare with a context")
		}
		st, err := prep.PrepareContext(w.ctx, eventsInsertFull)
		if err != nil {
			return err
		}
		defer st.Close()
		exec, ok := st.(driver.StmtExecContext)
		if !ok {
			return errors.New("sqlite driver cannot execute with a context")
		}
		nv := make([]driver.NamedValue, 5*rowsPerInsert)
		for i := range nv {
			nv[i].Ordinal = i + 1
		}
		for lo := 0; lo < full; lo += rowsPerInsert {
			for j := 0; j < rowsPerInsert; j++ {
				i := lo + j
				v := nv[5*j : 5*j+5]
				v[0].Value, v[1].Value, v[2].Value, v[3].Value, v[4].Value = ds, w.users.id[ch.user[i]], ch.ts[i], w.names.id[ch.name[i]], w.setID[ch.set[i]]
			}
			if _, err := exec.ExecContext(w.ctx, nv); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	args := w.args[:0]
	for i := full; i < len(ch.ts); i++ {
		args = append(args, ds, w.users.id[ch.user[i]], ch.ts[i], w.names.id[ch.name[i]], w.setID[ch.set[i]])
	}
	return w.insertRows(eventsInsert, 5, args)
}

// addProps interns new keys and values (shared by all datasets) and new
// property sets (per dataset).
func (w *writer) addProps(ch chunk) error {
	var fresh []any
	for _, k := range ch.keys {
		id, ok := w.knownKeys[k]
		if !ok {
			w.nextKey++
			id = w.nextKey
			w.knownKeys[k] = id
			fresh = append(fresh, id, k)
		}
		w.keyID = append(w.keyID, id)
		w.valID = append(w.valID, nil)
		// The key's existing values, loaded once, when the key first shows.
		known := map[string]int64{}
		if ok {
			rows, err := w.tx.QueryContext(w.ctx, `SELECT id, value FROM prop_values WHERE key_id = ?`, id)
			if err != nil {
				return err
			}
			if err := scanIDs(rows, known); err != nil {
				return err
			}
		}
		w.knownVals = append(w.knownVals, known)
	}
	if err := w.insertRows(`INSERT INTO prop_keys (id, name) VALUES `, 2, fresh); err != nil {
		return err
	}
	fresh = fresh[:0]
	for _, v := range ch.vals {
		id, ok := w.knownVals[v.key][v.value]
		if !ok {
			w.nextValue++
			id = w.nextValue
			w.knownVals[v.key][v.value] = id
			fresh = append(fresh, id, w.keyID[v.key], v.value)
		}
		w.valID[v.key] = append(w.valID[v.key], id)
	}
	if err := w.insertRows(`INSERT INTO prop_values (id, key_id, value) VALUES `, 3, fresh); err != nil {
		return err
	}
	var freshSets, freshVals []any
	type gpair struct{ k, v int64 }
	var gp []gpair
	for _, ps := range ch.sets {
		gp = gp[:0]
		for _, p := range ps {
			gp = append(gp, gpair{w.keyID[p.key], w.valID[p.key][p.val]})
		}
		slices.SortFunc(gp, func(x, y gpair) int { return cmp.Compare(x.k, y.k) })
		kb := w.kb[:0]
		for _, p := range gp {
			kb = binary.AppendUvarint(kb, uint64(p.k))
			kb = binary.AppendUvarint(kb, uint64(p.v))
		}
		w.kb = kb
		if d, ok := w.knownSets[string(kb)]; ok {
			w.setID = append(w.setID, any(w.setIDs[d]))
			w.setDense = append(w.setDense, uint32(d))
			continue
		}
		w.nextSet++
		d := len(w.setIDs)
		w.knownSets[string(kb)] = d
		w.setIDs = append(w.setIDs, w.nextSet)
		w.setID = append(w.setID, any(w.nextSet))
		w.setDense = append(w.setDense, uint32(d))
		freshSets = append(freshSets, w.nextSet, w.ds)
		for _, p := range gp {
			freshVals = append(freshVals, w.nextSet, p.k, p.v)
		}
	}
	if err := w.insertRows(`INSERT INTO prop_sets (id, dataset_id) VALUES `, 2, freshSets); err != nil {
		return err
	}
	return w.insertRows(`INSERT INTO prop_set_values (set_id, key_id, value_id) VALUES `, 3, freshVals)
}

func (w *writer) maxID(table string) (int64, error) {
	var n int64
	err := w.tx.QueryRowContext(w.ctx, `SELECT coalesce(max(id), 0) FROM `+table).Scan(&n)
	return n, err
}

// insertRows inserts flat args, width per row, many rows per statement.
func (w *writer) insertRows(prefix string, width int, args []any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
	for len(args) > 0 {
		k := min(len(args), rowsPerInsert*width)
		q := prefix + strings.TrimSuffix(strings.Repeat(one+",", k/width), ",")
		if _, err := w.tx.ExecContext(w.ctx, q, args[:k]...); err != nil {
			return err
		}
		args = args[k:]
	}
	return nil
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
