package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"microfunnel/funnel"
)

// Parse gives the events Import stores, for every shape (stitching and
// de-duplication within the file included) and for a plain CSV.
func TestParseIsWhatImportStores(t *testing.T) {
	ctx := context.Background()
	files := map[string]string{}
	for _, shape := range ShapeNames {
		r := rand.New(rand.NewPCG(5, 6))
		lines, _, _ := genShape(r, shape, genPeople(r, 200))
		files[shape+".ndjson"] = strings.Join(lines, "\n") + "\n"
	}
	files["plain.csv"] = writeCSV(randomExport(rand.New(rand.NewPCG(7, 8)), 3000), []string{"device.os", "insert_id", "note", "page.url", "price", "qty"})
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			p, err := Parse(ctx, "d", name, strings.NewReader(data), ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			s, _ := openTemp(t)
			st, err := s.Import(ctx, "d", name, strings.NewReader(data), ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ev, err := s.Load(ctx, "d")
			if err != nil {
				t.Fatal(err)
			}
			if g, w := eventLines(t, p.Users, p.Events), eventLines(t, mustUsers(t, s), ev); !reflect.DeepEqual(g, w) {
				t.Fatalf("Parse has %d events, Import stored %d; first difference at %d", len(g), len(w), firstDiff(g, w))
			}
			if p.Stats.Events != st.Events || p.Stats.Users != st.Users || p.Stats.Duplicates != st.Duplicates || p.Stats.Merged != st.Merged || p.Stats.Shape != st.Shape {
				t.Errorf("stats: Parse %+v, Import %+v", p.Stats, st)
			}
		})
	}
}

func mustUsers(t *testing.T, s *Store) []string {
	var out []string
	if err := s.EachUserID(context.Background(), "d", func(_ int, id string) error {
		out = append(out, id)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// eventLines writes each event as user, time, name and its properties.
func eventLines(t *testing.T, users []string, ev *funnel.Events) []string {
	t.Helper()
	var out []string
	keys := ev.KeyNames()
	for u := 0; u < ev.NumUsers(); u++ {
		for i := ev.UserStart[u]; i < ev.UserStart[u+1]; i++ {
			var b strings.Builder
			fmt.Fprintf(&b, "%s %d %s", users[u], ev.Time[i], ev.Names[ev.Name[i]])
			for _, k := range keys {
				p, err := ev.Property(k)
				if err != nil {
					t.Fatal(err)
				}
				if v := p.Of[i]; v != 0 {
					fmt.Fprintf(&b, " %s=%s", k, p.Values[v])
				}
			}
			out = append(out, b.String())
		}
	}
	return out
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
