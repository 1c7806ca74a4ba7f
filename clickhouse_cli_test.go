package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// --db with a scheme is never a file path: clickhouse:// is parsed, any
// other scheme is a usage error, and nothing is created on disk.
func TestDBURLs(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, c := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"--db", "postgres://127.0.0.1:5432/x", "datasets"}, true, `unknown scheme "postgres"`},
		{[]string{"--db", "file:///tmp/x.db", "datasets"}, true, `unknown scheme "file"`},
		{[]string{"--db", "clickhouse://", "datasets"}, true, "no host"},
		{[]string{"--db", "clickhouse://127.0.0.1:8123", "datasets"}, true, "no database"},
		{[]string{"--db", "clickhouse://127.0.0.1:99999/x", "datasets"}, true, "not a port number"},
		{[]string{"--db", "clickhouse://127.0.0.1:8123/my-db", "datasets"}, true, "letters, digits and underscores"},
		{[]string{"--db", "x.db", "--ch-table", "events", "datasets"}, true, "need --db clickhouse://"},
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "--ch-user", "u", "datasets"}, true, "need --ch-table"},
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "--ch-table", "e", "datasets"}, true, "--ch-user is required"},
		// Port 1 refuses: a clear message, fast, exit 1.
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "datasets"}, false, "refused the connection"},
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "drop", "store"}, false, "refused the connection"},
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "funnels"}, false, "refused the connection"},
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "bench"}, true, "bash bench/clickhouse.sh measures ClickHouse"},
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "sample"}, false, "refused the connection"},
	} {
		t0 := time.Now()
		_, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want an error containing %q", c.args, err, c.want)
			continue
		}
		var ue usageError
		if errors.As(err, &ue) != c.usage {
			t.Errorf("%v: usage error %v, want %v (%v)", c.args, !c.usage, c.usage, err)
		}
		if d := time.Since(t0); d > 5*time.Second {
			t.Errorf("%v: took %v", c.args, d)
		}
	}
	var made []string
	filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error {
		if p != dir {
			made = append(made, p)
		}
		return nil
	})
	if len(made) > 0 {
		t.Errorf("URLs created files: %v", made)
	}
}

// chDB is a clickhouse:// URL to a fresh database on the test server
// (MICROFUNNEL_CLICKHOUSE), dropped at the end.
func chDB(t *testing.T) string {
	t.Helper()
	raw := os.Getenv("MICROFUNNEL_CLICKHOUSE")
	if raw == "" {
		t.Skip("needs a ClickHouse server: MICROFUNNEL_CLICKHOUSE=http://127.0.0.1:8123 go test -run ClickHouse . (.ci/run starts one)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	db := fmt.Sprintf("mf_cli_%d", time.Now().UnixNano())
	exec := func(q string) {
		resp, err := http.Post(raw+"/", "text/plain", strings.NewReader(q))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	exec("CREATE DATABASE " + db)
	t.Cleanup(func() { exec("DROP DATABASE " + db) })
	return "clickhouse://" + u.Host + "/" + db
}

// The commands on ClickHouse print what they print on the embedded store
// for the same export (the report without the step times), and refuse
// what they cannot do with exit 2.
func TestClickHouseCommands(t *testing.T) {
	ch := chDB(t)
	db := sampleDB(t)
	exp := filepath.Join(t.TempDir(), "store.csv")
	if _, err := run(t, "--db", db, "export", "-d", "store", "--out", exp); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "f.db")
	for _, d := range []string{file, ch} {
		if _, err := run(t, "--db", d, "import", "-d", "store", exp); err != nil {
			t.Fatal(err)
		}
	}
	out, err := run(t, "--db", ch, "import", "-d", "store", exp)
	if err != nil || !strings.Contains(out, "already imported into store, nothing added") {
		t.Errorf("re-import: %q %v", out, err)
	}
	noTimes := noStepTimes
	for _, args := range [][]string{
		{"datasets", "--format", "csv"},
		{"events", "-d", "store"},
		{"props", "-d", "store"},
		{"props", "-d", "store", "device", "--limit", "2"},
		{"report", "-d", "store", "--preset", "store", "--by", "device", "--format", "csv"},
		{"report", "--preset", "store-checkout", "--by", "country", "--attribution", "last", "--top", "3", "--format", "csv"},
		{"report", "-d", "store", "--steps", "view_product[device=mobile],add_to_cart|add_to_wishlist", "--where", "country!=US", "--from", "2026-09-10", "--to", "2026-10-01", "--window", "1d", "--format", "csv"},
		{"report", "-d", "store", "--preset", "store", "--segment", "device=mobile", "--where", "country!=US", "--format", "csv"},
		{"report", "-d", "store", "--preset", "store", "--from", "2026-09-01", "--to", "2026-09-14", "--versus", "2026-09-15..2026-09-28", "--format", "json"},
		{"users", "-d", "store", "--preset", "store", "--reached", "2"},
		{"compare", "--dataset", "store", "--format", "json"},
		{"drivers", "-d", "store", "--preset", "store", "--props", "device,country", "--format", "json"},
		{"drivers", "-d", "store", "--preset", "store", "--step", "2", "--where", "device=mobile", "--format", "csv"},
		{"users", "-d", "store", "--preset", "store", "--dropped-at", "1", "--format", "json", "--where", "device=mobile"},
	} {
		want, err1 := run(t, append([]string{"--db", file}, args...)...)
		got, err2 := run(t, append([]string{"--db", ch}, args...)...)
		if err1 != nil || err2 != nil {
			t.Errorf("%v: %v / %v", args, err1, err2)
			continue
		}
		if args[0] == "datasets" {
			want, got = strings.Split(want, "\n")[1], strings.Split(got, "\n")[1]
		}
		if slices.Contains(args, "json") {
			got, want = jsonWithout(t, got), jsonWithout(t, want)
		}
		if noTimes(got) != noTimes(want) {
			t.Errorf("%v:\nClickHouse:\n%s\nembedded:\n%s", args, got, want)
		}
	}
	// --times: the whole report, times included, is the embedded store's.
	args := []string{"report", "-d", "store", "--preset", "store", "--by", "device", "--format", "csv"}
	want, err1 := run(t, append([]string{"--db", file}, args...)...)
	got, err2 := run(t, append(append([]string{"--db", ch}, args...), "--times")...)
	if err1 != nil || err2 != nil || got != want {
		t.Errorf("report --times: %v / %v\nClickHouse:\n%s\nembedded:\n%s", err1, err2, got, want)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "-d", "store", "--preset", "store", "--mode", "strict"}, "--mode strict is not supported on ClickHouse"},
		{[]string{"report", "-d", "store", "--preset", "store", "--max-gap", "1h"}, "--max-gap is not supported on ClickHouse"},
		{[]string{"report", "-d", "nope", "--preset", "store"}, `dataset "nope": not found (have: store)`},
		{[]string{"users", "-d", "store", "--preset", "store", "--reached", "1", "--mode", "strict"}, "--mode strict is not supported on ClickHouse"},
	} {
		_, err := run(t, append([]string{"--db", ch}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	// Saved funnels: the same commands, the same answers.
	for _, d := range []string{file, ch} {
		for _, args := range [][]string{
			{"report", "-d", "store", "--preset", "store", "--by", "device", "--save", "mine", "--format", "csv"},
			{"report", "-d", "store", "--steps", "view_product,add_to_cart", "--save", "short", "--format", "csv"},
			{"funnels", "rename", "short", "two"},
		} {
			if _, err := run(t, append([]string{"--db", d}, args...)...); err != nil {
				t.Fatalf("%s %v: %v", d, args, err)
			}
		}
	}
	for _, args := range [][]string{
		{"funnels", "--format", "csv"},
		{"report", "--saved", "mine", "--format", "csv"},
		{"users", "--saved", "two", "--reached", "2"},
		{"users", "--saved", "mine", "--dropped-at", "1"}, // mine has --by device
		{"explain", "--saved", "two", "-d", "store", "s-000042", "--format", "json"},
	} {
		want, err1 := run(t, append([]string{"--db", file}, args...)...)
		got, err2 := run(t, append([]string{"--db", ch}, args...)...)
		if args[0] == "funnels" {
			want, got = withoutSavedTimes(want), withoutSavedTimes(got)
		}
		if err1 != nil || err2 != nil || noTimes(got) != noTimes(want) {
			t.Errorf("%v: %v / %v\nClickHouse:\n%s\nembedded:\n%s", args, err2, err1, got, want)
		}
	}
	for _, d := range []string{file, ch} {
		if _, err := run(t, "--db", d, "funnels", "delete", "mine"); err != nil {
			t.Fatal(err)
		}
		if _, err := run(t, "--db", d, "funnels", "rename", "two", "mine"); err != nil {
			t.Fatal(err)
		}
		if _, err := run(t, "--db", d, "funnels", "delete", "zz"); err == nil || !strings.Contains(err.Error(), `no saved funnel "zz"`) {
			t.Errorf("%s: delete zz: %v", d, err)
		}
	}
	want, _ = run(t, "--db", file, "funnels", "--format", "csv")
	got, _ = run(t, "--db", ch, "funnels", "--format", "csv")
	if withoutSavedTimes(got) != withoutSavedTimes(want) || !strings.Contains(got, "mine") {
		t.Errorf("funnels after delete and rename:\nClickHouse:\n%s\nembedded:\n%s", got, want)
	}
	_, err = run(t, "--db", ch, "report", "-d", "store", "--preset", "store", "--count", "totals")
	var ue usageError
	if !errors.As(err, &ue) {
		t.Errorf("a refused setting is not a usage error (exit 2): %v", err)
	}
}

// jsonWithout is a report's JSON without what differs by store: timings,
// notes, the times between steps (not computed on ClickHouse without
// --times) and what the dropped users did next (not computed there: the
// note says so).
func jsonWithout(t *testing.T, s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	var strip func(any)
	strip = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for _, k := range []string{"timings_ms", "notes", "median_ms", "p90_ms", "time_histogram", "dropped"} {
				delete(x, k)
			}
			for _, y := range x {
				strip(y)
			}
		case []any:
			for _, y := range x {
				strip(y)
			}
		}
	}
	strip(v)
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

// withoutSavedTimes is a funnels CSV without its saved column (the time).
func withoutSavedTimes(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if i := strings.LastIndex(l, ","); i >= 0 {
			l = l[:i]
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
