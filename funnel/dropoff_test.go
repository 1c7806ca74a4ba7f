package funnel

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// refDropped is what they did next by the reference: per step k before the
// last, the units whose furthest step is k by their path of next events,
// sorted by users then name, the top kept, the rest in (other), (none)
// listed by its count.
func refDropped(want refResult, ev *Events, n, depth, top int) []Dropped {
	out := make([]Dropped, n-1)
	for k := 1; k < n; k++ {
		count := map[string]int64{}
		var none int64
		for _, u := range want.units {
			if u.level != k {
				continue
			}
			out[k-1].Users++
			var names []string
			for _, e := range u.next[:min(depth, len(u.next))] {
				names = append(names, ev.Names[ev.Name[e]])
			}
			if len(names) == 0 {
				none++
				continue
			}
			count[strings.Join(names, PathSep)]++
		}
		type kv struct {
			k string
			v int64
		}
		var all []kv
		for k, v := range count {
			all = append(all, kv{k, v})
		}
		sort.Slice(all, func(i, j int) bool {
			return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k
		})
		var other int64
		for i, x := range all {
			if i >= top {
				other += x.v
			}
		}
		all = all[:min(top, len(all))]
		if none > 0 {
			all = append(all, kv{NextNone, none})
			sort.SliceStable(all, func(i, j int) bool {
				return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k
			})
		}
		if other > 0 {
			all = append(all, kv{NextOther, other})
		}
		out[k-1].Next = []NextEvent{}
		for _, x := range all {
			ne := NextEvent{Event: x.k, Users: x.v}
			if depth > 1 && x.k != NextNone && x.k != NextOther {
				ne.Path = strings.Split(x.k, PathSep)
			}
			out[k-1].Next = append(out[k-1].Next, ne)
		}
	}
	return out
}

func TestDroppedMatchesReference(t *testing.T) {
	iters := 20000
	if testing.Short() {
		iters = 2000
	}
	r := rand.New(rand.NewSource(11))
	checked := 0
	for i := 0; i < iters; i++ {
		d, evs := randCase(r)
		ev := buildEvents(evs)
		opt := DropOptions{Top: 1 + r.Intn(4), Depth: 1 + r.Intn(3)}
		got, err := ComputeDropped(d, ev, opt)
		if err != nil {
			t.Fatalf("ComputeDropped: %v", err)
		}
		dj, _ := json.Marshal(d)
		if m, _ := ParseMode(string(d.Mode)); m == Any {
			for _, s := range got.Steps {
				if s.Dropped != nil {
					t.Fatalf("any mode got dropped %+v\n%s", s.Dropped, dj)
				}
			}
			continue
		}
		ref := reference(d, ev)
		want := refDropped(ref, ev, len(d.Steps), opt.Depth, opt.Top)
		for k := range want {
			g := got.Steps[k].Dropped
			if g == nil || !reflect.DeepEqual(*g, want[k]) {
				t.Fatalf("definition %s %+v\nevents %s\nstep %d dropped: got %+v want %+v", dj, opt, dumpEvents(ev), k+1, g, want[k])
			}
			if g.Users != got.Steps[k+1].DropOff {
				t.Fatalf("step %d: dropped %d, next step's drop_off %d", k+1, g.Users, got.Steps[k+1].DropOff)
			}
			checked += len(g.Next)
		}
		if last := got.Steps[len(got.Steps)-1]; last.Dropped != nil {
			t.Fatalf("last step has dropped %+v", last.Dropped)
		}
		// One segment's dropped users are those of its row (a pass of their own).
		if d.By != "" && len(ref.segs) > 0 {
			seg := ref.segs[r.Intn(len(ref.segs))].value
			if seg != OtherSegment {
				ds := *d
				ds.Segment, ds.By = &SegmentFilter{Key: d.By, Value: seg}, ""
				gs, err := ComputeDropped(&ds, ev, opt)
				if err != nil {
					t.Fatalf("segment %s: %v", seg, err)
				}
				mine := ref
				mine.units = nil
				for _, u := range ref.units {
					if u.value == seg || seg == NoneSegment && u.value == "" {
						mine.units = append(mine.units, u)
					}
				}
				ws := refDropped(mine, ev, len(d.Steps), opt.Depth, opt.Top)
				for k := range ws {
					if g := gs.Steps[k].Dropped; g == nil || !reflect.DeepEqual(*g, ws[k]) {
						t.Fatalf("definition %s segment %s %+v\nevents %s\nstep %d dropped: got %+v want %+v", dj, seg, opt, dumpEvents(ev), k+1, g, ws[k])
					}
				}
			}
		}
		// The same figures as Compute.
		plain, _ := Compute(d, ev)
		for k := range plain.Steps {
			g := got.Steps[k]
			g.Dropped = nil
			if !reflect.DeepEqual(g, plain.Steps[k]) {
				t.Fatalf("step %d differs from Compute: %+v vs %+v", k+1, g, plain.Steps[k])
			}
		}
	}
	if checked == 0 {
		t.Fatal("no next events checked")
	}
}

// The worked examples of docs/SEMANTICS.md, "What they did next": minutes,
// window 60 minutes, steps A,B,C unless said otherwise; want lists each
// step's next events as "event:users".
func TestDroppedExamples(t *testing.T) {
	min := func(n int64) int64 { return n * 60_000 }
	type ev struct {
		name string
		at   int64
	}
	abc := []string{"A", "B", "C"}
	cases := []struct {
		name   string
		events []ev
		steps  []string
		tweak  func(d *Definition)
		depth  int
		want   [][]string
	}{
		{"the first event after the step", []ev{{"A", 0}, {"B", 10}, {"X", 20}, {"Y", 30}}, abc, nil, 1, [][]string{{}, {"X:1"}}},
		{"an event between steps is not next", []ev{{"A", 0}, {"X", 5}, {"B", 10}}, abc, nil, 1, [][]string{{}, {"(none):1"}}},
		{"after the window closed is (none)", []ev{{"A", 0}, {"B", 10}, {"X", 61}}, abc, nil, 1, [][]string{{}, {"(none):1"}}},
		{"the window end is inclusive", []ev{{"A", 0}, {"B", 10}, {"X", 60}}, abc, nil, 1, [][]string{{}, {"X:1"}}},
		{"after the counted chain's step-1 event", []ev{{"A", 0}, {"X", 10}, {"A", 30}, {"Y", 40}}, []string{"A", "B"}, nil, 1, [][]string{{"Y:1"}}},
		{"the latest step-1 event is the chain's", []ev{{"A", 0}, {"A", 30}}, []string{"A", "B"}, nil, 1, [][]string{{"(none):1"}}},
		{"paths of two", []ev{{"A", 0}, {"X", 5}, {"Y", 6}, {"Z", 7}}, abc, nil, 2, [][]string{{"X → Y:1"}, {}}},
		{"a path cut by the window", []ev{{"A", 0}, {"X", 50}, {"Y", 70}}, abc, nil, 3, [][]string{{"X:1"}, {}}},
		{"totals: each attempt", []ev{{"A", 0}, {"X", 10}, {"A", 70}, {"Y", 80}}, []string{"A", "B"},
			func(d *Definition) { d.Count = Totals }, 1, [][]string{{"X:1", "Y:1"}}},
		{"strict: the event that broke the chain", []ev{{"A", 0}, {"X", 5}, {"B", 10}}, abc,
			func(d *Definition) { d.Mode = Strict }, 1, [][]string{{"X:1"}, {}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var evs []tev
			for _, e := range c.events {
				evs = append(evs, tev{name: e.name, t: min(e.at)})
			}
			d, ev := exampleCase(evs, c.steps, c.tweak, "")
			r, err := ComputeDropped(d, ev, DropOptions{Depth: c.depth})
			if err != nil {
				t.Fatal(err)
			}
			ref := refDropped(reference(d, ev), ev, len(d.Steps), c.depth, DefaultNextTop)
			for k, want := range c.want {
				var got, rs []string
				for _, ne := range r.Steps[k].Dropped.Next {
					got = append(got, ne.Event+":"+strconv.FormatInt(ne.Users, 10))
				}
				for _, ne := range ref[k].Next {
					rs = append(rs, ne.Event+":"+strconv.FormatInt(ne.Users, 10))
				}
				if strings.Join(got, ",") != strings.Join(want, ",") || strings.Join(rs, ",") != strings.Join(want, ",") {
					t.Errorf("step %d: got %v, reference %v, want %v", k+1, got, rs, want)
				}
			}
		})
	}
}
