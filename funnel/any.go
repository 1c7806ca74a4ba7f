package funnel

import "math"

// Any mode: a user reaches step k when distinct events match steps 1..k, in
// any order, all within one window (last minus first <= window). The events
// of a window are summarised by how many carry each step bitmask, and the
// furthest level is a maximum matching of steps 1, 2, ... to those events.

func (w *worker) clsReset() {
	w.clsMask = w.clsMask[:0]
	w.clsCnt = w.clsCnt[:0]
}

func (w *worker) clsAdd(m uint32, d int32) {
	for i, c := range w.clsMask {
		if c == m {
			w.clsCnt[i] += d
			return
		}
	}
	w.clsMask = append(w.clsMask, m)
	w.clsCnt = append(w.clsCnt, d)
}

// maxPrefix is the largest k such that steps 0..k-1 can each take a distinct
// event of the current window.
func (w *worker) maxPrefix() int {
	nc := len(w.clsMask)
	if cap(w.clsUsed) < nc {
		w.clsUsed = make([]int32, nc, 2*nc)
		w.clsVisited = make([]bool, nc, 2*nc)
	}
	w.clsUsed = w.clsUsed[:nc]
	w.clsVisited = w.clsVisited[:nc]
	clear(w.clsUsed)
	for s := 0; s < w.p.n; s++ {
		w.assignC[s] = -1
	}
	for s := 0; s < w.p.n; s++ {
		clear(w.clsVisited)
		if !w.augC(s) {
			return s
		}
	}
	return w.p.n
}

func (w *worker) augC(s int) bool {
	for c, m := range w.clsMask {
		if w.clsCnt[c] <= 0 || w.clsVisited[c] || m>>s&1 == 0 {
			continue
		}
		w.clsVisited[c] = true
		if w.clsUsed[c] < w.clsCnt[c] {
			w.clsUsed[c]++
			w.assignC[s] = c
			return true
		}
		for s2 := 0; s2 < w.p.n; s2++ {
			if s2 != s && w.assignC[s2] == c && w.augC(s2) {
				// s2 moved to another class; s takes its place in c.
				w.assignC[s] = c
				return true
			}
		}
	}
	return false
}

// anyChain fills w.chain with, for each step below l, the last event in
// [lo, hi] that matches it (the events breakdown attribution reads).
func (w *worker) anyChain(l int, lo, hi int64) {
	for k := 0; k < l; k++ {
		for i := len(w.evs) - 1; i >= 0; i-- {
			e := w.evs[i]
			if e.t >= lo && e.t <= hi && e.m>>k&1 != 0 {
				w.chain[k] = e.idx
				break
			}
		}
	}
}

// anyUsers counts the user at the furthest level of any window; the window
// used for attribution is the latest-starting one that reaches it.
func (w *worker) anyUsers() {
	p := w.p
	evs := w.evs
	w.clsReset()
	bestL, bestA := 0, int64(0)
	b := 0
	for a := 0; a < len(evs) && evs[a].t <= p.hi; {
		s := evs[a].t
		end := satAdd(s, p.window)
		for b < len(evs) && evs[b].t <= end {
			w.clsAdd(evs[b].m, 1)
			b++
		}
		if l := w.maxPrefix(); l > 0 && l >= bestL {
			bestL, bestA = l, s
		}
		for a < len(evs) && evs[a].t == s {
			w.clsAdd(evs[a].m, -1)
			a++
		}
	}
	w.bestLevel = bestL
	if bestL > 0 {
		w.anyChain(bestL, bestA, satAdd(bestA, p.window))
		w.emit(bestL, w.chain, false)
	}
}

// anyTotals: an attempt's window opens at the earliest step-matching event
// after the previous attempt ended; it ends when all steps are matched, or
// when its window runs out.
func (w *worker) anyTotals() {
	p := w.p
	evs := w.evs
	prevEnd := int64(math.MinInt64)
	a := 0
	for {
		for a < len(evs) && (evs[a].t <= prevEnd || evs[a].m == 0) {
			a++
		}
		if a == len(evs) || evs[a].t > p.hi {
			return
		}
		s := evs[a].t
		end := satAdd(s, p.window)
		w.clsReset()
		l := 0
		b := a
		for b < len(evs) && evs[b].t <= end {
			t := evs[b].t
			for b < len(evs) && evs[b].t == t {
				w.clsAdd(evs[b].m, 1)
				b++
			}
			l = w.maxPrefix()
			if l == p.n {
				end = t
				break
			}
		}
		if l > 0 {
			w.anyChain(l, s, end)
			w.emit(l, w.chain, false)
		}
		prevEnd = end
		a = b
	}
}
