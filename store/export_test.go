package store

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// event is one exported or generated event, with its properties.
type event struct {
	user, name string
	ms         int64
	props      map[string]string
}

func (e event) String() string {
	keys := sortedKeys(e.props)
	var b strings.Builder
	fmt.Fprintf(&b, "%q %q %d", e.user, e.name, e.ms)
	for _, k := range keys {
		fmt.Fprintf(&b, " %q=%q", k, e.props[k])
	}
	return b.String()
}

func multiset(evs []event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.String()
	}
	slices.Sort(out)
	return out
}

// randomExport makes events shaped like real exports: a few users' events
// over a day, with properties that are nearly unique (ids, prices, URLs),
// empty, numeric, unicode, and nested (dotted keys, written as objects in
// NDJSON).
func randomExport(r *rand.Rand, n int) []event {
	names := []string{"view", "add_to_cart", "purchase", "page_view", "Signed Up", "émission", "日本"}
	var evs []event
	for i := 0; i < n; i++ {
		e := event{
			user:  fmt.Sprintf("u-%d", r.IntN(n/3+1)),
			name:  names[r.IntN(len(names))],
			ms:    1_700_000_000_000 + r.Int64N(86_400_000),
			props: map[string]string{},
		}
		if r.IntN(2) == 0 {
			e.props["price"] = fmt.Sprintf("%d.%02d", r.IntN(1000), r.IntN(100))
		}
		if r.IntN(3) > 0 {
			e.props["insert_id"] = fmt.Sprintf("%08x-%d", r.Uint32(), i)
		}
		if r.IntN(2) == 0 {
			e.props["page.url"] = fmt.Sprintf("https://shop.example/p/%d?utm_source=x&q=%d", r.IntN(500), i)
		}
		if r.IntN(4) == 0 {
			e.props["device.os"] = []string{"iOS", "Android", "Windows", "macOS ✓"}[r.IntN(4)]
		}
		if r.IntN(5) == 0 {
			e.props["note"] = []string{"a, b", `say "hi"`, "line\nbreak", "ünïcödé", " padded "}[r.IntN(5)]
		}
		if r.IntN(3) == 0 {
			e.props["qty"] = fmt.Sprint(r.IntN(5))
		}
		evs = append(evs, e)
	}
	return evs
}

func writeCSV(evs []event, keys []string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(append([]string{"user_id", "event", "time"}, keys...))
	for _, e := range evs {
		row := []string{e.user, e.name, fmt.Sprint(e.ms)}
		for _, k := range keys {
			row = append(row, e.props[k])
		}
		w.Write(row)
	}
	w.Flush()
	return b.String()
}

func writeNDJSON(evs []event) string {
	var b strings.Builder
	for _, e := range evs {
		obj := map[string]any{"user_id": e.user, "event": e.name, "timestamp": e.ms}
		for k, v := range e.props {
			parts := strings.Split(k, ".")
			m := obj
			for _, p := range parts[:len(parts)-1] {
				sub, _ := m[p].(map[string]any)
				if sub == nil {
					sub = map[string]any{}
					m[p] = sub
				}
				m = sub
			}
			m[parts[len(parts)-1]] = v
		}
		line, _ := json.Marshal(obj)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// readExport parses an export back into events.
func readExport(t *testing.T, format string, data []byte) []event {
	t.Helper()
	var out []event
	if format == "csv" {
		recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		h := recs[0]
		if !slices.Equal(h[:3], []string{"user", "event", "time"}) {
			t.Fatalf("export header %v", h)
		}
		for _, r := range recs[1:] {
			ms, err := ParseTime(r[2])
			if err != nil {
				t.Fatal(err)
			}
			e := event{user: r[0], name: r[1], ms: ms, props: map[string]string{}}
			for i := 3; i < len(r); i++ {
				if r[i] != "" {
					e.props[h[i]] = r[i]
				}
			}
			out = append(out, e)
		}
		return out
	}
	for _, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		var obj map[string]any
		if err := d.Decode(&obj); err != nil {
			t.Fatalf("export line %s: %v", line, err)
		}
		ms, err := ParseTime(obj["time"].(string))
		if err != nil {
			t.Fatal(err)
		}
		e := event{user: obj["user"].(string), name: obj["event"].(string), ms: ms, props: map[string]string{}}
		for k, v := range obj {
			switch k {
			case "user", "event", "time":
				continue
			}
			e.props[k] = fmt.Sprint(v)
		}
		out = append(out, e)
	}
	return out
}

// export(import(file)) is the file: every event with every property, for
// CSV and nested NDJSON inputs, exported both ways, over blocks and chunks.
func TestExportOfImportIsTheFile(t *testing.T) {
	ctx := context.Background()
	keys := []string{"device.os", "insert_id", "note", "page.url", "price", "qty"}
	for seed := uint64(1); seed <= 6; seed++ {
		r := rand.New(rand.NewPCG(seed, 9))
		n := 1 + r.IntN(400)
		if seed == 6 {
			n = 60_000 // many import blocks
		}
		evs := randomExport(r, n)
		for _, in := range []string{"csv", "ndjson"} {
			data := writeCSV(evs, keys)
			if in == "ndjson" {
				data = writeNDJSON(evs)
			}
			s, _ := openTemp(t)
			if _, err := s.Import(ctx, "d", "f."+in, strings.NewReader(data), ImportOptions{}); err != nil {
				t.Fatalf("seed %d %s: %v", seed, in, err)
			}
			for _, out := range []string{"csv", "ndjson"} {
				var b bytes.Buffer
				got, err := s.Export(ctx, "d", out, &b)
				if err != nil {
					t.Fatal(err)
				}
				if got != int64(len(evs)) {
					t.Fatalf("seed %d %s->%s: exported %d events of %d", seed, in, out, got, len(evs))
				}
				if g, w := multiset(readExport(t, out, b.Bytes())), multiset(evs); !reflect.DeepEqual(g, w) {
					for i := range g {
						if g[i] != w[i] {
							t.Fatalf("seed %d %s->%s: event %d\n got %s\nwant %s", seed, in, out, i, g[i], w[i])
						}
					}
				}
				// And the export imports back to the same.
				if _, err := s.Import(ctx, "back-"+out, "export."+out, bytes.NewReader(b.Bytes()), ImportOptions{UserCol: "user", EventCol: "event", TimeCol: "time"}); err != nil {
					t.Fatal(err)
				}
				var b2 bytes.Buffer
				if _, err := s.Export(ctx, "back-"+out, out, &b2); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b.Bytes(), b2.Bytes()) {
					t.Fatalf("seed %d: re-importing the %s export changed it", seed, out)
				}
			}
		}
	}
}

func TestExportUnknownDatasetAndFormat(t *testing.T) {
	s, _ := openTemp(t)
	if _, err := s.Export(context.Background(), "nope", "csv", &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), `dataset "nope"`) {
		t.Errorf("unknown dataset: %v", err)
	}
	if _, err := s.Export(context.Background(), "nope", "xml", &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "want csv or ndjson") {
		t.Errorf("unknown format: %v", err)
	}
}
