package funnel

import (
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"
)

// genEvents deterministically generates about nEvents events, ~16 per user,
// over 20 event names, with a property set per (device, country): device has
// 3 values and country 40. A user keeps one device and country, and walks
// through a shop funnel with drop-off, among other events.
func genEvents(nEvents int) *Events {
	r := rand.New(rand.NewSource(7))
	names := []string{"session_start", "view_home", "search", "view_product", "add_to_cart",
		"begin_checkout", "add_payment", "purchase", "view_category", "add_to_wishlist",
		"remove_from_cart", "share", "login", "logout", "view_cart", "apply_coupon",
		"rate_product", "contact_support", "view_faq", "subscribe"}
	const nDevice, nCountry = 3, 40
	ev := &Events{Names: names, Props: map[string]*Property{}}
	dev := &Property{Values: []string{"", "mobile", "desktop", "tablet"}}
	ctry := &Property{Values: []string{""}}
	for c := 0; c < nCountry; c++ {
		ctry.Values = append(ctry.Values, fmt.Sprintf("C%02d", c))
	}
	ev.Props["device"], ev.Props["country"] = dev, ctry
	ev.Time = make([]int64, 0, nEvents+64)
	ev.Name = make([]uint32, 0, nEvents+64)
	dev.Of = make([]uint32, 0, nEvents+64)
	ctry.Of = make([]uint32, 0, nEvents+64)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for len(ev.Time) < nEvents {
		ev.UserStart = append(ev.UserStart, uint32(len(ev.Time)))
		ne := 4 + r.Intn(25) // mean 16
		d, c := uint32(r.Intn(nDevice)+1), uint32(int(r.ExpFloat64()*8)%nCountry+1)
		t := base + r.Int63n(30*24*3600*1000)
		stage := 0
		for i := 0; i < ne; i++ {
			t += int64(r.ExpFloat64() * 20 * 60 * 1000) // mean 20 min apart
			var nm int
			if r.Intn(2) == 0 && stage < 5 {
				nm = []int{1, 3, 4, 5, 7}[stage]
				if r.Intn(10) < 7 {
					stage++
				}
			} else {
				nm = r.Intn(len(names))
			}
			ev.Time = append(ev.Time, t)
			ev.Name = append(ev.Name, uint32(nm))
			dev.Of = append(dev.Of, d)
			ctry.Of = append(ctry.Of, c)
		}
	}
	ev.UserStart = append(ev.UserStart, uint32(len(ev.Time)))
	return ev
}

var (
	benchOnce = map[int]*sync.Once{1_000_000: {}, 10_000_000: {}}
	benchEv   = map[int]*Events{}
)

func benchEvents(n int) *Events {
	benchOnce[n].Do(func() { benchEv[n] = genEvents(n) })
	return benchEv[n]
}

func benchDef(by string) *Definition {
	d := &Definition{Window: Duration(24 * time.Hour), By: by}
	for _, s := range []string{"view_home", "view_product", "add_to_cart", "begin_checkout", "purchase"} {
		d.Steps = append(d.Steps, Step{Events: []string{s}})
	}
	return d
}

func benchCompute(b *testing.B, n int, by string) {
	ev := benchEvents(n)
	d := benchDef(by)
	b.ReportAllocs()
	b.ResetTimer()
	var r *Result
	for i := 0; i < b.N; i++ {
		var err error
		if r, err = Compute(d, ev); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(ev.Len())/1e6, "Mevents")
	b.ReportMetric(float64(ev.NumUsers()), "users")
	b.ReportMetric(float64(r.Steps[4].Users), "completed")
}

func BenchmarkCompute1M(b *testing.B)          { benchCompute(b, 1_000_000, "") }
func BenchmarkCompute1MByDevice(b *testing.B)  { benchCompute(b, 1_000_000, "device") }
func BenchmarkCompute10M(b *testing.B)         { benchCompute(b, 10_000_000, "") }
func BenchmarkCompute10MByDevice(b *testing.B) { benchCompute(b, 10_000_000, "device") }
func BenchmarkCompute10MByCountry(b *testing.B) {
	benchCompute(b, 10_000_000, "country")
}

// BenchmarkCompute10MModes covers the paths off the fast one.
func BenchmarkCompute10MModes(b *testing.B) {
	ev := benchEvents(10_000_000)
	for _, c := range []struct {
		name string
		f    func(d *Definition)
	}{
		{"strict", func(d *Definition) { d.Mode = Strict }},
		{"any", func(d *Definition) { d.Mode = Any }},
		{"totals", func(d *Definition) { d.Count = Totals }},
		{"gap+exclusion+filters", func(d *Definition) {
			d.MaxGap = Duration(time.Hour)
			d.Exclusions = []Exclusion{{Events: []string{"remove_from_cart"}, From: 3, To: 5}}
			d.Where = []Filter{{Key: "device", Op: "!=", Values: []string{"tablet"}}}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			d := benchDef("")
			c.f(d)
			for i := 0; i < b.N; i++ {
				if _, err := Compute(d, ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTrend10MWeek is what --interval week adds to a report: the
// funnel per week of entry (the benchmark data spans five weeks and a day).
func BenchmarkTrend10MWeek(b *testing.B) {
	ev := benchEvents(10_000_000)
	d := benchDef("")
	res, err := Compute(d, ev)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := AddTrend(res, d, ev, Week); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(res.Trend)), "periods")
}

// BenchmarkDropped10M is report's recompute with what the dropped users did
// next at every step, depth 1 and paths of 3. Each iteration also runs the
// plain Compute right before it, so that on a shared machine the two meet
// the same load: "added" is the fastest with-next run over the fastest plain
// one, minus one (the target is at most 1, i.e. 1x more).
func BenchmarkDropped10M(b *testing.B) {
	ev := benchEvents(10_000_000)
	for _, depth := range []int{1, 3} {
		b.Run(fmt.Sprintf("depth%d", depth), func(b *testing.B) {
			d := benchDef("")
			plain, with := time.Duration(1<<62), time.Duration(1<<62)
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if _, err := Compute(d, ev); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := ComputeDropped(d, ev, DropOptions{Depth: depth}); err != nil {
					b.Fatal(err)
				}
				plain, with = min(plain, t1.Sub(t0)), min(with, time.Since(t1))
			}
			b.ReportMetric(float64(plain.Microseconds())/1000, "plain-ms")
			b.ReportMetric(float64(with.Microseconds())/1000, "next-ms")
			b.ReportMetric(float64(with)/float64(plain)-1, "added")
		})
	}
}
