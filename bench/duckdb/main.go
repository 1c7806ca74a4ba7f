// Command duckdb is the DuckDB peer of microfunnel's real-shaped benchmark
// (bench/realshape.sh). It loads a REES46-shaped CSV or a GA4-shaped NDJSON
// file into a DuckDB database with every column kept, and computes the same
// sequential funnel with a breakdown as `microfunnel report`, with the same
// counts (docs/SEMANTICS.md), printing the timings and results as one JSON
// object.
//
//	go run . --shape rees46|ga4 --db X.duckdb --file F [--phase all|load|query] [--by COL] [--compare REPORT.json]
//
// It is its own Go module (DuckDB is cgo) so that the main module's builds
// and tests never compile it.
package main

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// shape says how a file of one shape is read and what its funnel is.
type shape struct {
	reader string // the table function reading the file
	user   string // SQL for the user id
	event  string // SQL for the event name
	steps  []string
	by     string // default breakdown column (a dotted path is a struct field)
	// timeMs gives the SQL for the event time in ms since the epoch, knowing
	// the type DuckDB gave the time column.
	timeCol string
	timeMs  func(colType string) string
}

var shapes = map[string]shape{
	"rees46": {
		reader:  "read_csv",
		user:    "user_id",
		event:   "event_type",
		steps:   []string{"view", "cart", "purchase"},
		by:      "brand",
		timeCol: "event_time",
		timeMs: func(t string) string {
			if strings.HasPrefix(t, "TIMESTAMP") {
				return "epoch_ms(event_time)"
			}
			return "epoch_ms(strptime(event_time, '%Y-%m-%d %H:%M:%S UTC'))"
		},
	},
	"ga4": {
		reader: "read_json_auto",
		// microfunnel takes user_id, falling back to user_pseudo_id.
		user:    "coalesce(CAST(user_id AS VARCHAR), user_pseudo_id)",
		event:   "event_name",
		steps:   []string{"session_start", "view_item", "add_to_cart", "begin_checkout", "purchase"},
		by:      "device.category",
		timeCol: "event_timestamp",
		// Microseconds, truncated to ms as microfunnel stores them.
		timeMs: func(string) string { return "(event_timestamp // 1000)" },
	},
}

// output is what the command prints.
type output struct {
	DuckDB  string    `json:"duckdb_version"`
	Threads int       `json:"threads"`
	Shape   string    `json:"shape"`
	DB      string    `json:"db"`
	Load    *loadOut  `json:"load,omitempty"`
	Query   *queryOut `json:"query,omitempty"`
	Compare *compared `json:"compare,omitempty"`
}

type loadOut struct {
	File      string  `json:"file"`
	Seconds   float64 `json:"seconds"`
	Rows      int64   `json:"rows"`
	Columns   int     `json:"columns"`
	FileBytes int64   `json:"file_bytes"`
	DBBytes   int64   `json:"db_bytes"`
}

type step struct {
	Name  string `json:"name"`
	Users int64  `json:"users"`
}

type segment struct {
	Value string `json:"value"`
	Steps []step `json:"steps"`
}

type breakdown struct {
	Property    string    `json:"property"`
	Attribution string    `json:"attribution"`
	Segments    []segment `json:"segments"`
}

type queryOut struct {
	Seconds   float64    `json:"seconds"`
	Window    string     `json:"window"`
	Users     int64      `json:"users"`
	Steps     []step     `json:"steps"`
	Breakdown *breakdown `json:"breakdown,omitempty"`
}

type compared struct {
	Report     string   `json:"report"`
	Agree      bool     `json:"agree"`
	Mismatches []string `json:"mismatches,omitempty"`
}

var errUsage = errors.New("usage")

func usagef(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errDisagree):
		fmt.Fprintln(os.Stderr, "duckdb peer:", err)
		os.Exit(3)
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "duckdb peer:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "duckdb peer:", err)
		os.Exit(1)
	}
}

var errDisagree = errors.New("the counts disagree with microfunnel's report")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("duckdb", flag.ContinueOnError)
	fs.SetOutput(stderr)
	shapeName := fs.String("shape", "", "rees46 or ga4 (required)")
	file := fs.String("file", "", "the file to load (needed by the load phase)")
	dbPath := fs.String("db", "", "the DuckDB database file (required)")
	phase := fs.String("phase", "all", "all, load (CREATE TABLE events from --file) or query (the funnel on an existing --db)")
	by := fs.String("by", "", "breakdown column, a dotted path for a struct field (default: brand for rees46, device.category for ga4; none for no breakdown)")
	stepsFlag := fs.String("steps", "", "comma-separated step event names, each different (default: the shape's funnel)")
	windowFlag := fs.String("window", "7d", "conversion window from step 1: a Go duration or Nd")
	top := fs.Int("top", 10, "breakdown values kept before the rest folds into (other), as microfunnel's --top")
	threads := fs.Int("threads", 0, "DuckDB threads (0: DuckDB's default, every core)")
	fallback := fs.Bool("first-fallback", true, "when the counted chain's step-1 event has no --by value, read the chain's later steps (microfunnel from issue 13's chain rule on); false: (none), as microfunnel before it")
	report := fs.String("compare", "", "a file of microfunnel's report --format json to compare the counts with (exit 3 if they differ)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage (in bench/duckdb): go run . --shape rees46|ga4 --db X.duckdb [--file F] [--phase all|load|query] [--by COL] [--compare REPORT.json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (every option is a flag)", fs.Arg(0))
	}
	sh, ok := shapes[*shapeName]
	switch {
	case *shapeName == "":
		return usagef("--shape is required: rees46 or ga4")
	case !ok:
		return usagef("unknown --shape %q: want rees46 or ga4", *shapeName)
	case *dbPath == "":
		return usagef("--db is required")
	case *phase != "all" && *phase != "load" && *phase != "query":
		return usagef("unknown --phase %q: want all, load or query", *phase)
	case *phase != "query" && *file == "":
		return usagef("--file is required to load (phase %s)", *phase)
	case *phase == "query" && *file != "":
		return usagef("--phase query reads the existing --db; --file is for loading")
	case *top < 1:
		return usagef("--top must be at least 1, got %d", *top)
	case *threads < 0:
		return usagef("--threads must be 0 or more, got %d", *threads)
	}
	window, err := parseWindow(*windowFlag)
	if err != nil {
		return usagef("--window: %v", err)
	}
	steps := sh.steps
	if *stepsFlag != "" {
		steps = strings.Split(*stepsFlag, ",")
	}
	if err := checkSteps(steps); err != nil {
		return usagef("--steps: %v", err)
	}
	col := sh.by
	if *by != "" {
		col = *by
	}
	if col == "none" {
		col = ""
	}
	if *phase == "query" {
		if _, err := os.Stat(*dbPath); err != nil {
			return fmt.Errorf("--phase query needs an existing database: %w", err)
		}
	}

	db, err := sql.Open("duckdb", *dbPath)
	if err != nil {
		return fmt.Errorf("opening %s: %w", *dbPath, err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // one connection, so settings hold
	if err != nil {
		return fmt.Errorf("opening %s: %w", *dbPath, err)
	}
	defer conn.Close()
	if *threads > 0 {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET threads = %d", *threads)); err != nil {
			return fmt.Errorf("setting threads: %w", err)
		}
	}
	out := output{Shape: *shapeName, DB: *dbPath}
	if err := conn.QueryRowContext(ctx, "SELECT version(), current_setting('threads')").Scan(&out.DuckDB, &out.Threads); err != nil {
		return fmt.Errorf("reading the DuckDB version: %w", err)
	}
	if *phase != "query" {
		if out.Load, err = load(ctx, conn, sh, *file); err != nil {
			return err
		}
	}
	if *phase != "load" {
		if out.Query, err = query(ctx, conn, sh, steps, window, col, *top, *fallback); err != nil {
			return err
		}
		out.Query.Window = *windowFlag
	}
	if err := conn.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", *dbPath, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", *dbPath, err)
	}
	if out.Load != nil {
		if st, err := os.Stat(*dbPath); err == nil {
			out.Load.DBBytes = st.Size()
		}
	}
	if *report != "" {
		if out.Query == nil {
			return usagef("--compare needs the query phase")
		}
		if out.Compare, err = compare(*report, out.Query); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	if out.Compare != nil && !out.Compare.Agree {
		return fmt.Errorf("%w %s: %s", errDisagree, *report, strings.Join(out.Compare.Mismatches, "; "))
	}
	return nil
}

func parseWindow(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("%q is not a positive number of days", s)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration (30m, 24h, 7d)", s)
	}
	return d, nil
}

// checkSteps: the SQL below is exact for steps of different event names
// (one event then fills at most one step by itself).
func checkSteps(steps []string) error {
	if len(steps) < 2 {
		return fmt.Errorf("want at least 2 steps, got %d", len(steps))
	}
	seen := map[string]bool{}
	for _, s := range steps {
		switch {
		case strings.TrimSpace(s) == "":
			return fmt.Errorf("an empty step in %q", strings.Join(steps, ","))
		case seen[s]:
			return fmt.Errorf("step %q twice: this peer's SQL needs a different event for each step", s)
		}
		seen[s] = true
	}
	return nil
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// columnSQL turns a dotted path into a column or struct field reference.
func columnSQL(path string) string {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		parts[i] = quoteIdent(p)
	}
	return strings.Join(parts, ".")
}

func load(ctx context.Context, conn *sql.Conn, sh shape, file string) (*loadOut, error) {
	st, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	lo := &loadOut{File: file, FileBytes: st.Size()}
	t0 := time.Now()
	q := fmt.Sprintf("CREATE OR REPLACE TABLE events AS SELECT * FROM %s(%s)", sh.reader, quoteString(file))
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return nil, fmt.Errorf("load: %s: %w", q, err)
	}
	if _, err := conn.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return nil, fmt.Errorf("load: checkpoint: %w", err)
	}
	lo.Seconds = time.Since(t0).Seconds()
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&lo.Rows); err != nil {
		return nil, fmt.Errorf("load: counting rows: %w", err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'events'").Scan(&lo.Columns); err != nil {
		return nil, fmt.Errorf("load: counting columns: %w", err)
	}
	return lo, nil
}

// funnelSQL is microfunnel's sequential funnel (ClickHouse windowFunnel
// semantics, docs/SEMANTICS.md) for steps of different event names, users
// counting, first attribution:
//
//   - For a step-1 event at t1, the chain taking at each later step the
//     earliest matching event no earlier than the previous step's (ties
//     allowed: equal times go in step order; among equal times the first
//     in the file) reaches step k exactly when some chain from t1 does,
//     within t1+window, so the step-1 event's level is the last step found
//     before the first one missing or out of the window.
//   - A user counts once, at the furthest level L of any step-1 event.
//   - The counted chain starts at the latest (by position: time, then file
//     order) step-1 event that reaches L, and takes those earliest events
//     for steps 2..L (without a max gap or exclusions that is microfunnel's
//     rule: the earliest continuation that still reaches L).
//   - The breakdown value is the chain's step-1 event's; with fallback,
//     when that event has none, the first of the chain's steps 2..L (in
//     step order) that has one (microfunnel from the chain rule of issue
//     13 on; before it, the step-1 event's value or none).
//
// Position is the time, then DuckDB's rowid: the file's row order, as
// insertion order is preserved.
func funnelSQL(sh shape, timeMs string, steps []string, window time.Duration, by string, fallback bool) string {
	var b strings.Builder
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = quoteString(s)
	}
	seg := "CAST(NULL AS VARCHAR)"
	if by != "" {
		seg = "CAST(" + columnSQL(by) + " AS VARCHAR)"
	}
	fmt.Fprintf(&b, "WITH e AS (SELECT %s AS u, %s AS t, rowid AS pos, %s AS ev, %s AS seg FROM events WHERE %s IN (%s))",
		sh.user, timeMs, sh.event, seg, sh.event, strings.Join(names, ", "))
	b.WriteString(",\n s1 AS (SELECT u, t, pos, seg FROM e WHERE ev = " + names[0] + ")")
	// Later steps: one row per user and time, with the value of the first
	// event in the file at that time, so the ASOF join below is
	// deterministic.
	for i := 1; i < len(steps); i++ {
		fmt.Fprintf(&b, ",\n s%d AS (SELECT u, t, first(seg ORDER BY pos) AS seg FROM e WHERE ev = %s GROUP BY u, t)", i+1, names[i])
	}
	b.WriteString(",\n c1 AS (SELECT u, t AS t1, pos, seg AS seg1 FROM s1)")
	for k := 2; k <= len(steps); k++ {
		fmt.Fprintf(&b, ",\n c%d AS (SELECT c%d.*, s%d.t AS t%d, s%d.seg AS seg%d FROM c%d ASOF LEFT JOIN s%d ON c%d.u = s%d.u AND s%d.t >= c%d.t%d)",
			k, k-1, k, k, k, k, k-1, k, k-1, k, k, k-1, k-1)
	}
	// The first step not found within the window ends the chain. (An ASOF
	// join whose left time is NULL still matches a row, so a later step's
	// time means nothing once an earlier one is missing.)
	level := "CASE"
	for k := 2; k <= len(steps); k++ {
		level += fmt.Sprintf(" WHEN t%d IS NULL OR t%d > t1 + %d THEN %d", k, k, window.Milliseconds(), k-1)
	}
	level += fmt.Sprintf(" ELSE %d END", len(steps))
	// The value read: seg1, or with fallback the first of seg2..segL.
	attr := "seg1"
	if fallback {
		attr = "CASE level"
		for l := 1; l <= len(steps); l++ {
			segs := make([]string, l)
			for k := range segs {
				segs[k] = fmt.Sprintf("seg%d", k+1)
			}
			attr += fmt.Sprintf(" WHEN %d THEN coalesce(%s)", l, strings.Join(segs, ", "))
		}
		attr += " END"
	}
	fmt.Fprintf(&b, ",\n lv0 AS (SELECT *, %s AS level FROM c%d)", level, len(steps))
	fmt.Fprintf(&b, ",\n lv AS (SELECT u, t1, pos, level, %s AS seg FROM lv0)", attr)
	b.WriteString(",\n best AS (SELECT u, max(level) AS level, first(seg ORDER BY level DESC, t1 DESC, pos DESC) AS seg FROM lv GROUP BY u)")
	b.WriteString("\nSELECT seg, level, count(*) FROM best GROUP BY seg, level")
	return b.String()
}

func query(ctx context.Context, conn *sql.Conn, sh shape, steps []string, window time.Duration, by string, top int, fallback bool) (*queryOut, error) {
	t0 := time.Now()
	var colType string
	if err := conn.QueryRowContext(ctx, "SELECT data_type FROM information_schema.columns WHERE table_name = 'events' AND column_name = ?",
		sh.timeCol).Scan(&colType); err != nil {
		return nil, fmt.Errorf("query: the type of %s (is the database loaded?): %w", sh.timeCol, err)
	}
	qo := &queryOut{}
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(DISTINCT %s) FROM events", sh.user)).Scan(&qo.Users); err != nil {
		return nil, fmt.Errorf("query: counting users: %w", err)
	}
	q := funnelSQL(sh, sh.timeMs(colType), steps, window, by, fallback)
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("query: %w\n%s", err, q)
	}
	defer rows.Close()
	// counts[value][level-1]; a nil value is (none).
	type key struct {
		value string
		none  bool
	}
	counts := map[key][]int64{}
	for rows.Next() {
		var v sql.NullString
		var level, n int64
		if err := rows.Scan(&v, &level, &n); err != nil {
			return nil, fmt.Errorf("query: %w", err)
		}
		if level < 1 || level > int64(len(steps)) {
			return nil, fmt.Errorf("query: level %d out of 1..%d", level, len(steps))
		}
		k := key{v.String, !v.Valid}
		if counts[k] == nil {
			counts[k] = make([]int64, len(steps))
		}
		counts[k][level-1] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	// Users at step k are those at level k or further.
	reach := func(levels []int64) []step {
		out := make([]step, len(steps))
		var sum int64
		for k := len(steps) - 1; k >= 0; k-- {
			sum += levels[k]
			out[k] = step{steps[k], sum}
		}
		return out
	}
	total := make([]int64, len(steps))
	for _, c := range counts {
		for i, n := range c {
			total[i] += n
		}
	}
	qo.Steps = reach(total)
	if by != "" {
		qo.Breakdown = &breakdown{Property: by, Attribution: "first"}
		if !fallback {
			qo.Breakdown.Attribution = "first, without fallback"
		}
		// microfunnel's folding: values ranked by step-1 count, ties by
		// value; the top ones keep a segment, the rest is (other), then
		// (none).
		var values []string
		var none []int64
		for k, c := range counts {
			if k.none {
				none = c
			} else {
				values = append(values, k.value)
			}
		}
		step1 := func(v string) int64 {
			var s int64
			for _, n := range counts[key{v, false}] {
				s += n
			}
			return s
		}
		slices.SortFunc(values, func(a, b string) int {
			return cmp.Or(cmp.Compare(step1(b), step1(a)), strings.Compare(a, b))
		})
		for i, v := range values {
			if i < top {
				qo.Breakdown.Segments = append(qo.Breakdown.Segments, segment{v, reach(counts[key{v, false}])})
			}
		}
		if len(values) > top {
			other := make([]int64, len(steps))
			for _, v := range values[top:] {
				for i, n := range counts[key{v, false}] {
					other[i] += n
				}
			}
			qo.Breakdown.Segments = append(qo.Breakdown.Segments, segment{"(other)", reach(other)})
		}
		if none != nil {
			qo.Breakdown.Segments = append(qo.Breakdown.Segments, segment{"(none)", reach(none)})
		}
	}
	qo.Seconds = time.Since(t0).Seconds()
	return qo, nil
}

// mfReport is the part of microfunnel's `report --format json` compared.
type mfReport struct {
	Users     int64  `json:"users"`
	Steps     []step `json:"steps"`
	Breakdown *struct {
		Property string    `json:"property"`
		Segments []segment `json:"segments"`
	} `json:"breakdown"`
}

func compare(path string, q *queryOut) (*compared, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("compare: %w", err)
	}
	var r mfReport
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("compare: %s is not microfunnel's JSON report: %w", path, err)
	}
	c := &compared{Report: path}
	bad := func(format string, a ...any) { c.Mismatches = append(c.Mismatches, fmt.Sprintf(format, a...)) }
	if r.Users != q.Users {
		bad("users: microfunnel %d, DuckDB %d", r.Users, q.Users)
	}
	stepsDiffer := func(what string, mf, dk []step) {
		if len(mf) != len(dk) {
			bad("%s: microfunnel has %d steps, DuckDB %d", what, len(mf), len(dk))
			return
		}
		for i := range mf {
			if mf[i].Name != dk[i].Name || mf[i].Users != dk[i].Users {
				bad("%s step %d: microfunnel %s %d, DuckDB %s %d", what, i+1, mf[i].Name, mf[i].Users, dk[i].Name, dk[i].Users)
			}
		}
	}
	stepsDiffer("total", r.Steps, q.Steps)
	switch {
	case (r.Breakdown == nil) != (q.Breakdown == nil):
		bad("one side has a breakdown, the other not")
	case r.Breakdown != nil:
		if r.Breakdown.Property != q.Breakdown.Property {
			bad("breakdown by %s in microfunnel, %s in DuckDB", r.Breakdown.Property, q.Breakdown.Property)
		}
		mf, dk := r.Breakdown.Segments, q.Breakdown.Segments
		if len(mf) != len(dk) {
			bad("breakdown: microfunnel %d segments, DuckDB %d", len(mf), len(dk))
		}
		for i := range min(len(mf), len(dk)) {
			if mf[i].Value != dk[i].Value {
				bad("segment %d: microfunnel %q, DuckDB %q", i+1, mf[i].Value, dk[i].Value)
				continue
			}
			stepsDiffer("segment "+mf[i].Value, mf[i].Steps, dk[i].Steps)
		}
	}
	c.Agree = len(c.Mismatches) == 0
	return c, nil
}
