package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

	Shape         string           `json:"shape,omitempty"`          // the vendor shape recognised, "" for none
	Duplicates    int64            `json:"duplicates,omitempty"`     // events dropped as already imported (vendor insert ids)
	IdentityCalls int64            `json:"identity_calls,omitempty"` // identify/alias calls read: they link ids, they are not events
	Skipped       map[string]int64 `json:"skipped,omitempty"`        // rows left out, by why (group calls, static files, bots)
	Merged        int64            `json:"merged_ids,omitempty"`     // ids of the dataset now merged into another user
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
	st := InsertStats{Dataset: dataset}
	if err := ValidDatasetName(dataset); err != nil {
		return st, err
	}
	b := newBuilder()
	n := 0
	err := fill(func(r *Record) error {
		n++
		if err := checkRecord(r); err != nil {
			return fmt.Errorf("record %d: %w", n, err)
		}
		if n%chunkEvents == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		b.add(r)
		return nil
	})
	if err == nil {
		st, err = s.commit(ctx, dataset, o, b)
	}
	st.Duration = time.Since(start)
	if err != nil {
		return st, fmt.Errorf("write %s: %w", dataset, err)
	}
	return st, nil
}

// checkRecord reports what makes a record unusable.
func checkRecord(r *Record) error {
	switch {
	case r.User == "":
		return errors.New("missing user")
	case r.Event == "":
		return errors.New("missing event name")
	case !utf8.ValidString(r.User) || !utf8.ValidString(r.Event):
		return errors.New("invalid UTF-8")
	}
	for _, p := range r.Props {
		if err := checkKey(p.Key); err != nil {
			return err
		}
		if !utf8.ValidString(p.Key) || !utf8.ValidString(p.Value) {
			return errors.New("invalid UTF-8 in a property")
		}
	}
	return nil
}

// checkKey refuses property keys that cannot be named in a filter.
func checkKey(k string) error {
	if strings.TrimSpace(k) == "" {
		return fmt.Errorf("a property key is empty or only spaces (%q)", k)
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

// commit writes what b gathered into the dataset in one transaction: the
// ledger check, the merge with the dataset's existing columns, the columns
// and the counters. A failure or a killed process leaves the store as it
// was.
func (s *Store) commit(ctx context.Context, dataset string, o WriteOptions, b *builder) (InsertStats, error) {
	st := InsertStats{Dataset: dataset, Source: o.Source, Events: int64(b.len()), Users: int64(len(b.users)), Rejected: o.Rejected, Warnings: b.warnings(),
		IdentityCalls: b.identity, Skipped: b.skipped}
	links, dedupKey, noStitch := b.links, b.dedupKey, b.noStitch
	fresh := b.table()
	var result *table
	var meta dsMeta
	err := s.inConnTx(ctx, func(tx *sql.Conn) error {
		dsID, version, existed, err := s.datasetForWrite(ctx, tx, dataset)
		if err != nil {
			return err
		}
		if o.New && existed {
			return fmt.Errorf("dataset %s: %w", dataset, ErrExists)
		}
		if o.Replace && existed {
			if err := clearDataset(ctx, tx, dsID, false); err != nil {
				return err
			}
			existed = false
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
		var old *table
		oldMeta := dsMeta{id: dsID, version: version}
		if existed {
			if oldMeta, err = readMeta(ctx, tx, dsID); err != nil {
				return err
			}
			if m := oldMeta; m.events > 0 {
				if old, err = readTable(ctx, tx, m); err != nil {
					return fmt.Errorf("read the dataset's columns: %w", err)
				}
				st.Warnings = append(st.Warnings, typeChanges(old, fresh)...)
			}
		}
		result = appendTable(old, fresh)
		var ids *identities
		if !noStitch {
			if ids, err = loadIdentities(ctx, tx, oldMeta, len(links)); err != nil {
				return err
			}
			stored := len(ids.parent)
			for _, l := range links {
				ids.link(l[0], l[1])
			}
			st.Merged = int64(len(ids.parent) - stored)
			result = stitch(result, ids)
			if len(ids.parent) > 0 {
				people := make(map[string]struct{}, len(fresh.users))
				for _, u := range fresh.users {
					people[ids.find(u)] = struct{}{}
				}
				st.Users = int64(len(people))
			}
			if ids.conflicts > 0 {
				st.Warnings = append(st.Warnings, fmt.Sprintf("%d identity links tie an id already joined to one user to another user; each id keeps its first user", ids.conflicts))
			}
		}
		if dedupKey != "" {
			result = dedupCounted(result, dedupKey, &st)
		}
		if meta, err = storeTable(ctx, tx, dsID, version+1, result, ids); err != nil {
			return err
		}
		if o.Hash != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO imports (dataset_id, hash, source, events, rejected, imported_ms) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (dataset_id, hash) DO UPDATE SET source = excluded.source, events = imports.events + excluded.events, imported_ms = excluded.imported_ms`,
				dsID, o.Hash, o.Source, st.Events, o.Rejected, s.Now().UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	s.remember(dataset, meta, result)
	return st, nil
}

// storeTable writes t as the dataset's columns at version, with the
// catalogue of its keys and its counters.
func storeTable(ctx context.Context, tx queryer, dsID, version int64, t *table, ids *identities) (dsMeta, error) {
	meta := dsMeta{id: dsID, version: version, events: int64(t.len()), users: int64(t.numUsers()), names: len(t.names)}
	parts := encodeTable(t)
	if ids != nil && len(ids.parent) > 0 {
		parts[partIdentities] = encodeDict(ids.pairs())
		meta.links = len(ids.parent)
	}
	if err := writeParts(ctx, tx, dsID, version, parts); err != nil {
		return meta, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM columns WHERE dataset_id = ?`, dsID); err != nil {
		return meta, err
	}
	for _, k := range sortedKeys(t.cols) {
		c := t.cols[k]
		if _, err := tx.ExecContext(ctx, `INSERT INTO columns (dataset_id, key, number, distinct_values, events) VALUES (?, ?, ?, ?, ?)`,
			dsID, k, c.number, len(c.values)-1, c.events); err != nil {
			return meta, err
		}
		meta.keys = append(meta.keys, keyMeta{key: k, number: c.number, distinct: int64(len(c.values) - 1), events: c.events})
	}
	var first, last any
	if t.len() > 0 {
		first, last = minMax(t.ts)
	}
	_, err := tx.ExecContext(ctx, `UPDATE datasets SET version = ?, events = ?, users = ?, names = ?, links = ?, first_ms = ?, last_ms = ? WHERE id = ?`,
		version, t.len(), t.numUsers(), len(t.names), meta.links, first, last, dsID)
	return meta, err
}

// typeChanges warns about number properties that this write turns to text.
func typeChanges(old, fresh *table) []string {
	var out []string
	for _, k := range sortedKeys(fresh.cols) {
		if o := old.cols[k]; o != nil && o.number && !fresh.cols[k].number {
			out = append(out, fmt.Sprintf("property %s was a number property; this import has text values for it, so it is now a text property (>, >=, <, <= no longer apply)", k))
		}
	}
	return out
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

// clearDataset removes a dataset's events; with all, the dataset row (and
// its funnels and ledger) too.
func clearDataset(ctx context.Context, tx queryer, id int64, all bool) error {
	stmts := []string{
		`DELETE FROM packs WHERE dataset_id = ?`,
		`DELETE FROM columns WHERE dataset_id = ?`,
		`DELETE FROM imports WHERE dataset_id = ?`,
	}
	if all {
		stmts = append(stmts, `DELETE FROM datasets WHERE id = ?`)
	} else {
		stmts = append(stmts, `UPDATE datasets SET events = 0, users = 0, names = 0, links = 0, first_ms = NULL, last_ms = NULL WHERE id = ?`)
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}
