package funnel

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Intervals a trend can be cut into.
const (
	Day   = "day"
	Week  = "week"
	Month = "month"
)

// MaxPeriods bounds a trend: each period is one pass over the events.
const MaxPeriods = 400

// ParseInterval accepts day, week or month.
func ParseInterval(s string) (string, error) {
	switch s {
	case Day, Week, Month:
		return s, nil
	}
	return "", fmt.Errorf("interval %q: want day, week or month", s)
}

// Period is the funnel of the units that entered (did their step-1 event)
// in one period of a trend. Users and Converted are Steps[0].Users and the
// last step's Users; a user counts once in each period they entered.
type Period struct {
	Start        string       `json:"start"` // YYYY-MM-DD, UTC; weeks start on Monday
	Users        int64        `json:"users"`
	Converted    int64        `json:"converted"`
	Conversion   float64      `json:"conversion"`
	ConversionCI Interval     `json:"conversion_ci"`
	Steps        []StepResult `json:"steps"`
}

// periodStart is the start of the period holding t.
func periodStart(t time.Time, every string) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch every {
	case Week:
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	case Month:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return d
}

func nextPeriod(t time.Time, every string) time.Time {
	switch every {
	case Week:
		return t.AddDate(0, 0, 7)
	case Month:
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 0, 1)
}

// Bounds are the first and last millisecond of a trend or a comparison
// range, inclusive.
type Bounds struct{ Lo, Hi int64 }

// Periods cuts the definition's date range (or, for an open end, the span
// of the dataset's events) into periods. The first and last periods may be
// partial: entries are bounded by the range, the labels are the periods'
// starts.
func Periods(d *Definition, ev *Events, every string) ([]time.Time, []Bounds, error) {
	lo, hi, _ := d.EntryRange()
	first, last, ok := timeSpan(ev)
	if !ok {
		return nil, nil, nil
	}
	lo, hi = max(lo, first), min(hi, last)
	if lo > hi {
		return nil, nil, nil
	}
	var starts []time.Time
	var bounds []Bounds
	for s := periodStart(time.UnixMilli(lo), every); s.UnixMilli() <= hi; s = nextPeriod(s, every) {
		if len(starts) == MaxPeriods {
			return nil, nil, fmt.Errorf("more than %d %ss from %s to %s: narrow the date range or use a longer interval",
				MaxPeriods, every, time.UnixMilli(lo).UTC().Format("2006-01-02"), time.UnixMilli(hi).UTC().Format("2006-01-02"))
		}
		e := nextPeriod(s, every).UnixMilli() - 1
		starts = append(starts, s)
		bounds = append(bounds, Bounds{max(lo, s.UnixMilli()), min(hi, e)})
	}
	return starts, bounds, nil
}

// timeSpan is the first and last event time of the dataset.
func timeSpan(ev *Events) (first, last int64, ok bool) {
	first, last = math.MaxInt64, math.MinInt64
	for u := 0; u < ev.NumUsers(); u++ {
		a, b := ev.UserStart[u], ev.UserStart[u+1]
		if a < b {
			first = min(first, ev.Time[a])
			last = max(last, ev.Time[b-1])
		}
	}
	return first, last, first <= last
}

// Within is d with its date range replaced by b.
func (d *Definition) Within(b Bounds) *Definition {
	dd := *d
	from := Date{time.UnixMilli(b.Lo).UTC()}
	// b.Hi is never a midnight that would widen to a whole day: it is a
	// period's or a range's last millisecond, or the dataset's last event
	// (after which there is nothing to widen to).
	to := Date{time.UnixMilli(b.Hi).UTC()}
	dd.From, dd.To = &from, &to
	return &dd
}

// AddTrend fills res.Trend with d's funnel per period of every (day, week
// or month), and with a breakdown each segment's Trend, folded into res's
// segments. res must be Compute(d, ev).
func AddTrend(res *Result, d *Definition, ev *Events, every string) error {
	if _, err := ParseInterval(every); err != nil {
		return err
	}
	if res == nil {
		return errors.New("trend: no result")
	}
	starts, bounds, err := Periods(d, ev, every)
	if err != nil {
		return err
	}
	res.Interval = every
	res.Trend = make([]Period, 0, len(starts))
	n := len(d.Steps)
	var segs []Segment
	if res.Breakdown != nil {
		segs = res.Breakdown.Segments
	}
	segOf := map[string]int{}
	for i := range segs {
		segs[i].Trend = make([]Period, 0, len(starts))
		segOf[segs[i].Value] = i
	}
	rs, err := periodResults(d, ev, bounds, res.Breakdown != nil)
	if err != nil {
		return fmt.Errorf("trend: %w", err)
	}
	for i, r := range rs {
		start := starts[i].Format("2006-01-02")
		res.Trend = append(res.Trend, newPeriod(start, r.Steps))
		if res.Breakdown == nil {
			continue
		}
		// The period's values, folded into res's segments: a value outside
		// them goes to (other) as in res. A period's chain may carry a value
		// (or none) that no unit of res has: its segment is added, empty in
		// res, so that segments still sum to the total in every period.
		users := make([][]int64, len(segs), len(segs)+2)
		for j := range users {
			users[j] = make([]int64, n)
		}
		for _, s := range r.Breakdown.Segments {
			j, ok := segOf[s.Value]
			if !ok {
				key := OtherSegment
				if s.Value == NoneSegment {
					key = NoneSegment
				}
				if j, ok = segOf[key]; !ok {
					j = len(segs)
					segOf[key] = j
					empty := stepsFromUsers(res.Steps, make([]int64, n), res.Window)
					seg := Segment{Value: key, Steps: empty, Trend: make([]Period, 0, len(starts))}
					for _, p := range res.Trend[:i] {
						seg.Trend = append(seg.Trend, newPeriod(p.Start, empty))
					}
					segs = append(segs, seg)
					users = append(users, make([]int64, n))
				}
			}
			for k := range s.Steps {
				users[j][k] += s.Steps[k].Users
			}
		}
		for j := range segs {
			segs[j].Trend = append(segs[j].Trend, newPeriod(start, stepsFromUsers(r.Steps, users[j], r.Window)))
		}
	}
	if res.Breakdown != nil {
		res.Breakdown.Segments = segs
	}
	return nil
}

// onePass is the most periods computed in one pass over the events (each
// costs a worker per core); more are computed one by one.
const onePass = 32

// periodResults computes d over each of bounds (sorted, not overlapping),
// with every breakdown value its own segment when allValues.
func periodResults(d *Definition, ev *Events, bounds []Bounds, allValues bool) ([]*Result, error) {
	defs := make([]*Definition, len(bounds))
	for i, b := range bounds {
		defs[i] = d.Within(b)
		if allValues {
			defs[i].TopN = math.MaxInt32 // folded by the caller
		}
	}
	out := make([]*Result, len(bounds))
	if len(bounds) == 0 {
		return out, nil
	}
	if len(bounds) > onePass {
		for i, pd := range defs {
			r, err := Compute(pd, ev)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	p0, err := compile(defs[0], ev, false)
	if err != nil {
		return nil, err
	}
	plans := make([]*plan, len(bounds))
	for i, b := range bounds {
		q := *p0
		q.hasRange, q.lo, q.hi = true, b.Lo, b.Hi
		plans[i] = &q
	}
	wss := runMany(plans, ev, p0.by != nil)
	for i := range bounds {
		out[i] = assemble(defs[i], plans[i], ev, wss[i])
	}
	return out, nil
}

// stepsFromUsers builds per-step figures from users per step (no times:
// they do not add up across values).
func stepsFromUsers(like []StepResult, users []int64, window Duration) []StepResult {
	n := len(users)
	reach := make([]int64, n+1)
	for k := 0; k < n; k++ {
		reach[k+1] = users[k]
		if k+1 < n {
			reach[k+1] -= users[k+1]
		}
	}
	names := make([]string, n)
	for k := range like {
		names[k] = like[k].Name
	}
	return stepResults(names, reach, nil, time.Duration(window).Milliseconds())
}

func newPeriod(start string, steps []StepResult) Period {
	p := Period{Start: start, Steps: steps}
	if len(steps) > 0 {
		p.Users, p.Converted = steps[0].Users, steps[len(steps)-1].Users
		p.Conversion = ratio(p.Converted, p.Users)
		p.ConversionCI = Wilson(p.Converted, p.Users)
	}
	return p
}
