package ui

import (
	"testing"
	"time"

	"microfunnel/funnel"
)

func shopDef(t *testing.T) funnel.Definition {
	t.Helper()
	return funnel.Definition{Name: "Shop", Steps: []funnel.Step{
		{Events: []string{"view_product"}}, {Events: []string{"add_to_cart"}}, {Events: []string{"purchase"}}}}
}

func TestAutoInterval(t *testing.T) {
	ev := seededEvents(1, 400) // 2024-03-01..2024-03-30
	day := func(s string) *funnel.Date {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return &funnel.Date{Time: d}
	}
	cases := []struct {
		name     string
		from, to *funnel.Date
		want     string
	}{
		{"whole dataset, 30 days", nil, nil, funnel.Week},
		{"20 days", day("2024-03-01"), day("2024-03-20"), funnel.Day},
		{"21 days", day("2024-03-01"), day("2024-03-21"), funnel.Week},
		{"open end, last 5 days", day("2024-03-26"), nil, funnel.Day},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := shopDef(t)
			def.From, def.To = c.from, c.to
			if got := autoInterval(&def, ev); got != c.want {
				t.Fatalf("autoInterval = %s, want %s", got, c.want)
			}
		})
	}
}

// trendOf skips the per-segment trends: its periods must be those of the
// engine's full AddTrend, and the result's breakdown must stay as computed.
func TestTrendOfMatchesAddTrend(t *testing.T) {
	ev := seededEvents(1, 400)
	for _, by := range []string{"", "device"} {
		for _, every := range []string{funnel.Day, funnel.Week, funnel.Month} {
			def := shopDef(t)
			def.By = by
			res, err := funnel.Compute(&def, ev)
			if err != nil {
				t.Fatal(err)
			}
			segs := 0
			if res.Breakdown != nil {
				segs = len(res.Breakdown.Segments)
			}
			got, periods, err := trendOf(res, def, ev, every)
			if err != nil || got != every {
				t.Fatalf("by %q %s: every %s err %v", by, every, got, err)
			}
			if res.Trend != nil || (res.Breakdown != nil && (len(res.Breakdown.Segments) != segs || res.Breakdown.Segments[0].Trend != nil)) {
				t.Fatalf("by %q %s: trendOf changed the result", by, every)
			}
			full, _ := funnel.Compute(&def, ev)
			if err := funnel.AddTrend(full, &def, ev, every); err != nil {
				t.Fatal(err)
			}
			if len(periods) != len(full.Trend) || len(periods) == 0 {
				t.Fatalf("by %q %s: %d periods, AddTrend %d", by, every, len(periods), len(full.Trend))
			}
			for i, p := range periods {
				q := full.Trend[i]
				if p.Start != q.Start || p.Users != q.Users || p.Converted != q.Converted {
					t.Fatalf("by %q %s period %d: %+v, AddTrend %+v", by, every, i, p, q)
				}
			}
		}
	}
}

func TestCIBar(t *testing.T) {
	p := func(lo, c, hi float64) funnel.Period {
		return funnel.Period{Users: 10, Conversion: c, ConversionCI: funnel.Interval{Low: lo, High: hi}}
	}
	cases := []struct {
		name string
		p    funnel.Period
		top  float64
		w    int
		want string
	}{
		{"each part two cells", p(0.1, 0.2, 0.3), 0.3, 6, "██▓▓──"},
		{"half the scale", p(0.1, 0.2, 0.3), 0.6, 6, "█▓─"},
		{"nobody converted", p(0, 0, 0.3), 0.3, 3, "───"},
		{"all converted", p(0.7, 1, 1), 1, 10, "███████▓▓▓"},
		{"interval past the end", p(0.1, 0.2, 0.9), 0.3, 6, "██▓▓─›"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ciBar(c.p, c.top, c.w); got != c.want {
				t.Fatalf("ciBar = %q, want %q", got, c.want)
			}
		})
	}
}

// T opens the trend view on the sparkline's periods, d/w/m switch the
// period (recomputed in a command), esc goes back.
func TestTrendViewKeys(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	if m.res == nil || m.spark.every != funnel.Week || len(m.spark.periods) != 5 {
		t.Fatalf("sparkline %s with %d periods", m.spark.every, len(m.spark.periods))
	}
	h.keys("T")
	if m.trv == nil || m.scopeNow() != inTrend || len(m.trv.periods) != 5 {
		t.Fatalf("trend view %+v", m.trv)
	}
	for _, c := range []struct {
		key, every string
		n          int
	}{{"d", funnel.Day, 30}, {"m", funnel.Month, 1}, {"w", funnel.Week, 5}} {
		h.keys(c.key)
		if v := m.trv; v.loading || v.err != nil || v.every != c.every || len(v.periods) != c.n {
			t.Fatalf("%s: every %s, %d periods, err %v", c.key, v.every, len(v.periods), v.err)
		}
	}
	h.keys("esc")
	if m.trv != nil || m.scopeNow() != inFunnel {
		t.Fatal("esc did not close the trend view")
	}
}

// p compares the trend's last period with the one before: each side's
// entries are the trend's own counts for those periods (a different path:
// AddTrend's periods against Compute over a date range).
func TestTrendVersusPeriodBefore(t *testing.T) {
	for _, every := range []string{"d", "w"} {
		h := newHarness(t, newFakeBackend(), 100, 30)
		m := h.m
		h.keys("T", every, "p")
		v := m.trv
		if v.err != nil || v.vs == nil || v.vs.Versus == nil {
			t.Fatalf("%s: versus %v err %v", every, v.vs, v.err)
		}
		ps := v.periods
		last, prev := ps[len(ps)-1], ps[len(ps)-2]
		vs := v.vs.Versus
		if v.vs.Steps[0].Users != last.Users || vs.Steps[0].Users != prev.Users ||
			v.vs.Steps[len(v.vs.Steps)-1].Users != last.Converted || vs.Steps[len(vs.Steps)-1].Users != prev.Converted {
			t.Fatalf("%s: this %d/%d other %d/%d, trend %+v %+v", every, v.vs.Steps[0].Users, v.vs.Steps[len(v.vs.Steps)-1].Users,
				vs.Steps[0].Users, vs.Steps[len(vs.Steps)-1].Users, last, prev)
		}
		if vs.ThisFrom != last.Start || vs.From != prev.Start {
			t.Fatalf("%s: ranges %s vs %s, periods %s and %s", every, vs.ThisFrom, vs.From, last.Start, prev.Start)
		}
		h.keys("esc")
		if m.trv == nil || m.trv.vs != nil {
			t.Fatalf("%s: esc should go back to the bars", every)
		}
	}
}
