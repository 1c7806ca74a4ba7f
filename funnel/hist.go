package funnel

import "math/bits"

// Times between steps go into a log-linear histogram rather than a sorted
// slice: durations up to 2048 ms are exact, longer ones fall into 1024
// buckets per power of two. A bucket holds the durations (low, high] and
// reads back as high, so a reported percentile is at most 1/1024 (0.1%)
// above the exact one, never below it (an exact 3 minutes never shows as
// 2m59s). It costs a fixed array per step instead of sorting millions of
// durations.
const (
	histExact = 2048
	histSub   = 1024
)

// stdBucket is the bucket of u in the plain [low, high) log-linear layout.
func stdBucket(u int64) int {
	if u < histExact {
		return int(u)
	}
	e := bits.Len64(uint64(u)) - 11 // >= 1
	return histExact + (e-1)*histSub + int(u>>e) - histSub
}

// stdLow is the low end of plain bucket b.
func stdLow(b int) int64 {
	if b < histExact {
		return int64(b)
	}
	e := (b-histExact)/histSub + 1
	sub := int64((b-histExact)%histSub + histSub)
	return sub << e
}

// bucketOf is the bucket of duration v: bucket b >= 1 holds
// (stdLow(b-1), stdLow(b)], bucket 0 holds v <= 0.
func bucketOf(v int64) int {
	if v <= 0 {
		return 0
	}
	return stdBucket(v-1) + 1
}

// bucketHigh is the largest duration in bucket b, which it reads back as.
func bucketHigh(b int) int64 { return stdLow(b) }

// RoundDuration is the value a reported time percentile takes for an exact
// duration v (ms): v itself up to 2048 ms, else the top of its bucket, at
// most 0.1% above v. Tests and tools comparing against exact percentiles
// use it.
func RoundDuration(v int64) int64 { return bucketHigh(bucketOf(v)) }

// percentile is the nearest-rank quantile num/den: the value at rank
// ceil(num*N/den) of the N durations in ascending order.
func percentile(h []uint32, total, num, den int64) int64 {
	if total <= 0 || h == nil {
		return 0
	}
	rank := max(1, (num*total+den-1)/den)
	var cum int64
	for b, c := range h {
		cum += int64(c)
		if cum >= rank {
			return bucketHigh(b)
		}
	}
	return 0
}

// TimeBucket is one bar of a step's time histogram: the units whose time
// from the previous step is at most LeMs (and above the previous bar's).
type TimeBucket struct {
	LeMs  int64 `json:"le_ms"`
	Users int64 `json:"users"`
}

// timeBounds are the histogram's upper bounds: 1 s, 4 s, 16 s, ... (each 4
// times the last, every one an exact bucket edge, so the counts are exact),
// and the window, which bounds every time.
func timeBounds(window int64) []int64 {
	var out []int64
	for le := int64(1000); le < window; le *= 4 {
		out = append(out, le)
	}
	return append(out, window)
}

// timeHistogram sums h into the bars of timeBounds(window).
func timeHistogram(h []uint32, window int64) []TimeBucket {
	bounds := timeBounds(window)
	out := make([]TimeBucket, len(bounds))
	i := 0
	for b, c := range h {
		if c == 0 {
			continue
		}
		for i < len(bounds)-1 && bucketHigh(b) > bounds[i] {
			i++
		}
		out[i].Users += int64(c)
	}
	for i := range bounds {
		out[i].LeMs = bounds[i]
	}
	return out
}
