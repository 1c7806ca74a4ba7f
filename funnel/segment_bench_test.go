package funnel

import "testing"

// A segment is a breakdown row: it costs one pass with a breakdown, and a
// second one when the whole breakdown is kept (the dashboard after enter).
func BenchmarkSegment1M(b *testing.B) {
	ev := benchEvents(1_000_000)
	for _, c := range []struct {
		name string
		by   string
	}{{"segment", ""}, {"segment+breakdown", "device"}} {
		b.Run(c.name, func(b *testing.B) {
			d := benchDef(c.by)
			d.Segment = &SegmentFilter{Key: "device", Value: "mobile"}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Compute(d, ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
