package funnel

import (
	"reflect"
	"testing"
	"time"
)

// The worked examples of docs/SEMANTICS.md. Times are minutes; the window
// is 60 minutes unless an example says otherwise. Each one is checked
// against the engine and the brute-force reference.
func TestSemanticsExamples(t *testing.T) {
	min := func(n int64) int64 { return n * 60_000 }
	abc := []string{"A", "B", "C"}
	type ev struct {
		name string
		at   int64
		dev  string
	}
	cases := []struct {
		name   string
		events []ev
		steps  []string
		tweak  func(d *Definition)
		want   []int64
	}{
		{"ABXC sequential", []ev{{"A", 0, ""}, {"B", 1, ""}, {"X", 2, ""}, {"C", 3, ""}}, abc, nil, []int64{1, 1, 1}},
		{"ABXC strict", []ev{{"A", 0, ""}, {"B", 1, ""}, {"X", 2, ""}, {"C", 3, ""}}, abc, func(d *Definition) { d.Mode = Strict }, []int64{1, 1, 0}},
		{"ABXC any", []ev{{"A", 0, ""}, {"B", 1, ""}, {"X", 2, ""}, {"C", 3, ""}}, abc, func(d *Definition) { d.Mode = Any }, []int64{1, 1, 1}},
		{"ABXC exclude X between 2 and 3", []ev{{"A", 0, ""}, {"B", 1, ""}, {"X", 2, ""}, {"C", 3, ""}}, abc,
			func(d *Definition) { d.Exclusions = []Exclusion{{Events: []string{"X"}, From: 2, To: 3}} }, []int64{1, 1, 0}},
		{"ABXC exclude X between 1 and 2", []ev{{"A", 0, ""}, {"B", 1, ""}, {"X", 2, ""}, {"C", 3, ""}}, abc,
			func(d *Definition) { d.Exclusions = []Exclusion{{Events: []string{"X"}, From: 1, To: 2}} }, []int64{1, 1, 1}},
		{"AXBC exclude X between 1 and 3", []ev{{"A", 0, ""}, {"X", 1, ""}, {"B", 2, ""}, {"C", 3, ""}}, abc,
			func(d *Definition) { d.Exclusions = []Exclusion{{Events: []string{"X"}, From: 1, To: 3}} }, []int64{1, 0, 0}},
		{"AABC sequential", []ev{{"A", 0, ""}, {"A", 1, ""}, {"B", 2, ""}, {"C", 3, ""}}, abc, nil, []int64{1, 1, 1}},
		{"AABC strict", []ev{{"A", 0, ""}, {"A", 1, ""}, {"B", 2, ""}, {"C", 3, ""}}, abc, func(d *Definition) { d.Mode = Strict }, []int64{1, 1, 1}},
		{"AABC steps A,A,B", []ev{{"A", 0, ""}, {"A", 1, ""}, {"B", 2, ""}, {"C", 3, ""}}, []string{"A", "A", "B"}, nil, []int64{1, 1, 1}},
		{"AABC steps A,A,A (one event, one step)", []ev{{"A", 0, ""}, {"A", 1, ""}, {"B", 2, ""}, {"C", 3, ""}}, []string{"A", "A", "A"}, nil, []int64{1, 1, 0}},
		{"AABC totals", []ev{{"A", 0, ""}, {"A", 1, ""}, {"B", 2, ""}, {"C", 3, ""}}, abc, func(d *Definition) { d.Count = Totals }, []int64{1, 1, 1}},
		{"BAC sequential", []ev{{"B", 0, ""}, {"A", 1, ""}, {"C", 2, ""}}, abc, nil, []int64{1, 0, 0}},
		{"BAC strict", []ev{{"B", 0, ""}, {"A", 1, ""}, {"C", 2, ""}}, abc, func(d *Definition) { d.Mode = Strict }, []int64{1, 0, 0}},
		{"BAC any", []ev{{"B", 0, ""}, {"A", 1, ""}, {"C", 2, ""}}, abc, func(d *Definition) { d.Mode = Any }, []int64{1, 1, 1}},
		{"window boundary is inclusive", []ev{{"A", 0, ""}, {"B", 60, ""}}, []string{"A", "B"}, nil, []int64{1, 1}},
		{"one minute past the window", []ev{{"A", 0, ""}, {"B", 61, ""}}, []string{"A", "B"}, nil, []int64{1, 0}},
		{"a later step-1 event starts a new attempt", []ev{{"A", 0, ""}, {"A", 30, ""}, {"B", 80, ""}}, []string{"A", "B"}, nil, []int64{1, 1}},
		{"ties are taken in step order", []ev{{"B", 5, ""}, {"A", 5, ""}}, []string{"A", "B"}, nil, []int64{1, 1}},
		{"max gap 30m", []ev{{"A", 0, ""}, {"B", 30, ""}, {"C", 70, ""}}, abc, func(d *Definition) { d.Window = Duration(2 * time.Hour); d.MaxGap = Duration(30 * time.Minute) }, []int64{1, 1, 0}},
		{"max gap 40m", []ev{{"A", 0, ""}, {"B", 30, ""}, {"C", 70, ""}}, abc, func(d *Definition) { d.Window = Duration(2 * time.Hour); d.MaxGap = Duration(40 * time.Minute) }, []int64{1, 1, 1}},
		{"totals: ABABC then A", []ev{{"A", 0, ""}, {"B", 1, ""}, {"A", 2, ""}, {"B", 3, ""}, {"C", 4, ""}, {"A", 100, ""}}, abc, func(d *Definition) { d.Count = Totals }, []int64{2, 1, 1}},
		{"totals: A@50 is inside the first attempt; A@80 starts the second", []ev{{"A", 0, ""}, {"A", 50, ""}, {"B", 70, ""}, {"A", 80, ""}, {"B", 90, ""}}, []string{"A", "B"}, func(d *Definition) { d.Count = Totals }, []int64{2, 1}},
		{"users: same events", []ev{{"A", 0, ""}, {"A", 50, ""}, {"B", 70, ""}, {"A", 80, ""}, {"B", 90, ""}}, []string{"A", "B"}, nil, []int64{1, 1}},
		{"nobody entered", []ev{{"B", 0, ""}, {"C", 1, ""}}, abc, nil, []int64{0, 0, 0}},
		{"ABBC strict (a repeated step event breaks the chain)", []ev{{"A", 0, ""}, {"B", 1, ""}, {"B", 2, ""}, {"C", 3, ""}}, abc, func(d *Definition) { d.Mode = Strict }, []int64{1, 1, 0}},
		{"totals: A@50 inside a failing attempt starts nothing", []ev{{"A", 0, ""}, {"A", 50, ""}, {"B", 70, ""}}, []string{"A", "B"}, func(d *Definition) { d.Count = Totals }, []int64{1, 0}},
		{"users: the chain from A@50", []ev{{"A", 0, ""}, {"A", 50, ""}, {"B", 70, ""}}, []string{"A", "B"}, nil, []int64{1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var evs []tev
			for _, e := range c.events {
				evs = append(evs, tev{name: e.name, t: min(e.at)})
			}
			for _, nm := range []string{"A", "B", "C", "X"} { // a second user so every name exists
				evs = append(evs, tev{user: 1, name: nm, t: min(1000)})
			}
			d := &Definition{Window: Duration(time.Hour)}
			for _, s := range c.steps {
				d.Steps = append(d.Steps, Step{Events: []string{s}})
			}
			if c.tweak != nil {
				c.tweak(d)
			}
			// The date range leaves the helper user out of the counts.
			to := Date{time.UnixMilli(min(999)).UTC()}
			d.To = &to
			ev := buildEvents(evs)
			got := stepUsers(mustCompute(t, d, ev))
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
			if ref := reference(d, ev); !reflect.DeepEqual(ref.steps, c.want) {
				t.Errorf("reference got %v, want %v", ref.steps, c.want)
			}
		})
	}
}

// Attribution and (none): user 1 enters on mobile and converts on desktop;
// user 2 enters on desktop and stops; user 3 has no device.
func TestAttributionExample(t *testing.T) {
	evs := []tev{
		{user: 1, t: 0, name: "A", props: map[string]string{"device": "mobile"}},
		{user: 1, t: 1, name: "B", props: map[string]string{"device": "desktop"}},
		{user: 2, t: 0, name: "A", props: map[string]string{"device": "desktop"}},
		{user: 3, t: 0, name: "A"},
		{user: 3, t: 1, name: "B"},
	}
	ev := buildEvents(evs)
	type seg struct {
		value string
		users []int64
	}
	for _, c := range []struct {
		attr string
		want []seg
	}{
		{"first", []seg{{"desktop", []int64{1, 0}}, {"mobile", []int64{1, 1}}, {NoneSegment, []int64{1, 1}}}},
		{"last", []seg{{"desktop", []int64{2, 1}}, {NoneSegment, []int64{1, 1}}}},
		{"step:2", []seg{{"desktop", []int64{2, 1}}, {NoneSegment, []int64{1, 1}}}},
	} {
		d := &Definition{Steps: []Step{{Events: []string{"A"}}, {Events: []string{"B"}}}, By: "device", Attribution: c.attr}
		r := mustCompute(t, d, ev)
		var got []seg
		for _, s := range r.Breakdown.Segments {
			got = append(got, seg{s.Value, []int64{s.Steps[0].Users, s.Steps[1].Users}})
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.attr, got, c.want)
		}
	}
	// Top 1: desktop keeps its segment (2 users at step 1 with "last"),
	// mobile would fold into (other).
	d := &Definition{Steps: []Step{{Events: []string{"A"}}, {Events: []string{"B"}}}, By: "device", TopN: 1}
	r := mustCompute(t, d, ev)
	var vals []string
	for _, s := range r.Breakdown.Segments {
		vals = append(vals, s.Value)
	}
	if want := []string{"desktop", OtherSegment, NoneSegment}; !reflect.DeepEqual(vals, want) {
		t.Errorf("top 1: got %v, want %v", vals, want)
	}
}

// The counted chain takes the latest events: A@0 B@10 B@50 measures the
// time to B on B@50, and "first" attribution reads the latest step-1 event
// that reaches the furthest step.
func TestCountedChainIsTheLatest(t *testing.T) {
	min := func(n int64) int64 { return n * 60_000 }
	ev := buildEvents([]tev{{name: "A", t: min(0)}, {name: "B", t: min(10)}, {name: "B", t: min(50)}})
	d := &Definition{Steps: []Step{{Events: []string{"A"}}, {Events: []string{"B"}}}, Window: Duration(time.Hour)}
	r, err := Compute(d, ev)
	if err != nil {
		t.Fatal(err)
	}
	// Durations over 256 ms are kept to 8 significant bits (at most 0.8% low).
	if got := r.Steps[1].MedianMs; got > min(50) || got < min(50)*99/100 {
		t.Errorf("median time to B = %d ms, want about %d (the latest chain)", got, min(50))
	}
}

// A date-only "to" is the whole UTC day, to the last millisecond.
func TestDateRangeToIsAWholeDay(t *testing.T) {
	day := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	to, _ := ParseDate("2026-09-01")
	for _, c := range []struct {
		at   time.Time
		want int64
	}{{day.Add(24*time.Hour - time.Millisecond), 1}, {day.Add(24 * time.Hour), 0}} {
		ev := buildEvents([]tev{{name: "A", t: c.at.UnixMilli()}, {name: "B", t: c.at.UnixMilli()}})
		d := &Definition{Steps: []Step{{Events: []string{"A"}}, {Events: []string{"B"}}}, To: &to}
		r, err := Compute(d, ev)
		if err != nil {
			t.Fatal(err)
		}
		if r.Steps[0].Users != c.want {
			t.Errorf("event at %s: %d users, want %d", c.at, r.Steps[0].Users, c.want)
		}
	}
}

// "first" attribution reads the counted chain's step-1 event: the latest
// step-1 event that reaches the furthest step, not the first touch.
func TestFirstAttributionIsTheCountedChain(t *testing.T) {
	min := func(n int64) int64 { return n * 60_000 }
	ev := buildEvents([]tev{
		{name: "A", t: min(0), props: map[string]string{"device": "mobile"}},
		{name: "A", t: min(5), props: map[string]string{"device": "desktop"}},
		{name: "B", t: min(10), props: map[string]string{"device": "desktop"}},
	})
	d := &Definition{Steps: []Step{{Events: []string{"A"}}, {Events: []string{"B"}}}, Window: Duration(time.Hour), By: "device"}
	r, err := Compute(d, ev)
	if err != nil {
		t.Fatal(err)
	}
	if segs := r.Breakdown.Segments; len(segs) != 1 || segs[0].Value != "desktop" {
		t.Errorf("segments = %+v, want the user in desktop", segs)
	}
}
