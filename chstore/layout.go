package chstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Table names in the database of the URL. The events are integers: a
// user, an event name and each property value are ids into the dataset's
// dictionaries (usersTable, dictTable), which is what makes an insert and a
// funnel cheap for the server (it reads strings slowly); each property key
// has a column of its own, p1, p2, ..., the slot the dataset's keysTable
// gives it.
const (
	eventsTable  = "microfunnel_events"
	importsTable = "microfunnel_imports"
	dictTable    = "microfunnel_dict"
	usersTable   = "microfunnel_users"
	keysTable    = "microfunnel_keys"
)

// maxSlots is how many property keys one dataset may have on ClickHouse:
// each is a column of the events table.
const maxSlots = 1000

// kindEvent is the dictionary of event names; a key's values are under
// kindKey+key.
const (
	kindEvent = "e"
	kindKey   = "k:"
)

// tableDDL creates microfunnel's tables. Rows of every table carry the
// import that wrote them; they count only once the ledger (importsTable)
// has that import, and the ledger row is written last.
var tableDDL = []string{
	`CREATE TABLE IF NOT EXISTS ` + eventsTable + ` (
		ds UInt32, imp UInt32, user UInt32, t Int64, rt UInt32, w UInt8, tie UInt8, event UInt32
	) ENGINE = MergeTree() ORDER BY (ds, user, t)`,
	`CREATE TABLE IF NOT EXISTS ` + importsTable + ` (
		dataset String, ds UInt32, imp UInt32, sha256 String, source String,
		events UInt64, users UInt64, first Int64, last Int64, wide UInt64, at DateTime
	) ENGINE = MergeTree() ORDER BY (ds, imp)`,
	`CREATE TABLE IF NOT EXISTS ` + dictTable + ` (
		ds UInt32, imp UInt32, kind String, id UInt32, value String
	) ENGINE = MergeTree() ORDER BY (ds, kind, id)`,
	`CREATE TABLE IF NOT EXISTS ` + usersTable + ` (
		ds UInt32, imp UInt32, uid UInt32, user String, base Int64
	) ENGINE = MergeTree() ORDER BY (ds, uid)`,
	`CREATE TABLE IF NOT EXISTS ` + keysTable + ` (
		ds UInt32, imp UInt32, key String, slot UInt32, events UInt64, number UInt8
	) ENGINE = MergeTree() ORDER BY (ds, key)`,
}

// dataTables are the tables whose rows belong to an import.
var dataTables = []string{eventsTable, dictTable, usersTable, keysTable}

// datasetID is a dataset's id in every table: the first 32 bits of the
// SHA-256 of its name, so an interrupted first import is found again by the
// next one (two names with one id are refused at import).
func datasetID(name string) uint32 {
	h := sha256.Sum256([]byte(name))
	return binary.BigEndian.Uint32(h[:4])
}

// meta is what the ledger says of one dataset.
type meta struct {
	name          string
	ds            uint32
	imps          []uint32 // the imports that count, ascending
	events, users int64
	first, last   int64
	wide          int64 // events whose time is not within 2^31 ms of its user's base
}

// visible is the condition on a data table's rows that keeps the dataset's
// rows of the imports that count.
func (m *meta) visible() string {
	ids := make([]string, len(m.imps))
	for i, id := range m.imps {
		ids[i] = strconv.FormatUint(uint64(id), 10)
	}
	return "ds = " + strconv.FormatUint(uint64(m.ds), 10) + " AND imp IN (" + strings.Join(ids, ", ") + ")"
}

// ledger reads every dataset's meta, by name.
func (s *Store) ledger(ctx context.Context) (map[string]*meta, []string, error) {
	ok, err := s.haveTables(ctx)
	if err != nil || !ok {
		return nil, nil, err
	}
	out := map[string]*meta{}
	var names []string
	err = s.c.rows(ctx, "SELECT dataset, any(ds), groupArray(imp), sum(events), sum(users), min(first), max(last), sum(wide) FROM "+importsTable+" GROUP BY dataset ORDER BY dataset", func(f []string) error {
		if len(f) != 8 {
			return fmt.Errorf("unexpected ledger row %q", f)
		}
		m := &meta{name: f[0]}
		ds, err := strconv.ParseUint(f[1], 10, 32)
		if err != nil {
			return fmt.Errorf("unexpected ledger row %q", f)
		}
		m.ds = uint32(ds)
		for _, x := range strings.Split(strings.Trim(f[2], "[]"), ",") {
			id, err := strconv.ParseUint(x, 10, 32)
			if err != nil {
				return fmt.Errorf("unexpected ledger row %q", f)
			}
			m.imps = append(m.imps, uint32(id))
		}
		slices.Sort(m.imps)
		for i, p := range []*int64{&m.events, &m.users, &m.first, &m.last, &m.wide} {
			if *p, err = strconv.ParseInt(f[i+3], 10, 64); err != nil {
				return fmt.Errorf("unexpected ledger row %q", f)
			}
		}
		out[m.name] = m
		names = append(names, m.name)
		return nil
	})
	return out, names, err
}

// meta is one dataset's meta, or an error naming the datasets there are.
func (s *Store) meta(ctx context.Context, name string) (*meta, error) {
	if m := s.metas[name]; m != nil {
		return m, nil
	}
	all, names, err := s.ledger(ctx)
	if err != nil {
		return nil, err
	}
	if m := all[name]; m != nil {
		s.metas[name] = m
		return m, nil
	}
	return nil, s.notFound(name, names)
}

// dict reads one dictionary of a dataset (kindEvent, or kindKey+key): the
// value of each id.
func (s *Store) dict(ctx context.Context, m *meta, kind string) (map[uint32]string, error) {
	out := map[uint32]string{}
	err := s.c.rows(ctx, "SELECT id, value FROM "+dictTable+" WHERE "+m.visible()+" AND kind = "+quote(kind), func(f []string) error {
		id, err := strconv.ParseUint(f[0], 10, 32)
		if err != nil || len(f) != 2 {
			return fmt.Errorf("unexpected dictionary row %q", f)
		}
		out[uint32(id)] = f[1]
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dictionary %s of %s: %w", kind, m.name, err)
	}
	return out, nil
}

// keyInfo is one property key of a dataset, over its imports.
type keyInfo struct {
	slot   uint32
	events int64
	number bool
}

// keyInfos reads the dataset's keys.
func (s *Store) keyInfos(ctx context.Context, m *meta) (map[string]keyInfo, error) {
	out := map[string]keyInfo{}
	err := s.c.rows(ctx, "SELECT key, any(slot), sum(events), min(number) FROM "+keysTable+" WHERE "+m.visible()+" GROUP BY key", func(f []string) error {
		slot, err1 := strconv.ParseUint(f[1], 10, 32)
		ev, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil || len(f) != 4 {
			return fmt.Errorf("unexpected key row %q", f)
		}
		out[f[0]] = keyInfo{slot: uint32(slot), events: ev, number: f[3] == "1"}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("properties of %s: %w", m.name, err)
	}
	return out, nil
}

// slotCol is the events column of a slot.
func slotCol(slot uint32) string { return "p" + strconv.FormatUint(uint64(slot), 10) }

// ensureSlots adds the events columns p1..pN that the table lacks.
func (s *Store) ensureSlots(ctx context.Context, n uint32) error {
	have := map[string]bool{}
	err := s.c.rows(ctx, "SELECT name FROM system.columns WHERE database = "+quote(s.cfg.Database)+" AND table = "+quote(eventsTable), func(f []string) error {
		have[f[0]] = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("columns of %s: %w", eventsTable, err)
	}
	var add []string
	for slot := uint32(1); slot <= n; slot++ {
		if c := slotCol(slot); !have[c] {
			add = append(add, "ADD COLUMN "+c+" UInt32 DEFAULT 0")
		}
	}
	for len(add) > 0 {
		k := min(len(add), 100)
		if err := s.c.exec(ctx, "ALTER TABLE "+eventsTable+" "+strings.Join(add[:k], ", ")); err != nil {
			return fmt.Errorf("add property columns to %s: %w", eventsTable, err)
		}
		add = add[k:]
	}
	return nil
}
