package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// ev is one row of a test file; pos is its position in microfunnel's
// sense: time order, ties in file order.
type ev struct {
	user, name, brand string
	sec               int
	row               int
}

// reference is a brute-force reading of docs/SEMANTICS.md, knowing nothing
// of the SQL: every chain of distinct events e1..ek (ei named step i,
// t1 <= ... <= tk <= t1 + window, in seconds) is enumerated; a user counts
// at the furthest k = L; the counted chain has the latest (by position)
// e1 of those reaching L, then the lexicographically smallest e2..eL; the
// breakdown value is e1's brand or, with fallback, the first brand among
// e1..eL. It returns counts[value][k-1] of users reaching step k, "(none)"
// for no brand, and the number of users.
func reference(events []ev, steps []string, window int, fallback bool) (map[string][]int64, int) {
	byUser := map[string][]ev{}
	for _, e := range events {
		byUser[e.user] = append(byUser[e.user], e)
	}
	// cmpPos orders by position: time, then file order.
	cmpPos := func(a, b ev) int {
		if a.sec != b.sec {
			return a.sec - b.sec
		}
		return a.row - b.row
	}
	out := map[string][]int64{}
	for _, es := range byUser {
		var chains [][]ev
		var walk func(chain []ev)
		walk = func(chain []ev) {
			chains = append(chains, chain)
			k := len(chain)
			if k == len(steps) {
				return
			}
			for _, e := range es {
				if e.name == steps[k] && e.sec >= chain[k-1].sec && e.sec <= chain[0].sec+window && !slices.Contains(chain, e) {
					walk(append(slices.Clone(chain), e))
				}
			}
		}
		for _, e := range es {
			if e.name == steps[0] {
				walk([]ev{e})
			}
		}
		if len(chains) == 0 {
			continue
		}
		var best []ev
		for _, c := range chains {
			switch {
			case best == nil || len(c) > len(best):
				best = c
			case len(c) < len(best):
			case cmpPos(c[0], best[0]) > 0:
				best = c
			case cmpPos(c[0], best[0]) == 0 && slices.CompareFunc(c[1:], best[1:], cmpPos) < 0:
				best = c
			}
		}
		v := best[0].brand
		for _, e := range best[1:] {
			if v == "" && fallback {
				v = e.brand
			}
		}
		if v == "" {
			v = "(none)"
		}
		if out[v] == nil {
			out[v] = make([]int64, len(steps))
		}
		for k := range best {
			out[v][k]++
		}
	}
	return out, len(byUser)
}

func writeCSV(t *testing.T, path string, events []ev) {
	var b bytes.Buffer
	b.WriteString("event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n")
	for _, e := range events {
		ts := time.Date(2019, 10, 1, 0, 0, e.sec, 0, time.UTC).Format("2006-01-02 15:04:05 UTC")
		fmt.Fprintf(&b, "%s,%s,1004856,2053013555631882655,electronics.smartphone,%s,130.76,%s,8187d148-3c41-46d4-b0c0-9c08cd9dc564\n", ts, e.name, e.brand, e.user)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func openDB(t *testing.T, path string) *sql.Conn {
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// TestFunnelSQLAgreesWithReference loads random small files (ties in time,
// rows out of time order, repeated steps, events of other names, users
// without a brand) and compares the SQL's counts, with and without folding,
// with the brute-force reference.
func TestFunnelSQLAgreesWithReference(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	steps := []string{"view", "cart", "purchase"}
	names := []string{"view", "cart", "purchase", "remove_from_cart"}
	brands := []string{"a", "b", "c", ""}
	r := rand.New(rand.NewPCG(1, 2))
	for c := range 30 {
		var events []ev
		users := 1 + r.IntN(12)
		for i := range 5 + r.IntN(60) {
			events = append(events, ev{
				user:  fmt.Sprint(500000000 + r.IntN(users)),
				name:  names[r.IntN(len(names))],
				brand: brands[r.IntN(len(brands))],
				sec:   r.IntN(40),
				row:   i,
			})
		}
		if r.IntN(2) == 0 { // in time order, as exports come; else as generated
			slices.SortStableFunc(events, func(a, b ev) int { return a.sec - b.sec })
			for i := range events {
				events[i].row = i
			}
		}
		window := 1 + r.IntN(15)
		path := filepath.Join(dir, fmt.Sprintf("case%d.csv", c))
		writeCSV(t, path, events)
		conn := openDB(t, filepath.Join(dir, fmt.Sprintf("case%d.duckdb", c)))
		if _, err := load(ctx, conn, shapes["rees46"], path); err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct {
			top      int
			fallback bool
		}{{100, true}, {1, true}, {100, false}} {
			top := v.top
			want, users := reference(events, steps, window, v.fallback)
			got, err := query(ctx, conn, shapes["rees46"], steps, time.Duration(window)*time.Second, "brand", top, v.fallback)
			if err != nil {
				t.Fatal(err)
			}
			if got.Users != int64(users) {
				t.Errorf("case %d: %d users, want %d", c, got.Users, users)
			}
			segs := map[string][]int64{}
			for _, s := range got.Breakdown.Segments {
				for _, st := range s.Steps {
					segs[s.Value] = append(segs[s.Value], st.Users)
				}
			}
			fold := foldReference(want, top, len(steps))
			if fmt.Sprint(segs) != fmt.Sprint(fold) {
				t.Fatalf("case %d (window %ds, top %d, fallback %v): SQL %v, reference %v\nevents %+v", c, window, top, v.fallback, segs, fold, events)
			}
			total := make([]int64, len(steps))
			for _, v := range want {
				for k, n := range v {
					total[k] += n
				}
			}
			for k, s := range got.Steps {
				if s.Users != total[k] {
					t.Fatalf("case %d: step %d %d users, want %d", c, k+1, s.Users, total[k])
				}
			}
		}
	}
}

// foldReference keeps the top values by step-1 count (ties by value) and
// folds the rest into (other), as microfunnel does.
func foldReference(counts map[string][]int64, top, steps int) map[string][]int64 {
	var values []string
	for v := range counts {
		if v != "(none)" {
			values = append(values, v)
		}
	}
	slices.SortFunc(values, func(a, b string) int {
		if counts[a][0] != counts[b][0] {
			return int(counts[b][0] - counts[a][0])
		}
		return strings.Compare(a, b)
	})
	out := map[string][]int64{}
	for i, v := range values {
		key := v
		if i >= top {
			key = "(other)"
		}
		if out[key] == nil {
			out[key] = make([]int64, steps)
		}
		for k, n := range counts[v] {
			out[key][k] += n
		}
	}
	if n, ok := counts["(none)"]; ok {
		out["(none)"] = n
	}
	return out
}

// TestSemanticsExamples: the examples of docs/SEMANTICS.md that steps of
// different names can express, and the attribution example.
func TestSemanticsExamples(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	steps := []string{"view", "cart", "purchase"}
	for i, tc := range []struct {
		events string // name@second[:brand] ...
		want   string
		attrib string
	}{
		{"view@0 cart@1 x@2 purchase@3", "[1 1 1]", "(none)"},
		{"view@0 view@1 cart@2 purchase@3", "[1 1 1]", "(none)"},
		{"cart@0 view@1 purchase@2", "[1 0 0]", "(none)"},
		{"view@0 cart@60", "[1 1 0]", "(none)"},
		{"view@0 cart@61", "[1 0 0]", "(none)"},
		{"view@0 view@30 cart@80", "[1 1 0]", "(none)"},
		{"cart@5 view@5", "[1 1 0]", "(none)"},
		{"cart@0 purchase@1", "[0 0 0]", ""},
		{"view@0:mobile view@5:desktop cart@10", "[1 1 0]", "desktop"},
		{"view@0:mobile cart@1 view@5:desktop", "[1 1 0]", "mobile"},
		{"view@5:b view@5:a cart@6", "[1 1 0]", "a"},                  // same second: the later row
		{"view@0:desktop view@5 cart@10:mobile", "[1 1 0]", "mobile"}, // view@5 has none: the chain's next step
		{"view@0 cart@3 cart@4:b purchase@5:c", "[1 1 1]", "c"},       // the chain's cart is cart@3
		{"view@0 cart@3:a cart@3:b", "[1 1 0]", "a"},                  // same second: the first row
	} {
		var events []ev
		for j, f := range strings.Fields(tc.events) {
			name, rest, _ := strings.Cut(f, "@")
			sec, brand, _ := strings.Cut(rest, ":")
			var s int
			fmt.Sscan(sec, &s)
			events = append(events, ev{user: "512000001", name: name, brand: brand, sec: s, row: j})
		}
		path := filepath.Join(dir, fmt.Sprintf("ex%d.csv", i))
		writeCSV(t, path, events)
		conn := openDB(t, filepath.Join(dir, fmt.Sprintf("ex%d.duckdb", i)))
		if _, err := load(ctx, conn, shapes["rees46"], path); err != nil {
			t.Fatal(err)
		}
		got, err := query(ctx, conn, shapes["rees46"], steps, time.Minute, "brand", 10, true)
		if err != nil {
			t.Fatal(err)
		}
		var counts []int64
		for _, s := range got.Steps {
			counts = append(counts, s.Users)
		}
		if fmt.Sprint(counts) != tc.want {
			t.Errorf("%s: %v, want %s", tc.events, counts, tc.want)
		}
		if tc.attrib != "" && (len(got.Breakdown.Segments) != 1 || got.Breakdown.Segments[0].Value != tc.attrib) {
			t.Errorf("%s: segments %+v, want all in %s", tc.events, got.Breakdown.Segments, tc.attrib)
		}
	}
}

func TestCompare(t *testing.T) {
	q := &queryOut{Users: 3, Steps: []step{{"view", 3}, {"cart", 1}},
		Breakdown: &breakdown{Property: "brand", Segments: []segment{{"a", []step{{"view", 3}, {"cart", 1}}}}}}
	dir := t.TempDir()
	for _, tc := range []struct {
		report string
		agree  bool
		says   string
	}{
		{`{"users": 3, "steps": [{"name": "view", "users": 3}, {"name": "cart", "users": 1}], "breakdown": {"property": "brand", "segments": [{"value": "a", "steps": [{"name": "view", "users": 3}, {"name": "cart", "users": 1}]}]}}`, true, ""},
		{`{"users": 3, "steps": [{"name": "view", "users": 3}, {"name": "cart", "users": 2}], "breakdown": {"property": "brand", "segments": [{"value": "a", "steps": [{"name": "view", "users": 3}, {"name": "cart", "users": 1}]}]}}`, false, "total step 2: microfunnel cart 2, DuckDB cart 1"},
		{`{"users": 3, "steps": [{"name": "view", "users": 3}, {"name": "cart", "users": 1}], "breakdown": {"property": "brand", "segments": [{"value": "b", "steps": []}]}}`, false, `segment 1: microfunnel "b", DuckDB "a"`},
		{`{"users": 3, "steps": [{"name": "view", "users": 3}, {"name": "cart", "users": 1}]}`, false, "one side has a breakdown"},
	} {
		path := filepath.Join(dir, "r.json")
		if err := os.WriteFile(path, []byte(tc.report), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := compare(path, q)
		if err != nil {
			t.Fatal(err)
		}
		if c.Agree != tc.agree || !strings.Contains(strings.Join(c.Mismatches, "; "), tc.says) {
			t.Errorf("%s: agree %v %v, want %v saying %q", tc.report, c.Agree, c.Mismatches, tc.agree, tc.says)
		}
	}
	path := filepath.Join(dir, "bad.json")
	os.WriteFile(path, []byte("not json"), 0o644)
	if _, err := compare(path, q); err == nil || !strings.Contains(err.Error(), "not microfunnel's JSON report") {
		t.Errorf("a file that is not JSON: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		says string
	}{
		{nil, "--shape is required"},
		{[]string{"--shape", "x", "--db", "d"}, `unknown --shape "x"`},
		{[]string{"--shape", "ga4"}, "--db is required"},
		{[]string{"--shape", "ga4", "--db", "d"}, "--file is required"},
		{[]string{"--shape", "ga4", "--db", "d", "--phase", "both"}, `unknown --phase "both"`},
		{[]string{"--shape", "ga4", "--db", "d", "--phase", "query", "--file", "f"}, "--file is for loading"},
		{[]string{"--shape", "ga4", "--db", "d", "--file", "f", "--window", "0d"}, "--window"},
		{[]string{"--shape", "ga4", "--db", "d", "--file", "f", "--steps", "a,a"}, `step "a" twice`},
		{[]string{"--shape", "ga4", "--db", "d", "--file", "f", "--steps", "a"}, "at least 2 steps"},
		{[]string{"--shape", "ga4", "--db", "d", "--file", "f", "--top", "0"}, "--top"},
		{[]string{"--shape", "ga4", "--db", "d", "stray"}, `unexpected argument "stray"`},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, &out, &errOut)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: %v, want a usage error saying %q", tc.args, err, tc.says)
		}
	}
	err := run(context.Background(), []string{"--shape", "rees46", "--phase", "query", "--db", filepath.Join(dir, "none.duckdb")}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "needs an existing database") {
		t.Errorf("query on a missing database: %v", err)
	}
	err = run(context.Background(), []string{"--shape", "rees46", "--db", filepath.Join(dir, "x.duckdb"), "--file", filepath.Join(dir, "missing.csv")}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("load of a missing file: %v", err)
	}
}

// TestRunPrintsJSON runs the whole command on a small file: load then query
// in one process, and query alone on the database it left.
func TestRunPrintsJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.csv")
	writeCSV(t, path, []ev{{"512000001", "view", "a", 0, 0}, {"512000001", "cart", "a", 3, 1}, {"512000002", "view", "", 4, 2}})
	db := filepath.Join(dir, "f.duckdb")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--shape", "rees46", "--file", path, "--db", db}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var o output
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		t.Fatal(err)
	}
	if o.Load == nil || o.Load.Rows != 3 || o.Load.Columns != 9 || o.Query == nil || fmt.Sprint(o.Query.Steps) != "[{view 2} {cart 1} {purchase 0}]" {
		t.Fatalf("%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"--shape", "rees46", "--phase", "query", "--db", db, "--by", "none"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	o = output{}
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		t.Fatal(err)
	}
	if o.Load != nil || o.Query.Breakdown != nil || o.Query.Users != 2 {
		t.Fatalf("query only, no breakdown: %s", out.String())
	}
}
