package funnel

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Explain's chain is the reference's counted chain, user by user, and its
// level the user's furthest step.
func TestExplainMatchesReference(t *testing.T) {
	iters := 10000
	if testing.Short() {
		iters = 1000
	}
	r := rand.New(rand.NewSource(13))
	checked := 0
	for i := 0; i < iters; i++ {
		d, evs := randCase(r)
		ev := buildEvents(evs)
		d.Count, d.By = Users, ""
		dj, _ := json.Marshal(d)
		ref := reference(d, ev)
		byUser := map[int]refUnit{}
		for _, u := range ref.units {
			byUser[u.user] = u
		}
		for u := 0; u < ev.NumUsers(); u++ {
			x, err := Explain(d, ev, u)
			if err != nil {
				t.Fatalf("Explain: %v", err)
			}
			want, ok := byUser[u]
			var chain []uint32
			for _, p := range want.pos {
				chain = append(chain, uint32(p))
			}
			if !ok && x.Reached != 0 || ok && (x.Reached != want.level || !reflect.DeepEqual(x.Chain, chain)) {
				t.Fatalf("definition %s\nevents %s\nuser %d: got level %d chain %v, want %d %v", dj, dumpEvents(ev), u, x.Reached, x.Chain, want.level, chain)
			}
			if (x.Stopped == nil) != (x.Reached == len(d.Steps)) {
				t.Fatalf("user %d: reached %d of %d, stopped %+v", u, x.Reached, len(d.Steps), x.Stopped)
			}
			if s := x.Stopped; s != nil && s.Kind == StopNever {
				// truly no event of the next step's names after the chain
				for i := x.Chain[x.Reached-1] + 1; i < ev.UserStart[u+1]; i++ {
					if refMatches(ev, int(i), d.Steps[x.Reached].Events, nil) {
						t.Fatalf("definition %s\nevents %s\nuser %d: %q, but event %d is step %d's", dj, dumpEvents(ev), u, s.Detail, i, x.Reached+1)
					}
				}
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("nothing checked")
	}
}

// The worked examples of docs/SEMANTICS.md, "One user's path": minutes,
// window 60 minutes, steps A,B,C.
func TestExplainExamples(t *testing.T) {
	type ev = minuteEvent
	cases := []struct {
		name   string
		events []ev
		tweak  func(d *Definition)
		kind   string
		detail string
	}{
		{"completed", []ev{{"A", 0, ""}, {"B", 1, ""}, {"C", 2, ""}}, nil, "", ""},
		{"never did step 3", []ev{{"A", 0, ""}, {"B", 1, ""}, {"X", 2, ""}}, nil, StopNever, "never did step 3 C after step 2 B"},
		{"only after the window closed", []ev{{"A", 0, ""}, {"B", 1, ""}, {"C", 61, ""}}, nil, StopWindow, "did step 3 C only after the window closed (at 1970-01-01T01:01:00.000Z"},
		{"an exclusion", []ev{{"A", 0, ""}, {"B", 1, ""}, {"X", 2, ""}, {"C", 3, ""}},
			func(d *Definition) { d.Exclusions = []Exclusion{{Events: []string{"X"}, From: 2, To: 3}} }, StopExclusion, "an exclusion: X at 1970-01-01T00:02:00.000Z"},
		{"a step filter that did not match", []ev{{"A", 0, ""}, {"B", 1, ""}, {"C", 2, "mobile"}},
			func(d *Definition) {
				d.Steps[2].Where = []Filter{{Key: "device", Op: "=", Values: []string{"desktop"}}}
			}, StopFilter, "does not match step 3's filter device=desktop"},
		{"max gap", []ev{{"A", 0, ""}, {"B", 1, ""}, {"C", 40, ""}},
			func(d *Definition) { d.MaxGap = Duration(30 * time.Minute) }, StopMaxGap, "more than the max gap"},
		{"strict", []ev{{"A", 0, ""}, {"B", 1, ""}, {"X", 2, ""}, {"C", 3, ""}},
			func(d *Definition) { d.Mode = Strict }, StopStrict, "strict mode: X at 1970-01-01T00:02:00.000Z came between"},
		{"never entered", []ev{{"B", 0, ""}}, nil, StopNotEntered, "never entered"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := minuteEvents(c.events)
			d, ev := exampleCase(evs, []string{"A", "B", "C"}, c.tweak, "device")
			d.By = ""
			x, err := Explain(d, ev, 0)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.kind == "" && x.Stopped != nil:
				t.Fatalf("stopped: %+v", x.Stopped)
			case c.kind != "" && (x.Stopped == nil || x.Stopped.Kind != c.kind || !strings.Contains(x.Stopped.Detail, c.detail)):
				t.Fatalf("got %+v, want %s: %q", x.Stopped, c.kind, c.detail)
			}
		})
	}
}
