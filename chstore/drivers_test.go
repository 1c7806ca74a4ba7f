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
		{"a,b,c", funnel.DriverOptions{Props: []string{"device", "plan"}}, nil},
		{"a|b,c", funnel.DriverOptions{Step: 1, Props: []string{"plan"}}, func(d *funnel.Definition) { d.Window = funnel.Duration(2 * time.Hour) }},
	}
	for name, f := range fixtures {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s %s %+v", name, c.steps, c.opt), func(t *testing.T) {
				d := def(t, c.steps, c.mod)
				want, err1 := funnel.Drivers(&d, f.ev, c.opt)
				got, err2 := f.ch.Drivers(f.ctx, "d", &d, c.opt)
				if name == "appended" && len(c.opt.Props) > 0 && errors.As(err2, new(*UnsupportedError)) {
					// The second file has ties: exact or refused, never different.
					if !strings.Contains(err2.Error(), "several step-1 events in one millisecond") {
						t.Fatalf("refused for another reason: %v", err2)
					}
					return
				}
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
	// Two step-1 events in one millisecond with different values: the
	// file's order decides, which the server does not keep: refused.
	tied := newFixture(t, []byte("user,event,time,device\nu1,a,2026-09-01T00:00:00Z,m\nu1,a,2026-09-01T00:00:00Z,d\nu1,b,2026-09-01T00:00:01Z,m\nu2,a,2026-09-01T00:00:00Z,d\nu2,x,2026-09-01T00:00:02Z,d\n"))
	d := def(t, "a,b", nil)
	if _, err := tied.ch.Drivers(tied.ctx, "d", &d, funnel.DriverOptions{Props: []string{"device"}}); !errors.As(err, new(*UnsupportedError)) || !strings.Contains(err.Error(), "1 users start their counted chain") {
		t.Errorf("--props on tied step-1 events: %v", err)
	}
	if _, err := tied.ch.Drivers(tied.ctx, "d", &d, funnel.DriverOptions{Props: []string{"colour"}}); !errors.As(err, new(*funnel.UnknownNameError)) {
		t.Errorf("--props colour: %v", err)
	}
}
