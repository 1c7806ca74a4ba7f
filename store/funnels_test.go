package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"microfunnel/funnel"
)

func TestRenameFunnelAndFunnelsAll(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	insertAll(t, s, "shop", randomRecords(rand.New(rand.NewPCG(5, 6)), 10, 3))
	insertAll(t, s, "blog", randomRecords(rand.New(rand.NewPCG(7, 8)), 10, 3))
	def := funnel.Definition{Steps: []funnel.Step{{Events: []string{"e1"}}, {Events: []string{"e2"}}},
		Segment: &funnel.SegmentFilter{Key: "k", Value: "v"}}
	for _, c := range []struct{ ds, name string }{{"shop", "a"}, {"shop", "b"}, {"blog", "a"}} {
		if err := s.SaveFunnel(ctx, c.ds, c.name, def); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		ds, old, new string
		want         error
	}{
		{"shop", "a", "b", ErrExists},
		{"shop", "zz", "c", ErrNotFound},
		{"nope", "a", "c", ErrNotFound},
		{"shop", "a", "c", nil},
	}
	for _, c := range cases {
		if err := s.RenameFunnel(ctx, c.ds, c.old, c.new); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("rename %s %s→%s: %v, want %v", c.ds, c.old, c.new, err, c.want)
		}
	}
	all, err := s.FunnelsAll(ctx)
	if err != nil || len(all) != 3 {
		t.Fatalf("all = %+v, %v", all, err)
	}
	got := map[string]funnel.Definition{}
	for _, f := range all {
		got[f.Dataset+"/"+f.Name] = f.Definition
	}
	c, ok := got["shop/c"]
	if !ok || c.Name != "c" || c.Segment == nil || c.Segment.Value != "v" {
		t.Fatalf("renamed funnel: %+v (all %v)", c, got)
	}
	if _, ok := got["blog/a"]; !ok || all[0].Dataset != "blog" {
		t.Fatalf("blog/a missing or not first: %+v", all)
	}
}
