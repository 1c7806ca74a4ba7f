package store

import (
	"context"
	"database/sql"
	"fmt"
)

// goMigrations run after the SQL of their version, in the same transaction.
var goMigrations = map[int]func(ctx context.Context, tx *sql.Tx) error{
	2: migrateColumns,
}

// migrateColumns rewrites every dataset of a schema-1 store (events as rows
// with interned property sets) into columns, then drops the row tables.
func migrateColumns(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, version FROM datasets ORDER BY id`)
	if err != nil {
		return err
	}
	type ds struct {
		id, version int64
		name        string
	}
	var list []ds
	for rows.Next() {
		var d ds
		if err := rows.Scan(&d.id, &d.name, &d.version); err != nil {
			rows.Close()
			return err
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range list {
		t, err := readRowTables(ctx, tx, d.id)
		if err != nil {
			return fmt.Errorf("dataset %s: %w", d.name, err)
		}
		if _, err := storeTable(ctx, tx, d.id, d.version+1, t, nil); err != nil {
			return fmt.Errorf("dataset %s: %w", d.name, err)
		}
	}
	for _, tbl := range []string{"events", "prop_set_values", "prop_sets", "prop_values", "prop_keys", "users", "event_names"} {
		if _, err := tx.ExecContext(ctx, `DROP TABLE `+tbl); err != nil {
			return err
		}
	}
	return nil
}

// readRowTables reads a schema-1 dataset in the order its engine used
// (user id, time, then the order rows were written) through the builder
// that imports use.
func readRowTables(ctx context.Context, tx *sql.Tx, id int64) (*table, error) {
	sets := map[int64][]Prop{}
	rows, err := tx.QueryContext(ctx, `SELECT sv.set_id, k.name, v.value FROM prop_sets s
		JOIN prop_set_values sv ON sv.set_id = s.id
		JOIN prop_keys k ON k.id = sv.key_id
		JOIN prop_values v ON v.id = sv.value_id
		WHERE s.dataset_id = ? ORDER BY sv.set_id, k.name`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var set int64
		var p Prop
		if err := rows.Scan(&set, &p.Key, &p.Value); err != nil {
			rows.Close()
			return nil, err
		}
		sets[set] = append(sets[set], p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	b := newBuilder()
	rows, err = tx.QueryContext(ctx, `SELECT u.name, e.ts, n.name, e.set_id FROM events e
		JOIN users u ON u.id = e.user_id
		JOIN event_names n ON n.id = e.event_id
		WHERE e.dataset_id = ? ORDER BY e.user_id, e.ts, e.rowid`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var r Record
	for rows.Next() {
		var set int64
		if err := rows.Scan(&r.User, &r.Time, &r.Event, &set); err != nil {
			return nil, err
		}
		r.Props = sets[set]
		b.add(&r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return b.table(), nil
}
