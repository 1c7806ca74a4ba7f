package funnel

import (
	"math"
	"math/rand"
	"reflect"
	"testing"
)

// perLevel turns users reaching each step into users stopping at each level.
func perLevel(steps []int64) []int64 {
	out := make([]int64, len(steps)+1)
	for k := range steps {
		out[k+1] = steps[k]
		if k+1 < len(steps) {
			out[k+1] -= steps[k+1]
		}
	}
	return out
}

// FromLevels, given the counts by furthest level of every value (taken from
// the brute-force reference with no folding), folds, orders and counts the
// breakdown as the reference does with the definition's top N.
func TestFromLevelsMatchesReference(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	checked := 0
	for i := 0; i < 3000; i++ {
		d, evs := randCase(r)
		d.Mode, d.Count, d.Exclusions, d.MaxGap, d.Segment = Sequential, Users, nil, 0, nil
		d.By = []string{"", "device", "plan"}[r.Intn(3)]
		d.Attribution = []string{"", "last", "step:2"}[r.Intn(3)]
		d.TopN = r.Intn(3)
		if d.Validate() != nil {
			continue
		}
		ev := buildEvents(evs)
		want := reference(d, ev)
		all := *d
		all.TopN = math.MaxInt32
		full := reference(&all, ev)
		lv := Levels{Users: want.users, Reach: perLevel(want.steps)}
		lv.Reach[0] = int64(want.users) - want.steps[0]
		if d.By != "" {
			lv.Values = []string{""}
			lv.ValueReach = [][]int64{make([]int64, len(d.Steps)+1)}
			for _, s := range full.segs {
				if s.value == NoneSegment {
					lv.ValueReach[0] = perLevel(s.steps)
					continue
				}
				lv.Values = append(lv.Values, s.value)
				lv.ValueReach = append(lv.ValueReach, perLevel(s.steps))
			}
		}
		got, err := FromLevels(d, lv)
		if err != nil {
			t.Fatal(err)
		}
		if got.Users != want.users || !reflect.DeepEqual(stepUsers(got), want.steps) {
			t.Fatalf("case %d: users %d steps %v, want %d %v", i, got.Users, stepUsers(got), want.users, want.steps)
		}
		var segs []refSeg
		if got.Breakdown != nil {
			for _, s := range got.Breakdown.Segments {
				var su []int64
				for _, st := range s.Steps {
					su = append(su, st.Users)
				}
				segs = append(segs, refSeg{value: s.Value, steps: su})
			}
		}
		var wantSegs []refSeg
		for _, s := range want.segs {
			wantSegs = append(wantSegs, refSeg{value: s.value, steps: s.steps})
		}
		if !reflect.DeepEqual(segs, wantSegs) {
			t.Fatalf("case %d (%+v): segments %+v, want %+v", i, d, segs, wantSegs)
		}
		// And the tests are the engine's.
		eng := mustCompute(t, d, ev)
		if eng.Breakdown != nil {
			for j := range eng.Breakdown.Segments {
				if g, e := got.Breakdown.Segments[j].Tests, eng.Breakdown.Segments[j].Tests; !reflect.DeepEqual(g, e) {
					t.Fatalf("case %d segment %d: tests %+v, engine %+v", i, j, g, e)
				}
			}
		}
		checked++
	}
	if checked < 1000 {
		t.Fatalf("only %d cases checked", checked)
	}
}

func TestFromLevelsBadInput(t *testing.T) {
	d := &Definition{Steps: []Step{{Events: []string{"a"}}, {Events: []string{"b"}}}, By: "k"}
	for _, lv := range []Levels{
		{Reach: []int64{1, 2}},
		{Reach: []int64{1, 2, 3}},
		{Reach: []int64{1, 2, 3}, Values: []string{"x"}, ValueReach: [][]int64{{0, 0, 0}}},
		{Reach: []int64{1, 2, 3}, Values: []string{""}, ValueReach: [][]int64{{0, 0}}},
	} {
		if _, err := FromLevels(d, lv); err == nil {
			t.Errorf("%+v: no error", lv)
		}
	}
}
