package funnel

import (
	"fmt"
	"strings"
	"time"
)

// Explanation is one user's path through a funnel: the counted chain
// (docs/SEMANTICS.md) and, when it stopped before the last step, why.
type Explanation struct {
	User    int      // index of the user in the Events
	Reached int      // furthest step, 0 when the user never entered
	Chain   []uint32 // event indices of the counted chain, one per step reached
	Stopped *Stop    // nil when the user completed the funnel
}

// Stop kinds: why a chain stopped at step Step-1.
const (
	StopNotEntered = "not_entered" // no step-1 event (that passes the filters, in the range)
	StopNever      = "never"       // no event of step Step after the chain's last event
	StopWindow     = "window"      // did step Step only after the window closed
	StopFilter     = "filter"      // step Step's events after the chain failed a filter
	StopExclusion  = "exclusion"   // an exclusion event came between
	StopMaxGap     = "max_gap"     // step Step came later than the max gap allows
	StopStrict     = "strict"      // another event came between (strict mode)
	StopOther      = "other"       // a step Step event in reach, used otherwise (ties, any mode)
)

// Stop is why a counted chain ended: Kind (the Stop* constants), the step
// not reached, the event involved (Index -1 when none) and a sentence.
type Stop struct {
	Kind   string
	Step   int
	Index  int
	Detail string
}

// fmtTime is a time as the explanations print it: RFC 3339 in UTC, to the ms.
func fmtTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// Explain computes user u's counted chain (counting users) and why it
// stopped. A Segment or breakdown of d is ignored.
func Explain(d *Definition, ev *Events, u int) (*Explanation, error) {
	if d == nil {
		return nil, fmt.Errorf("no funnel definition")
	}
	if u < 0 || u >= ev.NumUsers() {
		return nil, fmt.Errorf("user %d: out of range (%d users)", u, ev.NumUsers())
	}
	dd := *d
	dd.Count, dd.Segment, dd.By = Users, nil, ""
	p, err := compile(&dd, ev, false)
	if err != nil {
		return nil, err
	}
	x := &Explanation{User: u}
	p.drop = &dropSpec{each: func(w *worker, l int, chain []uint32) {
		x.Reached = l
		x.Chain = append([]uint32(nil), chain[:l]...)
	}}
	newWorker(p, ev, false).user(u)
	n := len(d.Steps)
	if x.Reached == n {
		return x, nil
	}
	x.Stopped, err = whyStopped(&dd, p, ev, u, x)
	return x, err
}

// whyStopped looks at the events of step Reached+1 after the chain's last
// event, in order, and names the first reason one of them was not taken.
func whyStopped(d *Definition, p *plan, ev *Events, u int, x *Explanation) (*Stop, error) {
	lo, hi := int(ev.UserStart[u]), int(ev.UserStart[u+1])
	k := x.Reached // 0-based index of the step not reached
	s := &Stop{Step: k + 1, Index: -1}
	step := d.Steps[k]
	name := step.StepName()
	isStep := func(i int) bool { return p.names[ev.Name[i]]>>k&1 != 0 }
	failed := func(i int, fs []Filter) (string, error) {
		for _, f := range fs {
			cs, err := compileFilters([]Filter{f}, ev)
			if err != nil {
				return "", err
			}
			if !cs.pass(uint32(i)) {
				return filterText(f), nil
			}
		}
		return "", nil
	}
	if x.Reached == 0 {
		s.Kind = StopNotEntered
		s.Detail = fmt.Sprintf("never entered: no %s event", name)
		for i := lo; i < hi; i++ {
			if !isStep(i) {
				continue
			}
			f, err := failed(i, append(append([]Filter(nil), d.Where...), step.Where...))
			if err != nil {
				return nil, err
			}
			switch {
			case f != "":
				s.Index, s.Detail = i, fmt.Sprintf("never entered: %s at %s does not match %s", ev.Names[ev.Name[i]], fmtTime(ev.Time[i]), f)
			case p.hasRange:
				s.Index, s.Detail = i, fmt.Sprintf("never entered: %s at %s is outside the entry range", ev.Names[ev.Name[i]], fmtTime(ev.Time[i]))
			default:
				continue
			}
			break
		}
		return s, nil
	}
	if p.mode == Any {
		s.Kind = StopOther
		s.Detail = fmt.Sprintf("step %d %s: no event of it within one window with the other steps (any order)", k+1, name)
		return s, nil
	}
	last := int(x.Chain[k-1])
	end := satAdd(ev.Time[x.Chain[0]], p.window)
	prevName := d.Steps[k-1].StepName()
	for i := last + 1; i < hi; i++ {
		if !isStep(i) {
			continue
		}
		t := ev.Time[i]
		at := fmtTime(t)
		if t > end {
			s.Kind, s.Index = StopWindow, i
			s.Detail = fmt.Sprintf("did step %d %s only after the window closed (at %s, window ended %s)", k+1, name, at, fmtTime(end))
			return s, nil
		}
		f, err := failed(i, append(append([]Filter(nil), d.Where...), step.Where...))
		if err != nil {
			return nil, err
		}
		if f != "" {
			s.Kind, s.Index = StopFilter, i
			s.Detail = fmt.Sprintf("did %s at %s, but it does not match step %d's filter %s", ev.Names[ev.Name[i]], at, k+1, f)
			return s, nil
		}
		if gap := t - ev.Time[last]; gap > p.gap {
			s.Kind, s.Index = StopMaxGap, i
			s.Detail = fmt.Sprintf("did step %d %s at %s, %s after step %d %s: more than the max gap", k+1, name, at, Duration(time.Duration(gap)*time.Millisecond), k, prevName)
			return s, nil
		}
		for j, xd := range d.Exclusions {
			if k+1 <= xd.From || k+1 > xd.To {
				continue
			}
			from := int(x.Chain[xd.From-1])
			for e := from + 1; e < i; e++ {
				if ev.Time[e] == ev.Time[from] || ev.Time[e] == t || p.exNames[ev.Name[e]]>>j&1 == 0 {
					continue
				}
				if f, err := failed(e, append(append([]Filter(nil), d.Where...), xd.Where...)); err != nil || f != "" {
					if err != nil {
						return nil, err
					}
					continue
				}
				s.Kind, s.Index = StopExclusion, e
				s.Detail = fmt.Sprintf("an exclusion: %s at %s, between step %d and step %d %s (at %s)", ev.Names[ev.Name[e]], fmtTime(ev.Time[e]), xd.From, k+1, name, at)
				return s, nil
			}
		}
		if p.mode == Strict {
			for e := last + 1; e < i; e++ {
				if ev.Time[e] == ev.Time[last] || ev.Time[e] == t {
					continue
				}
				if p.global != nil && !p.global.pass(uint32(e)) {
					continue
				}
				s.Kind, s.Index = StopStrict, e
				s.Detail = fmt.Sprintf("strict mode: %s at %s came between step %d %s and step %d %s (at %s)", ev.Names[ev.Name[e]], fmtTime(ev.Time[e]), k, prevName, k+1, name, at)
				return s, nil
			}
		}
		s.Kind, s.Index = StopOther, i
		s.Detail = fmt.Sprintf("did step %d %s at %s, but no chain through it reaches further (ties or steps sharing events)", k+1, name, at)
		return s, nil
	}
	s.Kind = StopNever
	s.Detail = fmt.Sprintf("never did step %d %s after step %d %s (at %s)", k+1, name, k, prevName, fmtTime(ev.Time[last]))
	return s, nil
}

func filterText(f Filter) string {
	switch f.Op {
	case "in", "not in":
		return fmt.Sprintf("%s %s (%s)", f.Key, f.Op, strings.Join(f.Values, ","))
	}
	return f.Key + f.Op + strings.Join(f.Values, ",")
}
