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
)

// Table names in the database of the URL.
const (
	eventsTable  = "microfunnel_events"
	importsTable = "microfunnel_imports"
)

// Store is a ClickHouse database holding microfunnel's datasets, or one
// existing table read as a dataset (Table).
type Store struct {
	c       *client
	cfg     Config
	version string
	table   *Table
	seen    map[string]bool // datasets found in the ledger
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

// ErrNotFound is a dataset, event or property that does not exist.
var ErrNotFound = errors.New("not found")

// Open connects to the server of cfg (checking the credentials and the
// database within a few seconds) and creates microfunnel's tables if need
// be; with t, it reads that table instead and creates nothing.
func Open(ctx context.Context, cfg Config, t *Table) (*Store, error) {
	s := &Store{c: newClient(cfg), cfg: cfg, table: t, seen: map[string]bool{}}
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

// ensureTables creates microfunnel's tables: events ordered by dataset,
// user and time (a user's events are contiguous, in time order, which is
// what windowFunnel reads), and the ledger of imports. An event is visible
// once its import is in the ledger, which is written last.
func (s *Store) ensureTables(ctx context.Context) error {
	if s.table != nil {
		return ErrReadOnly
	}
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS ` + eventsTable + ` (
			dataset String, import UInt64, user String, t Int64, event String,
			keys Array(String), vals Array(String)
		) ENGINE = MergeTree() ORDER BY (dataset, user, t)`,
		`CREATE TABLE IF NOT EXISTS ` + importsTable + ` (
			dataset String, import UInt64, sha256 String, source String,
			events UInt64, users UInt64, at DateTime
		) ENGINE = MergeTree() ORDER BY (dataset, import)`,
	} {
		if err := s.c.exec(ctx, q); err != nil {
			return fmt.Errorf("create tables: %w", err)
		}
	}
	return nil
}

// haveTables reports whether microfunnel's tables exist (reading never
// creates them).
func (s *Store) haveTables(ctx context.Context) (bool, error) {
	n := 0
	err := s.c.rows(ctx, "SELECT count() FROM system.tables WHERE database = "+quote(s.cfg.Database)+" AND name IN ("+quote(eventsTable)+", "+quote(importsTable)+")", func(f []string) error {
		n, _ = strconv.Atoi(f[0])
		return nil
	})
	return n == 2, err
}

// source is the FROM clause of a dataset's visible events, with columns
// user, t (ms), event, and prop(key) giving a property's text ("" when the
// event lacks it).
type source struct {
	from string
	prop func(key string) string
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
	if !s.seen[name] {
		if err := s.exists(ctx, name); err != nil {
			return source{}, err
		}
		s.seen[name] = true
	}
	return source{
		from: "(SELECT user, t, event, keys, vals FROM " + eventsTable + " WHERE dataset = " + quote(name) + " AND import IN (SELECT import FROM " + importsTable + " WHERE dataset = " + quote(name) + "))",
		prop: func(k string) string { return "vals[indexOf(keys, " + quote(k) + ")]" },
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
	ok, err := s.haveTables(ctx)
	if err != nil || !ok {
		if err != nil {
			err = fmt.Errorf("list datasets: %w", err)
		}
		return nil, err
	}
	// A dataset's events are those of the imports in the ledger; its
	// version is the number of imports.
	err = s.c.rows(ctx, `SELECT dataset, count(), uniqExact(user), min(t), max(t), any(n) FROM `+eventsTable+`
		ANY INNER JOIN (SELECT dataset, groupArray(import) AS ids, count() AS n FROM `+importsTable+` GROUP BY dataset) USING dataset
		WHERE has(ids, import) GROUP BY dataset ORDER BY dataset`, scan)
	if err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
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

// exists checks that a dataset has an import in the ledger (without
// scanning its events).
func (s *Store) exists(ctx context.Context, name string) error {
	ok, err := s.haveTables(ctx)
	if err != nil {
		return err
	}
	var names []string
	if ok {
		err = s.c.rows(ctx, "SELECT DISTINCT dataset FROM "+importsTable+" ORDER BY dataset", func(f []string) error {
			names = append(names, f[0])
			return nil
		})
		if err != nil {
			return err
		}
	}
	return s.notFound(name, names)
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
	err = s.c.rows(ctx, "SELECT event, count() AS e, uniqExact(user) AS u FROM "+src.from+" GROUP BY event ORDER BY u DESC, event", func(f []string) error {
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
	q := "SELECT arrayJoin(groupUniqArrayArray(keys)) AS k FROM " + src.from + " ORDER BY k"
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
