package funnel

import (
	"encoding/binary"
	"sort"
)

// The counted chain (docs/SEMANTICS.md, "Which chain is the chain"): the
// pass over a user's events finds the furthest level L and the
// lexicographically greatest chain reaching it, whose step-1 event is the
// latest one that reaches L. From that step-1 event, the counted chain takes
// for each later step the earliest event (by position) such that the chain
// can still reach L: the lexicographically smallest continuation. A depth
// first search in position order finds it; without a max gap, exclusions,
// strict mode or ties its first try succeeds (the earliest matching event
// never does worse), and subtrees that failed are remembered by the state
// that decides their outcome, so no state is searched twice.

// chainSearch is the worker's scratch for the search.
type chainSearch struct {
	ce     []gev // the events from the step-1 event's millisecond on
	lazy   bool  // ce is filled from the columns on demand
	next   int   // lazy: next column index to read
	hi     int   // lazy: end of the user's columns
	ci     []int // ce index of each step's event
	out    []uint32
	lim    int64 // no chain event after this time
	level  int
	memo   map[string]struct{}
	key    []byte
	tieBuf []int
}

// counted returns the chain a unit at level l is counted with, given the
// chain the pass kept (whose step-1 event is the latest reaching l). evs is
// the user's collected events, or nil to read the columns [chain[0]'s
// millisecond, hi). lim bounds the chain's times: the window, or a totals
// attempt's end.
func (w *worker) counted(l int, chain []uint32, evs []gev, lo, hi int, lim int64) []uint32 {
	if l < 2 {
		return chain
	}
	cs := &w.cs
	cs.level, cs.lim = l, lim
	if len(cs.memo) > 0 {
		clear(cs.memo)
	}
	first := chain[0]
	t1 := w.time[first]
	if evs != nil {
		a := sort.Search(len(evs), func(i int) bool { return evs[i].t >= t1 })
		cs.ce, cs.lazy = evs[a:], false
	} else {
		i := int(first)
		for i > lo && w.time[i-1] == t1 {
			i--
		}
		cs.ce, cs.lazy, cs.next, cs.hi = cs.ce[:0], true, i, hi
	}
	j := 0
	for w.ceAt(j) && cs.ce[j].idx != first {
		j++
	}
	if !w.ceAt(j) {
		return chain
	}
	if cap(cs.ci) < w.p.n {
		cs.ci = make([]int, w.p.n)
		cs.out = make([]uint32, w.p.n)
	}
	cs.ci = cs.ci[:l]
	cs.ci[0] = j
	if !w.extend(1) {
		return chain // unreachable when the pass and the search agree
	}
	out := cs.out[:l]
	for k, j := range cs.ci {
		out[k] = cs.ce[j].idx
	}
	return out
}

// ceAt reports whether search event j exists, reading columns if needed.
func (w *worker) ceAt(j int) bool {
	cs := &w.cs
	for j >= len(cs.ce) {
		if !cs.lazy || cs.next >= cs.hi {
			return false
		}
		i := cs.next
		cs.next++
		if w.time[i] > cs.lim {
			cs.next = cs.hi
			return false
		}
		if e, ok := w.usable(i); ok {
			cs.ce = append(cs.ce, e)
		}
	}
	return true
}

// usable is what sequentialUsers keeps of column i: an event that passes the
// global filters and can fill a step or trigger an exclusion.
func (w *worker) usable(i int) (gev, bool) {
	p := w.p
	if p.global != nil && !p.global.pass(uint32(i)) {
		return gev{}, false
	}
	mx := p.nameMX[w.ev.Name[i]]
	m, x := uint32(mx), uint32(mx>>32)
	if m != 0 && p.stepF != nil {
		m = uint32(maskByFilters(uint64(m), uint32(i), p.stepF))
	}
	if x != 0 && p.exF != nil {
		x = uint32(maskByFilters(uint64(x), uint32(i), p.exF))
	}
	return gev{idx: uint32(i), m: m, x: x, t: w.time[i]}, m|x != 0
}

// extend chooses the events of steps k.. (0-based) given cs.ci[:k], earliest
// first, and reports whether the chain reaches cs.level.
func (w *worker) extend(k int) bool {
	cs := &w.cs
	if k == cs.level {
		return true
	}
	if len(cs.memo) > 0 {
		if _, bad := cs.memo[string(w.stateKey(k))]; bad {
			return false
		}
	}
	prev := cs.ce[cs.ci[k-1]]
	j := cs.ci[k-1]
	for j > 0 && cs.ce[j-1].t == prev.t {
		j--
	}
	for ; w.ceAt(j); j++ {
		e := cs.ce[j]
		if e.t > cs.lim || e.t-prev.t > w.p.gap {
			break
		}
		if e.m>>k&1 == 0 || w.chosen(j, k) || !w.allowed(k, e) {
			continue
		}
		cs.ci[k] = j
		if w.extend(k + 1) {
			return true
		}
	}
	if cs.memo == nil {
		cs.memo = map[string]struct{}{}
	}
	cs.memo[string(w.stateKey(k))] = struct{}{}
	return false
}

func (w *worker) chosen(j, k int) bool {
	for _, c := range w.cs.ci[:k] {
		if c == j {
			return true
		}
	}
	return false
}

// allowed checks the strict and exclusion rules for e as step k's event.
func (w *worker) allowed(k int, e gev) bool {
	cs := &w.cs
	p := w.p
	if p.mode == Strict {
		t1 := cs.ce[cs.ci[0]].t
		for i := 0; cs.ce[i].t < e.t; i++ {
			if cs.ce[i].t > t1 && !w.chosen(i, k) {
				return false
			}
		}
	}
	for x := range p.exFrom {
		if p.exFrom[x] > k || k >= p.exTo[x] {
			continue
		}
		lo := cs.ce[cs.ci[p.exFrom[x]-1]].t
		for i := cs.ci[p.exFrom[x]-1]; cs.ce[i].t < e.t; i++ {
			if o := cs.ce[i]; o.x>>x&1 != 0 && o.t > lo {
				return false
			}
		}
	}
	return true
}

// stateKey is what decides whether steps k.. can still be filled: the last
// chosen event, the chosen events sharing its millisecond (the others there
// are free, and in strict mode must be used), and the time of the step-From
// event of every exclusion still pending.
func (w *worker) stateKey(k int) []byte {
	cs := &w.cs
	last := cs.ci[k-1]
	t := cs.ce[last].t
	b := binary.LittleEndian.AppendUint32(cs.key[:0], uint32(k))
	ties := cs.tieBuf[:0]
	for _, c := range cs.ci[:k] {
		if cs.ce[c].t == t {
			ties = append(ties, c)
		}
	}
	sort.Ints(ties)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ties)))
	for _, c := range ties {
		b = binary.LittleEndian.AppendUint32(b, uint32(c))
	}
	for x := range w.p.exFrom {
		if w.p.exFrom[x] <= k && k < w.p.exTo[x] {
			b = binary.LittleEndian.AppendUint64(b, uint64(cs.ce[cs.ci[w.p.exFrom[x]-1]].t))
		}
	}
	cs.key, cs.tieBuf = b, ties
	return b
}
