package chstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"microfunnel/dataset"
	"microfunnel/store"
)

// Store is a ClickHouse database holding microfunnel's datasets, or one
// existing table read as a dataset (Table).
type Store struct {
	c       *client
	cfg     Config
	version string
	table   *Table
	metas   map[string]*meta // datasets read from the ledger
}

// Table names an existing events table and its columns, read-only.
type Table struct {
	Name, User, Event, Time string
	// PropsJSON is a column holding the properties as a JSON object
	// (optional).
	PropsJSON string
}

// ErrReadOnly is returned by writes on an existing table.
var ErrReadOnly = errors.New("an existing table (--ch-table) is read-only: microfunnel imports into its own tables")

// ErrNotFound is a dataset, event or property that does not exist: the
// embedded store's error, so callers test one.
var ErrNotFound = store.ErrNotFound

// Open connects to the server of cfg (checking the credentials and the
// database within a few seconds) and creates microfunnel's tables if need
// be; with t, it reads that table instead and creates nothing.
func Open(ctx context.Context, cfg Config, t *Table) (*Store, error) {
	s := &Store{c: newClient(cfg), cfg: cfg, table: t, metas: map[string]*meta{}}
	if err := s.ping(ctx); err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg, err)
	}
	if t != nil {
		if err := s.checkTable(ctx); err != nil {
			return nil, fmt.Errorf("open %s: %w", cfg, err)
		}
		return s, nil
	}
	return s, nil
}

// ping checks the connection, the credentials and the database.
func (s *Store) ping(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	var version string
	var hasDB bool
	rc, err := s.c.do(pctx, "SELECT version(), count() FROM system.databases WHERE name = "+quote(s.cfg.Database)+" FORMAT TabSeparated", nil, true)
	if err != nil {
		var se *ServerError
		if errors.As(err, &se) && (se.Code == codeAuthFailed || se.Code == codeUnknownUser || se.Code == codeWrongPassword) {
			return fmt.Errorf("user %q: wrong user name or password (ClickHouse: %s)", s.cfg.User, se.Message)
		}
		return err
	}
	defer rc.Close()
	line, err := io.ReadAll(io.LimitReader(rc, 256))
	if err != nil {
		return s.c.netError(err)
	}
	fields := strings.Split(strings.TrimSpace(string(line)), "\t")
	if len(fields) == 2 {
		version, hasDB = fields[0], fields[1] == "1"
	}
	if version == "" {
		return fmt.Errorf("unexpected answer %q to SELECT version(): is this a ClickHouse HTTP port?", line)
	}
	s.version = version
	if !hasDB {
		return fmt.Errorf("database %q does not exist on the server (create it with: clickhouse-client --query 'CREATE DATABASE %s')", s.cfg.Database, s.cfg.Database)
	}
	return nil
}

// Version is the server's version.
func (s *Store) Version() string { return s.version }

// Path names the store as --db does, without the password.
func (s *Store) Path() string {
	if s.table != nil {
		return s.cfg.String() + " table " + s.table.Name
	}
	return s.cfg.String()
}

// Close releases idle connections.
func (s *Store) Close() error {
	s.c.http.CloseIdleConnections()
	return nil
}

// ensureTables creates microfunnel's tables (tableDDL).
func (s *Store) ensureTables(ctx context.Context) error {
	if s.table != nil {
		return ErrReadOnly
	}
	if _, err := s.haveTables(ctx); err != nil {
		return err
	}
	for _, q := range tableDDL {
		if err := s.c.exec(ctx, q); err != nil {
			return fmt.Errorf("create tables: %w", err)
		}
	}
	return nil
}

// haveTables reports whether microfunnel's tables exist (reading never
// creates them). Tables of the first layout (strings and key/value arrays)
// are an error that says what to do.
func (s *Store) haveTables(ctx context.Context) (bool, error) {
	names := []string{quote(importsTable), quote(eventsTable), quote(dictTable), quote(usersTable), quote(keysTable)}
	n, legacy := 0, false
	err := s.c.rows(ctx, "SELECT tb, has(groupArray(c), 'vals') FROM (SELECT table AS tb, name AS c FROM system.columns WHERE database = "+quote(s.cfg.Database)+" AND table IN ("+strings.Join(names, ", ")+")) GROUP BY tb", func(f []string) error {
		n++
		legacy = legacy || f[1] == "1"
		return nil
	})
	if err != nil {
		return false, err
	}
	if legacy {
		return false, fmt.Errorf("database %s holds microfunnel tables of an earlier layout (strings and key/value arrays); drop them (clickhouse-client --query 'DROP TABLE %s.%s' and 'DROP TABLE %s.%s') and import the files again", s.cfg.Database, s.cfg.Database, eventsTable, s.cfg.Database, importsTable)
	}
	return n == len(names), nil
}

// source is the FROM clause of a dataset's visible events, with columns
// user, t (ms), event; prop(key) is a property's column: its text ("" when
// the event lacks it) on an existing table, its value id (0 when lacking)
// in microfunnel's own tables (own is set), where each event also has rt,
// w and tie (see writeEvents).
type source struct {
	from string
	prop func(key string) string
	own  *ownSource
}

// ownSource is what a query on microfunnel's own tables needs beyond the
// FROM clause: the dataset, its keys' slots, and the ids of the names and
// values the query compares with.
type ownSource struct {
	m      *meta
	keys   map[string]keyInfo
	names  map[string]uint32
	values map[string]map[string]uint32 // by key
	number map[string]string            // a number filter's condition on its column, by filter text
}

func (s *Store) source(ctx context.Context, name string) (source, error) {
	if t := s.table; t != nil {
		if name != t.Name {
			return source{}, fmt.Errorf("dataset %q: %w (reading the existing table %s, whose dataset is %s)", name, ErrNotFound, t.Name, t.Name)
		}
		cols := ident(t.User) + " AS user, toInt64(toUnixTimestamp(" + ident(t.Time) + ")) * 1000 AS t, " + ident(t.Event) + " AS event"
		prop := func(string) string { return "''" }
		if t.PropsJSON != "" {
			cols += ", " + ident(t.PropsJSON) + " AS props_json"
			prop = func(k string) string {
				raw := "visitParamExtractRaw(props_json, " + quote(k) + ")"
				return "if(startsWith(" + raw + ", '\"'), visitParamExtractString(props_json, " + quote(k) + "), " + raw + ")"
			}
		}
		return source{from: "(SELECT " + cols + " FROM " + ident(t.Name) + ")", prop: prop}, nil
	}
	m, err := s.meta(ctx, name)
	if err != nil {
		return source{}, err
	}
	keys, err := s.keyInfos(ctx, m)
	if err != nil {
		return source{}, err
	}
	own := &ownSource{m: m, keys: keys}
	return source{
		from: "(SELECT * FROM " + eventsTable + " WHERE " + m.visible() + ")",
		prop: func(k string) string {
			if info, ok := keys[k]; ok {
				return slotCol(info.slot)
			}
			return "toUInt32(0)"
		},
		own: own,
	}, nil
}

// checkTable checks that the existing table has the named columns, and
// that the time column is a DateTime or Date.
func (s *Store) checkTable(ctx context.Context) error {
	t := s.table
	types := map[string]string{}
	err := s.c.rows(ctx, "SELECT name, type FROM system.columns WHERE database = "+quote(s.cfg.Database)+" AND table = "+quote(t.Name), func(f []string) error {
		types[f[0]] = f[1]
		return nil
	})
	if err != nil {
		return fmt.Errorf("table %s: %w", t.Name, err)
	}
	if len(types) == 0 {
		return fmt.Errorf("table %q: %w in database %s", t.Name, ErrNotFound, s.cfg.Database)
	}
	have := make([]string, 0, len(types))
	for c := range types {
		have = append(have, c)
	}
	sort.Strings(have)
	for _, c := range []struct{ flag, col string }{{"--ch-user", t.User}, {"--ch-event", t.Event}, {"--ch-time", t.Time}, {"--ch-props-json", t.PropsJSON}} {
		if c.col == "" && c.flag == "--ch-props-json" {
			continue
		}
		if c.col == "" {
			return fmt.Errorf("%s is required with --ch-table", c.flag)
		}
		typ, ok := types[c.col]
		if !ok {
			return fmt.Errorf("%s %s: table %s has no column %q (have: %s)", c.flag, c.col, t.Name, c.col, strings.Join(have, ", "))
		}
		if c.flag == "--ch-time" && typ != "DateTime" && typ != "Date" && !strings.HasPrefix(typ, "DateTime(") {
			return fmt.Errorf("--ch-time %s: column %s is %s, want DateTime or Date", c.col, c.col, typ)
		}
		if c.flag != "--ch-time" && typ != "String" {
			return fmt.Errorf("%s %s: column %s is %s, want String", c.flag, c.col, c.col, typ)
		}
	}
	return nil
}

// Datasets lists every dataset, by name.
func (s *Store) Datasets(ctx context.Context) ([]dataset.Info, error) {
	var out []dataset.Info
	scan := func(f []string) error {
		d, err := scanInfo(f)
		if err != nil {
			return err
		}
		out = append(out, d)
		return nil
	}
	if s.table != nil {
		src, _ := s.source(ctx, s.table.Name)
		err := s.c.rows(ctx, "SELECT "+quote(s.table.Name)+", count(), uniqExact(user), min(t), max(t), 1 FROM "+src.from, scan)
		if err != nil {
			return nil, fmt.Errorf("list datasets: %w", err)
		}
		return out, nil
	}
	all, names, err := s.ledger(ctx)
	if err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
	}
	for _, name := range names {
		m := all[name]
		d := dataset.Info{Name: name, Events: m.events, Users: m.users, Version: int64(len(m.imps))}
		if m.events > 0 {
			d.First, d.Last = time.UnixMilli(m.first).UTC(), time.UnixMilli(m.last).UTC()
		}
		out = append(out, d)
	}
	return out, nil
}

func scanInfo(f []string) (dataset.Info, error) {
	var d dataset.Info
	if len(f) != 6 {
		return d, fmt.Errorf("unexpected dataset row %q", f)
	}
	d.Name = f[0]
	var err error
	var first, last int64
	for i, p := range []*int64{&d.Events, &d.Users, &first, &last, &d.Version} {
		if *p, err = strconv.ParseInt(f[i+1], 10, 64); err != nil {
			return d, fmt.Errorf("unexpected dataset row %q: %w", f, err)
		}
	}
	if d.Events > 0 {
		d.First, d.Last = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	}
	return d, nil
}

// notFound is nil when name is one of names, else names what there is.
func (s *Store) notFound(name string, names []string) error {
	if slices.Contains(names, name) {
		return nil
	}
	if len(names) == 0 {
		return fmt.Errorf("dataset %q: %w (the database has no datasets; run `microfunnel import --db %s --dataset NAME FILE`)", name, ErrNotFound, s.cfg)
	}
	return fmt.Errorf("dataset %q: %w (have: %s)", name, ErrNotFound, strings.Join(names, ", "))
}

// Dataset describes one dataset.
func (s *Store) Dataset(ctx context.Context, name string) (dataset.Info, error) {
	ds, err := s.Datasets(ctx)
	if err != nil {
		return dataset.Info{}, err
	}
	names := make([]string, len(ds))
	for i, d := range ds {
		if d.Name == name {
			return d, nil
		}
		names[i] = d.Name
	}
	return dataset.Info{}, s.notFound(name, names)
}

// EventCounts lists the event names of a dataset by users, then name.
func (s *Store) EventCounts(ctx context.Context, name string) ([]dataset.EventCount, error) {
	src, err := s.source(ctx, name)
	if err != nil {
		return nil, err
	}
	var out []dataset.EventCount
	q := "SELECT event, count() AS e, uniqExact(user) AS u FROM " + src.from + " GROUP BY event ORDER BY u DESC, event"
	if o := src.own; o != nil {
		q = "SELECT value, e, u FROM (SELECT event AS id, count() AS e, uniqExact(user) AS u FROM " + src.from + " GROUP BY id) ANY LEFT JOIN (SELECT id, value FROM " + dictTable + " WHERE " + o.m.visible() + " AND kind = " + quote(kindEvent) + ") USING id ORDER BY u DESC, value"
	}
	err = s.c.rows(ctx, q, func(f []string) error {
		e, _ := strconv.ParseInt(f[1], 10, 64)
		u, _ := strconv.ParseInt(f[2], 10, 64)
		out = append(out, dataset.EventCount{Name: f[0], Events: e, Users: u})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", name, err)
	}
	return out, nil
}

// numberRe is the store's "plain decimal number" (store.isNumber).
const numberRe = `^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$`

// keys lists a dataset's property keys, sorted.
func (s *Store) keys(ctx context.Context, name string) ([]string, error) {
	src, err := s.source(ctx, name)
	if err != nil {
		return nil, err
	}
	if o := src.own; o != nil {
		out := make([]string, 0, len(o.keys))
		for k := range o.keys {
			out = append(out, k)
		}
		sort.Strings(out)
		return out, nil
	}
	var q string
	if s.table != nil {
		if s.table.PropsJSON == "" {
			return nil, nil
		}
		q = `SELECT DISTINCT arrayJoin(extractAll(props_json, '"([^"\\\\]+)"\\s*:')) AS k FROM ` + src.from + " ORDER BY k"
	}
	var out []string
	err = s.c.rows(ctx, q, func(f []string) error {
		out = append(out, f[0])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("properties of %s: %w", name, err)
	}
	return out, nil
}

// Props lists a dataset's property keys with their distinct values, events
// with a value, and type ("number" when every value is a plain number).
func (s *Store) Props(ctx context.Context, name string) ([]dataset.PropInfo, error) {
	keys, err := s.keys(ctx, name)
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	src, _ := s.source(ctx, name)
	if o := src.own; o != nil {
		distinct := map[string]int64{}
		err := s.c.rows(ctx, "SELECT kind, count() FROM "+dictTable+" WHERE "+o.m.visible()+" AND kind != "+quote(kindEvent)+" GROUP BY kind", func(f []string) error {
			distinct[strings.TrimPrefix(f[0], kindKey)], _ = strconv.ParseInt(f[1], 10, 64)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("properties of %s: %w", name, err)
		}
		out := make([]dataset.PropInfo, len(keys))
		for i, k := range keys {
			info := o.keys[k]
			typ := "text"
			if info.number && info.events > 0 {
				typ = "number"
			}
			out[i] = dataset.PropInfo{Key: k, Distinct: distinct[k], Events: info.events, Type: typ}
		}
		return out, nil
	}
	var cols []string
	for _, k := range keys {
		v := src.prop(k)
		cols = append(cols, "uniqExactIf("+v+", "+v+" != '')", "countIf("+v+" != '')", "countIf("+v+" != '' AND NOT match("+v+", '"+numberRe+"'))")
	}
	out := make([]dataset.PropInfo, len(keys))
	err = s.c.rows(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+src.from, func(f []string) error {
		for i, k := range keys {
			d, _ := strconv.ParseInt(f[3*i], 10, 64)
			e, _ := strconv.ParseInt(f[3*i+1], 10, 64)
			typ := "text"
			if f[3*i+2] == "0" && e > 0 {
				typ = "number"
			}
			out[i] = dataset.PropInfo{Key: k, Distinct: d, Events: e, Type: typ}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("properties of %s: %w", name, err)
	}
	return out, nil
}

// PropValues lists the top values of one key by users, then events, then
// value; events without the key show as (none) (limit <= 0 lists all).
func (s *Store) PropValues(ctx context.Context, name, key string, limit int) ([]dataset.ValueCount, error) {
	keys, err := s.keys(ctx, name)
	if err != nil {
		return nil, err
	}
	if i := sort.SearchStrings(keys, key); i == len(keys) || keys[i] != key {
		return nil, fmt.Errorf("property %q: %w in dataset %s (have: %s)", key, ErrNotFound, name, strings.Join(keys, ", "))
	}
	src, _ := s.source(ctx, name)
	q := "SELECT " + src.prop(key) + " AS v, uniqExact(user) AS u, count() AS e FROM " + src.from + " GROUP BY v ORDER BY u DESC, e DESC, v"
	if o := src.own; o != nil {
		q = "SELECT value, u, e FROM (SELECT " + src.prop(key) + " AS id, uniqExact(user) AS u, count() AS e FROM " + src.from + " GROUP BY id) ANY LEFT JOIN (SELECT id, value FROM " + dictTable + " WHERE " + o.m.visible() + " AND kind = " + quote(kindKey+key) + ") USING id ORDER BY u DESC, e DESC, value"
	}
	if limit > 0 {
		q += " LIMIT " + strconv.Itoa(limit)
	}
	var out []dataset.ValueCount
	err = s.c.rows(ctx, q, func(f []string) error {
		u, _ := strconv.ParseInt(f[1], 10, 64)
		e, _ := strconv.ParseInt(f[2], 10, 64)
		v := f[0]
		if v == "" {
			v = "(none)"
		}
		out = append(out, dataset.ValueCount{Value: v, Users: u, Events: e})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("values of %s in %s: %w", key, name, err)
	}
	return out, nil
}
