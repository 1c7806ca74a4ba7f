package funnel

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
)

// A funnel filtered to a segment equals that segment's row in the
// brute-force reference's breakdown, whatever the attribution, mode,
// counting or top N; with By kept, the whole breakdown stays.
func TestSegmentMatchesReferenceRow(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	checked := 0
	for i := 0; i < 3000; i++ {
		d, evs := randCase(r)
		if d.By == "" {
			d.By = "device"
		}
		ev := buildEvents(evs)
		want := reference(d, ev)
		for _, seg := range want.segs {
			for _, keepBy := range []bool{false, true} {
				sd := d.Clone()
				sd.Segment = &SegmentFilter{Key: d.By, Value: seg.value}
				if !keepBy {
					sd.By = ""
				}
				got, err := Compute(&sd, ev)
				if err != nil {
					t.Fatalf("case %d segment %s: %v", i, seg.value, err)
				}
				for k := range d.Steps {
					g := got.Steps[k]
					if g.Users != seg.steps[k] || g.MedianMs != seg.med[k] || g.P90Ms != seg.p90[k] {
						dj, _ := json.Marshal(sd)
						t.Fatalf("case %d %s step %d: got %d/%d/%d want %d/%d/%d\n%s", i, seg.value, k+1,
							g.Users, g.MedianMs, g.P90Ms, seg.steps[k], seg.med[k], seg.p90[k], dj)
					}
				}
				if keepBy != (got.Breakdown != nil) {
					t.Fatalf("case %d: breakdown kept = %v, want %v", i, got.Breakdown != nil, keepBy)
				}
				if keepBy && len(got.Breakdown.Segments) != len(want.segs) {
					t.Fatalf("case %d: %d segments listed, want %d", i, len(got.Breakdown.Segments), len(want.segs))
				}
				checked++
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d segments checked", checked)
	}
}

func TestSegmentRules(t *testing.T) {
	ev := buildEvents([]tev{
		{user: 0, t: 1, name: "a", props: map[string]string{"device": "m"}},
		{user: 0, t: 2, name: "b", props: map[string]string{"device": "d"}},
	})
	base := Definition{Steps: []Step{{Events: []string{"a"}}, {Events: []string{"b"}}}}
	cases := []struct {
		name string
		seg  SegmentFilter
		by   string
		want string // error substring; "" means ok
	}{
		{"ok", SegmentFilter{"device", "m"}, "", ""},
		{"same by", SegmentFilter{"device", "m"}, "device", ""},
		{"other by", SegmentFilter{"device", "m"}, "plan", "must be by the same property"},
		{"no key", SegmentFilter{"", "m"}, "", "missing property"},
		{"no value", SegmentFilter{"device", ""}, "", "missing value"},
		{"unknown key", SegmentFilter{"devce", "m"}, "", `unknown property "devce" (did you mean "device"?)`},
		{"unknown value", SegmentFilter{"device", "x"}, "", `unknown value of device "x"`},
		{"none", SegmentFilter{"device", NoneSegment}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := base.Clone()
			d.Segment, d.By = &c.seg, c.by
			_, err := Compute(&d, ev)
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestParseSegment(t *testing.T) {
	cases := []struct{ in, want, err string }{
		{"device=mobile", "device=mobile", ""},
		{" device = mobile ", "device=mobile", ""},
		{`country="United States"`, "country=United States", ""},
		{"device==mobile", "", "one = between key and value (device=mobile)"},
		{"device", "", "want KEY=VALUE"},
		{"=mobile", "", "want KEY=VALUE"},
	}
	for _, c := range cases {
		s, err := ParseSegment(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || s.String() != c.want {
			t.Errorf("%q: %v %v, want %s", c.in, s, err, c.want)
		}
	}
}

func TestDecodeStrictAndClone(t *testing.T) {
	if _, err := Decode([]byte(`{"steps":[{"events":["a"]}],"windw":"1d"}`)); err == nil || !strings.Contains(err.Error(), "windw") {
		t.Fatalf("unknown field: %v", err)
	}
	d, err := Decode([]byte(`{"steps":[{"events":["a"],"where":[{"key":"k","op":"=","values":["v"]}]}],"segment":{"key":"k","value":"v"}}`))
	if err != nil || d.Segment == nil || d.Segment.Value != "v" {
		t.Fatalf("decode: %+v %v", d, err)
	}
	c := d.Clone()
	c.Steps[0].Events[0] = "x"
	c.Steps[0].Where[0].Values[0] = "y"
	c.Segment.Value = "z"
	if d.Steps[0].Events[0] != "a" || d.Steps[0].Where[0].Values[0] != "v" || d.Segment.Value != "v" {
		t.Fatalf("clone shares memory with the original: %+v", d)
	}
}

func TestCheckValues(t *testing.T) {
	ev := buildEvents([]tev{
		{user: 0, t: 1, name: "a", props: map[string]string{"country": "US"}},
		{user: 0, t: 2, name: "b", props: map[string]string{"country": "DE"}},
	})
	cases := []struct {
		name string
		def  Definition
		want string
	}{
		{"known", Definition{Where: []Filter{{Key: "country", Op: OpEq, Values: []string{"US"}}}}, ""},
		{"global", Definition{Where: []Filter{{Key: "country", Op: OpEq, Values: []string{"USA"}}}}, `unknown value of country "USA" (did you mean "US"?)`},
		{"step", Definition{Steps: []Step{{Events: []string{"a"}, Where: []Filter{{Key: "country", Op: OpIn, Values: []string{"US", "DEU"}}}}}}, `"DEU" (did you mean "DE"?)`},
		{"exclusion", Definition{Exclusions: []Exclusion{{Where: []Filter{{Key: "country", Op: OpNe, Values: []string{"FR"}}}}}}, `unknown value of country "FR"`},
		{"unknown key is not its job", Definition{Where: []Filter{{Key: "cuntry", Op: OpEq, Values: []string{"x"}}}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckValues(&c.def, ev)
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	if _, err := ParseFilter("device==mobile"); err == nil || !strings.Contains(err.Error(), "one = between key and value (device=mobile)") {
		t.Fatalf("device==mobile: %v", err)
	}
	if f, err := ParseFilter(`device="=x"`); err != nil || f.Values[0] != "=x" {
		t.Fatalf("a quoted value may start with =: %v %v", f, err)
	}
}
