package funnel

import "testing"

// BenchmarkDrivers10M is `drivers` over the 10M bench: every event name that
// is not a step, plus every value of device and country on step 1's event.
// Compare it with BenchmarkCompute10M, the warm recompute.
func BenchmarkDrivers10M(b *testing.B) {
	ev := benchEvents(10_000_000)
	d := benchDef("")
	opt := DriverOptions{Props: []string{"device", "country"}, MinUsers: 30}
	b.ReportAllocs()
	b.ResetTimer()
	var r *DriverResult
	for i := 0; i < b.N; i++ {
		var err error
		if r, err = Drivers(d, ev, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(r.Drivers)), "drivers")
	b.ReportMetric(float64(r.Entered), "entered")
}
