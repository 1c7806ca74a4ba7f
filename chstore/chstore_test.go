package chstore

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"microfunnel/dataset"
	"microfunnel/funnel"
	"microfunnel/store"
)

// The tests below need a ClickHouse server (the only skip of the suite):
//
//	MICROFUNNEL_CLICKHOUSE=http://127.0.0.1:8123 go test ./chstore/...
//
// .ci/run installs and starts one. Each test works in a database of its
// own, dropped at the end.
const serverEnv = "MICROFUNNEL_CLICKHOUSE"

func server(t *testing.T) Config {
	t.Helper()
	raw := os.Getenv(serverEnv)
	if raw == "" {
		t.Skip("needs a ClickHouse server: MICROFUNNEL_CLICKHOUSE=http://127.0.0.1:8123 go test ./chstore/... (.ci/run starts one)")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		t.Fatalf("%s=%q: want http://HOST:PORT", serverEnv, raw)
	}
	cfg := Config{Host: u.Hostname(), Port: u.Port(), Database: fmt.Sprintf("mf_test_%d", rand.Uint64()%1e12)}
	if cfg.Port == "" {
		cfg.Port = DefaultPort
	}
	c := newClient(cfg)
	ctx := context.Background()
	if _, err := c.do(ctx, "CREATE DATABASE "+cfg.Database, nil, true); err != nil {
		t.Fatalf("create the test database: %v", err)
	}
	t.Cleanup(func() {
		rc, err := c.do(context.Background(), "DROP DATABASE "+cfg.Database, nil, true)
		if err == nil {
			rc.Close()
		}
	})
	return cfg
}

// genCSV writes random events: users with a few of a, b, c, x events in
// ms (distinct per user unless ties), a device that changes between events
// of some users, a plan constant per user, and some users whose events
// span more than 24 days (windowFunnel's 2^31 ms).
func genCSV(seed uint64, users int, ties bool) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	var b bytes.Buffer
	b.WriteString("user,event,time,device,plan\n")
	base := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	names := []string{"a", "b", "c", "x"}
	devices := []string{"mobile", "desktop", ""}
	plans := []string{"free", "pro", "team", ""}
	for u := 0; u < users; u++ {
		plan := plans[r.IntN(len(plans))]
		dev := devices[r.IntN(len(devices))]
		changes := r.IntN(4) == 0
		span := int64(3 * 3600 * 1000)
		if r.IntN(10) == 0 {
			span = 40 * 24 * 3600 * 1000
		}
		t := base + r.Int64N(20*24*3600*1000)
		used := map[int64]bool{}
		var last int64
		for e := 0; e < 1+r.IntN(9); e++ {
			t += r.Int64N(span / 4)
			if ties && e > 0 && r.IntN(3) == 0 {
				t = last // some events share a millisecond
			}
			if !ties {
				for used[t] {
					t++
				}
			}
			used[t] = true
			last = t
			if changes {
				dev = devices[r.IntN(len(devices))]
			}
			fmt.Fprintf(&b, "u%04d,%s,%s,%s,%s\n", u, names[r.IntN(len(names))], time.UnixMilli(t).UTC().Format(store.ExportTime), dev, plan)
		}
	}
	return b.Bytes()
}

type fixture struct {
	ch  *Store
	ev  *funnel.Events
	ctx context.Context
	st  *store.Store
}

// newFixture imports the files, in order, into one dataset "d" of a
// ClickHouse database and of an embedded store.
func newFixture(t *testing.T, files ...[]byte) fixture {
	t.Helper()
	ctx := context.Background()
	ch, st := openBoth(t, server(t), nil)
	for i, data := range files {
		src := fmt.Sprintf("gen%d.csv", i+1)
		if _, err := ch.Import(ctx, "d", src, bytes.NewReader(data), store.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Import(ctx, "d", src, bytes.NewReader(data), store.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := st.Load(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	return fixture{ch, ev, ctx, st}
}

// withColumn adds a column to a CSV file: value(i) on data row i.
func withColumn(data []byte, name string, value func(i int) string) []byte {
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	lines[0] += "," + name
	for i := 1; i < len(lines); i++ {
		lines[i] += "," + value(i)
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// sameCounts computes d on both stores and fails unless the counts agree.
func sameCounts(t *testing.T, f fixture, d *funnel.Definition) (got, want *funnel.Result) {
	t.Helper()
	want, err := funnel.Compute(d, f.ev)
	if err != nil {
		t.Fatal(err)
	}
	if got, err = f.ch.Compute(f.ctx, "d", d); err != nil {
		t.Fatal(err)
	}
	if counts(got) != counts(want) {
		t.Fatalf("ClickHouse %s\nembedded   %s", counts(got), counts(want))
	}
	return got, want
}

// counts are what must agree: users, per step users, per segment value
// per step users.
func counts(r *funnel.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "users %d:", r.Users)
	for _, s := range r.Steps {
		fmt.Fprintf(&b, " %d", s.Users)
	}
	if r.Breakdown != nil {
		fmt.Fprintf(&b, " | by %s (%s)", r.Breakdown.Property, r.Breakdown.Attribution)
		for _, seg := range r.Breakdown.Segments {
			fmt.Fprintf(&b, " %s:", seg.Value)
			for _, s := range seg.Steps {
				fmt.Fprintf(&b, " %d", s.Users)
			}
		}
	}
	return b.String()
}

func def(t *testing.T, steps string, mod func(*funnel.Definition)) funnel.Definition {
	t.Helper()
	s, err := funnel.ParseSteps(steps)
	if err != nil {
		t.Fatal(err)
	}
	d := funnel.Definition{Steps: s}
	if mod != nil {
		mod(&d)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("%s: %v", steps, err)
	}
	return d
}

func date(s string) *funnel.Date {
	d, err := funnel.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &d
}

// Every supported setting gives the embedded store's numbers, to the
// p-values (compared through the whole Result but the step times).
func TestComputeMatchesEmbedded(t *testing.T) {
	computeMatches(t, newFixture(t, withPrice(genCSV(1, 1500, false))))
}

// withPrice adds a number property, missing on some events.
func withPrice(data []byte) []byte {
	return withColumn(data, "price", func(i int) string {
		if i%7 == 0 {
			return ""
		}
		return fmt.Sprintf("%d.%d", i%300, i%10)
	})
}

// Appends: a second file with the same users (and new ones), new values
// and a new key, and a third with no properties at all: the dataset's ids
// are reused and extended, and the numbers stay the embedded store's.
func TestAppendMatchesEmbedded(t *testing.T) {
	first := withPrice(genCSV(1, 1500, false))
	// The same users keep their plan (a breakdown by plan stays exact);
	// the new users bring a new plan.
	plan := map[string]string{}
	for _, line := range strings.Split(string(first), "\n")[1:] {
		if f := strings.Split(line, ","); len(f) == 6 {
			plan[f[0]] = f[4]
		}
	}
	lines := strings.Split(string(genCSV(2, 1800, false)), "\n")
	for i := 1; i < len(lines); i++ {
		if f := strings.Split(lines[i], ","); len(f) == 5 {
			if p, ok := plan[f[0]]; ok {
				f[4] = p
			} else if f[4] == "pro" {
				f[4] = "enterprise"
			}
			lines[i] = strings.Join(f, ",")
		}
	}
	second := withColumn([]byte(strings.Join(lines, "\n")), "ref", func(i int) string { return fmt.Sprintf("r%d", i%37) })
	third := []byte("user,event,time\nu0001,x,2026-09-02T00:00:00.000Z\nnew1,a,2026-09-02T00:00:01.000Z\nnew1,b,2026-09-02T00:00:02.000Z\n")
	f := newFixture(t, first, second, third)
	computeMatches(t, f)
	listingsMatch(t, f)
	d := def(t, "a[ref in (r1,r2,r3)],b", func(d *funnel.Definition) { d.By = "plan" })
	sameCounts(t, f, &d)
}

func computeMatches(t *testing.T, f fixture) {
	hour := funnel.Duration(time.Hour)
	cases := []struct {
		name  string
		steps string
		mod   func(*funnel.Definition)
	}{
		{"default window", "a,b,c", nil},
		{"one minute", "a,b,c", func(d *funnel.Definition) { d.Window = funnel.Duration(time.Minute) }},
		{"one hour", "a,b", func(d *funnel.Definition) { d.Window = hour }},
		{"30 days", "a,b,c,a", func(d *funnel.Definition) { d.Window = funnel.Duration(30 * 24 * time.Hour) }},
		{"90 days", "a,b,c", func(d *funnel.Definition) { d.Window = funnel.Duration(90 * 24 * time.Hour) }},
		{"repeated step", "a,a,b", nil},
		{"alternatives overlap", "a|b,b|c,c", nil},
		{"step filters", "a[device=mobile],b,c[plan!=free]", nil},
		{"in / not in", "a[plan in (pro,team)],b[device not in (mobile)]", nil},
		{"global where", "a,b,c", func(d *funnel.Definition) {
			d.Where = []funnel.Filter{{Key: "plan", Op: "!=", Values: []string{"free"}}}
		}},
		{"date range", "a,b,c", func(d *funnel.Definition) { d.From, d.To = date("2026-09-05"), date("2026-09-20") }},
		{"instant range", "a,b", func(d *funnel.Definition) {
			d.From, d.To = date("2026-09-05T10:00:00Z"), date("2026-09-25T10:30:00.5Z")
		}},
		{"number filters", "a[price>=100],b[price<250.5]", func(d *funnel.Definition) {
			d.Where = []funnel.Filter{{Key: "price", Op: ">", Values: []string{"3"}}}
		}},
		{"number filter passing nothing", "a[price>1000],b", nil},
		{"segment", "a,b,c", func(d *funnel.Definition) { d.Segment = &funnel.SegmentFilter{Key: "plan", Value: "pro"} }},
		{"segment (none), last", "a,b,c", func(d *funnel.Definition) {
			d.Attribution, d.Segment = "last", &funnel.SegmentFilter{Key: "plan", Value: funnel.NoneSegment}
		}},
		{"segment (other) of top 2", "a,b", func(d *funnel.Definition) {
			d.TopN, d.Segment = 2, &funnel.SegmentFilter{Key: "plan", Value: funnel.OtherSegment}
		}},
		{"segment with its breakdown", "a,b,c", func(d *funnel.Definition) {
			d.By, d.TopN, d.Segment = "plan", 2, &funnel.SegmentFilter{Key: "plan", Value: "free"}
		}},
		{"segment nobody entered", "a[price<0],b", func(d *funnel.Definition) { d.Segment = &funnel.SegmentFilter{Key: "plan", Value: "pro"} }},
		{"by plan first", "a,b,c", func(d *funnel.Definition) { d.By = "plan" }},
		{"by plan last", "a,b,c", func(d *funnel.Definition) { d.By, d.Attribution = "plan", "last" }},
		{"by plan step 2", "a,b,c", func(d *funnel.Definition) { d.By, d.Attribution = "plan", "step:2" }},
		{"by plan top 2", "a,b,c", func(d *funnel.Definition) { d.By, d.TopN = "plan", 2 }},
		{"by plan, filters, range", "a[device=mobile],b|c", func(d *funnel.Definition) {
			d.By, d.Window, d.From = "plan", hour, date("2026-09-03")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := def(t, c.steps, c.mod)
			got, want := sameCounts(t, f, &d)
			if g, w := withoutTimes(t, got), withoutTimes(t, want); g != w {
				t.Errorf("results differ beyond the counts:\n%s\n%s", g, w)
			}
			// With the times: the whole Result is the embedded store's.
			if err := f.ch.Times(f.ctx, "d", &d, got); err != nil {
				t.Fatal(err)
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if string(g) != string(w) {
				t.Errorf("results with times differ:\n%s\n%s", g, w)
			}
		})
	}
}

// withoutTimes is the Result as JSON without the times between steps,
// which ClickHouse does not compute (median_ms, p90_ms, time_histogram).
func withoutTimes(t *testing.T, r *funnel.Result) string {
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var strip func(any)
	strip = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for _, k := range []string{"median_ms", "p90_ms", "time_histogram"} {
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
	b, _ = json.Marshal(v)
	return string(b)
}

// A breakdown by a property whose value changes along a user's step
// events: the users whose attributed step carries several values are
// counted by the engine on their step events, so every attribution gives
// the embedded numbers, times included.
func TestAttributionCounted(t *testing.T) {
	f := newFixture(t, genCSV(2, 800, false))
	for _, attr := range []string{"first", "last", "step:2", "step:3"} {
		for _, top := range []int{0, 1} {
			t.Run(fmt.Sprintf("%s top %d", attr, top), func(t *testing.T) {
				d := def(t, "a,b,c", func(d *funnel.Definition) { d.By, d.Attribution, d.TopN = "device", attr, top })
				got, want := sameCounts(t, f, &d)
				if err := f.ch.Times(f.ctx, "d", &d, got); err != nil {
					t.Fatal(err)
				}
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				if string(g) != string(w) {
					t.Errorf("results differ:\n%s\n%s", g, w)
				}
			})
		}
	}
}

// Users with events of different steps at one millisecond (in one file or
// across files) are counted by the engine on their step events: the
// numbers, times included, are the embedded store's.
func TestTiesCounted(t *testing.T) {
	head := "user,event,time,device\n"
	cases := []struct {
		name  string
		files []string
		steps string
		by    string
	}{
		{"generated, one file", []string{string(genCSV(3, 800, true))}, "a,b,c", ""},
		{"generated, by plan", []string{string(genCSV(3, 800, true))}, "a,b,c", "plan"},
		{"one file", []string{head + "u1,a,2026-09-01T00:00:00Z,m\nu1,b,2026-09-01T00:00:00Z,m\n"}, "a,b", ""},
		{"across files", []string{head + "u1,a,2026-09-01T00:00:00Z,m\n", head + "u1,b,2026-09-01T00:00:00Z,m\nu2,a,2026-09-01T00:00:00Z,d\n"}, "a,b", "device"},
		{"same steps", []string{head + "u1,a,2026-09-01T00:00:00Z,m\nu1,a,2026-09-01T00:00:00Z,m\nu1,b,2026-09-01T00:00:01Z,m\n"}, "a,b", ""},
		{"not a step", []string{head + "u1,a,2026-09-01T00:00:00Z,m\n", head + "u1,x,2026-09-01T00:00:00Z,m\nu1,b,2026-09-01T00:00:01Z,m\n"}, "a,b", ""},
		{"tie and a long span", []string{head + "u1,a,2026-09-01T00:00:00Z,m\nu1,b,2026-09-01T00:00:00Z,m\nu1,c,2026-11-01T00:00:00Z,m\n"}, "a,b,c", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var files [][]byte
			for _, f := range c.files {
				files = append(files, []byte(f))
			}
			f := newFixture(t, files...)
			d := def(t, c.steps, func(d *funnel.Definition) { d.By, d.Window = c.by, funnel.Duration(90*24*time.Hour) })
			got, want := sameCounts(t, f, &d)
			if err := f.ch.Times(f.ctx, "d", &d, got); err != nil {
				t.Fatal(err)
			}
			if g, w := withoutTimes(t, got), withoutTimes(t, want); g != w {
				t.Errorf("results differ:\n%s\n%s", g, w)
			}
		})
	}
}

// Every setting windowFunnel cannot express is refused with its name.
func TestSettingsRefused(t *testing.T) {
	f := newFixture(t, genCSV(4, 50, false))
	for _, c := range []struct {
		setting string
		mod     func(*funnel.Definition)
	}{
		{"--max-gap", func(d *funnel.Definition) { d.MaxGap = funnel.Duration(time.Minute) }},
		{"--mode strict", func(d *funnel.Definition) { d.Mode = funnel.Strict }},
		{"--mode any", func(d *funnel.Definition) { d.Mode = funnel.Any }},
		{"--count totals", func(d *funnel.Definition) { d.Count = funnel.Totals }},
		{"exclusions", func(d *funnel.Definition) {
			d.Exclusions = []funnel.Exclusion{{Events: []string{"x"}, From: 1, To: 2}}
		}},
	} {
		d := def(t, "a,b", c.mod)
		_, err := f.ch.Compute(f.ctx, "d", &d)
		var un *UnsupportedError
		if !errors.As(err, &un) || un.Setting != c.setting || !strings.Contains(err.Error(), "needs the embedded store") {
			t.Errorf("%s: got %v", c.setting, err)
		}
	}
}

// A number comparison on a text property gets the embedded store's
// message.
func TestNumberFilterOnText(t *testing.T) {
	f := newFixture(t, genCSV(4, 50, false))
	d := def(t, "a[plan>=1],b", nil)
	_, err := f.ch.Compute(f.ctx, "d", &d)
	_, want := funnel.Compute(&d, f.ev)
	if err == nil || want == nil || !strings.Contains(err.Error(), want.Error()) {
		t.Errorf("ClickHouse: %v\nembedded: %v", err, want)
	}
}

// Unknown names get the embedded store's messages.
func TestUnknownNames(t *testing.T) {
	f := newFixture(t, genCSV(5, 50, false))
	for _, c := range []struct{ steps, by, want string }{
		{"a,nope", "", `unknown event "nope"`},
		{"a,b[colour=red]", "", `unknown property "colour"`},
		{"a,b[plan=platinum]", "", `unknown value of plan "platinum"`},
		{"a,b", "devise", `did you mean device`},
	} {
		d := def(t, c.steps, func(d *funnel.Definition) { d.By = c.by })
		want := funnel.CheckNames(&d, f.ev)
		if want == nil {
			want = funnel.CheckValues(&d, f.ev)
		}
		_, err := f.ch.Compute(f.ctx, "d", &d)
		if err == nil || want == nil || !strings.Contains(err.Error(), want.Error()) {
			t.Errorf("%s by %q: got %v, want %v", c.steps, c.by, err, want)
		}
	}
}

func TestListingsMatchEmbedded(t *testing.T) {
	f := newFixture(t, genCSV(6, 300, false))
	listingsMatch(t, f)
	if _, err := f.ch.PropValues(f.ctx, "d", "colour", 0); err == nil || !strings.Contains(err.Error(), "have: device, plan") {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := f.ch.EventCounts(f.ctx, "nope"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "have: d") {
		t.Errorf("unknown dataset: %v", err)
	}
}

func listingsMatch(t *testing.T, f fixture) {
	t.Helper()
	st := f.st
	check := func(what string, got, want any, err1, err2 error) {
		t.Helper()
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v / %v", what, err1, err2)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nClickHouse %+v\nembedded   %+v", what, got, want)
		}
	}
	gd, err1 := f.ch.Datasets(f.ctx)
	wd, err2 := st.Datasets(f.ctx)
	if len(gd) == 1 && len(wd) == 1 {
		gd[0].Version, wd[0].Version = 0, 0
	}
	check("datasets", gd, wd, err1, err2)
	ge, err1 := f.ch.EventCounts(f.ctx, "d")
	we, err2 := st.EventCounts(f.ctx, "d")
	check("events", ge, we, err1, err2)
	gp, err1 := f.ch.Props(f.ctx, "d")
	wp, err2 := st.Props(f.ctx, "d")
	check("props", gp, wp, err1, err2)
	for _, p := range wp {
		for _, limit := range []int{0, 2} {
			gv, err1 := f.ch.PropValues(f.ctx, "d", p.Key, limit)
			wv, err2 := st.PropValues(f.ctx, "d", p.Key, limit)
			check("values of "+p.Key, gv, wv, err1, err2)
		}
	}
}

// The ledger: the same content adds nothing; events of an import that did
// not reach the ledger are invisible and the next import removes them.
func TestLedger(t *testing.T) {
	data := genCSV(7, 100, false)
	f := newFixture(t, data)
	before, err := f.ch.Datasets(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ch.Import(f.ctx, "d", "again.csv", bytes.NewReader(data), store.ImportOptions{}); !errors.Is(err, store.ErrAlreadyLoaded) {
		t.Fatalf("re-import: %v, want ErrAlreadyLoaded", err)
	}
	// An interrupted import: rows under an import id the ledger lacks.
	dsID := u32s(datasetID("d"))
	for _, q := range []string{
		"INSERT INTO " + eventsTable + " (ds, imp, user, t, event) VALUES (" + dsID + ", 1, 999999, 1788220800000, 1)",
		"INSERT INTO " + usersTable + " (ds, imp, uid, user, base) VALUES (" + dsID + ", 1, 999999, 'ghost', 1788220800000)",
		"INSERT INTO " + dictTable + " (ds, imp, kind, id, value) VALUES (" + dsID + ", 1, 'e', 1, 'ghost event')",
	} {
		if err := f.ch.c.exec(f.ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := f.ch.EventCounts(f.ctx, "d")
	if err != nil || slices.ContainsFunc(evs, func(e dataset.EventCount) bool { return e.Name == "ghost event" }) {
		t.Errorf("an unfinished import's names are visible: %v %v", evs, err)
	}
	after, err := f.ch.Datasets(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("an unfinished import is visible:\n%+v\n%+v", before, after)
	}
	// A failing import (a bad row rejects the file) writes nothing.
	if _, err := f.ch.Import(f.ctx, "d", "bad.csv", strings.NewReader("user,event,time\nu1,a,not a time\n"), store.ImportOptions{}); !errors.Is(err, store.ErrBadInput) {
		t.Fatalf("bad file: %v", err)
	}
	more := genCSV(8, 10, false)
	if _, err := f.ch.Import(f.ctx, "e", "more.csv", bytes.NewReader(more), store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ch.Import(f.ctx, "d", "more.csv", bytes.NewReader(more), store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	var ghosts string
	f.ch.c.rows(f.ctx, "SELECT count() FROM "+eventsTable+" WHERE imp = 1", func(r []string) error {
		ghosts = r[0]
		return nil
	})
	ds, _ := f.ch.Datasets(f.ctx)
	if len(ds) != 2 || ds[0].Events != before[0].Events+int64(bytes.Count(more, []byte("\n"))-1) || ds[0].Version != 2 {
		t.Errorf("after a second import: %+v (before %+v)", ds, before)
	}
	_ = ghosts // the DELETE mutation runs in the background
}

func TestBadConnections(t *testing.T) {
	cfg := server(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"down", Config{Host: "127.0.0.1", Port: "1", Database: "x"}, "refused the connection"},
		{"silent", Config{Host: "127.0.0.1", Port: silentPort(t), Database: "x"}, "did not answer in time"},
		{"wrong user", Config{Host: cfg.Host, Port: cfg.Port, User: "nobody_here", Password: "x", Database: cfg.Database}, "wrong user name or password"},
		{"no database", Config{Host: cfg.Host, Port: cfg.Port, Database: "no_such_db_here"}, `database "no_such_db_here" does not exist`},
	} {
		t0 := time.Now()
		_, err := Open(ctx, c.cfg, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if d := time.Since(t0); d > 5*time.Second {
			t.Errorf("%s: took %v", c.name, d)
		}
	}
}

// An existing table read through --ch-table: the same numbers as the same
// events imported into the embedded store; wrong columns are named.
func TestExistingTable(t *testing.T) {
	cfg := server(t)
	ctx := context.Background()
	c := newClient(cfg)
	if err := c.exec(ctx, "CREATE TABLE ext (distinct_id String, name String, ts DateTime, n UInt8, properties String) ENGINE = MergeTree() ORDER BY (distinct_id, ts)"); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 9))
	var rows, exp bytes.Buffer
	exp.WriteString("user,event,time,device\n")
	base := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).Unix()
	for u := 0; u < 400; u++ {
		ts := base + r.Int64N(10*86400)
		dev := []string{"mobile", "desktop"}[u%2]
		for e := 0; e < 1+r.IntN(6); e++ {
			ts += 1 + r.Int64N(3600)
			ev := []string{"a", "b", "c"}[r.IntN(3)]
			fmt.Fprintf(&rows, "u%d\t%s\t%s\t0\t{\"device\":\"%s\",\"n\":%d}\n", u, ev, time.Unix(ts, 0).UTC().Format("2006-01-02 15:04:05"), dev, e)
			fmt.Fprintf(&exp, "u%d,%s,%s,%s\n", u, ev, time.Unix(ts, 0).UTC().Format(time.RFC3339), dev)
		}
	}
	rc, err := c.do(ctx, "INSERT INTO ext (distinct_id, name, ts, n, properties) FORMAT TabSeparated", &rows, false)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	tbl := &Table{Name: "ext", User: "distinct_id", Event: "name", Time: "ts", PropsJSON: "properties"}
	ch, err := Open(ctx, cfg, tbl)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "e.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Import(ctx, "ext", "ext.csv", &exp, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	ev, err := st.Load(ctx, "ext")
	if err != nil {
		t.Fatal(err)
	}
	d := def(t, "a,b,c", func(d *funnel.Definition) { d.By, d.Window = "device", funnel.Duration(2*time.Hour) })
	want, err := funnel.Compute(&d, ev)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ch.Compute(ctx, "ext", &d)
	if err != nil {
		t.Fatal(err)
	}
	if counts(got) != counts(want) {
		t.Errorf("ClickHouse %s\nembedded   %s", counts(got), counts(want))
	}
	nd := def(t, "a[n>=1],b", nil)
	if _, err := ch.Compute(ctx, "ext", &nd); !errors.As(err, new(*UnsupportedError)) || !strings.Contains(err.Error(), "existing table") {
		t.Errorf("a number filter on an existing table: %v", err)
	}
	if keys, err := ch.keys(ctx, "ext"); err != nil || !reflect.DeepEqual(keys, []string{"device", "n"}) {
		t.Errorf("keys %v %v", keys, err)
	}
	if _, err := ch.Import(ctx, "ext", "x.csv", strings.NewReader("user,event,time\n"), store.ImportOptions{}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("import into an existing table: %v", err)
	}
	for _, c := range []struct {
		tbl  Table
		want string
	}{
		{Table{Name: "nope", User: "distinct_id", Event: "name", Time: "ts"}, `table "nope": not found`},
		{Table{Name: "ext", User: "user_id", Event: "name", Time: "ts"}, `--ch-user user_id: table ext has no column "user_id" (have: distinct_id, n, name, properties, ts)`},
		{Table{Name: "ext", User: "distinct_id", Event: "name", Time: "name"}, "--ch-time name: column name is String, want DateTime"},
		{Table{Name: "ext", User: "distinct_id", Event: "n", Time: "ts"}, "--ch-event n: column n is UInt8, want String"},
	} {
		if _, err := Open(ctx, cfg, &c.tbl); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.tbl, err, c.want)
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Config
		err  string
	}{
		{"clickhouse://127.0.0.1:8123/db", Config{Host: "127.0.0.1", Port: "8123", Database: "db"}, ""},
		{"clickhouse://bob:s3cr%40t@ch.example:18123/events", Config{User: "bob", Password: "s3cr@t", Host: "ch.example", Port: "18123", Database: "events"}, ""},
		{"clickhouse://localhost/db", Config{Host: "localhost", Port: "8123", Database: "db"}, ""},
		{"clickhouse://localhost:8123/", Config{}, "no database"},
		{"clickhouse://:8123/db", Config{}, "no host"},
		{"clickhouse://h:0/db", Config{}, "not a port number"},
		{"clickhouse://h:8123/a/b", Config{}, "letters, digits and underscores"},
		{"clickhouse://h:8123/db?x=1", Config{}, "unexpected ?query"},
		{"http://h:8123/db", Config{}, `scheme "http"`},
	} {
		got, err := ParseURL(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.in, got, err, c.want)
		}
	}
	if s := (Config{User: "bob", Password: "secret", Host: "h", Port: "1", Database: "d"}).String(); strings.Contains(s, "secret") {
		t.Errorf("String shows the password: %s", s)
	}
}

func TestTSVRoundTrip(t *testing.T) {
	cfg := server(t)
	ctx := context.Background()
	s, err := Open(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	odd := []string{"tab\there", "new\nline", `back\slash`, "quote'd", "comma,[bracket]", "ünïcode"}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write([]string{"user", "event", "time", "note"})
	for i, v := range odd {
		cw.Write([]string{v, v, fmt.Sprintf("2026-09-01T00:00:0%d.000Z", i), v})
	}
	cw.Flush()
	if _, err := s.Import(ctx, "odd", "odd.csv", &buf, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	vs, err := s.PropValues(ctx, "odd", "note", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.Value)
	}
	want := append([]string(nil), odd...)
	slices.Sort(got)
	slices.Sort(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("values %q, want %q", got, want)
	}
}

// silentPort is a local port that accepts connections and never answers.
func silentPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// Vendor de-duplication ids de-duplicate against the dataset on an append,
// as in the embedded store: a Segment export retried across two daily
// files counts each event once.
func TestDedupAcrossFiles(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 1))
	base := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var day1, day2 []string
	for i := 0; i < 3000; i++ {
		ts := base.Add(time.Duration(i) * time.Minute)
		line := fmt.Sprintf(`{"type":"track","event":"%s","userId":"u%d","messageId":"m%d","timestamp":"%s","properties":{"price":%d}}`,
			[]string{"a", "b", "c"}[r.IntN(3)], r.IntN(400), i, ts.Format(time.RFC3339Nano), r.IntN(50))
		switch {
		case i < 2000:
			day1 = append(day1, line)
			if i >= 1700 {
				day2 = append(day2, line) // retried the next day
			}
		default:
			day2 = append(day2, line)
		}
	}
	join := func(l []string) []byte { return []byte(strings.Join(l, "\n") + "\n") }
	f := newFixture(t, join(day1), join(day2))
	gd, err1 := f.ch.Datasets(f.ctx)
	wd, err2 := f.st.Datasets(f.ctx)
	if err1 != nil || err2 != nil || len(gd) != 1 || len(wd) != 1 || gd[0].Events != 3000 || gd[0].Events != wd[0].Events || gd[0].Users != wd[0].Users {
		t.Fatalf("datasets: ClickHouse %+v %v, embedded %+v %v (3000 events)", gd, err1, wd, err2)
	}
	listingsMatch(t, f)
	d := def(t, "a,b,c", nil)
	got, err := f.ch.Compute(f.ctx, "d", &d)
	if err != nil {
		t.Fatal(err)
	}
	want, err := funnel.Compute(&d, f.ev)
	if err != nil {
		t.Fatal(err)
	}
	if counts(got) != counts(want) {
		t.Fatalf("ClickHouse %s\nembedded   %s", counts(got), counts(want))
	}
}
