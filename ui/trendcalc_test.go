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
