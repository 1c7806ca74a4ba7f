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

func TestOddsRatio(t *testing.T) {
	for _, c := range []struct {
		name          string
		a, b, c, d    int64
		or, low, high float64
		tol           float64
	}{
		// Agresti, Categorical Data Analysis (2nd ed., 2002), section 2.3.3,
		// Physicians' Health Study (placebo 189 MI of 11034, aspirin 104 of
		// 11037): odds ratio 1.832, 95% Woolf interval (1.44, 2.33).
		{"aspirin", 189, 10845, 104, 10933, 1.832, 1.44, 2.33, 0.005},
		// A zero cell: every cell + 0.5, so OR = (5.5·5.5)/(0.5·5.5) = 11,
		// se = sqrt(2/5.5 + 1/0.5 + ... ) computed by hand below.
		{"zero cell", 5, 0, 5, 5, 11, 11 * math.Exp(-z975*math.Sqrt(3/5.5+2)), 11 * math.Exp(z975*math.Sqrt(3/5.5+2)), 1e-9},
		{"two zero cells", 0, 7, 7, 0, 1 / (7.5 * 7.5 / 0.25), 0, 1, 1},
		{"empty row", 0, 0, 3, 4, 1, 1, 1, 0},
		{"empty column", 0, 5, 0, 4, 1, 1, 1, 0},
		{"all empty", 0, 0, 0, 0, 1, 1, 1, 0},
	} {
		or, ci := OddsRatio(c.a, c.b, c.c, c.d)
		for _, v := range []float64{or, ci.Low, ci.High} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: OddsRatio = %v %+v: not finite", c.name, or, ci)
			}
		}
		if !near(or, c.or, c.tol*math.Max(1, c.or)) || !(ci.Low <= or && or <= ci.High) {
			t.Errorf("%s: OddsRatio = %v %+v, want %v", c.name, or, ci, c.or)
		}
		if c.name != "two zero cells" && (!near(ci.Low, c.low, c.tol) || !near(ci.High, c.high, c.tol)) {
			t.Errorf("%s: interval %+v, want [%v, %v]", c.name, ci, c.low, c.high)
		}
	}
}

func TestChiSquare(t *testing.T) {
	for _, c := range []struct {
		name       string
		a, b, c, d int64
		x2, p      float64
	}{
		// Agresti (2002), section 3.2, the aspirin table: X² = 25.01.
		{"aspirin", 189, 10845, 104, 10933, 25.01, 5.69e-7},
		// Bland, Clinical Biostatistics, the ESPRIT trial (470 of 1363 against
		// 184 of 1376 discontinued): chi-squared = 167.89, 1 df.
		{"esprit", 470, 1363 - 470, 184, 1376 - 184, 167.89, 2.1e-38},
		{"independent", 10, 20, 20, 40, 0, 1},
		{"empty row", 0, 0, 5, 5, 0, 1},
	} {
		x2, p := ChiSquare(c.a, c.b, c.c, c.d)
		if !near(x2, c.x2, 0.005) || !near(p, c.p, c.p*0.05+1e-12) {
			t.Errorf("%s: ChiSquare = %v, %v; want %v, %v", c.name, x2, p, c.x2, c.p)
		}
	}
	// Huge counts neither overflow nor lose the sign.
	if x2, p := ChiSquare(1<<40, 1<<40, 1<<40, 1<<41); math.IsNaN(x2) || math.IsInf(x2, 0) || p >= 1e-6 {
		t.Errorf("huge table: %v %v", x2, p)
	}
}

func TestAssociation(t *testing.T) {
	// R: fisher.test(matrix(c(3,1,1,3),2)) "Tea tasting", p = 0.4857.
	if p, m := Association(3, 1, 1, 3); m != "fisher" || !near(p, 0.4857143, 1e-6) {
		t.Errorf("tea tasting: %v %s", p, m)
	}
	if p, m := Association(189, 10845, 104, 10933); m != "chi2" || !near(p, 5.69e-7, 0.05e-7) {
		t.Errorf("aspirin: %v %s", p, m)
	}
	for _, tb := range [][4]int64{{0, 0, 0, 0}, {5, 0, 5, 0}, {0, 0, 1, 1}, {10, 10, 10, 10}} {
		p, _ := Association(tb[0], tb[1], tb[2], tb[3])
		if math.IsNaN(p) || p < 0 || p > 1 {
			t.Errorf("%v: p = %v", tb, p)
		}
	}
}

func TestBenjaminiHochberg(t *testing.T) {
	// Benjamini and Hochberg (1995), JRSS B 57(1), section 4: the 15 p-values
	// of a study of myocardial infarction treatments; at level 0.05 the
	// procedure rejects the four smallest. The q-values are p·m/i made
	// monotone (e.g. the 4th: 0.0095·15/4 = 0.035625; the 6th and 7th share
	// 0.0298·15/7).
	p := []float64{0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
		0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000}
	// Shuffle the order: q-values come back in the input's order.
	perm := []int{14, 3, 7, 0, 11, 5, 9, 1, 13, 2, 8, 6, 12, 4, 10}
	in := make([]float64, len(p))
	for i, j := range perm {
		in[i] = p[j]
	}
	q := BenjaminiHochberg(in)
	want := map[int]float64{0: 0.0015, 1: 0.003, 2: 0.0095, 3: 0.035625, 4: 0.0603,
		5: 0.0298 * 15 / 7, 6: 0.0298 * 15 / 7, 7: 0.0645, 8: 0.0765, 14: 1}
	rejected := 0
	for i, j := range perm {
		if q[i] < 0.05 {
			rejected++
		}
		if w, ok := want[j]; ok && !near(q[i], w, 1e-9) {
			t.Errorf("q of p=%v: %v, want %v", p[j], q[i], w)
		}
	}
	if rejected != 4 {
		t.Errorf("rejected %d at 0.05, want 4 (Benjamini and Hochberg 1995)", rejected)
	}
	if got := BenjaminiHochberg(nil); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
	if got := BenjaminiHochberg([]float64{math.NaN(), 0.01}); got[0] != 1 || !near(got[1], 0.02, 1e-12) {
		t.Errorf("NaN input: %v", got)
	}
}
