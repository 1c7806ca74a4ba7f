package chstore

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"microfunnel/store"
)

// Export writes every event of a dataset with every property in the
// embedded store's export format (store.ExportWriter), sorted by user then
// time. The dictionaries (users, event names, each key's values) are read
// into memory once; the events stream from one query. On an existing table
// (--ch-table) the properties are the keys of its JSON column. It returns
// the number of events written.
func (s *Store) Export(ctx context.Context, name, format string, w io.Writer) (int64, error) {
	if format != "csv" && format != "ndjson" {
		return 0, fmt.Errorf("export format %q: want csv or ndjson", format)
	}
	var n int64
	var err error
	if s.table != nil {
		n, err = s.exportTable(ctx, name, format, w)
	} else {
		n, err = s.exportOwn(ctx, name, format, w)
	}
	if err != nil {
		return n, fmt.Errorf("export %s: %w", name, err)
	}
	return n, nil
}

func (s *Store) exportOwn(ctx context.Context, name, format string, w io.Writer) (int64, error) {
	m, err := s.meta(ctx, name)
	if err != nil {
		return 0, err
	}
	infos, err := s.keyInfos(ctx, m)
	if err != nil {
		return 0, err
	}
	keys := make([]string, 0, len(infos))
	for k := range infos {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	number := make([]bool, len(keys))
	dicts := make([]map[uint32]string, len(keys))
	cols := "user, t, event"
	for i, k := range keys {
		number[i] = infos[k].number && infos[k].events > 0
		if dicts[i], err = s.dict(ctx, m, kindKey+k); err != nil {
			return 0, err
		}
		cols += ", " + slotCol(infos[k].slot)
	}
	names, err := s.dict(ctx, m, kindEvent)
	if err != nil {
		return 0, err
	}
	users := map[uint32]string{}
	err = s.c.rows(ctx, "SELECT uid, user FROM "+usersTable+" WHERE "+m.visible(), func(f []string) error {
		uid, err := strconv.ParseUint(f[0], 10, 32)
		if err != nil || len(f) != 2 {
			return fmt.Errorf("unexpected user row %q", f)
		}
		users[uint32(uid)] = f[1]
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("users: %w", err)
	}
	x, err := store.NewExportWriter(w, format, keys, number)
	if err != nil {
		return 0, err
	}
	values := make([]string, len(keys))
	id := func(f string) (uint32, error) {
		v, err := strconv.ParseUint(f, 10, 32)
		return uint32(v), err
	}
	var written int64
	err = s.c.rows(ctx, "SELECT "+cols+" FROM "+eventsTable+" WHERE "+m.visible()+" ORDER BY user, t", func(f []string) error {
		if len(f) != 3+len(keys) {
			return fmt.Errorf("unexpected event row %q", f)
		}
		uid, err1 := id(f[0])
		t, err2 := strconv.ParseInt(f[1], 10, 64)
		ev, err3 := id(f[2])
		user, ok1 := users[uid]
		event, ok2 := names[ev]
		if err1 != nil || err2 != nil || err3 != nil || !ok1 || !ok2 {
			return fmt.Errorf("unexpected event row %q", f)
		}
		for i := range keys {
			v, err := id(f[3+i])
			if err != nil {
				return fmt.Errorf("unexpected event row %q", f)
			}
			if values[i] = ""; v != 0 {
				if values[i], ok1 = dicts[i][v]; !ok1 {
					return fmt.Errorf("event row %q: value %d of %s is not in its dictionary", f, v, keys[i])
				}
			}
		}
		if written%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		written++
		return x.Write(user, event, t, values)
	})
	if err != nil {
		return written, err
	}
	return written, x.Flush()
}

// exportTable exports an existing table: its properties are the keys of
// its JSON column, a number property when Props says so.
func (s *Store) exportTable(ctx context.Context, name, format string, w io.Writer) (int64, error) {
	src, err := s.source(ctx, name)
	if err != nil {
		return 0, err
	}
	props, err := s.Props(ctx, name)
	if err != nil {
		return 0, err
	}
	keys := make([]string, len(props))
	number := make([]bool, len(props))
	cols := []string{"user", "t", "event"}
	for i, p := range props {
		keys[i], number[i] = p.Key, p.Type == "number"
		cols = append(cols, src.prop(p.Key))
	}
	x, err := store.NewExportWriter(w, format, keys, number)
	if err != nil {
		return 0, err
	}
	var written int64
	err = s.c.rows(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+src.from+" ORDER BY user, t", func(f []string) error {
		t, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || len(f) != len(cols) {
			return fmt.Errorf("unexpected event row %q", f)
		}
		written++
		return x.Write(f[0], f[2], t, f[3:])
	})
	if err != nil {
		return written, err
	}
	return written, x.Flush()
}
