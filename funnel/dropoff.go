package funnel

import (
	"sort"
	"strings"
)

// Names of the folded and empty next events.
const (
	NextNone  = "(none)"
	NextOther = "(other)"
	// DefaultNextTop is how many next events (or paths) each step keeps
	// before folding the rest into (other).
	DefaultNextTop = 10
	// MaxNextDepth is the longest path of next events.
	MaxNextDepth = 3
	// PathSep joins the events of a path of next events.
	PathSep = " → "
)

// DropOptions shape the next events of ComputeDropped: Top keeps that many
// (0: DefaultNextTop), Depth is the length of the paths (0 or 1: one event,
// up to MaxNextDepth).
type DropOptions struct {
	Top   int
	Depth int
}

// Dropped is who left the funnel at a step and what they did next: Users
// whose furthest step is this one (the next step's drop_off), and for each
// the first Depth events after their counted chain's event of this step and
// no later than the attempt's window end (docs/SEMANTICS.md, "What they
// did next").
type Dropped struct {
	Users int64       `json:"users"`
	Next  []NextEvent `json:"next"`
}

// NextEvent is one next event (or path of them) and how many dropped users
// did it. Path holds the events when the depth is more than one; a path
// shorter than the depth ended with the window.
type NextEvent struct {
	Event string   `json:"event"`
	Path  []string `json:"path,omitempty"`
	Users int64    `json:"users"`
}

// dropSpec is what a plan does with each counted unit besides counting it:
// tally the next events of the dropped ones (depth > 0), and hand units to
// each (serial runs only).
type dropSpec struct {
	depth int
	each  func(w *worker, l int, chain []uint32)
}

// nextKey is a path of next events: name id + 1 per event, 0 after the end.
type nextKey [MaxNextDepth]uint32

// dropAcc is one worker's tally of next events per furthest level: by name
// id + 1 (0: none) at depth 1, by path beyond.
type dropAcc struct {
	one   [][]int64           // [level][name id + 1]
	paths []map[nextKey]int64 // [level]
}

// unit is called by emit for every counted unit (user or attempt) at level
// l with its counted chain.
func (w *worker) unit(l int, chain []uint32) {
	s := w.p.drop
	if s.each != nil {
		s.each(w, l, chain)
	}
	if s.depth > 0 && l < w.p.n {
		w.tally(l, chain, s.depth)
	}
}

// tally counts the next events of a unit that stopped at level l < n.
func (w *worker) tally(l int, chain []uint32, depth int) {
	n := w.p.n
	if w.drop == nil {
		w.drop = &dropAcc{one: make([][]int64, n), paths: make([]map[nextKey]int64, n)}
	}
	k := w.nextAfter(l, chain, depth)
	if depth == 1 {
		c := w.drop.one[l]
		if c == nil {
			c = make([]int64, len(w.ev.Names)+1)
			w.drop.one[l] = c
		}
		c[k[0]]++
		return
	}
	m := w.drop.paths[l]
	if m == nil {
		m = map[nextKey]int64{}
		w.drop.paths[l] = m
	}
	m[k]++
}

// nextAfter is the path of the first depth events after the chain's event
// at level l, within the attempt's window, that pass the global filters.
func (w *worker) nextAfter(l int, chain []uint32, depth int) nextKey {
	var k nextKey
	ev := w.ev
	end := satAdd(w.time[chain[0]], w.p.window)
	uEnd := userEnd(ev, chain[0])
	n := 0
	for i := chain[l-1] + 1; i < uEnd && n < depth; i++ {
		if w.time[i] > end {
			break
		}
		if w.p.global != nil && !w.p.global.pass(i) {
			continue
		}
		k[n] = ev.Name[i] + 1
		n++
	}
	return k
}

// userEnd is the end of the events of the user holding event i.
func userEnd(ev *Events, i uint32) uint32 {
	us := ev.UserStart
	j := sort.Search(len(us), func(j int) bool { return us[j] > i })
	return us[j]
}

// ComputeDropped is Compute with, in sequential and strict modes, every step
// before the last given its Dropped (any mode has no order, so no next
// event: the steps are left without). A Segment definition takes one more
// pass over the events.
func ComputeDropped(d *Definition, ev *Events, opt DropOptions) (*Result, error) {
	if d == nil || ev == nil || d.Segment != nil {
		res, err := Compute(d, ev)
		if err != nil || d == nil || ev == nil {
			return res, err
		}
		if anyMode(d) {
			res.DroppedNote = DropsAnyNote
			return res, nil
		}
		acc, err := segmentDrops(d, ev, opt)
		if err != nil {
			return nil, err
		}
		attachDropped(res, acc, ev, opt)
		return res, nil
	}
	p, err := compile(d, ev, false)
	if err != nil {
		return nil, err
	}
	if p.mode != Any {
		p.drop = &dropSpec{depth: depthOf(opt)}
	}
	ws := run(p, ev, p.by != nil)
	res := assemble(d, p, ev, ws)
	if p.mode != Any {
		attachDropped(res, mergeDrops(p.n, ws), ev, opt)
	} else {
		res.DroppedNote = DropsAnyNote
	}
	return res, nil
}

// DropsAnyNote says why a funnel in any mode has no next events.
const DropsAnyNote = "What they did next does not apply in any mode: its steps have no order, so no step is the one after which users left."

// anyMode reports whether d's steps may come in any order.
func anyMode(d *Definition) bool {
	m, _ := ParseMode(string(d.Mode))
	return m == Any
}

func depthOf(opt DropOptions) int {
	return min(max(opt.Depth, 1), MaxNextDepth)
}

// segmentDrops tallies the next events of the dropped users of a segment:
// those whose attributed value of the segment's key is its value.
func segmentDrops(d *Definition, ev *Events, opt DropOptions) ([]map[nextKey]int64, error) {
	bd := *d
	sf := *d.Segment
	bd.Segment, bd.By = nil, sf.Key
	keep, err := segmentKeeper(&bd, ev, sf)
	if err != nil {
		return nil, err
	}
	p, err := compile(&bd, ev, false)
	if err != nil {
		return nil, err
	}
	depth := depthOf(opt)
	n := p.n
	p.drop = &dropSpec{each: func(w *worker, l int, chain []uint32) {
		if l < n && keep(w.attrValue(chain, l)) {
			w.tally(l, chain, depth)
		}
	}}
	return mergeDrops(n, run(p, ev, false)), nil
}

// segmentKeeper reports which breakdown value ids (of bd.By) belong to the
// segment sf: its value, (none) for units without one, or (other) for the
// values beyond the top N of the breakdown.
func segmentKeeper(bd *Definition, ev *Events, sf SegmentFilter) (func(v uint32) bool, error) {
	pr, err := ev.Property(sf.Key)
	if err != nil {
		return nil, err
	}
	switch sf.Value {
	case NoneSegment:
		return func(v uint32) bool { return v == 0 }, nil
	case OtherSegment:
		res, err := Compute(bd, ev)
		if err != nil {
			return nil, err
		}
		named := map[string]bool{}
		for _, s := range res.Breakdown.Segments {
			named[s.Value] = true
		}
		in := make([]bool, len(pr.Values))
		for v := 1; v < len(pr.Values); v++ {
			in[v] = !named[pr.Values[v]]
		}
		return func(v uint32) bool { return int(v) < len(in) && in[v] }, nil
	}
	want := uint32(0)
	for v, s := range pr.Values {
		if v > 0 && s == sf.Value {
			want = uint32(v)
		}
	}
	return func(v uint32) bool { return want != 0 && v == want }, nil
}

func mergeDrops(n int, ws []*worker) []map[nextKey]int64 {
	out := make([]map[nextKey]int64, n)
	for _, w := range ws {
		if w.drop == nil {
			continue
		}
		for l, c := range w.drop.one {
			for id, x := range c {
				if x == 0 {
					continue
				}
				if out[l] == nil {
					out[l] = map[nextKey]int64{}
				}
				out[l][nextKey{uint32(id)}] += x
			}
		}
		for l, m := range w.drop.paths {
			if m == nil {
				continue
			}
			if out[l] == nil {
				out[l] = map[nextKey]int64{}
			}
			for k, c := range m {
				out[l][k] += c
			}
		}
	}
	return out
}

// attachDropped sets Dropped on steps 1..n-1 of res from the tallies.
func attachDropped(res *Result, acc []map[nextKey]int64, ev *Events, opt DropOptions) {
	top := opt.Top
	if top <= 0 {
		top = DefaultNextTop
	}
	depth := depthOf(opt)
	for k := 0; k+1 < len(res.Steps); k++ {
		dr := &Dropped{Next: []NextEvent{}}
		var list []NextEvent
		var none int64
		for key, c := range acc[k+1] {
			dr.Users += c
			if key[0] == 0 {
				none += c
				continue
			}
			ne := NextEvent{Users: c}
			for _, id := range key {
				if id == 0 {
					break
				}
				ne.Path = append(ne.Path, ev.Names[id-1])
			}
			ne.Event = strings.Join(ne.Path, PathSep)
			if depth == 1 {
				ne.Path = nil
			}
			list = append(list, ne)
		}
		dr.Next = foldNext(list, none, top)
		res.Steps[k].Dropped = dr
	}
}

// foldNext sorts next events by users (ties by name), keeps the top ones,
// folds the rest into (other) and lists (none) among them by its count.
func foldNext(list []NextEvent, none int64, top int) []NextEvent {
	byUsers := func(l []NextEvent) {
		sort.Slice(l, func(i, j int) bool {
			if l[i].Users != l[j].Users {
				return l[i].Users > l[j].Users
			}
			return l[i].Event < l[j].Event
		})
	}
	byUsers(list)
	var other int64
	if len(list) > top {
		for _, ne := range list[top:] {
			other += ne.Users
		}
		list = list[:top]
	}
	if none > 0 {
		list = append(list, NextEvent{Event: NextNone, Users: none})
		byUsers(list)
	}
	if other > 0 {
		list = append(list, NextEvent{Event: NextOther, Users: other})
	}
	if list == nil {
		list = []NextEvent{}
	}
	return list
}
