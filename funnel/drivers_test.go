package funnel

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// refDrivers counts, by brute force from the reference's counted chains,
// what Drivers counts: per unit at level >= from, the names it did in its
// span and its step-1 event's property values.
func refDrivers(d *Definition, ev *Events, opt DriverOptions) (entered, converted int64, users, conv map[string]int64) {
	n := len(d.Steps)
	from, to := 1, n
	if opt.Step > 0 {
		from, to = opt.Step, opt.Step+1
	}
	du := *d
	du.Count, du.By = Users, ""
	W := DefaultWindow.Milliseconds()
	if d.Window > 0 {
		W = d.Window.Milliseconds()
	}
	isStep := map[string]bool{}
	for _, s := range d.Steps {
		for _, e := range s.Events {
			isStep[e] = true
		}
	}
	users, conv = map[string]int64{}, map[string]int64{}
	for _, u := range reference(&du, ev).units {
		if u.level < from {
			continue
		}
		entered++
		c := u.level >= to
		if c {
			converted++
		}
		add := func(label string) {
			users[label]++
			if c {
				conv[label]++
			}
		}
		for _, k := range opt.Props {
			if v := refProp(ev, u.pos[0], k); v != "" {
				add(k + "=" + v)
			}
		}
		ts := ev.Time[u.pos[from-1]]
		te := ev.Time[u.pos[0]] + W
		if c {
			te = ev.Time[u.pos[to-1]]
		}
		user := 0
		for int(ev.UserStart[user+1]) <= u.pos[0] {
			user++
		}
		did := map[string]bool{}
		for i := int(ev.UserStart[user]); i < int(ev.UserStart[user+1]); i++ {
			nm := ev.Names[ev.Name[i]]
			if ev.Time[i] >= ts && ev.Time[i] <= te && !isStep[nm] && refFilterOK(ev, i, d.Where) {
				did[nm] = true
			}
		}
		for nm := range did {
			add(nm)
		}
	}
	return entered, converted, users, conv
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func checkDrivers(t *testing.T, d *Definition, ev *Events, opt DriverOptions) {
	t.Helper()
	got, err := Drivers(d, ev, opt)
	dj, _ := json.Marshal(d)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("definition %s options %+v\nevents %s\n%s", dj, opt, dumpEvents(ev), fmt.Sprintf(format, args...))
	}
	entered, converted, users, conv := refDrivers(d, ev, opt)
	if err != nil {
		if !errors.Is(err, ErrNoContrast) || (converted != 0 && converted != entered) {
			fail("Drivers: %v (reference: %d of %d converted)", err, converted, entered)
		}
	}
	if got.Entered != entered || got.Converted != converted {
		fail("entered/converted: got %d/%d want %d/%d", got.Entered, got.Converted, entered, converted)
	}
	if err != nil || entered == 0 {
		if len(got.Drivers) != 0 {
			fail("drivers without contrast: %+v", got.Drivers)
		}
		return
	}
	if len(got.Drivers) != len(users) {
		fail("%d drivers, reference has %d: %+v vs %v", len(got.Drivers), len(users), got.Drivers, users)
	}
	sig := true
	for _, dr := range got.Drivers {
		l := dr.Label()
		if dr.Users != users[l] || dr.Converted != conv[l] {
			fail("%s: got %d/%d want %d/%d", l, dr.Converted, dr.Users, conv[l], users[l])
		}
		if !finite(dr.Conversion, dr.ConversionWithout, dr.OddsRatio, dr.CI.Low, dr.CI.High, dr.P, dr.Q) ||
			dr.P < 0 || dr.P > 1 || dr.Q < dr.P-1e-12 || dr.Q > 1 || dr.CI.Low > dr.OddsRatio || dr.OddsRatio > dr.CI.High {
			fail("%s: bad figures %+v", l, dr)
		}
		if dr.Significant && !sig {
			fail("significant %s after a non-significant one", l)
		}
		sig = dr.Significant
	}
	if _, err := json.Marshal(got); err != nil {
		fail("json: %v", err)
	}
}

func TestDriversMatchReference(t *testing.T) {
	iters := 20000
	if testing.Short() {
		iters = 2000
	}
	r := rand.New(rand.NewSource(7))
	for i := 0; i < iters; i++ {
		d, evs := randCase(r)
		if d.Mode == Any {
			d.Mode = Sequential
			if r.Intn(2) == 0 {
				d.Mode = Strict
			}
		}
		opt := DriverOptions{}
		if r.Intn(2) == 0 {
			opt.Step = 1 + r.Intn(len(d.Steps)-1)
		}
		for _, k := range []string{"device", "plan"} {
			if r.Intn(2) == 0 {
				opt.Props = append(opt.Props, k)
			}
		}
		checkDrivers(t, d, buildEvents(evs), opt)
	}
}

// TestDriversSpanExamples are the examples of docs/SEMANTICS.md, "Drivers".
func TestDriversSpanExamples(t *testing.T) {
	min := func(n int64) int64 { return n * 60_000 }
	// Steps A, B, C, window 1h (exampleCase); user 1 holds every name but
	// does not enter.
	cases := []struct {
		name   string
		events []tev
		step   int
		want   map[string][2]int64 // label -> users, converted
	}{
		{"before step 1 and after the last step do not count", []tev{
			{user: 0, t: min(0), name: "V"}, {user: 0, t: min(1), name: "A"}, {user: 0, t: min(2), name: "B"},
			{user: 0, t: min(3), name: "C"}, {user: 0, t: min(4), name: "W"},
			{user: 2, t: min(0), name: "A"}, {user: 2, t: min(30), name: "W"},
		}, 0, map[string][2]int64{"W": {1, 0}}},
		{"a non-converter's span runs to the window's end", []tev{
			{user: 0, t: min(0), name: "A"}, {user: 0, t: min(60), name: "V"}, {user: 0, t: min(61), name: "W"},
			{user: 2, t: min(0), name: "A"}, {user: 2, t: min(1), name: "B"}, {user: 2, t: min(2), name: "C"},
		}, 0, map[string][2]int64{"V": {1, 0}}},
		{"with --step 2 the span is from step 2 to step 3", []tev{
			{user: 0, t: min(0), name: "A"}, {user: 0, t: min(1), name: "V"}, {user: 0, t: min(2), name: "B"},
			{user: 0, t: min(3), name: "W"}, {user: 0, t: min(4), name: "C"},
			{user: 2, t: min(0), name: "A"}, {user: 2, t: min(2), name: "B"}, {user: 2, t: min(5), name: "V"},
		}, 2, map[string][2]int64{"W": {1, 1}, "V": {1, 0}}},
		{"an event at step 1's millisecond counts", []tev{
			{user: 0, t: min(0), name: "V"}, {user: 0, t: min(0), name: "A"}, {user: 0, t: min(1), name: "B"}, {user: 0, t: min(2), name: "C"},
			{user: 2, t: min(0), name: "A"},
		}, 0, map[string][2]int64{"V": {1, 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, nm := range []string{"V", "W"} {
				c.events = append(c.events, tev{user: 1, name: nm, t: min(1000)})
			}
			d, ev := exampleCase(c.events, []string{"A", "B", "C"}, nil, "")
			res, err := Drivers(d, ev, DriverOptions{Step: c.step})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][2]int64{}
			for _, dr := range res.Drivers {
				got[dr.Label()] = [2]int64{dr.Users, dr.Converted}
			}
			for l, w := range c.want {
				if got[l] != w {
					t.Errorf("%s: got %v want %v (all: %v)", l, got[l], w, got)
				}
			}
			checkDrivers(t, d, ev, DriverOptions{Step: c.step})
		})
	}
}

func TestDriversBadInput(t *testing.T) {
	evs := []tev{
		{user: 0, t: 0, name: "A", props: map[string]string{"device": "m"}}, {user: 0, t: 1, name: "B"},
		{user: 1, t: 0, name: "A", props: map[string]string{"device": "d"}}, {user: 1, t: 1, name: "B"},
		{user: 1, t: 2, name: "X"},
	}
	ev := buildEvents(evs)
	d := &Definition{Steps: []Step{{Events: []string{"A"}}, {Events: []string{"B"}}}}
	var un *UnknownNameError
	if _, err := Drivers(d, ev, DriverOptions{Props: []string{"devise"}}); !errors.As(err, &un) || un.Suggestions["devise"][0] != "device" {
		t.Errorf("unknown key: %v", err)
	}
	for _, k := range []int{-1, 2, 3} {
		if _, err := Drivers(d, ev, DriverOptions{Step: k}); err == nil {
			t.Errorf("step %d: no error", k)
		}
	}
	res, err := Drivers(d, ev, DriverOptions{})
	if !errors.Is(err, ErrNoContrast) || res.Entered != 2 || res.Converted != 2 {
		t.Errorf("everyone converts: %v %+v", err, res)
	}
	d2 := &Definition{Steps: []Step{{Events: []string{"X"}}, {Events: []string{"A"}}}}
	if res, err := Drivers(d2, ev, DriverOptions{}); !errors.Is(err, ErrNoContrast) || res.Converted != 0 {
		t.Errorf("nobody converts: %v %+v", err, res)
	}
	d3 := *d
	d3.Mode = Any
	if _, err := Drivers(&d3, ev, DriverOptions{}); err == nil {
		t.Error("mode any: no error")
	}
}

// TestMicroOddsRatiosMatchReference: micro conversions carry the drivers'
// table figures, from the reference's counts.
func TestMicroOddsRatiosMatchReference(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for i := 0; i < 3000; i++ {
		d, evs := randCase(r)
		if len(d.Micro) == 0 {
			continue
		}
		ev := buildEvents(evs)
		ms, err := Micro(d, ev)
		if err != nil {
			t.Fatal(err)
		}
		du := *d
		du.Count, du.By = Users, ""
		ref := reference(&du, ev)
		users, macro := int64(ref.users), ref.steps[len(d.Steps)-1]
		for j, s := range d.Micro {
			did, didMacro := refMicro(d, &du, ev, s)
			or, ci := OddsRatio(didMacro, did-didMacro, macro-didMacro, users-did-(macro-didMacro))
			m := ms[j]
			if !near(m.OddsRatio, or, 1e-12) || m.OddsRatioCI != ci || m.Q < m.PValue-1e-12 || m.Q > 1 || !finite(m.Q, m.OddsRatio, ci.Low, ci.High) {
				t.Fatalf("micro %d: got %+v, want odds ratio %v %+v", j, m, or, ci)
			}
		}
	}
}
