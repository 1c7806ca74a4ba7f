package funnel

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"
)

var randNames = []string{"A", "B", "C", "D", "X"}

// randCase builds a small random event stream and definition that stress
// ties, repeated steps, shared events, filters, exclusions and boundaries.
func randCase(r *rand.Rand) (*Definition, []tev) {
	var evs []tev
	nu := 1 + r.Intn(5)
	scale := int64(1)
	switch r.Intn(8) {
	case 0, 1:
		scale = 97 // durations beyond a second
	case 2:
		scale = 100_003 // beyond the exact histogram range: minutes
	}
	for u := 0; u < nu; u++ {
		ne := r.Intn(9)
		for i := 0; i < ne; i++ {
			props := map[string]string{}
			if x := r.Intn(3); x > 0 {
				props["device"] = []string{"m", "d"}[x-1]
			}
			if x := r.Intn(4); x > 0 {
				props["plan"] = []string{"p", "t", "f"}[x-1]
			}
			if x := r.Intn(5); x > 0 {
				props["price"] = []string{"1", "2.5", "10", "-3"}[x-1]
			}
			evs = append(evs, tev{user: u, t: int64(r.Intn(16)) * scale, name: randNames[r.Intn(len(randNames))], props: props})
		}
	}
	// Make sure every name exists so the definition validates.
	for _, nm := range randNames {
		evs = append(evs, tev{user: nu, t: 0, name: nm, props: map[string]string{"device": "d", "plan": "p", "price": "1"}})
	}
	d := &Definition{}
	n := 2 + r.Intn(3)
	for k := 0; k < n; k++ {
		s := Step{Events: []string{randNames[r.Intn(4)]}}
		if r.Intn(3) == 0 {
			s.Events = append(s.Events, randNames[r.Intn(4)])
		}
		if r.Intn(4) == 0 {
			s.Where = []Filter{randFilter(r)}
		}
		d.Steps = append(d.Steps, s)
	}
	d.Window = Duration(time.Duration(r.Intn(12)*int(scale)) * time.Millisecond)
	if d.Window == 0 && r.Intn(2) == 0 {
		d.Window = Duration(time.Millisecond) // tiny, not default
	}
	d.Mode = []Mode{Sequential, Strict, Any, ""}[r.Intn(4)]
	if r.Intn(2) == 0 {
		d.Count = Totals
	}
	if d.Mode != Any {
		if r.Intn(3) == 0 {
			d.MaxGap = Duration(time.Duration(1+r.Intn(5)*int(scale)) * time.Millisecond)
		}
		if r.Intn(2) == 0 {
			from := 1 + r.Intn(n-1)
			to := from + 1 + r.Intn(n-from)
			x := Exclusion{Events: []string{randNames[r.Intn(5)]}, From: from, To: to}
			if r.Intn(4) == 0 {
				x.Where = []Filter{randFilter(r)}
			}
			d.Exclusions = append(d.Exclusions, x)
		}
	}
	if r.Intn(4) == 0 {
		d.Where = []Filter{randFilter(r)}
	}
	for i := r.Intn(3); i > 0; i-- {
		s := Step{Events: []string{randNames[r.Intn(5)]}}
		if r.Intn(3) == 0 {
			s.Where = []Filter{randFilter(r)}
		}
		d.Micro = append(d.Micro, s)
	}
	if r.Intn(5) == 0 {
		f := Date{time.UnixMilli(int64(r.Intn(4)) * scale).UTC()}
		to := Date{time.UnixMilli(int64(8+r.Intn(8)) * scale).UTC()}
		d.From, d.To = &f, &to
	}
	if r.Intn(2) == 0 {
		d.By = []string{"device", "plan"}[r.Intn(2)]
		d.TopN = r.Intn(3)
		switch r.Intn(3) {
		case 1:
			d.Attribution = "last"
		case 2:
			d.Attribution = fmt.Sprintf("step:%d", 1+r.Intn(n))
		}
	}
	return d, evs
}

func randFilter(r *rand.Rand) Filter {
	if r.Intn(4) == 0 {
		ops := []string{">", ">=", "<", "<="}
		return Filter{Key: "price", Op: ops[r.Intn(4)], Values: []string{[]string{"1", "2.5", "0", "10"}[r.Intn(4)]}}
	}
	key := []string{"device", "plan"}[r.Intn(2)]
	vals := map[string][]string{"device": {"m", "d"}, "plan": {"p", "t", "f"}}[key]
	switch r.Intn(4) {
	case 0:
		return Filter{Key: key, Op: "=", Values: []string{vals[r.Intn(len(vals))]}}
	case 1:
		return Filter{Key: key, Op: "!=", Values: []string{vals[r.Intn(len(vals))]}}
	case 2:
		return Filter{Key: key, Op: "in", Values: vals[:1+r.Intn(len(vals)-1)]}
	default:
		return Filter{Key: key, Op: "not in", Values: vals[r.Intn(len(vals)):]}
	}
}

// compareWithReference checks every figure the reference defines and the
// invariants (segments sum to the total, JSON encodes).
func compareWithReference(t *testing.T, d *Definition, ev *Events) {
	t.Helper()
	got, err := Compute(d, ev)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	want := reference(d, ev)
	dj, _ := json.Marshal(d)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("definition %s\nevents %s\n%s", dj, dumpEvents(ev), fmt.Sprintf(format, args...))
	}
	if got.Users != want.users {
		fail("users: got %d want %d", got.Users, want.users)
	}
	for k := range d.Steps {
		g := got.Steps[k]
		if !reflect.DeepEqual(g.TimeHistogram, want.hist[k]) {
			fail("step %d: time histogram got %v want %v", k+1, g.TimeHistogram, want.hist[k])
		}
		if g.Users != want.steps[k] || g.MedianMs != want.med[k] || g.P90Ms != want.p90[k] {
			fail("step %d: got users %d median %d p90 %d, want %d %d %d\nsteps got %v want %v",
				k+1, g.Users, g.MedianMs, g.P90Ms, want.steps[k], want.med[k], want.p90[k], stepUsers(got), want.steps)
		}
	}
	if d.By == "" {
		if got.Breakdown != nil {
			fail("breakdown without By")
		}
	} else {
		segs := got.Breakdown.Segments
		if len(segs) != len(want.segs) {
			fail("segments: got %d want %d (%+v)", len(segs), len(want.segs), want.segs)
		}
		sum := make([]int64, len(d.Steps))
		for i, s := range segs {
			w := want.segs[i]
			if s.Value != w.value {
				fail("segment %d: got %q want %q", i, s.Value, w.value)
			}
			for k := range d.Steps {
				sum[k] += s.Steps[k].Users
				if !reflect.DeepEqual(s.Steps[k].TimeHistogram, w.hist[k]) {
					fail("segment %q step %d: time histogram got %v want %v", s.Value, k+1, s.Steps[k].TimeHistogram, w.hist[k])
				}
				if s.Steps[k].Users != w.steps[k] || s.Steps[k].MedianMs != w.med[k] || s.Steps[k].P90Ms != w.p90[k] {
					fail("segment %q step %d: got %d/%d/%d want %d/%d/%d", s.Value, k+1,
						s.Steps[k].Users, s.Steps[k].MedianMs, s.Steps[k].P90Ms, w.steps[k], w.med[k], w.p90[k])
				}
			}
			if len(s.Tests) != len(d.Steps)-1 {
				fail("segment %q: %d tests", s.Value, len(s.Tests))
			}
			for _, ts := range s.Tests {
				if ts.PValue < 0 || ts.PValue > 1 || ts.Adjusted < ts.PValue || ts.Adjusted > 1 ||
					ts.Significant != (ts.Method != "none" && ts.Adjusted < Alpha) {
					fail("segment %q: bad test %+v", s.Value, ts)
				}
			}
		}
		for k := range sum {
			if sum[k] != got.Steps[k].Users {
				fail("step %d: segments sum to %d, total %d", k+1, sum[k], got.Steps[k].Users)
			}
		}
	}
	if _, err := json.Marshal(got); err != nil {
		fail("json: %v", err)
	}
	// Micro conversions: users considered, macro = reached the last step
	// counting users.
	mic, err := Micro(d, ev)
	if err != nil {
		fail("Micro: %v", err)
	}
	du := *d
	du.Count, du.By = Users, ""
	macroRef := reference(&du, ev)
	for j, ms := range d.Micro {
		did, didMacro := refMicro(d, &du, ev, ms)
		m := mic[j]
		wantWith := 0.0
		if did > 0 {
			wantWith = float64(didMacro) / float64(did)
		}
		wantWithout := 0.0
		if rest := int64(macroRef.users) - did; rest > 0 {
			wantWithout = float64(macroRef.steps[len(d.Steps)-1]-didMacro) / float64(rest)
		}
		if m.Users != did || !near(m.MacroRateWith, wantWith, 1e-12) || !near(m.MacroRateWithout, wantWithout, 1e-12) {
			fail("micro %d: got %+v, want users %d with %v without %v", j, m, did, wantWith, wantWithout)
		}
	}
}

// refMicro counts the considered users who did micro step ms at least once,
// and how many of them reached the last step (users counting).
func refMicro(d, du *Definition, ev *Events, ms Step) (did, didMacro int64) {
	for u := 0; u+1 < len(ev.UserStart); u++ {
		one := userEvents(ev, u)
		r := reference(du, one)
		if r.users == 0 {
			continue
		}
		found := false
		for i := 0; i < one.Len(); i++ {
			if refMatches(one, i, ms.Events, ms.Where) && refFilterOK(one, i, d.Where) && refInRange(d, one.Time[i]) {
				found = true
			}
		}
		if found {
			did++
			if r.steps[len(d.Steps)-1] > 0 {
				didMacro++
			}
		}
	}
	return did, didMacro
}

func dumpEvents(ev *Events) string {
	if ev.NumUsers() > 20 {
		return fmt.Sprintf("(%d users, %d events)", ev.NumUsers(), ev.Len())
	}
	s := ""
	for u := 0; u+1 < len(ev.UserStart); u++ {
		s += fmt.Sprintf("\n  user %d:", u)
		for i := ev.UserStart[u]; i < ev.UserStart[u+1]; i++ {
			s += fmt.Sprintf(" %s@%d", ev.Names[ev.Name[i]], ev.Time[i])
			for _, k := range []string{"device", "plan"} {
				if v := refProp(ev, int(i), k); v != "" {
					s += "{" + k + "=" + v + "}"
				}
			}
		}
	}
	return s
}

func TestEngineMatchesReference(t *testing.T) {
	iters := 50000
	if testing.Short() {
		iters = 2000
	}
	r := rand.New(rand.NewSource(1))
	defer func(v int) { directValues = v }(directValues)
	for i := 0; i < iters; i++ {
		// Alternate the breakdown's per-value and recorded paths.
		directValues = 64 * (i % 2)
		d, evs := randCase(r)
		compareWithReference(t, d, buildEvents(evs))
	}
}

// FuzzCompute drives the same comparison from fuzzer-chosen seeds.
func FuzzCompute(f *testing.F) {
	for _, s := range []int64{0, 1, 2, 3, 42, 1000, 123456789} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed int64) {
		d, evs := randCase(rand.New(rand.NewSource(seed)))
		compareWithReference(t, d, buildEvents(evs))
	})
}
