package chstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"microfunnel/dataset"
	"microfunnel/funnel"
	"microfunnel/store"
)

// The same saves, renames and deletes on ClickHouse and on the embedded
// store leave the same saved funnels and give the same errors; settings
// read back what was written last.
func TestSavedFunnelsMatchEmbedded(t *testing.T) {
	data := genCSV(51, 50, false)
	f := newFixture(t, data)
	a := def(t, "a,b", nil)
	b := def(t, "a,b|c", func(d *funnel.Definition) { d.By = "plan" })
	steps := []struct {
		name string
		op   func(ch bool) error
	}{
		{"save a", func(ch bool) error { return pick(f, ch).SaveFunnel(f.ctx, "d", "a", a) }},
		{"save b", func(ch bool) error { return pick(f, ch).SaveFunnel(f.ctx, "d", "b", b) }},
		{"save a again", func(ch bool) error { return pick(f, ch).SaveFunnel(f.ctx, "d", "a", b) }},
		{"save in no dataset", func(ch bool) error { return pick(f, ch).SaveFunnel(f.ctx, "nope", "a", a) }},
		{"rename a to b", func(ch bool) error { return pick(f, ch).RenameFunnel(f.ctx, "d", "a", "b") }},
		{"rename zz", func(ch bool) error { return pick(f, ch).RenameFunnel(f.ctx, "d", "zz", "c") }},
		{"rename a to c", func(ch bool) error { return pick(f, ch).RenameFunnel(f.ctx, "d", "a", "c") }},
		{"delete b", func(ch bool) error { return pick(f, ch).DeleteFunnel(f.ctx, "d", "b") }},
		{"delete b again", func(ch bool) error { return pick(f, ch).DeleteFunnel(f.ctx, "d", "b") }},
		{"save b", func(ch bool) error { return pick(f, ch).SaveFunnel(f.ctx, "d", "b", a) }},
	}
	for _, st := range steps {
		errCH, errEmb := st.op(true), st.op(false)
		if (errCH == nil) != (errEmb == nil) || errors.Is(errCH, store.ErrNotFound) != errors.Is(errEmb, store.ErrNotFound) || errors.Is(errCH, store.ErrExists) != errors.Is(errEmb, store.ErrExists) {
			t.Errorf("%s: ClickHouse %v, embedded %v", st.name, errCH, errEmb)
		}
		gotCH, err1 := f.ch.FunnelsAll(f.ctx)
		gotEmb, err2 := f.st.FunnelsAll(f.ctx)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(funnelKeys(gotCH), funnelKeys(gotEmb)) {
			t.Fatalf("after %s: ClickHouse %v %v\nembedded %v %v", st.name, funnelKeys(gotCH), err1, funnelKeys(gotEmb), err2)
		}
	}
	if v, err := f.ch.Setting(f.ctx, "x"); v != "" || err != nil {
		t.Errorf("unset setting: %q %v", v, err)
	}
	for _, v := range []string{"1", "two", ""} {
		if err := f.ch.SetSetting(f.ctx, "x", v); err != nil {
			t.Fatal(err)
		}
		if got, err := f.ch.Setting(f.ctx, "x"); got != v || err != nil {
			t.Errorf("setting x: %q %v, want %q", got, err, v)
		}
	}
	// A dropped dataset takes its saved funnels with it, as in the
	// embedded store: importing it again does not bring them back.
	if err := f.ch.Drop(f.ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ch.Import(f.ctx, "d", "gen.csv", bytes.NewReader(data), store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if all, err := f.ch.FunnelsAll(f.ctx); len(all) != 0 || err != nil {
		t.Errorf("after drop and import: %v %v", funnelKeys(all), err)
	}
}

// funnelStore is where saved funnels live, in either store.
type funnelStore interface {
	SaveFunnel(ctx context.Context, ds, name string, def funnel.Definition) error
	RenameFunnel(ctx context.Context, ds, old, new string) error
	DeleteFunnel(ctx context.Context, ds, name string) error
}

func pick(f fixture, ch bool) funnelStore {
	if ch {
		return f.ch
	}
	return f.st
}

func funnelKeys(list []dataset.SavedFunnel) []string {
	var out []string
	for _, f := range list {
		out = append(out, fmt.Sprintf("%s/%s %s by %q", f.Dataset, f.Name, f.Definition.Name, f.Definition.By))
	}
	return out
}
