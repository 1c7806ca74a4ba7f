package funnel

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// plan is a Definition resolved against one dataset: event-name ids become
// step bitmasks and filters become tables by value id of the property
// columns they read, so the per-event work in the engine is a few array
// lookups.
type plan struct {
	n      int
	mode   Mode
	totals bool
	window int64 // ms, inclusive
	gap    int64 // ms, inclusive; math.MaxInt64 when unlimited
	nb     int   // histogram buckets: a time between steps is at most the window

	names   []uint32 // name id -> bit k set when the name is one of step k's events
	nameMX  []uint64 // names | exNames<<32, so the hot loop does one lookup
	exNames []uint32 // name id -> bit j set when the name is one of exclusion j's events

	stepF  []bitFilter // filtered steps; nil: no step filters
	exF    []bitFilter // filtered exclusions
	global conds       // the global filters; nil: none

	// The date range bounds step-1 events (entries), inclusive, in ms;
	// later steps may follow up to a window after hi.
	hasRange bool
	lo, hi   int64

	exFrom, exTo []int // 1-based steps of each exclusion

	attr Attribution
	by   *Property // breakdown property; nil without breakdown

	nMicro     int
	microNames []uint64
	microF     []bitFilter

	drv  *drvSpec  // Drivers' part; nil otherwise
	drop *dropSpec // what else to do with each counted unit (dropoff.go)
}

// compile validates d against ev and builds the plan.
func compile(d *Definition, ev *Events, withMicro bool) (*plan, error) {
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("funnel definition: %w", err)
	}
	// An empty dataset has no names to check against: it yields zeros.
	empty := ev.Len() == 0 && len(ev.Names) == 0
	if !empty {
		if err := CheckNames(d, ev); err != nil {
			return nil, err
		}
	}
	p := &plan{n: len(d.Steps), gap: math.MaxInt64}
	p.mode, _ = ParseMode(string(d.Mode))
	c, _ := ParseCounting(string(d.Count))
	p.totals = c == Totals
	p.attr, _ = ParseAttribution(d.Attribution)
	w := d.Window
	if w == 0 {
		w = DefaultWindow
	}
	p.window = time.Duration(w).Milliseconds()
	p.nb = bucketOf(p.window) + 1
	if d.MaxGap > 0 {
		p.gap = time.Duration(d.MaxGap).Milliseconds()
	}
	p.lo, p.hi, p.hasRange = d.EntryRange()
	if empty {
		return p, nil
	}
	ids := make(map[string]uint32, len(ev.Names))
	for i, n := range ev.Names {
		ids[n] = uint32(i)
	}
	var err error
	p.names = make([]uint32, len(ev.Names))
	for k, s := range d.Steps {
		for _, e := range s.Events {
			p.names[ids[e]] |= 1 << k
		}
		if p.stepF, err = addBitFilter(p.stepF, uint64(1)<<k, s.Where, ev); err != nil {
			return nil, err
		}
	}
	p.exNames = make([]uint32, len(ev.Names))
	for j, x := range d.Exclusions {
		for _, e := range x.Events {
			p.exNames[ids[e]] |= 1 << j
		}
		p.exFrom = append(p.exFrom, x.From)
		p.exTo = append(p.exTo, x.To)
		if p.exF, err = addBitFilter(p.exF, uint64(1)<<j, x.Where, ev); err != nil {
			return nil, err
		}
	}
	p.nameMX = make([]uint64, len(ev.Names))
	for i := range p.nameMX {
		p.nameMX[i] = uint64(p.names[i]) | uint64(p.exNames[i])<<32
	}
	if p.global, err = compileFilters(d.Where, ev); err != nil {
		return nil, err
	}
	if d.By != "" {
		if p.by, err = ev.Property(d.By); err != nil {
			return nil, err
		}
	}
	if withMicro && len(d.Micro) > 0 {
		if len(d.Micro) > 64 {
			return nil, fmt.Errorf("at most 64 micro conversions, got %d", len(d.Micro))
		}
		p.nMicro = len(d.Micro)
		p.microNames = make([]uint64, len(ev.Names))
		for j, s := range d.Micro {
			for _, e := range s.Events {
				p.microNames[ids[e]] |= 1 << j
			}
			if p.microF, err = addBitFilter(p.microF, uint64(1)<<j, s.Where, ev); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// cond is one filter resolved against a property column: whether each
// value id passes.
type cond struct {
	of []uint32
	ok []bool
}

// conds all have to pass.
type conds []cond

func (cs conds) pass(i uint32) bool {
	for _, c := range cs {
		v := uint32(0)
		if int(i) < len(c.of) {
			v = c.of[i]
		}
		if int(v) >= len(c.ok) || !c.ok[v] {
			return false
		}
	}
	return true
}

// bitFilter is the filters of one step, exclusion or micro conversion: the
// bit it clears from an event's mask when they fail.
type bitFilter struct {
	bit   uint64
	conds conds
}

func addBitFilter(fs []bitFilter, bit uint64, where []Filter, ev *Events) ([]bitFilter, error) {
	cs, err := compileFilters(where, ev)
	if err != nil || cs == nil {
		return fs, err
	}
	return append(fs, bitFilter{bit, cs}), nil
}

// maskByFilters clears the bits of m whose filters event i fails.
func maskByFilters(m uint64, i uint32, fs []bitFilter) uint64 {
	for _, f := range fs {
		if m&f.bit != 0 && !f.conds.pass(i) {
			m &^= f.bit
		}
	}
	return m
}

// compileFilters evaluates each filter once per value of its property. An
// event without the key has the value "" (id 0), so "!=" and "not in" match
// it and comparisons do not.
func compileFilters(fs []Filter, ev *Events) (conds, error) {
	var out conds
	for _, f := range fs {
		pr, err := ev.Property(f.Key)
		if err != nil {
			return nil, err
		}
		ok, err := f.Table(pr)
		if err != nil {
			return nil, err
		}
		out = append(out, cond{pr.Of, ok})
	}
	return out, nil
}

// Table says for each value id of pr whether it passes f (for a store that
// filters by value ids elsewhere: chstore).
func (f Filter) Table(pr *Property) ([]bool, error) {
	ok := make([]bool, len(pr.Values))
	if numericOp(f.Op) {
		if !pr.Number {
			return nil, fmt.Errorf("filter %q: property %q is text, not a number (%q); %s needs a number property", f.String(), f.Key, firstText(pr), f.Op)
		}
		x, err := f.number()
		if err != nil {
			return nil, err
		}
		for v := 1; v < len(pr.Values); v++ {
			y, err := strconv.ParseFloat(pr.Values[v], 64)
			ok[v] = err == nil && compare(f.Op, y, x)
		}
		return ok, nil
	}
	want := make(map[string]bool, len(f.Values))
	for _, v := range f.Values {
		want[v] = true
	}
	neg := f.Op == OpNe || f.Op == OpNotIn
	for v, s := range pr.Values {
		ok[v] = want[s] != neg
	}
	ok[0] = neg // no value
	return ok, nil
}

// firstText is a value of pr that is not a number (else its first value), for
// the message that refuses a comparison.
func firstText(pr *Property) string {
	for _, v := range pr.Values[1:] {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return v
		}
	}
	if len(pr.Values) > 1 {
		return pr.Values[1]
	}
	return ""
}
