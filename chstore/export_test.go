package chstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"microfunnel/store"
)

// genExport writes random events as CSV or as NDJSON with nested objects:
// a unique id per event, values that are empty, numbers, unicode, or full
// of quotes and commas.
func genExport(seed uint64, n int, format string) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	texts := []string{"plain", "", "with, comma", `say "hi"`, "naïve café ☕", "line\nbreak", "tab\there", "  spaced  "}
	nums := []string{"1", "2.5", "-3", "1e3", "0.25", "42"}
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var b bytes.Buffer
	if format == "csv" {
		b.WriteString("user,event,time,note,price,insert_id\n")
	}
	for i := 0; i < n; i++ {
		user := fmt.Sprintf("user-%d", r.IntN(n/3+1))
		if r.IntN(7) == 0 {
			user = "ü" + user
		}
		ev := []string{"view", "cart", "buy", "Über \"quoted\""}[r.IntN(4)]
		when := time.UnixMilli(base + r.Int64N(30*86400*1000)).UTC().Format(store.ExportTime)
		note := texts[r.IntN(len(texts))]
		price := nums[r.IntN(len(nums))]
		if r.IntN(5) == 0 {
			price = ""
		}
		id := fmt.Sprintf("id-%d-%d", seed, i)
		if format == "csv" {
			w := func(s string) string {
				if strings.ContainsAny(s, ",\"\n\t ") {
					return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
				}
				return s
			}
			fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s\n", w(user), w(ev), when, w(note), price, id)
			continue
		}
		o := map[string]any{"user": user, "event": ev, "time": when, "insert_id": id}
		props := map[string]any{}
		if note != "" {
			props["note"] = note
		}
		if price != "" {
			props["price"] = json.Number(price)
		}
		if r.IntN(3) == 0 {
			props["device"] = map[string]any{"os": []string{"ios", "android"}[r.IntN(2)]}
		}
		o["props"] = props
		line, _ := json.Marshal(o)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// exportLines is an export's header (CSV) and its events, sorted: the
// multiset of events, whatever the order of users.
func exportLines(t *testing.T, format string, data []byte) (string, []string) {
	t.Helper()
	if format == "csv" {
		// A record may span lines (a quoted newline): split on records.
		var recs []string
		var cur strings.Builder
		quotes := 0
		for _, line := range strings.SplitAfter(string(data), "\n") {
			cur.WriteString(line)
			quotes += strings.Count(line, `"`)
			if quotes%2 == 0 && cur.Len() > 0 {
				recs = append(recs, cur.String())
				cur.Reset()
			}
		}
		if len(recs) == 0 {
			t.Fatal("empty CSV export")
		}
		events := recs[1:]
		slices.Sort(events)
		return recs[0], events
	}
	events := strings.SplitAfter(string(data), "\n")
	if events[len(events)-1] == "" {
		events = events[:len(events)-1]
	}
	slices.Sort(events)
	return "", events
}

// openBoth opens the test database (reading tbl when not nil) and an
// embedded store, closed at the end.
func openBoth(t *testing.T, cfg Config, tbl *Table) (*Store, *store.Store) {
	t.Helper()
	ch, err := Open(context.Background(), cfg, tbl)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	st, err := store.Open(filepath.Join(t.TempDir(), "e.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return ch, st
}

func TestExportMatchesEmbedded(t *testing.T) {
	ctx := context.Background()
	ch, st := openBoth(t, server(t), nil)
	cases := []struct {
		name  string
		files []string // formats of the files imported, in order
		n     int
	}{
		{"csv", []string{"csv"}, 300},
		{"ndjson", []string{"ndjson"}, 300},
		{"one", []string{"csv"}, 1},
		{"appended", []string{"csv", "ndjson", "csv"}, 200},
		{"many", []string{"ndjson"}, 20000},
	}
	for ci, c := range cases {
		for i, in := range c.files {
			data := genExport(uint64(ci*10+i+1), c.n, in)
			src := fmt.Sprintf("f%d.%s", i, in)
			if _, err := ch.Import(ctx, c.name, src, bytes.NewReader(data), store.ImportOptions{}); err != nil {
				t.Fatalf("%s: ClickHouse import: %v", c.name, err)
			}
			if _, err := st.Import(ctx, c.name, src, bytes.NewReader(data), store.ImportOptions{}); err != nil {
				t.Fatalf("%s: embedded import: %v", c.name, err)
			}
		}
		for _, out := range []string{"csv", "ndjson"} {
			var got, want bytes.Buffer
			gn, err := ch.Export(ctx, c.name, out, &got)
			if err != nil {
				t.Fatalf("%s %s: %v", c.name, out, err)
			}
			wn, err := st.Export(ctx, c.name, out, &want)
			if err != nil {
				t.Fatal(err)
			}
			if gn != wn {
				t.Errorf("%s %s: %d events exported, embedded %d", c.name, out, gn, wn)
			}
			gh, ge := exportLines(t, out, got.Bytes())
			wh, we := exportLines(t, out, want.Bytes())
			if gh != wh {
				t.Errorf("%s %s: header %q, embedded %q", c.name, out, gh, wh)
			}
			if len(ge) != len(we) {
				t.Fatalf("%s %s: %d events, embedded %d", c.name, out, len(ge), len(we))
			}
			for i := range ge {
				if ge[i] != we[i] {
					t.Fatalf("%s %s: event %d\n got %q\nwant %q", c.name, out, i, ge[i], we[i])
				}
			}
			// Sorted by user then time: each user's events in a run, in
			// time order (checked on the CSV: user, event, time first).
			if out == "ndjson" {
				checkOrder(t, c.name, got.Bytes())
			}
		}
	}
	if _, err := ch.Export(ctx, "nope", "csv", &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), `dataset "nope"`) {
		t.Errorf("unknown dataset: %v", err)
	}
	if _, err := ch.Export(ctx, "csv", "xml", &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "want csv or ndjson") {
		t.Errorf("unknown format: %v", err)
	}
}

// checkOrder checks that an NDJSON export has each user's events together,
// in time order.
func checkOrder(t *testing.T, name string, data []byte) {
	t.Helper()
	seen := map[string]bool{}
	var last, lastTime string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var o map[string]any
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("%s: %v: %s", name, err, line)
		}
		u, tm := o["user"].(string), o["time"].(string)
		if u != last {
			if seen[u] {
				t.Fatalf("%s: the events of user %s are not together", name, u)
			}
			seen[u], last, lastTime = true, u, ""
		}
		if tm < lastTime {
			t.Fatalf("%s: user %s: %s after %s", name, u, tm, lastTime)
		}
		lastTime = tm
	}
}

// An existing table exports as the embedded store exports the same events:
// its properties are the keys of the JSON column.
func TestExportExistingTable(t *testing.T) {
	cfg := server(t)
	ctx := context.Background()
	// The same events as the table's TabSeparated rows and as a CSV file.
	r := rand.New(rand.NewPCG(4, 4))
	var rows, exp bytes.Buffer
	exp.WriteString("user,event,time,device,n\n")
	at := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 600; i++ {
		u, n := r.IntN(200), r.IntN(9)
		at = at.Add(time.Duration(1+r.IntN(600)) * time.Second)
		ev, dev := []string{"a", "b", "c"}[r.IntN(3)], []string{"mobile", "desktop", ""}[r.IntN(3)]
		js := fmt.Sprintf(`{"n":%d}`, n)
		if dev != "" {
			js = fmt.Sprintf(`{"device":"%s","n":%d}`, dev, n)
		}
		fmt.Fprintf(&rows, "u%d\t%s\t%s\t%s\n", u, ev, at.Format("2006-01-02 15:04:05"), js)
		fmt.Fprintf(&exp, "u%d,%s,%s,%s,%d\n", u, ev, at.Format(time.RFC3339), dev, n)
	}
	c := newClient(cfg)
	if err := c.exec(ctx, "CREATE TABLE ext (distinct_id String, name String, ts DateTime, properties String) ENGINE = MergeTree() ORDER BY (distinct_id, ts)"); err != nil {
		t.Fatal(err)
	}
	rc, err := c.do(ctx, "INSERT INTO ext (distinct_id, name, ts, properties) FORMAT TabSeparated", &rows, false)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	ch, st := openBoth(t, cfg, &Table{Name: "ext", User: "distinct_id", Event: "name", Time: "ts", PropsJSON: "properties"})
	if _, err := st.Import(ctx, "ext", "ext.csv", &exp, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{"csv", "ndjson"} {
		var got, want bytes.Buffer
		if _, err := ch.Export(ctx, "ext", out, &got); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Export(ctx, "ext", out, &want); err != nil {
			t.Fatal(err)
		}
		gh, ge := exportLines(t, out, got.Bytes())
		wh, we := exportLines(t, out, want.Bytes())
		if gh != wh || !slices.Equal(ge, we) {
			t.Errorf("%s: existing table's export differs\n got %q %q\nwant %q %q", out, gh, ge[:min(3, len(ge))], wh, we[:min(3, len(we))])
		}
	}
}
