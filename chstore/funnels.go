package chstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"microfunnel/dataset"
	"microfunnel/funnel"
	"microfunnel/store"
)

// Saved funnels and settings live in tables of their own. ClickHouse 18.16
// has no UPDATE of a row, so every change is a new row with a higher
// version, a delete is a row marked deleted, and a read keeps each key's
// row of the highest version (argMax).
const (
	funnelsTable  = "microfunnel_funnels"
	settingsTable = "microfunnel_settings"
)

var metaDDL = []string{
	`CREATE TABLE IF NOT EXISTS ` + funnelsTable + ` (
		dataset String, name String, def String, saved Int64, version UInt64, deleted UInt8
	) ENGINE = MergeTree() ORDER BY (dataset, name)`,
	`CREATE TABLE IF NOT EXISTS ` + settingsTable + ` (
		key String, value String, version UInt64
	) ENGINE = MergeTree() ORDER BY key`,
}

// lastVersion keeps versions increasing within a process when the clock
// does not move between two writes.
var lastVersion atomic.Uint64

func nextVersion() uint64 {
	for {
		old := lastVersion.Load()
		v := max(uint64(time.Now().UnixNano()), old+1)
		if lastVersion.CompareAndSwap(old, v) {
			return v
		}
	}
}

// ensureMeta creates the tables of saved funnels and settings.
func (s *Store) ensureMeta(ctx context.Context) error {
	for _, q := range metaDDL {
		if err := s.c.exec(ctx, q); err != nil {
			return fmt.Errorf("create tables: %w", err)
		}
	}
	return nil
}

// haveMeta reports whether the tables of saved funnels and settings exist
// (reading never creates them).
func (s *Store) haveMeta(ctx context.Context) (bool, error) {
	n := 0
	err := s.c.rows(ctx, "SELECT count() FROM system.tables WHERE database = "+quote(s.cfg.Database)+" AND name IN ("+quote(funnelsTable)+", "+quote(settingsTable)+")", func(f []string) error {
		n, _ = strconv.Atoi(f[0])
		return nil
	})
	return n == len(metaDDL), err
}

// datasetExists is nil for a dataset of the ledger, or of the existing
// table; else the error naming the datasets there are.
func (s *Store) datasetExists(ctx context.Context, name string) error {
	if s.table != nil {
		_, err := s.source(ctx, name)
		return err
	}
	_, err := s.meta(ctx, name)
	return err
}

// SaveFunnel saves (or overwrites) a funnel under a name for a dataset.
func (s *Store) SaveFunnel(ctx context.Context, ds, name string, def funnel.Definition) error {
	if name == "" {
		return errors.New("save funnel: empty name")
	}
	if err := s.datasetExists(ctx, ds); err != nil {
		return fmt.Errorf("save funnel %s: %w", name, err)
	}
	if err := s.writeFunnels(ctx, ds, funnelRow{name: name, def: def, saved: time.Now()}); err != nil {
		return fmt.Errorf("save funnel %s: %w", name, err)
	}
	return nil
}

// funnelRow is one version of a saved funnel.
type funnelRow struct {
	name    string
	def     funnel.Definition
	saved   time.Time
	deleted bool
}

// writeFunnels writes rows in one INSERT (so a rename's new name and its
// old name's deletion land together), each a version above the last.
func (s *Store) writeFunnels(ctx context.Context, ds string, rows ...funnelRow) error {
	if err := s.ensureMeta(ctx); err != nil {
		return err
	}
	values := make([]string, len(rows))
	for i, r := range rows {
		def := r.def
		def.Name = r.name
		b, err := json.Marshal(def)
		if err != nil {
			return err
		}
		del := "0"
		if r.deleted {
			del = "1"
		}
		values[i] = "(" + quote(ds) + ", " + quote(r.name) + ", " + quote(string(b)) + ", " + strconv.FormatInt(r.saved.UnixMilli(), 10) + ", " +
			strconv.FormatUint(nextVersion(), 10) + ", " + del + ")"
	}
	return s.c.exec(ctx, "INSERT INTO "+funnelsTable+" (dataset, name, def, saved, version, deleted) VALUES "+strings.Join(values, ", "))
}

// savedFunnels lists the funnels in force, of one dataset or ("") every
// dataset the database has, by dataset, then most recently saved first.
func (s *Store) savedFunnels(ctx context.Context, ds string) ([]dataset.SavedFunnel, error) {
	ok, err := s.haveMeta(ctx)
	if err != nil || !ok {
		return nil, err
	}
	have := map[string]bool{}
	if s.table != nil {
		have[s.table.Name] = true
	} else {
		all, _, err := s.ledger(ctx)
		if err != nil {
			return nil, err
		}
		for name := range all {
			have[name] = true
		}
	}
	where := ""
	if ds != "" {
		where = " WHERE dataset = " + quote(ds)
	}
	var out []dataset.SavedFunnel
	err = s.c.rows(ctx, "SELECT dataset, name, argMax(def, version), argMax(saved, version), argMax(deleted, version) AS del FROM "+funnelsTable+where+
		" GROUP BY dataset, name HAVING del = 0 ORDER BY dataset, argMax(saved, version) DESC, name", func(f []string) error {
		if len(f) != 5 {
			return fmt.Errorf("unexpected saved funnel row %q", f)
		}
		if !have[f[0]] {
			return nil // its dataset was dropped
		}
		sf := dataset.SavedFunnel{Dataset: f[0], Name: f[1]}
		if err := json.Unmarshal([]byte(f[2]), &sf.Definition); err != nil {
			return fmt.Errorf("saved funnel %s in %s: %w", sf.Name, sf.Dataset, err)
		}
		ms, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			return fmt.Errorf("unexpected saved funnel row %q", f)
		}
		sf.Saved = time.UnixMilli(ms).UTC()
		out = append(out, sf)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list funnels: %w", err)
	}
	return out, nil
}

// Funnels lists the dataset's saved funnels, most recently saved first.
func (s *Store) Funnels(ctx context.Context, ds string) ([]dataset.SavedFunnel, error) {
	if err := s.datasetExists(ctx, ds); err != nil {
		return nil, err
	}
	return s.savedFunnels(ctx, ds)
}

// FunnelsAll lists the saved funnels of every dataset, by dataset, then
// most recently saved first.
func (s *Store) FunnelsAll(ctx context.Context) ([]dataset.SavedFunnel, error) {
	return s.savedFunnels(ctx, "")
}

// find is the saved funnel name of dataset ds, if in force.
func (s *Store) find(ctx context.Context, ds, name string) (*dataset.SavedFunnel, error) {
	list, err := s.Funnels(ctx, ds)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Name == name {
			return &list[i], nil
		}
	}
	return nil, nil
}

// DeleteFunnel removes a saved funnel.
func (s *Store) DeleteFunnel(ctx context.Context, ds, name string) error {
	f, err := s.find(ctx, ds, name)
	if err != nil {
		return err
	}
	if f == nil {
		return fmt.Errorf("funnel %q: %w", name, store.ErrNotFound)
	}
	if err := s.writeFunnels(ctx, ds, funnelRow{name: name, def: f.Definition, saved: f.Saved, deleted: true}); err != nil {
		return fmt.Errorf("delete funnel %s: %w", name, err)
	}
	return nil
}

// RenameFunnel renames a dataset's saved funnel (and the name inside its
// definition): store.ErrNotFound when there is no funnel old,
// store.ErrExists when new is taken.
func (s *Store) RenameFunnel(ctx context.Context, ds, old, new string) error {
	if new == "" {
		return errors.New("empty name")
	}
	// In the embedded store's order: a taken name first, then a missing
	// funnel. The renamed funnel keeps its saved time.
	if new != old {
		taken, err := s.find(ctx, ds, new)
		if err != nil {
			return err
		}
		if taken != nil {
			return fmt.Errorf("funnel %q in %s: %w", new, ds, store.ErrExists)
		}
	}
	f, err := s.find(ctx, ds, old)
	if err != nil {
		return err
	}
	if f == nil {
		return fmt.Errorf("funnel %q in %s: %w", old, ds, store.ErrNotFound)
	}
	if new == old {
		return nil
	}
	err = s.writeFunnels(ctx, ds, funnelRow{name: new, def: f.Definition, saved: f.Saved},
		funnelRow{name: old, def: f.Definition, saved: f.Saved, deleted: true})
	if err != nil {
		return fmt.Errorf("rename funnel %s: %w", old, err)
	}
	return nil
}

// dropFunnels deletes the saved funnels of a dataset being dropped.
func (s *Store) dropFunnels(ctx context.Context, ds string) error {
	ok, err := s.haveMeta(ctx)
	if err != nil || !ok {
		return err
	}
	list, err := s.savedFunnels(ctx, ds)
	if err != nil {
		return err
	}
	rows := make([]funnelRow, len(list))
	for i, f := range list {
		rows[i] = funnelRow{name: f.Name, def: f.Definition, saved: f.Saved, deleted: true}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := s.writeFunnels(ctx, ds, rows...); err != nil {
		return fmt.Errorf("delete the saved funnels: %w", err)
	}
	return nil
}

// Setting returns a stored setting, or "" when it is not set.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	ok, err := s.haveMeta(ctx)
	if err != nil || !ok {
		return "", err
	}
	var v string
	err = s.c.rows(ctx, "SELECT argMax(value, version) FROM "+settingsTable+" WHERE key = "+quote(key)+" GROUP BY key", func(f []string) error {
		v = f[0]
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting stores a setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	if err := s.ensureMeta(ctx); err != nil {
		return err
	}
	err := s.c.exec(ctx, "INSERT INTO "+settingsTable+" (key, value, version) VALUES ("+quote(key)+", "+quote(value)+", "+strconv.FormatUint(nextVersion(), 10)+")")
	if err != nil {
		return fmt.Errorf("write setting %s: %w", key, err)
	}
	return nil
}
