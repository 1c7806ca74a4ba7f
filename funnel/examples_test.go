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
			d, ev := exampleCase(evs, c.steps, c.tweak, "")
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

// The counted chain (docs/SEMANTICS.md, "Which chain is the chain"): the
// latest step-1 event that reaches the furthest step, then the earliest
// events that still reach it. Times are minutes; each case gives the time
// from the previous step at every step from 2 and the "first" attribution,
// checked against the engine and the brute-force reference.
func TestChainExamples(t *testing.T) {
	min := func(n int64) int64 { return n * 60_000 }
	type ev = minuteEvent
	abc := []string{"A", "B", "C"}
	cases := []struct {
		name   string
		events []ev
		steps  []string
		tweak  func(d *Definition)
		times  []int64 // minutes from the previous step, steps 2..
		first  string
	}{
		{"the first B after A", []ev{{"A", 0, ""}, {"B", 10, ""}, {"B", 50, ""}}, []string{"A", "B"}, nil, []int64{10}, NoneSegment},
		{"the latest A that reaches B", []ev{{"A", 0, ""}, {"A", 40, ""}, {"B", 50, ""}}, []string{"A", "B"}, nil, []int64{10}, NoneSegment},
		{"a later A that does not reach C is not the chain", []ev{{"A", 0, ""}, {"B", 10, ""}, {"A", 20, ""}, {"C", 30, ""}}, abc, nil, []int64{10, 20}, NoneSegment},
		{"earliest at every step", []ev{{"A", 0, ""}, {"B", 10, ""}, {"C", 20, ""}, {"B", 30, ""}, {"C", 40, ""}}, abc, nil, []int64{10, 10}, NoneSegment},
		{"max gap: the earliest B that still reaches C", []ev{{"A", 0, ""}, {"B", 5, ""}, {"B", 30, ""}, {"C", 55, ""}}, abc,
			func(d *Definition) { d.Window = Duration(2 * time.Hour); d.MaxGap = Duration(30 * time.Minute) }, []int64{30, 25}, NoneSegment},
		{"exclusion: the earliest B after the X", []ev{{"A", 0, ""}, {"B", 5, ""}, {"X", 10, ""}, {"B", 20, ""}, {"C", 25, ""}}, abc,
			func(d *Definition) { d.Exclusions = []Exclusion{{Events: []string{"X"}, From: 2, To: 3}} }, []int64{20, 5}, NoneSegment},
		{"totals: the first B of the attempt", []ev{{"A", 0, ""}, {"B", 10, ""}, {"B", 50, ""}}, []string{"A", "B"},
			func(d *Definition) { d.Count = Totals }, []int64{10}, NoneSegment},
		{"first: the counted step-1 event, not the first touch", []ev{{"A", 0, "mobile"}, {"A", 5, "desktop"}, {"B", 10, "desktop"}}, []string{"A", "B"}, nil, []int64{5}, "desktop"},
		{"first: a step-1 event without a value falls back to later steps", []ev{{"A", 0, "desktop"}, {"A", 5, ""}, {"B", 10, "mobile"}}, []string{"A", "B"}, nil, []int64{5}, "mobile"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := minuteEvents(c.events)
			d, ev := exampleCase(evs, c.steps, c.tweak, "device")
			r := mustCompute(t, d, ev)
			ref := reference(d, ev)
			for k, m := range c.times {
				want := RoundDuration(min(m)) // at most 0.1% above
				if want < min(m) || want > min(m)+min(m)/1000 {
					t.Fatalf("RoundDuration(%d) = %d", min(m), want)
				}
				if got := r.Steps[k+1].MedianMs; got != want {
					t.Errorf("step %d: time %d ms, want %d", k+2, got, want)
				}
				if got := ref.med[k+1]; got != want {
					t.Errorf("reference step %d: time %d ms, want %d", k+2, got, want)
				}
			}
			if segs := r.Breakdown.Segments; len(segs) != 1 || segs[0].Value != c.first {
				t.Errorf("segments %+v, want one: %s", segs, c.first)
			}
			if len(ref.segs) != 1 || ref.segs[0].value != c.first {
				t.Errorf("reference segments %+v, want one: %s", ref.segs, c.first)
			}
		})
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

// The date range bounds the step-1 event: later steps may follow past its
// end, within the window (docs/SEMANTICS.md, "Which events count").
func TestEntryDateRangeExamples(t *testing.T) {
	day := time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)
	at := func(h, m int) int64 {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute).UnixMilli()
	}
	to, _ := ParseDate("2024-03-10")
	late, _ := ParseDate("2024-03-10T23:00:00Z")
	cases := []struct {
		name string
		evs  []tev
		from *Date
		want []int64
	}{
		{"entered on the last day, converted the next", []tev{{name: "A", t: at(23, 50)}, {name: "B", t: at(24, 20)}}, nil, []int64{1, 1}},
		{"converted after the window", []tev{{name: "A", t: at(23, 50)}, {name: "B", t: at(24, 51)}}, nil, []int64{1, 0}},
		{"entered after the range", []tev{{name: "A", t: at(24, 10)}, {name: "B", t: at(24, 20)}}, nil, []int64{0, 0}},
		{"a step-1 event after the range starts nothing", []tev{{name: "B", t: at(23, 0)}, {name: "A", t: at(24, 10)}, {name: "B", t: at(24, 20)}}, nil, []int64{0, 0}},
		{"from 23:00 to the same day", []tev{{name: "A", t: at(22, 59)}, {name: "A", t: at(23, 30)}, {name: "B", t: at(23, 40)}}, &late, []int64{1, 1}},
		{"steps before from do not count", []tev{{name: "A", t: at(22, 0)}, {name: "B", t: at(23, 10)}}, &late, []int64{0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := append([]tev{{user: 1, name: "A", t: at(0, 0)}, {user: 1, name: "B", t: at(0, 1)}}, c.evs...)
			d := &Definition{Steps: []Step{{Events: []string{"A"}}, {Events: []string{"B"}}}, Window: Duration(time.Hour), From: c.from, To: &to}
			if err := d.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			ev := buildEvents(evs)
			got := stepUsers(mustCompute(t, d, ev))
			want := []int64{1 + c.want[0], 1 + c.want[1]} // user 1 converts inside the range
			if c.from != nil {
				want = c.want
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if ref := reference(d, ev); !reflect.DeepEqual(ref.steps, want) {
				t.Errorf("reference got %v, want %v", ref.steps, want)
			}
		})
	}
}

// exampleCase is the definition (window 60 minutes, one event a step, then
// tweak) and the events of a worked example: user 0's events, plus a second
// user at minute 1000 so that every name (and the breakdown property by)
// exists, left out of the counts by a date range ending at minute 999.
func exampleCase(evs []tev, steps []string, tweak func(*Definition), by string) (*Definition, *Events) {
	const minute = 60_000
	for _, nm := range []string{"A", "B", "C", "X"} {
		e := tev{user: 1, name: nm, t: 1000 * minute}
		if by != "" {
			e.props = map[string]string{by: "z"}
		}
		evs = append(evs, e)
	}
	d := &Definition{Window: Duration(time.Hour), By: by}
	for _, s := range steps {
		d.Steps = append(d.Steps, Step{Events: []string{s}})
	}
	if tweak != nil {
		tweak(d)
	}
	to := Date{time.UnixMilli(999 * minute).UTC()}
	d.To = &to
	return d, buildEvents(evs)
}
