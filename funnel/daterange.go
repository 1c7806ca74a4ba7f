package funnel

import (
	"math"
	"time"
)

// EntryRange is the definition's date range in ms, both ends inclusive: a
// To at midnight UTC (a date-only value) means that whole day. It bounds
// the step-1 event of every counted chain (see docs/SEMANTICS.md); ok is
// false when the definition has no range.
func (d *Definition) EntryRange() (lo, hi int64, ok bool) {
	if d.From == nil && d.To == nil {
		return math.MinInt64, math.MaxInt64, false
	}
	return rangeMs(d.From, d.To)
}

func rangeMs(from, to *Date) (lo, hi int64, ok bool) {
	lo, hi = math.MinInt64, math.MaxInt64
	if from != nil {
		lo = from.UnixMilli()
	}
	if to != nil {
		hi = EndOf(*to).UnixMilli()
	}
	return lo, hi, true
}

// EndOf is the last instant a To date covers: the day's last millisecond for
// a date-only value (midnight UTC), else the instant itself.
func EndOf(to Date) time.Time {
	if to.Equal(to.Truncate(24 * time.Hour)) {
		return to.Add(24*time.Hour - time.Millisecond)
	}
	return to.Time
}
