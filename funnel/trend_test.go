package funnel

import (
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestTrendMatchesReference: random streams over days, cut by day, week and
// month; every period's funnel is the reference's with that entry range,
// and with a breakdown the segments' trends sum to the period's.
func TestTrendMatchesReference(t *testing.T) {
	iters := 1000
	if testing.Short() {
		iters = 200
	}
	base := time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC).UnixMilli() // a Wednesday
	const unit = int64(4 * time.Hour / time.Millisecond)
	r := rand.New(rand.NewSource(13))
	scaleDate := func(p *Date) *Date {
		if p == nil {
			return nil
		}
		return &Date{time.UnixMilli(base + p.UnixMilli()*unit).UTC()}
	}
	for i := 0; i < iters; i++ {
		d, evs := randCase(r)
		if time.Duration(d.Window) > 20*time.Millisecond || time.Duration(d.MaxGap) > 20*time.Millisecond ||
			(d.To != nil && d.To.UnixMilli() > 20) || maxTime(evs) > 20 {
			i--
			continue // only the cases in unit steps, which scale to days
		}
		for j := range evs {
			evs[j].t = base + evs[j].t*unit + int64(r.Intn(1000))
		}
		d.Window = Duration(time.Duration(d.Window) * time.Duration(unit))
		d.MaxGap = Duration(time.Duration(d.MaxGap) * time.Duration(unit))
		d.From, d.To = scaleDate(d.From), scaleDate(d.To)
		d.Micro = nil
		ev := buildEvents(evs)
		for _, every := range []string{Day, Week, Month} {
			res := mustCompute(t, d, ev)
			if err := AddTrend(res, d, ev, every); err != nil {
				t.Fatal(err)
			}
			starts, bounds, err := Periods(d, ev, every)
			if err != nil || len(starts) != len(res.Trend) {
				t.Fatalf("%s: %d periods, trend %d (%v)", every, len(starts), len(res.Trend), err)
			}
			for p, per := range res.Trend {
				st, _ := time.Parse("2006-01-02", per.Start)
				if (every == Week && st.Weekday() != time.Monday) || (every == Month && st.Day() != 1) {
					t.Fatalf("%s period starts %s", every, per.Start)
				}
				ref := reference(d.Within(bounds[p]), ev)
				for k := range d.Steps {
					g := per.Steps[k]
					if g.Users != ref.steps[k] || g.MedianMs != ref.med[k] || g.P90Ms != ref.p90[k] {
						t.Fatalf("%s %s step %d: got %d/%d/%d want %d/%d/%d\nevents %s", every, per.Start, k+1,
							g.Users, g.MedianMs, g.P90Ms, ref.steps[k], ref.med[k], ref.p90[k], dumpEvents(ev))
					}
				}
				if per.Users != ref.steps[0] || per.Converted != ref.steps[len(d.Steps)-1] {
					t.Fatalf("%s %s: users %d converted %d", every, per.Start, per.Users, per.Converted)
				}
				if res.Breakdown == nil {
					continue
				}
				for k := range d.Steps {
					var sum int64
					for _, s := range res.Breakdown.Segments {
						sum += s.Trend[p].Steps[k].Users
					}
					if sum != per.Steps[k].Users {
						t.Fatalf("%s %s step %d: segments sum to %d, period has %d", every, per.Start, k+1, sum, per.Steps[k].Users)
					}
				}
			}
		}
	}
}

func TestPeriodStarts(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	for _, c := range []struct {
		t     string
		every string
		want  string
	}{
		{"2026-04-01T12:00:00Z", Week, "2026-03-30"}, // Wednesday -> Monday
		{"2026-03-30T00:00:00Z", Week, "2026-03-30"},
		{"2026-04-05T23:59:59Z", Week, "2026-03-30"}, // Sunday
		{"2026-04-05T23:59:59Z", Day, "2026-04-05"},
		{"2026-02-28T10:00:00Z", Month, "2026-02-01"},
	} {
		if got := periodStart(at(c.t), c.every).Format("2006-01-02"); got != c.want {
			t.Errorf("%s %s: got %s want %s", c.every, c.t, got, c.want)
		}
	}
	if _, err := ParseInterval("fortnight"); err == nil {
		t.Error("fortnight accepted")
	}
	long := buildEvents([]tev{{name: "A", t: 0}, {name: "B", t: 500 * 86_400_000}})
	two := &Definition{Steps: []Step{{Events: []string{"A"}}, {Events: []string{"B"}}}}
	if _, _, err := Periods(two, long, Day); err == nil || !strings.Contains(err.Error(), "more than 400 days") {
		t.Errorf("500 days by day: %v", err)
	}
	if starts, _, err := Periods(two, long, Month); err != nil || len(starts) != 17 {
		t.Errorf("500 days by month: %d periods, %v", len(starts), err)
	}
	// A user entering in two periods counts once in each.
	day := time.Date(2026, 3, 30, 10, 0, 0, 0, time.UTC).UnixMilli()
	ev := buildEvents([]tev{{name: "A", t: day}, {name: "B", t: day + 60_000}, {name: "A", t: day + 8*86_400_000}})
	d := &Definition{Steps: []Step{{Events: []string{"A"}}, {Events: []string{"B"}}}, Window: Duration(time.Hour)}
	res := mustCompute(t, d, ev)
	if err := AddTrend(res, d, ev, Week); err != nil {
		t.Fatal(err)
	}
	var got [][2]int64
	for _, p := range res.Trend {
		got = append(got, [2]int64{p.Users, p.Converted})
	}
	if want := [][2]int64{{1, 1}, {1, 0}}; !reflect.DeepEqual(got, want) || res.Trend[1].Start != "2026-04-06" {
		t.Errorf("trend %+v", res.Trend)
	}
}

func maxTime(evs []tev) int64 {
	var m int64
	for _, e := range evs {
		m = max(m, e.t)
	}
	return m
}

// A trend read in one pass (in parallel) gives every period exactly the
// funnel Compute gives with that entry range.
func TestTrendOnePassMatchesCompute(t *testing.T) {
	ev := genEvents(200_000)
	for i, d := range genDefs() {
		for _, every := range []string{Week, Day} {
			_, bounds, err := Periods(d, ev, every)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := periodResults(d, ev, bounds, d.By != "")
			if err != nil {
				t.Fatal(err)
			}
			for j, b := range bounds {
				pd := d.Within(b)
				if d.By != "" {
					pd.TopN = math.MaxInt32
				}
				want := mustCompute(t, pd, ev)
				if !reflect.DeepEqual(rs[j], want) {
					t.Fatalf("definition %d, %s period %d: one pass differs from Compute", i, every, j)
				}
			}
		}
	}
}
