package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"microfunnel/funnel"
)

// EventCounts lists the dataset's event names with their event and user
// counts, most users first. It reads the in-memory columns, not SQL rows.
func (s *Store) EventCounts(ctx context.Context, dataset string) ([]EventCount, error) {
	ev, err := s.Load(ctx, dataset)
	if err != nil {
		return nil, err
	}
	counts := funnel.NameCounts(ev)
	out := make([]EventCount, len(ev.Names))
	for i, n := range ev.Names {
		out[i] = EventCount{Name: n, Events: counts[i].Events, Users: counts[i].Users}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Users != out[j].Users {
			return out[i].Users > out[j].Users
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Props lists the dataset's property keys with their number of distinct
// values and their type, from the store's catalogue: no column is read.
func (s *Store) Props(ctx context.Context, dataset string) ([]PropInfo, error) {
	var out []PropInfo
	err := s.withMeta(ctx, dataset, func(_ *sql.Tx, m dsMeta) error {
		for _, k := range m.keys {
			p := PropInfo{Key: k.key, Distinct: k.distinct, Events: k.events, Type: "text"}
			if k.number {
				p.Type = "number"
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("properties of %s: %w", dataset, err)
	}
	return out, nil
}

// PropValues lists the top values of one property key by users, then
// events (limit <= 0 lists all). It reads that one column.
func (s *Store) PropValues(ctx context.Context, dataset, key string, limit int) ([]ValueCount, error) {
	ev, err := s.Load(ctx, dataset)
	if err != nil {
		return nil, err
	}
	if !ev.HasKey(key) {
		return nil, fmt.Errorf("property %q: %w in dataset %s (have: %s)", key, ErrNotFound, dataset, joinNames(slices.Clone(ev.KeyNames())))
	}
	p, err := ev.Property(key)
	if err != nil {
		return nil, err
	}
	counts := funnel.ValueCounts(ev, p)
	out := make([]ValueCount, len(p.Values))
	for i, v := range p.Values {
		out[i] = ValueCount{Value: v, Events: counts[i].Events, Users: counts[i].Users}
	}
	// Index 0 is "no value": show it only when some events lack the key.
	if out[0].Events == 0 {
		out = out[1:]
	} else {
		out[0].Value = "(none)"
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Users != out[j].Users {
			return out[i].Users > out[j].Users
		}
		if out[i].Events != out[j].Events {
			return out[i].Events > out[j].Events
		}
		return out[i].Value < out[j].Value
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *Store) datasetID(ctx context.Context, q queryer, name string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM datasets WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, s.notFound(ctx, name)
	}
	return id, translate(err)
}

// SaveFunnel saves (or overwrites) a funnel under a name for a dataset.
func (s *Store) SaveFunnel(ctx context.Context, dataset, name string, def funnel.Definition) error {
	if name == "" {
		return errors.New("save funnel: empty name")
	}
	def.Name = name
	b, err := json.Marshal(def)
	if err != nil {
		return fmt.Errorf("save funnel %s: %w", name, err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		id, err := s.datasetID(ctx, tx, dataset)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO funnels (dataset_id, name, definition, saved_ms) VALUES (?, ?, ?, ?)
			ON CONFLICT (dataset_id, name) DO UPDATE SET definition = excluded.definition, saved_ms = excluded.saved_ms`,
			id, name, string(b), s.Now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("save funnel %s: %w", name, err)
	}
	return nil
}

// Funnels lists the dataset's saved funnels, most recently saved first.
func (s *Store) Funnels(ctx context.Context, dataset string) ([]SavedFunnel, error) {
	id, err := s.datasetID(ctx, s.db, dataset)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, definition, saved_ms FROM funnels WHERE dataset_id = ? ORDER BY saved_ms DESC, name`, id)
	if err != nil {
		return nil, fmt.Errorf("list funnels: %w", translate(err))
	}
	return scanFunnels(rows, dataset)
}

// scanFunnels reads rows of (dataset name,) name, definition, saved_ms;
// the dataset column is absent when dataset is given.
func scanFunnels(rows *sql.Rows, dataset string) ([]SavedFunnel, error) {
	defer rows.Close()
	var out []SavedFunnel
	for rows.Next() {
		f := SavedFunnel{Dataset: dataset}
		var def string
		var ms int64
		dst := []any{&f.Name, &def, &ms}
		if dataset == "" {
			dst = append([]any{&f.Dataset}, dst...)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(def), &f.Definition); err != nil {
			return nil, fmt.Errorf("saved funnel %s in %s: %w", f.Name, f.Dataset, err)
		}
		f.Saved = time.UnixMilli(ms).UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// DeleteFunnel removes a saved funnel.
func (s *Store) DeleteFunnel(ctx context.Context, dataset, name string) error {
	id, err := s.datasetID(ctx, s.db, dataset)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM funnels WHERE dataset_id = ? AND name = ?`, id, name)
	if err != nil {
		return fmt.Errorf("delete funnel %s: %w", name, translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("funnel %q: %w", name, ErrNotFound)
	}
	return nil
}

// RenameFunnel renames a dataset's saved funnel (and the name inside its
// definition): ErrNotFound when there is no funnel old, ErrExists when new
// is taken.
func (s *Store) RenameFunnel(ctx context.Context, dataset, old, new string) error {
	if new == "" {
		return errors.New("empty name")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		id, err := s.datasetID(ctx, tx, dataset)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM funnels WHERE dataset_id = ? AND name = ?`, id, new).Scan(&n); err != nil {
			return translate(err)
		}
		if n > 0 && new != old {
			return fmt.Errorf("funnel %q in %s: %w", new, dataset, ErrExists)
		}
		res, err := tx.ExecContext(ctx, `UPDATE funnels SET name = ?, definition = json_set(definition, '$.name', ?) WHERE dataset_id = ? AND name = ?`,
			new, new, id, old)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("funnel %q in %s: %w", old, dataset, ErrNotFound)
		}
		return nil
	})
}

// FunnelsAll lists the saved funnels of every dataset, by dataset, then
// most recently saved first.
func (s *Store) FunnelsAll(ctx context.Context) ([]SavedFunnel, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.name, f.name, f.definition, f.saved_ms FROM funnels f
		JOIN datasets d ON d.id = f.dataset_id ORDER BY d.name, f.saved_ms DESC, f.name`)
	if err != nil {
		return nil, translate(err)
	}
	return scanFunnels(rows, "")
}
