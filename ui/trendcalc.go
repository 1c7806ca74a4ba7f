package ui

import (
	"fmt"

	"microfunnel/funnel"
)

// autoDays is the span, in days, under which the funnel's sparkline goes by
// day rather than by week: fewer than three weeks give too few bars.
const autoDays = 21

// autoInterval is the sparkline's period: week, or day when the funnel's
// date range (or the dataset) spans under autoDays days.
func autoInterval(def *funnel.Definition, ev *funnel.Events) string {
	days, _, err := periodsOf(def, ev, funnel.Day)
	if err == nil && len(days) < autoDays {
		return funnel.Day
	}
	return funnel.Week
}

// trendOf is def's conversion per period of entry (every "" picks
// autoInterval) for the whole funnel, without the per-segment trends: res
// is Compute(def, ev) and is left as it is.
func trendOf(res *funnel.Result, def funnel.Definition, ev *funnel.Events, every string) (string, []funnel.Period, error) {
	if every == "" {
		every = autoInterval(&def, ev)
	}
	only := *res
	only.Breakdown = nil
	if def.Segment == nil {
		def.By = "" // the periods need no breakdown of their own
	}
	if err := addTrend(&only, &def, ev, every); err != nil {
		return every, nil, fmt.Errorf("trend by %s: %w", every, err)
	}
	return every, only.Trend, nil
}
