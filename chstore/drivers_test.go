package chstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"microfunnel/funnel"
)

// Drivers on ClickHouse are the embedded store's, row for row, on one file
// and on appended files (whose users span more than 24.8 days, and tie).
func TestDriversMatchEmbedded(t *testing.T) {
	fixtures := map[string]fixture{
		"one file": newFixture(t, genCSV(61, 1200, false)),
		"appended": newFixture(t, genCSV(61, 1200, false), genCSV(62, 900, true)),
	}
	cases := []struct {
		steps string
		opt   funnel.DriverOptions
		mod   func(*funnel.Definition)
	}{
		{"a,b,c", funnel.DriverOptions{}, nil},
		{"a,b,c", funnel.DriverOptions{Step: 1, MinUsers: 30}, nil},
		{"a,c", funnel.DriverOptions{Step: 1}, func(d *funnel.Definition) { d.Window = funnel.Duration(time.Hour) }},
		{"a|x,b", funnel.DriverOptions{}, func(d *funnel.Definition) {
			d.Where = []funnel.Filter{{Key: "plan", Op: "!=", Values: []string{"free"}}}
		}},
		{"a,b,c", funnel.DriverOptions{Step: 2}, func(d *funnel.Definition) { d.From, d.To = date("2026-09-05"), date("2026-09-25") }},
	}
	for name, f := range fixtures {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s %s %+v", name, c.steps, c.opt), func(t *testing.T) {
				d := def(t, c.steps, c.mod)
				want, err1 := funnel.Drivers(&d, f.ev, c.opt)
				got, err2 := f.ch.Drivers(f.ctx, "d", &d, c.opt)
				if errors.Is(err1, funnel.ErrNoContrast) != errors.Is(err2, funnel.ErrNoContrast) || (err1 == nil) != (err2 == nil) {
					t.Fatalf("ClickHouse %v, embedded %v", err2, err1)
				}
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				if string(g) != string(w) {
					t.Errorf("ClickHouse %s\nembedded   %s", g, w)
				}
				if want != nil && len(want.Drivers) == 0 && err1 == nil {
					t.Errorf("no drivers to compare: %s", w)
				}
			})
		}
	}
	d := def(t, "a,b", nil)
	if _, err := fixtures["one file"].ch.Drivers(fixtures["one file"].ctx, "d", &d, funnel.DriverOptions{Props: []string{"device"}}); !errors.As(err, new(*UnsupportedError)) || !strings.Contains(err.Error(), "--props") {
		t.Errorf("--props: %v", err)
	}
}
