package store

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A store written by the schema-1 microfunnel (events as rows with interned
// property sets; testdata/schema1/store.db, with events.tsv listing every
// event as that version loaded it) opens, is migrated once in place, and
// keeps every event with every property, its saved funnel and settings.
func TestMigrateSchema1(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "schema1", "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var tables []string
	rows, err := s.db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if want := []string{"columns", "datasets", "funnels", "imports", "packs", "schema_migrations", "settings"}; !slices.Equal(tables, want) {
		t.Errorf("tables after migration = %v, want %v", tables, want)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "schema1", "events.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := s.Datasets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, d := range ds {
		var buf bytes.Buffer
		n, err := s.Export(ctx, d.Name, "csv", &buf)
		if err != nil {
			t.Fatal(err)
		}
		if n != d.Events {
			t.Errorf("%s: exported %d events, the dataset has %d", d.Name, n, d.Events)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		header := recs[0]
		for _, r := range recs[1:] {
			ms, err := ParseTime(r[2])
			if err != nil {
				t.Fatal(err)
			}
			got.WriteString(d.Name + "\t" + r[0] + "\t" + itoa(ms) + "\t" + r[1])
			for i := 3; i < len(r); i++ {
				if r[i] != "" {
					got.WriteString("\t" + header[i] + "=" + r[i])
				}
			}
			got.WriteString("\n")
		}
	}
	if got.String() != string(want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("event %d after migration:\n got %q\nwant %q", i, gl[i], wl[i])
			}
		}
		t.Fatalf("after migration: %d lines, want %d", len(gl), len(wl))
	}
	fs, err := s.Funnels(ctx, "random")
	if err != nil || len(fs) != 1 || fs[0].Name != "vcb" || len(fs[0].Definition.Steps) != 3 {
		t.Errorf("saved funnels = %+v, %v", fs, err)
	}
	if v, _ := s.Setting(ctx, "last_dataset"); v != "random" {
		t.Errorf("setting last_dataset = %q", v)
	}
	// Opening again migrates nothing more and reads the same.
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if ds2, _ := s2.Datasets(ctx); !slices.Equal(ds2, ds) {
		t.Errorf("datasets on reopening = %+v, want %+v", ds2, ds)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
