package sample

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"microfunnel/funnel"
	"microfunnel/store"
)

// TestPlantedFindings is the promise of docs/SAMPLES.md: on each default
// dataset (20,000 users, seed 1), written to a store and loaded back the way
// `report` does it, the funnel engine finds every planted finding.
func TestPlantedFindings(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "findings.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	events := map[Business]*funnel.Events{}
	for _, b := range Businesses() {
		_, err := st.Insert(ctx, DefaultDataset(b), func(add func(*store.Record) error) error {
			return Generate(b, DefaultUsers, DefaultSeed, add)
		})
		if err != nil {
			t.Fatal(err)
		}
		if events[b], err = st.Load(ctx, DefaultDataset(b)); err != nil {
			t.Fatal(err)
		}
	}

	// compute runs a preset, broken down by by if it is set (else by the
	// preset's own breakdown, if any).
	compute := func(t *testing.T, preset, by string) *funnel.Result {
		t.Helper()
		p, err := FindPreset(preset)
		if err != nil {
			t.Fatal(err)
		}
		def := p.Definition
		if by != "" {
			def.By = by
		}
		res, err := funnel.Compute(&def, events[p.Business])
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// The engine and the small reference funnel of calibrate_test.go, which
	// knows nothing of the store or the engine, count the same users at
	// every step of each macro funnel, for each device.
	t.Run("engine agrees with the reference funnel", func(t *testing.T) {
		for _, b := range Businesses() {
			p, err := MacroPreset(b)
			if err != nil {
				t.Fatal(err)
			}
			var steps []string
			for _, s := range p.Definition.Steps {
				if len(s.Events) != 1 || len(s.Where) != 0 {
					t.Fatalf("%s: the reference takes one plain event a step", p.Name)
				}
				steps = append(steps, s.Events[0])
			}
			ref := funnelBy(collect(t, b, DefaultUsers, DefaultSeed), steps, func(u *userEvents, _ int) string { return u.device })
			res := compute(t, p.Name, "device")
			if len(res.Breakdown.Segments) != len(ref) {
				t.Fatalf("%s: %d segments, reference %d", p.Name, len(res.Breakdown.Segments), len(ref))
			}
			for _, seg := range res.Breakdown.Segments {
				for k, st := range seg.Steps {
					if int(st.Users) != ref[seg.Value][k] {
						t.Errorf("%s, %s, step %d: engine %d users, reference %d", p.Name, seg.Value, k+1, st.Users, ref[seg.Value][k])
					}
				}
			}
		}
	})
	if *numbers {
		logNumbers(t)
	}

	segment := func(t *testing.T, res *funnel.Result, value string) funnel.Segment {
		t.Helper()
		if res.Breakdown == nil {
			t.Fatal("no breakdown")
		}
		for _, s := range res.Breakdown.Segments {
			if s.Value == value {
				return s
			}
		}
		t.Fatalf("no segment %q", value)
		return funnel.Segment{}
	}

	// A segment's conversion into step (1-based) differs from the rest's:
	// want +1 (significantly higher), -1 (significantly lower) or 0 (no
	// significant difference).
	segmentTests := []struct {
		finding       string
		preset, by    string
		value         string
		step, want    int
		minDiff       float64 // |Diff| at least this, when want != 0
		wantOverallLo bool    // also the lowest overall conversion
	}{
		{"mobile abandons checkout", "store", KeyDevice, "mobile", 4, -1, 0.15, false},
		{"mobile abandons checkout (checkout preset)", "store-checkout", "", "mobile", 2, -1, 0.15, false},
		{"mobile adds to cart as often as the rest", "store", KeyDevice, "mobile", 2, 0, 0, false},
		{"mobile begins checkout as often as the rest", "store", KeyDevice, "mobile", 3, 0, 0, false},
		{"email adds to cart most", "store", KeySource, "email", 2, 1, 0.1, false},
		{"electronics: lowest view to cart", "store", "category", "electronics", 2, -1, 0.03, false},
		{"email clicks contact most", "service", KeySource, "email", 2, 1, 0.05, false},
		{"consulting clicks contact most", "service", "service", "consulting", 2, 1, 0.03, false},
		{"email opens sign-up most", "content", KeySource, "email", 2, 1, 0.05, false},
		{"social signs up least", "content", KeySource, "social", 2, -1, 0.02, true},
	}
	for _, tt := range segmentTests {
		t.Run(tt.finding, func(t *testing.T) {
			res := compute(t, tt.preset, tt.by)
			s := segment(t, res, tt.value)
			test := s.Tests[tt.step-2]
			t.Logf("%s=%s step %d: rate %.1f%%, diff vs rest %+.1f pp, p %.2g (adjusted %.2g), significant %v",
				res.Breakdown.Property, tt.value, tt.step, 100*s.Steps[tt.step-1].StepConversion, 100*test.Diff, test.PValue, test.Adjusted, test.Significant)
			switch {
			case tt.want == 0 && test.Significant:
				t.Errorf("significant difference (diff %+.3f, p %.2g), want none", test.Diff, test.Adjusted)
			case tt.want != 0 && !test.Significant:
				t.Errorf("not significant (diff %+.3f, adjusted p %.2g)", test.Diff, test.Adjusted)
			case tt.want != 0 && (test.Diff*float64(tt.want) < tt.minDiff):
				t.Errorf("diff %+.3f, want %+.3f or beyond", test.Diff, float64(tt.want)*tt.minDiff)
			}
			if tt.wantOverallLo {
				for _, o := range res.Breakdown.Segments {
					if o.Value != tt.value && o.Steps[len(o.Steps)-1].Conversion <= s.Steps[len(s.Steps)-1].Conversion {
						t.Errorf("%s converts %.2f%% overall, not above %s's %.2f%%", o.Value, 100*o.Steps[len(o.Steps)-1].Conversion, tt.value, 100*s.Steps[len(s.Steps)-1].Conversion)
					}
				}
			}
		})
	}

	// Email traffic converts best, in every business.
	for _, b := range Businesses() {
		t.Run(fmt.Sprintf("email converts best (%s)", b), func(t *testing.T) {
			res := compute(t, string(b), KeySource)
			best, rate := "", -1.0
			for _, s := range res.Breakdown.Segments {
				if c := s.Steps[len(s.Steps)-1].Conversion; c > rate {
					best, rate = s.Value, c
				}
			}
			t.Logf("overall conversion: %s", overall(res))
			if best != "email" {
				t.Errorf("best source is %s (%.2f%%), want email", best, 100*rate)
			}
		})
	}

	// Micro conversions raise the odds of the macro one.
	microTests := []struct {
		preset, micro string
		minLift       float64
	}{
		{"store", "Add to wishlist", 2},
		{"service", "View case study", 2},
		{"content", "Register for webinar", 2},
		{"content", "Subscribe to newsletter", 2},
		{"content", "Download material", 2},
	}
	for _, tt := range microTests {
		t.Run(fmt.Sprintf("%s lifts %s", tt.micro, tt.preset), func(t *testing.T) {
			p, err := FindPreset(tt.preset)
			if err != nil {
				t.Fatal(err)
			}
			ms, err := funnel.Micro(&p.Definition, events[p.Business])
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.Name != tt.micro {
					continue
				}
				t.Logf("%s: %d users (%.1f%%), macro %.1f%% with vs %.1f%% without, lift %.2f, p %.2g",
					m.Name, m.Users, 100*m.Share, 100*m.MacroRateWith, 100*m.MacroRateWithout, m.Lift, m.PValue)
				if m.Lift < tt.minLift || m.PValue > 1e-6 {
					t.Errorf("lift %.2f (want >= %.1f), p %.2g (want <= 1e-6)", m.Lift, tt.minLift, m.PValue)
				}
				return
			}
			t.Fatalf("preset %s has no micro conversion %q", tt.preset, tt.micro)
		})
	}
}

// overall formats each segment's overall conversion, for the test log.
func overall(res *funnel.Result) string {
	out := ""
	for _, s := range res.Breakdown.Segments {
		out += fmt.Sprintf("%s %.2f%%  ", s.Value, 100*s.Steps[len(s.Steps)-1].Conversion)
	}
	return out
}
