package chstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

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

// savedStore is what the embedded store and this one share for saved
// funnels and settings.
type savedStore interface {
	funnelStore
	Funnels(ctx context.Context, ds string) ([]dataset.SavedFunnel, error)
	FunnelsAll(ctx context.Context) ([]dataset.SavedFunnel, error)
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}

var (
	_ savedStore = (*Store)(nil)
	_ savedStore = (*store.Store)(nil)
)

// listing is a list of saved funnels without the times (the two stores
// save at different instants), in their order.
func listing(fs []dataset.SavedFunnel, err error) string {
	if err != nil {
		return "error: " + errClass(err)
	}
	var b strings.Builder
	for _, f := range fs {
		steps := make([]string, len(f.Definition.Steps))
		for i, s := range f.Definition.Steps {
			steps[i] = s.StepName()
		}
		fmt.Fprintf(&b, "%s/%s(name %s, %s, by %q); ", f.Dataset, f.Name, f.Definition.Name, strings.Join(steps, ">"), f.Definition.By)
	}
	return b.String()
}

// errClass is what must agree between the stores about an error.
func errClass(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, store.ErrExists):
		return "exists"
	case errors.Is(err, ErrNotFound), errors.Is(err, store.ErrNotFound):
		return "not found"
	}
	return "error"
}

// TestSavedFunnelOpsMatchEmbedded runs the same saves, renames, deletes,
// listings and settings on both stores and compares every answer.
func TestSavedFunnelOpsMatchEmbedded(t *testing.T) {
	cfg := server(t)
	ctx := context.Background()
	ch, st := openBoth(t, cfg, nil)

	// Reading before anything is saved creates no table.
	for _, s := range []savedStore{ch, st} {
		if got := listing(s.FunnelsAll(ctx)); got != "" {
			t.Fatalf("%T: funnels of an empty database: %s", s, got)
		}
		if v, err := s.Setting(ctx, "k"); v != "" || err != nil {
			t.Fatalf("%T: setting of an empty database: %q, %v", s, v, err)
		}
	}
	n := 0
	if err := ch.c.rows(ctx, "SELECT count() FROM system.tables WHERE database = "+quote(cfg.Database)+" AND name LIKE 'microfunnel_%'", func(f []string) error {
		_, err := fmt.Sscan(f[0], &n)
		return err
	}); err != nil || n != 0 {
		t.Fatalf("reading created %d tables (%v)", n, err)
	}

	for i, ds := range []string{"shop", "blog"} {
		data := genCSV(uint64(20+i), 30, false)
		if _, err := ch.Import(ctx, ds, "gen.csv", bytes.NewReader(data), store.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Import(ctx, ds, "gen.csv", bytes.NewReader(data), store.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ab := def(t, "a,b", nil)
	abc := def(t, "a,b,c", func(d *funnel.Definition) { d.By = "device" })
	type op struct {
		name string
		do   func(s savedStore) string
	}
	save := func(ds, name string, d funnel.Definition) op {
		return op{"save " + ds + "/" + name, func(s savedStore) string { return errClass(s.SaveFunnel(ctx, ds, name, d)) }}
	}
	rename := func(ds, old, new string) op {
		return op{"rename " + ds + "/" + old + "→" + new, func(s savedStore) string { return errClass(s.RenameFunnel(ctx, ds, old, new)) }}
	}
	del := func(ds, name string) op {
		return op{"delete " + ds + "/" + name, func(s savedStore) string { return errClass(s.DeleteFunnel(ctx, ds, name)) }}
	}
	list := func(ds string) op {
		return op{"list " + ds, func(s savedStore) string {
			if ds == "" {
				return listing(s.FunnelsAll(ctx))
			}
			return listing(s.Funnels(ctx, ds))
		}}
	}
	set := func(k, v string) op {
		return op{"set " + k, func(s savedStore) string { return errClass(s.SetSetting(ctx, k, v)) }}
	}
	get := func(k string) op {
		return op{"get " + k, func(s savedStore) string {
			v, err := s.Setting(ctx, k)
			return v + " " + errClass(err)
		}}
	}
	ops := []op{
		save("shop", "a", ab),
		save("shop", "b", abc),
		save("blog", "a", abc),
		save("shop", "", ab),
		save("nope", "x", ab),
		list("shop"), list(""), list("nope"),
		save("shop", "a", abc), // overwrite: now the most recent
		list("shop"),
		rename("shop", "a", "b"),
		rename("shop", "zz", "c"),
		rename("shop", "zz", "b"), // taken and missing: the embedded store says taken
		rename("nope", "a", "c"),
		rename("shop", "a", ""),
		rename("shop", "a", "a"),
		rename("shop", "a", "c"),
		list("shop"), list(""),
		rename("shop", "c", "a"), // back onto the name it left
		list("shop"),
		del("shop", "zz"),
		del("nope", "a"),
		del("shop", "a"),
		del("shop", "a"),
		list("shop"), list(""),
		save("shop", "a", ab), // a deleted name can be saved again
		list("shop"),
		save("shop", "older", ab), save("shop", "newer", ab),
		rename("shop", "older", "renamed"), // keeps its place: a rename is not a save
		list("shop"),
		get("k"), set("k", "v1"), get("k"), set("k", "v2\ttab 'quote'\n"), get("k"), set("other", ""), get("other"), get("k"),
	}
	for _, o := range ops {
		want := o.do(st)
		got := o.do(ch)
		if got != want {
			t.Errorf("%s: ClickHouse %q, embedded %q", o.name, got, want)
		}
		time.Sleep(3 * time.Millisecond) // saved times apart, as ordering needs
	}
}

// TestRenameKeepsSavedTime: a rename keeps when the funnel was saved (the
// embedded store updates the row in place).
func TestRenameKeepsSavedTime(t *testing.T) {
	f := newFixture(t, genCSV(3, 10, false))
	if err := f.ch.SaveFunnel(f.ctx, "d", "a", def(t, "a,b", nil)); err != nil {
		t.Fatal(err)
	}
	before, err := f.ch.Funnels(f.ctx, "d")
	if err != nil || len(before) != 1 {
		t.Fatalf("funnels: %+v, %v", before, err)
	}
	time.Sleep(5 * time.Millisecond)
	if err := f.ch.RenameFunnel(f.ctx, "d", "a", "b"); err != nil {
		t.Fatal(err)
	}
	after, err := f.ch.Funnels(f.ctx, "d")
	if err != nil || len(after) != 1 || after[0].Name != "b" || !after[0].Saved.Equal(before[0].Saved) {
		t.Fatalf("after rename: %+v, %v (saved before %v)", after, err, before[0].Saved)
	}
}

// TestSavedFunnelsOnExistingTable: an existing table stays read-only, but
// funnels saved for its dataset live in microfunnel's own tables.
func TestSavedFunnelsOnExistingTable(t *testing.T) {
	cfg := server(t)
	ctx := context.Background()
	c := newClient(cfg)
	if err := c.exec(ctx, "CREATE TABLE ext (u String, e String, ts DateTime) ENGINE = MergeTree() ORDER BY (u, ts)"); err != nil {
		t.Fatal(err)
	}
	if err := c.exec(ctx, "INSERT INTO ext VALUES ('u1', 'a', '2026-09-01 00:00:00'), ('u1', 'b', '2026-09-01 00:01:00')"); err != nil {
		t.Fatal(err)
	}
	ch, err := Open(ctx, cfg, &Table{Name: "ext", User: "u", Event: "e", Time: "ts"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.SaveFunnel(ctx, "ext", "ab", def(t, "a,b", nil)); err != nil {
		t.Fatal(err)
	}
	if err := ch.SaveFunnel(ctx, "other", "ab", def(t, "a,b", nil)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("save for another dataset: %v, want not found", err)
	}
	got, err := ch.FunnelsAll(ctx)
	if err != nil || len(got) != 1 || got[0].Dataset != "ext" || got[0].Name != "ab" {
		t.Fatalf("funnels: %+v, %v", got, err)
	}
	if err := ch.SetSetting(ctx, "last_dataset", "ext"); err != nil {
		t.Fatal(err)
	}
	if v, err := ch.Setting(ctx, "last_dataset"); v != "ext" || err != nil {
		t.Fatalf("setting: %q, %v", v, err)
	}
}
