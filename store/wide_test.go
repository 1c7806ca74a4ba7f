package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Inputs real exports contain, at their extremes.
func TestImportExtremes(t *testing.T) {
	ctx := context.Background()
	wide := func() string {
		var b strings.Builder
		b.WriteString("user_id,event,time")
		for c := 0; c < 10_000; c++ {
			fmt.Fprintf(&b, ",p%d", c)
		}
		b.WriteString("\n")
		for r := 0; r < 3; r++ {
			fmt.Fprintf(&b, "u%d,view,%d", r, 1_700_000_000_000+r)
			for c := 0; c < 10_000; c++ {
				fmt.Fprintf(&b, ",v%d", (c*r)%7)
			}
			b.WriteString("\n")
		}
		return b.String()
	}()
	big := strings.Repeat("é", 1<<19) // a 1 MiB value
	cases := []struct {
		name, file string
		err        string // "" for success
		check      func(t *testing.T, s *Store)
	}{
		{name: "10,000 columns", file: wide, check: func(t *testing.T, s *Store) {
			ps, err := s.Props(ctx, "d")
			if err != nil || len(ps) != 10_000 {
				t.Fatalf("props: %d, %v", len(ps), err)
			}
			vs, err := s.PropValues(ctx, "d", "p9999", 0)
			if err != nil || len(vs) != 3 {
				t.Fatalf("values of p9999: %+v, %v", vs, err)
			}
		}},
		{name: "a 1 MiB value", file: `{"user_id":"u1","event":"view","time":1700000000,"blob":"` + big + `"}` + "\n", check: func(t *testing.T, s *Store) {
			var b bytes.Buffer
			if _, err := s.Export(ctx, "d", "ndjson", &b); err != nil || !strings.Contains(b.String(), big) {
				t.Fatalf("export lost the value: %d bytes, %v", b.Len(), err)
			}
		}},
		{name: "an empty key", file: `{"user_id":"u1","event":"view","time":1700000000,"":"x"}` + "\n", err: "line 1: a property key is empty or only spaces"},
		{name: "a blank nested key", file: `{"user_id":"u1","event":"view","time":1700000000,"a":{"  ":"x"}}` + "\n", err: `line 1: a property key is empty or only spaces (in "a.  ")`},
		{name: "a blank CSV header", file: "user_id,event,time, \nu1,view,1700000000,x\n", err: "header column 4 has no name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTemp(t)
			_, err := s.Import(ctx, "d", "f", strings.NewReader(c.file), ImportOptions{})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, ErrBadInput) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				if ds, _ := s.Datasets(ctx); len(ds) != 0 {
					t.Fatalf("a refused file left datasets %+v", ds)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, s)
		})
	}
}

// The same key with numbers in one file and text in the next: the property
// becomes text, and the import says so.
func TestImportTypeChangesAcrossFiles(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	if _, err := s.Import(ctx, "d", "a.csv", strings.NewReader("user_id,event,time,size\nu1,view,1700000000,42\nu2,view,1700000001,7.5\n"), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	ps, _ := s.Props(ctx, "d")
	if len(ps) != 1 || ps[0].Type != "number" {
		t.Fatalf("after the first file: %+v", ps)
	}
	st, err := s.Import(ctx, "d", "b.csv", strings.NewReader("user_id,event,time,size\nu3,view,1700000002,XL\n"), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "property size was a number property") {
		t.Fatalf("warnings = %q", st.Warnings)
	}
	ps, _ = s.Props(ctx, "d")
	if len(ps) != 1 || ps[0].Type != "text" || ps[0].Distinct != 3 || ps[0].Events != 3 {
		t.Fatalf("after the second file: %+v", ps)
	}
	ev, err := s.Load(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ev.Property("size")
	if err != nil || p.Number {
		t.Fatalf("size column: %+v, %v", p, err)
	}
}
