package funnel

import "math/bits"

// Times between steps go into a log-linear histogram rather than a sorted
// slice: values below 256 ms are exact, larger ones fall into 128 buckets per
// power of two and read back as their bucket's lower bound, so a reported
// percentile is at most 1/128 (0.8%) below the exact one. It costs a fixed
// array per step instead of sorting millions of durations.
const (
	histExact  = 256
	histSub    = 128
	numBuckets = histExact + 56*histSub
)

func bucketOf(v int64) int {
	if v < histExact {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	e := bits.Len64(uint64(v)) - 8 // >= 1
	return histExact + (e-1)*histSub + int(v>>e) - histSub
}

func bucketLow(b int) int64 {
	if b < histExact {
		return int64(b)
	}
	e := (b-histExact)/histSub + 1
	sub := int64((b-histExact)%histSub + histSub)
	return sub << e
}

// RoundDuration is the value a reported time percentile takes for an exact
// duration v (ms): v itself below 256 ms, else v rounded down to 8 significant
// bits. Tests and tools comparing against exact percentiles use it.
func RoundDuration(v int64) int64 { return bucketLow(bucketOf(v)) }

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
			return bucketLow(b)
		}
	}
	return 0
}
