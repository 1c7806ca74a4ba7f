package funnel

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestWilson(t *testing.T) {
	// Reference values from R: prop.test(x, n, correct = FALSE)$conf.int
	// (which is the Wilson score interval).
	for _, c := range []struct {
		k, n      int64
		low, high float64
	}{
		{50, 100, 0.4038315, 0.5961685},
		{0, 10, 0, 0.2775328},
		{10, 10, 0.7224672, 1},
		{1, 20, 0.008881449, 0.2361312},
		{0, 0, 0, 0},
	} {
		got := Wilson(c.k, c.n)
		if !near(got.Low, c.low, 1e-6) || !near(got.High, c.high, 1e-6) {
			t.Errorf("Wilson(%d,%d) = %+v, want [%v,%v]", c.k, c.n, got, c.low, c.high)
		}
	}
}

func TestZTest(t *testing.T) {
	// pooled p = .375, se = .0684653, z = 2.190890, chi-squared 4.8: p = 0.02845974
	if p := ZTest(45, 100, 30, 100); !near(p, 0.02845974, 1e-6) {
		t.Errorf("ZTest = %v", p)
	}
	if p := ZTest(0, 10, 0, 10); p != 1 {
		t.Errorf("ZTest all zero = %v, want 1", p)
	}
	if p := ZTest(1, 0, 1, 10); p != 1 {
		t.Errorf("ZTest empty group = %v, want 1", p)
	}
}

func TestFisherExact(t *testing.T) {
	// R: fisher.test(matrix(c(a,c,b,d),2))$p.value
	for _, c := range []struct {
		a, b, c, d int64
		p          float64
	}{
		{3, 1, 1, 3, 0.4857143},
		{1, 9, 11, 3, 0.002759456},
		{0, 5, 5, 0, 0.007936508},
		{2, 3, 2, 3, 1},
		{4, 1, 1, 4, 0.2063492}, // tables tied with the observed one count too
		{2, 2, 2, 2, 1},
		{7, 2, 3, 8, 0.06977852},
	} {
		if got := FisherExact(c.a, c.b, c.c, c.d); !near(got, c.p, 1e-6) {
			t.Errorf("Fisher(%d,%d,%d,%d) = %v, want %v", c.a, c.b, c.c, c.d, got, c.p)
		}
	}
}

func TestTwoProportionChoosesMethod(t *testing.T) {
	if _, m := TwoProportion(1, 10, 3, 10); m != "fisher" {
		t.Errorf("small counts: method %s, want fisher", m)
	}
	if _, m := TwoProportion(450, 1000, 300, 1000); m != "z" {
		t.Errorf("large counts: method %s, want z", m)
	}
	if p, m := TwoProportion(0, 0, 3, 10); m != "none" || p != 1 {
		t.Errorf("empty: %v %s", p, m)
	}
}

func TestHolm(t *testing.T) {
	// R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02
	got := Holm([]float64{0.01, 0.04, 0.03, 0.005})
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i := range want {
		if !near(got[i], want[i], 1e-12) {
			t.Fatalf("Holm = %v, want %v", got, want)
		}
	}
}

func TestEmptyDatasetAndNobodyEnteredEncode(t *testing.T) {
	d := &Definition{Steps: []Step{{Events: []string{"a"}}, {Events: []string{"b"}}}, By: "device"}
	for _, ev := range []*Events{nil, {}, buildEvents([]tev{{name: "c", props: map[string]string{"device": "m"}}, {name: "a", t: 5}, {name: "b"}})} {
		// The third dataset has a and b, but b comes before a: nobody converts.
		r, err := Compute(d, ev)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("json: %v", err)
		}
		if r.Steps[1].Users != 0 {
			t.Errorf("step 2 users = %d", r.Steps[1].Users)
		}
	}
}

func TestUnknownNames(t *testing.T) {
	ev := buildEvents([]tev{{name: "add_to_cart", props: map[string]string{"device": "m"}}, {name: "purchase"}, {name: "view_product"}})
	d := &Definition{Steps: []Step{{Events: []string{"view_prodct"}}, {Events: []string{"add_to_crt"}}, {Events: []string{"purchase"}, Where: []Filter{{Key: "devce", Op: "=", Values: []string{"m"}}}}}}
	_, err := Compute(d, ev)
	var ue *UnknownNameError
	if !errors.As(err, &ue) || ue.Kind != "event" || len(ue.Names) != 2 {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{`unknown events "view_prodct" (did you mean "view_product"?)`, `"add_to_crt" (did you mean "add_to_cart"?)`, `unknown property "devce" (did you mean "device"?)`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestValidate(t *testing.T) {
	two := []Step{{Events: []string{"a"}}, {Events: []string{"b"}}}
	for _, c := range []struct {
		name string
		d    Definition
		want string
	}{
		{"one step", Definition{Steps: two[:1]}, "2 to 32 steps"},
		{"empty step", Definition{Steps: []Step{{Events: []string{"a"}}, {}}}, "step 2: needs at least one event"},
		{"mode", Definition{Steps: two, Mode: "fast"}, `mode "fast"`},
		{"count", Definition{Steps: two, Count: "all"}, `count "all"`},
		{"attribution", Definition{Steps: two, Attribution: "step:3"}, "only 2 steps"},
		{"exclusion range", Definition{Steps: two, Exclusions: []Exclusion{{Events: []string{"x"}, From: 2, To: 2}}}, "1 <= from < to <= 2"},
		{"filter op", Definition{Steps: two, Where: []Filter{{Key: "k", Op: "~", Values: []string{"v"}}}}, "unknown operator"},
		{"any with gap", Definition{Steps: two, Mode: Any, MaxGap: Duration(1)}, "max gap needs an order"},
		{"negative window", Definition{Steps: two, Window: -1}, "window"},
	} {
		err := c.d.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	if err := (&Definition{Steps: two}).Validate(); err != nil {
		t.Errorf("valid: %v", err)
	}
}

func TestMicro(t *testing.T) {
	// Users 0-3 search; 0 and 1 complete a->b. Users 4-7 do not search; 4 completes.
	var evs []tev
	for u := 0; u < 8; u++ {
		evs = append(evs, tev{user: u, t: 0, name: "a"})
		if u < 4 {
			evs = append(evs, tev{user: u, t: 1, name: "search"})
		}
		if u == 0 || u == 1 || u == 4 {
			evs = append(evs, tev{user: u, t: 2, name: "b"})
		}
	}
	d := &Definition{Steps: []Step{{Events: []string{"a"}}, {Events: []string{"b"}}}, Micro: []Step{{Events: []string{"search"}}}}
	got, err := Micro(d, buildEvents(evs))
	if err != nil {
		t.Fatal(err)
	}
	m := got[0]
	if m.Users != 4 || m.Share != 0.5 || m.MacroRateWith != 0.5 || m.MacroRateWithout != 0.25 || m.Lift != 2 {
		t.Errorf("micro = %+v", m)
	}
	if want := FisherExact(2, 2, 1, 3); !near(m.PValue, want, 1e-12) {
		t.Errorf("p = %v, want %v", m.PValue, want)
	}
}

// Two segments, 45/100 and 30/100 converting: each is tested against the
// other (the rest), z test p = 0.02846 for both, Holm over 2 segments gives
// 0.0569 for both: not significant at 0.05.
func TestSegmentSignificance(t *testing.T) {
	var evs []tev
	for u := 0; u < 200; u++ {
		dev := "a"
		conv := u < 45
		if u >= 100 {
			dev, conv = "b", u < 130
		}
		evs = append(evs, tev{user: u, name: "s", props: map[string]string{"device": dev}})
		if conv {
			evs = append(evs, tev{user: u, t: 1, name: "e"})
		}
	}
	d := &Definition{Steps: []Step{{Events: []string{"s"}}, {Events: []string{"e"}}}, By: "device"}
	r := mustCompute(t, d, buildEvents(evs))
	if len(r.Breakdown.Segments) != 2 {
		t.Fatalf("segments: %+v", r.Breakdown.Segments)
	}
	for _, s := range r.Breakdown.Segments {
		ts := s.Tests[0]
		if ts.Step != 2 || ts.Method != "z" || !near(ts.PValue, 0.02845974, 1e-6) || !near(ts.Adjusted, 2*0.02845974, 1e-6) || ts.Significant {
			t.Errorf("%s: %+v", s.Value, ts)
		}
	}
	if d := r.Breakdown.Segments[0].Tests[0].Diff; !near(d, 0.15, 1e-12) {
		t.Errorf("diff = %v, want 0.15 (a: 45%% vs b: 30%%)", d)
	}
}
