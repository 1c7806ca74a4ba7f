package funnel

import (
	"fmt"
	"math"
	"time"
)

// plan is a Definition resolved against one dataset: event-name ids become
// step bitmasks and filters become per-property-set masks, so the per-event
// work in the engine is a few array lookups.
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

	stepSet    []uint32 // set id -> steps whose filters pass (bits of unfiltered steps always set); nil: no step filters
	stepSetDef uint32   // for set ids beyond every OfSet (no property at all)
	exSet      []uint32
	exSetDef   uint32
	global     []bool // set id -> passes the global filters; nil: no global filters
	globalDef  bool

	// The date range bounds step-1 events (entries), inclusive, in ms;
	// later steps may follow up to a window after hi.
	hasRange bool
	lo, hi   int64

	exFrom, exTo []int // 1-based steps of each exclusion

	attr Attribution
	by   *Property // breakdown property; nil without breakdown

	nMicro     int
	microNames []uint64
	microSet   []uint64
	microDef   uint64
}

func (p *plan) needSets() bool {
	return p.stepSet != nil || p.exSet != nil || p.global != nil || p.by != nil || p.microSet != nil
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
	numSets := 0
	for _, pr := range ev.Props {
		numSets = max(numSets, len(pr.OfSet))
	}

	p.names = make([]uint32, len(ev.Names))
	stepFiltered := false
	for k, s := range d.Steps {
		for _, e := range s.Events {
			p.names[ids[e]] |= 1 << k
		}
		stepFiltered = stepFiltered || len(s.Where) > 0
	}
	if stepFiltered {
		p.stepSet, p.stepSetDef = setMasks32(d.Steps, ev, numSets)
	}
	p.exNames = make([]uint32, len(ev.Names))
	exFiltered := false
	exSteps := make([]Step, len(d.Exclusions))
	for j, x := range d.Exclusions {
		for _, e := range x.Events {
			p.exNames[ids[e]] |= 1 << j
		}
		p.exFrom = append(p.exFrom, x.From)
		p.exTo = append(p.exTo, x.To)
		exSteps[j] = Step{Events: x.Events, Where: x.Where}
		exFiltered = exFiltered || len(x.Where) > 0
	}
	if exFiltered {
		p.exSet, p.exSetDef = setMasks32(exSteps, ev, numSets)
	}
	p.nameMX = make([]uint64, len(ev.Names))
	for i := range p.nameMX {
		p.nameMX[i] = uint64(p.names[i]) | uint64(p.exNames[i])<<32
	}
	if len(d.Where) > 0 {
		p.global, p.globalDef = filterSets(d.Where, ev, numSets)
	}
	if d.By != "" {
		p.by = ev.Props[d.By]
	}
	if withMicro && len(d.Micro) > 0 {
		if len(d.Micro) > 64 {
			return nil, fmt.Errorf("at most 64 micro conversions, got %d", len(d.Micro))
		}
		p.nMicro = len(d.Micro)
		p.microNames = make([]uint64, len(ev.Names))
		filtered := false
		for j, s := range d.Micro {
			for _, e := range s.Events {
				p.microNames[ids[e]] |= 1 << j
			}
			filtered = filtered || len(s.Where) > 0
		}
		if filtered {
			p.microSet = make([]uint64, numSets)
			p.microDef = 0
			for j, s := range d.Micro {
				pass, def := filterSets(s.Where, ev, numSets)
				for i, ok := range pass {
					if ok {
						p.microSet[i] |= 1 << j
					}
				}
				if def {
					p.microDef |= 1 << j
				}
			}
		}
	}
	if p.needSets() && len(ev.Set) != ev.Len() {
		return nil, fmt.Errorf("events: %d property sets for %d events", len(ev.Set), ev.Len())
	}
	return p, nil
}

// setMasks32 gives, per property-set id, the bitmask of steps whose filters
// all pass (steps without filters pass everywhere).
func setMasks32(steps []Step, ev *Events, numSets int) ([]uint32, uint32) {
	masks := make([]uint32, numSets)
	var def uint32
	for k, s := range steps {
		bit := uint32(1) << k
		if len(s.Where) == 0 {
			for i := range masks {
				masks[i] |= bit
			}
			def |= bit
			continue
		}
		pass, d := filterSets(s.Where, ev, numSets)
		for i, ok := range pass {
			if ok {
				masks[i] |= bit
			}
		}
		if d {
			def |= bit
		}
	}
	return masks, def
}

// filterSets evaluates filters once per property set. A set without the key
// has the value "" (Values[0]), so "!=" and "not in" match it.
func filterSets(fs []Filter, ev *Events, numSets int) ([]bool, bool) {
	pass := make([]bool, numSets)
	for i := range pass {
		pass[i] = true
	}
	def := true
	for _, f := range fs {
		pr := ev.Props[f.Key]
		want := make(map[string]bool, len(f.Values))
		for _, v := range f.Values {
			want[v] = true
		}
		neg := f.Op == OpNe || f.Op == OpNotIn
		ok := make([]bool, len(pr.Values))
		for v, s := range pr.Values {
			ok[v] = want[s] != neg
		}
		val := func(v uint32) bool {
			if int(v) < len(ok) {
				return ok[v]
			}
			return neg // an out-of-range value id behaves as no value
		}
		for i := range pass {
			v := uint32(0)
			if i < len(pr.OfSet) {
				v = pr.OfSet[i]
			}
			pass[i] = pass[i] && val(v)
		}
		def = def && val(0)
	}
	return pass, def
}
