package funnel

import (
	"errors"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// TestVersusMatchesReference: the other range's funnel is the reference's
// with that entry range, and each step's test is the two-proportion test of
// the two step conversions, Holm-adjusted across steps.
func TestVersusMatchesReference(t *testing.T) {
	day := int64(86_400_000)
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	r := rand.New(rand.NewSource(5))
	for i := 0; i < 300; i++ {
		var evs []tev
		for u := 0; u < 30; u++ {
			t0 := base + r.Int63n(14*day)
			for j := 0; j < 1+r.Intn(6); j++ {
				evs = append(evs, tev{user: u, t: t0 + r.Int63n(3*3_600_000), name: randNames[r.Intn(4)]})
			}
		}
		for _, nm := range randNames {
			evs = append(evs, tev{user: 99, t: base, name: nm})
		}
		ev := buildEvents(evs)
		d := &Definition{Steps: []Step{{Events: []string{"A"}}, {Events: []string{"B"}}, {Events: []string{"C"}}}, Window: Duration(2 * time.Hour)}
		f1, t1 := Date{time.UnixMilli(base + 7*day).UTC()}, Date{time.UnixMilli(base + 13*day).UTC()} // the second week (date-only to)
		f2, t2 := Date{time.UnixMilli(base).UTC()}, Date{time.UnixMilli(base + 6*day).UTC()}
		d.From, d.To = &f1, &t1
		res := mustCompute(t, d, ev)
		if err := AddVersus(res, d, ev, f2, t2); err != nil {
			t.Fatal(err)
		}
		od := *d
		od.From, od.To = &f2, &t2
		ref := reference(&od, ev)
		v := res.Versus
		if v.Users != ref.users || v.From != "2026-03-02" || v.To != "2026-03-08" {
			t.Fatalf("versus %+v, reference users %d", v, ref.users)
		}
		var ps []float64
		for k := range d.Steps {
			if v.Steps[k].Users != ref.steps[k] {
				t.Fatalf("step %d: %d want %d", k+1, v.Steps[k].Users, ref.steps[k])
			}
			if k == 0 {
				continue
			}
			a, b := res.Steps, v.Steps
			p, m := TwoProportion(a[k].Users, a[k-1].Users, b[k].Users, b[k-1].Users)
			dd := v.Diffs[k-1]
			if dd.Step != k+1 || dd.PValue != p || dd.Method != m || dd.StepConversion != a[k].StepConversion-b[k].StepConversion {
				t.Fatalf("diff %+v", dd)
			}
			ps = append(ps, p)
		}
		for k, adj := range Holm(ps) {
			if v.Diffs[k].Adjusted != adj || v.Diffs[k].Significant != (v.Diffs[k].Method != "none" && adj < Alpha) {
				t.Fatalf("diff %+v, adjusted %v", v.Diffs[k], adj)
			}
		}
	}
}

func TestVersusBadRanges(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"2024-03-01", "want FROM..TO"},
		{"2024-03-01..", "want FROM..TO"},
		{"2024-03-01..soon", "soon"},
		{"2024-03-08..2024-03-01", "is after"},
	} {
		if _, _, err := ParseRange(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.in, err, c.want)
		}
	}
	ev := buildEvents([]tev{{name: "A", t: 0}, {name: "B", t: 1}})
	from, _ := ParseDate("2024-03-01")
	to, _ := ParseDate("2024-03-07")
	d := &Definition{Steps: []Step{{Events: []string{"A"}}, {Events: []string{"B"}}}, From: &from, To: &to}
	res := mustCompute(t, d, ev)
	of, ot, _ := ParseRange("2024-03-07..2024-03-14") // shares the 7th
	if err := AddVersus(res, d, ev, of, ot); !errors.Is(err, ErrOverlap) {
		t.Errorf("overlap: %v", err)
	}
	of, ot, _ = ParseRange("2024-03-08..2024-03-14")
	if err := AddVersus(res, d, ev, of, ot); err != nil {
		t.Errorf("adjacent ranges: %v", err)
	}
}
