package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"microfunnel/funnel"
)

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func randomRecords(r *rand.Rand, n, users int) []Record {
	devices := []string{"desktop", "mobile", "tablet", ""}
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{
			User:  fmt.Sprintf("u%d", r.IntN(users)),
			Time:  int64(1_700_000_000_000 + r.IntN(50)*1000), // many ties
			Event: fmt.Sprintf("e%d", r.IntN(5)),
			Props: []Prop{{Key: "device", Value: devices[r.IntN(4)]}, {Key: "country", Value: fmt.Sprint("c", r.IntN(3))}},
		}
	}
	return recs
}

func insertAll(t testing.TB, s *Store, ds string, recs []Record) {
	t.Helper()
	_, err := s.Insert(context.Background(), ds, func(add func(*Record) error) error {
		for i := range recs {
			if err := add(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// flat is one event as the engine sees it, with names resolved.
type flat struct {
	user         int
	ts           int64
	event, props string
}

// reference sorts records the way the store promises: users in order of
// first appearance, events by time, ties in input order.
func reference(recs []Record) []flat {
	order := map[string]int{}
	var out []flat
	for _, r := range recs {
		if _, ok := order[r.User]; !ok {
			order[r.User] = len(order)
		}
		props := ""
		for _, p := range r.Props {
			if p.Value != "" {
				props += p.Key + "=" + p.Value + ";"
			}
		}
		out = append(out, flat{order[r.User], r.Time, r.Event, props})
	}
	slices.SortStableFunc(out, func(a, b flat) int {
		if a.user != b.user {
			return a.user - b.user
		}
		return int(a.ts - b.ts)
	})
	return out
}

func flattenEvents(ev *funnel.Events, keys ...string) []flat {
	if len(keys) == 0 {
		keys = []string{"device", "country"}
	}
	var out []flat
	for u := 0; u < ev.NumUsers(); u++ {
		for i := ev.UserStart[u]; i < ev.UserStart[u+1]; i++ {
			props := ""
			for _, k := range keys {
				if p, err := ev.Property(k); err == nil {
					if v := p.Of[i]; v != 0 {
						props += k + "=" + p.Values[v] + ";"
					}
				}
			}
			out = append(out, flat{u, ev.Time[i], ev.Names[ev.Name[i]], props})
		}
	}
	return out
}

func TestInsertLoadMatchesReference(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	s, path := openTemp(t)
	var all []Record
	for round := 0; round < 3; round++ {
		recs := randomRecords(r, 500, 40+round*20)
		insertAll(t, s, "shop", recs)
		all = append(all, recs...)
		ev, err := s.Load(ctx, "shop")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := flattenEvents(ev), reference(all); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: loaded events differ from the reference", round)
		}
	}
	want := reference(all)
	// A new process reads the packed copy.
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ev, err := s2.Load(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(flattenEvents(ev), want) {
		t.Fatal("cold load from the packed copy differs")
	}
	info, err := s2.Dataset(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if info.Events != int64(len(all)) || info.Version != 3 {
		t.Fatalf("info = %+v", info)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte("this is not a database, just some text that is long enough to have a header"), 0o644)
	if _, err := Open(notDB); !errors.Is(err, ErrNotDatabase) {
		t.Errorf("text file: err = %v, want ErrNotDatabase", err)
	}
	if _, err := Open(dir); err == nil {
		t.Error("directory: want an error")
	}
	// A newer schema is refused.
	path := filepath.Join(dir, "new.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.db.Exec(`INSERT INTO schema_migrations (version, name, applied_ms) VALUES (999, '999_future.sql', 0)`)
	s.Close()
	if _, err := Open(path); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("newer schema: err = %v", err)
	}
}

func TestCorruptDatabase(t *testing.T) {
	s, path := openTemp(t)
	insertAll(t, s, "shop", randomRecords(rand.New(rand.NewPCG(3, 4)), 3000, 300))
	s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	s.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over pages after the first: the header still says SQLite.
	for i := 4096 + 100; i < len(b); i += 7 {
		b[i] ^= 0x5a
	}
	os.WriteFile(path, b, 0o644)
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic on a corrupt database: %v", r)
		}
	}()
	s2, err := Open(path)
	if err == nil {
		_, err = s2.Load(context.Background(), "shop")
		s2.Close()
	}
	if err == nil {
		t.Fatal("corrupt database opened and loaded without an error")
	}
	t.Logf("corrupt database: %v", err)
}

func TestFunnelsAndSettings(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	insertAll(t, s, "shop", randomRecords(rand.New(rand.NewPCG(5, 6)), 10, 3))
	def := funnel.Definition{Steps: []funnel.Step{{Events: []string{"e1"}}, {Events: []string{"e2", "e3"}}}, Window: funnel.DefaultWindow}
	if err := s.SaveFunnel(ctx, "shop", "mine", def); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveFunnel(ctx, "nope", "mine", def); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown dataset: %v", err)
	}
	fs, err := s.Funnels(ctx, "shop")
	if err != nil || len(fs) != 1 || fs[0].Name != "mine" || !reflect.DeepEqual(fs[0].Definition.Steps, def.Steps) {
		t.Fatalf("funnels = %+v, %v", fs, err)
	}
	if err := s.DeleteFunnel(ctx, "shop", "mine"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Setting(ctx, "k"); v != "" || err != nil {
		t.Fatalf("unset setting = %q, %v", v, err)
	}
	s.SetSetting(ctx, "k", "a")
	s.SetSetting(ctx, "k", "b")
	if v, _ := s.Setting(ctx, "k"); v != "b" {
		t.Fatalf("setting = %q", v)
	}
	if err := s.DeleteDataset(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, "shop"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted dataset loads: %v", err)
	}
	var n int
	s.db.QueryRow(`SELECT count(*) FROM events`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d events left after delete", n)
	}
}

func TestListing(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	recs := []Record{
		{User: "a", Time: 1, Event: "view", Props: []Prop{{Key: "device", Value: "mobile"}}},
		{User: "a", Time: 2, Event: "view", Props: []Prop{{Key: "device", Value: "mobile"}}},
		{User: "b", Time: 3, Event: "view", Props: []Prop{{Key: "device", Value: "desktop"}}},
		{User: "b", Time: 4, Event: "buy"},
	}
	insertAll(t, s, "x", recs)
	ec, err := s.EventCounts(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	want := []EventCount{{Name: "view", Events: 3, Users: 2}, {Name: "buy", Events: 1, Users: 1}}
	if !reflect.DeepEqual(ec, want) {
		t.Errorf("event counts = %+v, want %+v", ec, want)
	}
	ps, _ := s.Props(ctx, "x")
	if !reflect.DeepEqual(ps, []PropInfo{{Key: "device", Distinct: 2, Events: 3, Type: "text"}}) {
		t.Errorf("props = %+v", ps)
	}
	vs, _ := s.PropValues(ctx, "x", "device", 0)
	wantV := []ValueCount{{Value: "mobile", Events: 2, Users: 1}, {Value: "(none)", Events: 1, Users: 1}, {Value: "desktop", Events: 1, Users: 1}}
	if !reflect.DeepEqual(vs, wantV) {
		t.Errorf("values = %+v, want %+v", vs, wantV)
	}
	if _, err := s.PropValues(ctx, "x", "os", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown key: %v", err)
	}
	ds, _ := s.Datasets(ctx)
	if len(ds) != 1 || ds[0].Users != 2 || ds[0].First.UnixMilli() != 1 || ds[0].Last.UnixMilli() != 4 {
		t.Errorf("datasets = %+v", ds)
	}
}

func TestWriteNewRefusesAnExistingDataset(t *testing.T) {
	s, _ := openTemp(t)
	insertAll(t, s, "shop", randomRecords(rand.New(rand.NewPCG(7, 8)), 50, 5))
	before := dump(t, s)
	_, err := s.Write(context.Background(), "shop", WriteOptions{New: true}, func(add func(*Record) error) error {
		return add(&Record{User: "x", Time: 1, Event: "e"})
	})
	if !errors.Is(err, ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	if dump(t, s) != before {
		t.Fatal("store changed")
	}
}

func TestLoadCacheKeepsTheMostRecentDatasets(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	for i := 0; i < cacheDatasets+2; i++ {
		insertAll(t, s, fmt.Sprintf("d%d", i), []Record{{User: "u", Time: 1, Event: "e"}})
	}
	first, _ := s.Load(ctx, "d0")
	for i := 1; i < cacheDatasets+2; i++ {
		if _, err := s.Load(ctx, fmt.Sprintf("d%d", i)); err != nil {
			t.Fatal(err)
		}
		s.Load(ctx, "d0") // d0 stays in use
	}
	if len(s.cache) != cacheDatasets {
		t.Fatalf("%d datasets cached, want %d", len(s.cache), cacheDatasets)
	}
	if again, _ := s.Load(ctx, "d0"); again != first {
		t.Error("the dataset in use was evicted")
	}
	if _, ok := s.cache["d1"]; ok {
		t.Error("the least recently used dataset is still cached")
	}
}
