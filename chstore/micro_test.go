package chstore

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"microfunnel/funnel"
)

// Micro conversions on ClickHouse are the embedded store's, on one file and
// on appended files (ties, spans over 24.8 days).
func TestMicroMatchesEmbedded(t *testing.T) {
	fixtures := map[string]fixture{
		"one file": newFixture(t, genCSV(71, 1000, false)),
		"appended": newFixture(t, genCSV(71, 1000, false), genCSV(72, 700, true)),
	}
	micro := func(s string) []funnel.Step {
		st, err := funnel.ParseSteps(s)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	cases := []struct {
		steps, micro string
		mod          func(*funnel.Definition)
	}{
		{"a,b,c", "x,c", nil},
		{"a,c", "x[device=mobile],b|x,b[plan in (pro,team)]", func(d *funnel.Definition) { d.Window = funnel.Duration(time.Hour) }},
		{"a,b", "x,c", func(d *funnel.Definition) {
			d.From, d.To = date("2026-09-05"), date("2026-09-20")
			d.Where = []funnel.Filter{{Key: "plan", Op: "!=", Values: []string{"free"}}}
		}},
	}
	for name, f := range fixtures {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s %s / %s", name, c.steps, c.micro), func(t *testing.T) {
				d := def(t, c.steps, c.mod)
				d.Micro = micro(c.micro)
				want, err := funnel.Micro(&d, f.ev)
				if err != nil {
					t.Fatal(err)
				}
				got, err := f.ch.Micro(f.ctx, "d", &d)
				if err != nil {
					t.Fatal(err)
				}
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				if string(g) != string(w) {
					t.Errorf("ClickHouse %s\nembedded   %s", g, w)
				}
				if want[0].Users == 0 {
					t.Errorf("nobody did %s: nothing compared", c.micro)
				}
			})
		}
	}
}
