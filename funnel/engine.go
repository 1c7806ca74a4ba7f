package funnel

import (
	"math"
	"math/bits"
	"sort"
)

// gev is one event of a user that the funnel can use: its index in the
// columns, time, step bitmask and exclusion bitmask.
type gev struct {
	idx uint32
	m   uint32
	x   uint32
	t   int64
}

// dq holds, for one level k, the chains (k event indices each) still worth
// extending: ordered by the time of their last event, with lexicographically
// decreasing index vectors. An older chain that is not lexicographically
// greater than a newer one can never be preferred (a later last event is at
// least as good for the max gap, and lexicographic order puts the latest
// step-1 event first, which is what the window needs), so it is dropped.
// Without a max gap this holds a single chain.
type dq struct {
	k   int
	buf []uint32
	off int // element offset of the front chain
	cnt int // chains held
}

func (d *dq) n() int          { return d.cnt }
func (d *dq) reset()          { d.buf = d.buf[:0]; d.off = 0; d.cnt = 0 }
func (d *dq) front() []uint32 { return d.buf[d.off : d.off+d.k] }
func (d *dq) back() []uint32  { return d.buf[len(d.buf)-d.k:] }
func (d *dq) push(v []uint32) { d.buf = append(d.buf, v...); d.cnt++ }

func (d *dq) popFront() {
	d.off += d.k
	d.cnt--
	if d.cnt == 0 {
		d.reset()
	}
}

func (d *dq) popBack() {
	d.buf = d.buf[:len(d.buf)-d.k]
	d.cnt--
	if d.cnt == 0 {
		d.reset()
	}
}

// lexLess reports a < b for equal-length index vectors. Within one user the
// event index grows with time, so this orders chains by their step-1 event,
// then step-2 event, and so on.
func lexLess(a, b []uint32) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// worker computes users from a range of users and keeps its own counts;
// workers are merged at the end.
type worker struct {
	_    [64]byte // keep workers' hot fields off each other's cache lines
	p    *plan
	ev   *Events
	time []int64

	lv    []dq
	start []int64 // with noGap: time of the step-1 event of lv[k]'s chain
	noGap bool
	// fast: sequential, no max gap, no exclusions. Then each level holds
	// one chain that only ever grows lexicographically, so the chain at the
	// furthest level is also the user's best chain and needs no copy.
	fast bool
	// With fast, early[k] is the chain with lv[k]'s step-1 event and the
	// earliest later events (the counted chain, docs/SEMANTICS.md) as long
	// as no two events shared a millisecond (tied: then the search in
	// chain.go decides).
	early     [][]uint32
	tied      bool
	best      []uint32
	bestLevel int
	evs       []gev
	pos       []uint32 // scratch: positions of the user's relevant events
	mxs       []uint64 // and their step|exclusion masks
	tmp       []uint32

	// group scratch (events sharing one timestamp)
	fr                 [][]uint32
	frOK               []bool
	candAll, candLive  [][]uint32
	candOK, candLiveOK []bool
	gm                 []uint32
	used, visited      []bool
	matchPos, assign   []int
	vec                []uint32

	// any-mode scratch
	clsMask         []uint32
	clsCnt, clsUsed []int32
	clsVisited      []bool
	assignC         []int
	chain           []uint32

	// results
	users int64
	reach []int64    // units by furthest level, 0..n
	hist  [][]uint32 // hist[k][bucket]: time from step k-1 to step k (0-based k >= 1)
	rec   bool
	// Breakdown by a property of few values (directValues or fewer) keeps
	// counts and histograms per value; otherwise units are recorded and
	// grouped once the segments are known.
	vReach []int64    // [value*(n+1)+level]
	vHist  [][]uint32 // [value*n+k], allocated on first use
	recV   []uint32
	recL   []uint8
	recB   []uint16

	cs       chainSearch
	entryEnd int // the user's events from here on are past the date range

	microDid, microDidMacro []int64
	macroUsers              int64
	drv                     *drvState // Drivers' counts, made on first use
	drop                    *dropAcc  // next events of dropped units (dropoff.go)
	_                       [64]byte
}

// padded slices: the small per-level arrays are written for every event, and
// two workers' small allocations could otherwise share a cache line, which
// makes the cores fight over it (false sharing).
func padU32(n int) []uint32 { return make([]uint32, n+32)[16 : 16+n : 16+n] }
func padI64(n int) []int64  { return make([]int64, n+16)[8 : 8+n : 8+n] }

func newWorker(p *plan, ev *Events, rec bool) *worker {
	n := p.n
	w := &worker{p: p, ev: ev, time: ev.Time}
	if rec && len(p.by.Values) <= directValues && len(p.by.Values)*n*p.nb <= directCells {
		nv := len(p.by.Values)
		w.vReach = make([]int64, nv*(n+1))
		w.vHist = make([][]uint32, nv*n)
	} else {
		w.rec = rec
	}
	w.lv = make([]dq, n+5)[2 : n+3 : n+3]
	for k := 1; k <= n; k++ {
		w.lv[k].k = k
		w.lv[k].buf = padU32(4 * k)[:0]
	}
	w.noGap = p.gap == math.MaxInt64
	w.start = padI64(n + 1)
	w.fast = w.noGap && p.mode == Sequential && len(p.exFrom) == 0
	w.best = padU32(n)
	w.early = make([][]uint32, n+1)
	for k := 1; k <= n; k++ {
		w.early[k] = padU32(k)
	}
	w.tmp = padU32(n)
	w.vec = padU32(n)
	w.fr = make([][]uint32, n+1)
	w.candAll = make([][]uint32, n+1)
	w.candLive = make([][]uint32, n+1)
	for k := 0; k <= n; k++ {
		w.fr[k] = padU32(k)
		w.candAll[k] = padU32(k)
		w.candLive[k] = padU32(k)
	}
	w.frOK = make([]bool, n+1)
	w.candOK = make([]bool, n+1)
	w.candLiveOK = make([]bool, n+1)
	w.assign = make([]int, n)
	w.assignC = make([]int, n)
	w.chain = padU32(n)
	w.reach = padI64(n + 1)
	w.hist = make([][]uint32, n)
	if p.mode != Any {
		for k := 1; k < n; k++ {
			w.hist[k] = make([]uint32, w.p.nb)
		}
	}
	w.microDid = make([]int64, p.nMicro)
	w.microDidMacro = make([]int64, p.nMicro)
	return w
}

// reserve sizes the recorded units for about users of them, so that
// recording does not spend its time copying as the lists grow.
func (w *worker) reserve(users int) {
	if !w.rec {
		return
	}
	w.recV = make([]uint32, 0, users)
	w.recL = make([]uint8, 0, users)
	w.recB = make([]uint16, 0, users*(w.p.n-1))
}

func (w *worker) resetState() {
	for k := 1; k <= w.p.n; k++ {
		w.lv[k].reset()
	}
	w.bestLevel = 0
	w.tied = false
}

// run computes users [u0, u1).
func (w *worker) run(u0, u1 int) {
	for u := u0; u < u1; u++ {
		w.user(u)
	}
}

// user computes user u.
func (w *worker) user(u int) {
	p, ev := w.p, w.ev
	lo, hi := int(ev.UserStart[u]), int(ev.UserStart[u+1])
	w.entryEnd = hi
	if p.hasRange && lo < hi && (w.time[hi-1] < p.lo || w.time[lo] > p.hi) {
		return // no event in the range
	}
	if p.hasRange {
		// Times are sorted within a user: narrow to the events from the
		// range's start to a window after its end; entries (and the
		// events that make a user count) end at the range's end.
		t := w.time[lo:hi]
		a := sort.Search(len(t), func(i int) bool { return t[i] >= p.lo })
		b := a + sort.Search(len(t)-a, func(i int) bool { return t[a+i] > p.hi })
		c := b
		if end := satAdd(p.hi, p.window); b < len(t) && t[b] <= end {
			c = b + sort.Search(len(t)-b, func(i int) bool { return t[b+i] > end })
		}
		lo, w.entryEnd, hi = lo+a, lo+b, lo+c
	}
	if lo >= w.entryEnd {
		return
	}
	if p.mode == Sequential && !p.totals {
		if !w.sequentialUsers(lo, hi) {
			return
		}
		w.users++
		if p.nMicro > 0 {
			w.micro(lo, w.entryEnd)
		}
		return
	}
	if !w.collect(lo, hi) {
		return
	}
	w.users++
	switch {
	case p.mode == Any && p.totals:
		w.anyTotals()
	case p.mode == Any:
		w.anyUsers()
	case p.totals:
		w.orderedTotals()
	default:
		w.orderedUsers()
	}
	if p.nMicro > 0 {
		w.micro(lo, w.entryEnd)
	}
}

// collect gathers the user's events the funnel can use into w.evs and
// reports whether the user has any event after the global filters. Strict
// mode keeps every considered event, since any of them breaks a chain.
func (w *worker) collect(lo, hi int) bool {
	p, ev := w.p, w.ev
	w.evs = w.evs[:0]
	names := ev.Name
	keepAll := p.mode == Strict
	if !keepAll && p.global == nil && p.stepF == nil && p.exF == nil {
		// The common case, kept tight: a lookup per event, most skipped.
		pn, px := p.names, p.exNames
		times := w.time[lo:hi]
		for j, nm := range names[lo:hi] {
			m, x := pn[nm], px[nm]
			if m|x == 0 {
				continue
			}
			w.evs = append(w.evs, gev{idx: uint32(lo + j), m: m, x: x, t: times[j]})
		}
		return true
	}
	anyEv := p.global == nil
	for i := lo; i < hi; i++ {
		if p.global != nil {
			if !p.global.pass(uint32(i)) {
				continue
			}
			anyEv = anyEv || i < w.entryEnd
		}
		nm := names[i]
		m, x := p.names[nm], p.exNames[nm]
		if m|x == 0 && !keepAll {
			continue
		}
		if m != 0 && p.stepF != nil {
			m = uint32(maskByFilters(uint64(m), uint32(i), p.stepF))
		}
		if x != 0 && p.exF != nil {
			x = uint32(maskByFilters(uint64(x), uint32(i), p.exF))
		}
		if m|x == 0 && !keepAll {
			continue
		}
		w.evs = append(w.evs, gev{idx: uint32(i), m: m, x: x, t: w.time[i]})
	}
	return anyEv
}

func (w *worker) micro(lo, hi int) {
	p, ev := w.p, w.ev
	var did uint64
	for i := lo; i < hi; i++ {
		if p.global != nil && !p.global.pass(uint32(i)) {
			continue
		}
		m := p.microNames[ev.Name[i]]
		if m != 0 && p.microF != nil {
			m = maskByFilters(m, uint32(i), p.microF)
		}
		did |= m
	}
	macro := w.bestLevel == p.n
	if macro {
		w.macroUsers++
	}
	for j := 0; j < p.nMicro; j++ {
		if did>>j&1 != 0 {
			w.microDid[j]++
			if macro {
				w.microDidMacro[j]++
			}
		}
	}
}

// sequentialUsers is orderedUsers for sequential mode fused with collect:
// one pass over the user's events, holding only the current timestamp's
// events. It reports whether the user has any event after global filters.
func (w *worker) sequentialUsers(lo, hi int) bool {
	p := w.p
	w.resetState()
	g := w.evs[:0]
	names, times := w.ev.Name[lo:hi], w.time[lo:hi]
	pnx := p.nameMX
	global, stepF, exF := p.global, p.stepF, p.exF
	anyEv := global == nil
	// The events of the current timestamp: one is held in pend (the common
	// case, no copying), ties go to g.
	var pend gev
	npend := 0
	if global == nil {
		// Compact the positions of the events any step or exclusion can use,
		// without a branch per event (whether an event is relevant is not
		// predictable), then walk only those.
		if cap(w.pos) < len(names) {
			w.pos = make([]uint32, len(names), 2*len(names))
			w.mxs = make([]uint64, len(names), 2*len(names))
		}
		pos := w.pos[:len(names)]
		mxs := w.mxs[:len(names)]
		c := 0
		for j, nm := range names {
			mx := pnx[nm]
			pos[c] = uint32(j)
			mxs[c] = mx
			c += int((mx | -mx) >> 63)
		}
		for i, pj := range pos[:c] {
			j := int(pj)
			mx := mxs[i]
			m, x := uint32(mx), uint32(mx>>32)
			if m != 0 && stepF != nil {
				m = uint32(maskByFilters(uint64(m), uint32(lo+j), stepF))
			}
			if x != 0 && exF != nil {
				x = uint32(maskByFilters(uint64(x), uint32(lo+j), exF))
			}
			if m|x == 0 {
				continue
			}
			e := gev{idx: uint32(lo + j), m: m, x: x, t: times[j]}
			switch {
			case npend == 0:
				pend, npend = e, 1
			case pend.t == e.t:
				if npend == 1 {
					g = append(g[:0], pend)
				}
				g = append(g, e)
				npend++
			default:
				g = w.flushPending(pend, npend, g)
				pend, npend = e, 1
			}
		}
		names = nil // done
	}
	// The same steps as the loop above, for events it did not prefilter. The
	// grouping of equal times is written out in both on purpose: as a method
	// call per event it costs 12% of BenchmarkCompute10M.
	for j, nm := range names {
		if global != nil {
			if !global.pass(uint32(lo + j)) {
				continue
			}
			anyEv = anyEv || lo+j < w.entryEnd
		}
		mx := pnx[nm]
		if mx == 0 {
			continue
		}
		m, x := uint32(mx), uint32(mx>>32)
		if m != 0 && stepF != nil {
			m = uint32(maskByFilters(uint64(m), uint32(lo+j), stepF))
		}
		if x != 0 && exF != nil {
			x = uint32(maskByFilters(uint64(x), uint32(lo+j), exF))
		}
		if m|x == 0 {
			continue
		}
		e := gev{idx: uint32(lo + j), m: m, x: x, t: times[j]}
		switch {
		case npend == 0:
			pend, npend = e, 1
		case pend.t == e.t:
			if npend == 1 {
				g = append(g[:0], pend)
			}
			g = append(g, e)
			npend++
		default:
			g = w.flushPending(pend, npend, g)
			pend, npend = e, 1
		}
	}
	if npend > 0 {
		g = w.flushPending(pend, npend, g)
	}
	w.evs = g
	if l := w.bestLevel; l > 0 {
		w.emit(l, w.countedChain(l, lo, hi), true)
	}
	return anyEv
}

func (w *worker) flushPending(pend gev, npend int, g []gev) []gev {
	if npend == 1 {
		if w.fast && pend.x == 0 {
			w.singleFast(pend, pend.t <= w.p.hi)
			return g
		}
		g = append(g[:0], pend)
	}
	w.group(g, pend.t, pend.t <= w.p.hi)
	return g[:0]
}

// orderedUsers: sequential or strict, each user counted once at the
// furthest level of any chain.
func (w *worker) orderedUsers() {
	w.resetState()
	evs := w.evs
	for a := 0; a < len(evs); {
		t := evs[a].t
		b := a + 1
		for b < len(evs) && evs[b].t == t {
			b++
		}
		w.group(evs[a:b], t, t <= w.p.hi)
		a = b
	}
	if l := w.bestLevel; l > 0 {
		c := w.bestChain()
		w.emit(l, w.counted(l, c, evs, 0, 0, satAdd(w.time[c[0]], w.p.window)), true)
	}
}

// countedChain is the chain sequentialUsers counts the user with, at level
// l of the columns [lo, hi).
func (w *worker) countedChain(l, lo, hi int) []uint32 {
	if w.fast && !w.tied {
		return w.early[l]
	}
	c := w.bestChain()
	return w.counted(l, c, nil, lo, hi, satAdd(w.time[c[0]], w.p.window))
}

// bestChain is the lexicographically greatest chain at the furthest level.
func (w *worker) bestChain() []uint32 {
	if w.fast {
		return w.lv[w.bestLevel].buf[:w.bestLevel]
	}
	return w.best
}

// orderedTotals: attempts anchored at the earliest step-1 time after the
// previous attempt ended (at its completion, or when its window ran out).
func (w *worker) orderedTotals() {
	p := w.p
	evs := w.evs
	prevEnd := int64(math.MinInt64)
	a := 0
	for {
		for a < len(evs) && evs[a].t <= prevEnd {
			a++
		}
		j := a
		for j < len(evs) && evs[j].m&1 == 0 {
			j++
		}
		if j == len(evs) || evs[j].t > p.hi {
			return
		}
		s := evs[j].t
		g := j
		for g > a && evs[g-1].t == s {
			g--
		}
		w.resetState()
		end := satAdd(s, p.window)
		for g < len(evs) && evs[g].t <= end {
			t := evs[g].t
			b := g + 1
			for b < len(evs) && evs[b].t == t {
				b++
			}
			w.group(evs[g:b], t, t == s)
			g = b
			if w.bestLevel == p.n {
				end = t
				break
			}
		}
		if l := w.bestLevel; l > 0 {
			c := w.bestChain()
			if w.fast && !w.tied {
				c = w.early[l]
			} else {
				c = w.counted(l, c, evs, 0, 0, end)
			}
			w.emit(l, c, true)
		}
		prevEnd = end
		a = g
	}
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// group processes the events of one timestamp.
func (w *worker) group(g []gev, t int64, allowStart bool) {
	if len(g) == 1 && g[0].x == 0 && w.p.mode == Strict {
		w.strictSingle(g[0], allowStart)
		return
	}
	if len(g) == 1 && g[0].x == 0 && w.p.mode == Sequential {
		if w.fast {
			w.singleFast(g[0], allowStart)
		} else {
			w.single(g[0], allowStart)
		}
		return
	}
	w.general(g, t, allowStart)
}

// validFront returns the best chain at level k that an event at time t may
// extend, dropping chains that can no longer be extended.
func (w *worker) validFront(k int, t int64) []uint32 {
	d := &w.lv[k]
	for d.n() > 0 {
		f := d.front()
		if t-w.time[f[k-1]] > w.p.gap {
			d.popFront()
			continue
		}
		if t-w.time[f[0]] > w.p.window {
			// The front has the latest step-1 event of all: none fits.
			if !w.noGap {
				d.reset()
			}
			return nil
		}
		return f
	}
	return nil
}

func (w *worker) insert(k int, c []uint32) {
	d := &w.lv[k]
	if w.noGap {
		// Without a max gap only the window matters, and the lexicographically
		// greatest chain has the latest step-1 event: keep just that one.
		if d.cnt == 1 && !lexLess(d.buf[:k], c) {
			return
		}
		d.buf = d.buf[:k]
		copy(d.buf, c)
		d.cnt, d.off = 1, 0
		w.start[k] = w.time[c[0]]
		return
	}
	for d.n() > 0 && !lexLess(c, d.back()) {
		d.popBack()
	}
	d.push(c)
}

func (w *worker) noteBest(k int, c []uint32) {
	if k > w.bestLevel || (k == w.bestLevel && lexLess(w.best[:k], c)) {
		copy(w.best, c)
		w.bestLevel = k
	}
}

// single is the fast path: one sequential event alone at its timestamp, no
// exclusion. Levels are visited from the top so that the event extends
// chains that existed before it, never one it just extended.
func (w *worker) single(e gev, allowStart bool) {
	n := w.p.n
	hi := min(n-1, w.bestLevel)
	for k := hi; k >= 1; k-- {
		if e.m>>k&1 == 0 {
			continue
		}
		f := w.validFront(k, e.t)
		if f == nil {
			continue
		}
		c := w.tmp[:k+1]
		copy(c, f)
		c[k] = e.idx
		if k+1 < n {
			w.insert(k+1, c)
		}
		w.noteBest(k+1, c)
	}
	if e.m&1 != 0 && allowStart {
		c := w.tmp[:1]
		c[0] = e.idx
		w.insert(1, c)
		w.noteBest(1, c)
	}
}

// singleFast is single for w.fast: a candidate always beats the chain it
// replaces (it extends a chain at least as great, with a later event), so
// it is written without comparing, and bestLevel is all that is tracked.
func (w *worker) singleFast(e gev, allowStart bool) {
	n := w.p.n
	hi := min(n-1, w.bestLevel)
	ext := e.m & (uint32(1)<<(hi+1) - 2) // steps 1..hi (0-based) extend levels 1..hi
	for ext != 0 {
		k := bits.Len32(ext) - 1
		ext &^= 1 << k
		d := &w.lv[k]
		if d.cnt == 0 {
			continue
		}
		if e.t-w.start[k] > w.p.window {
			continue
		}
		f := d.buf[:k]
		nd := &w.lv[k+1]
		if nd.cnt == 0 || w.start[k+1] != w.start[k] {
			// The first chain at level k+1 from this step-1 event.
			ne := w.early[k+1]
			copy(ne, w.early[k])
			ne[k] = e.idx
		}
		nb := nd.buf[:k+1]
		copy(nb, f)
		nb[k] = e.idx
		nd.buf, nd.cnt, nd.off = nb, 1, 0
		w.start[k+1] = w.start[k]
		if k+1 > w.bestLevel {
			w.bestLevel = k + 1
		}
	}
	if e.m&1 != 0 && allowStart {
		d := &w.lv[1]
		d.buf = append(d.buf[:0], e.idx)
		d.cnt, d.off = 1, 0
		w.start[1] = e.t
		w.early[1][0] = e.idx
		if w.bestLevel == 0 {
			w.bestLevel = 1
		}
	}
}

// strictSingle is general for one strict-mode event alone at its timestamp,
// with no exclusion: it extends the chains that ended at the previous event,
// or starts one, and every other chain dies.
func (w *worker) strictSingle(e gev, allowStart bool) {
	n := w.p.n
	hi := min(n-1, w.bestLevel)
	var keep uint64 // levels holding a chain that ends at e
	for k := hi; k >= 1; k-- {
		if e.m>>k&1 == 0 {
			continue
		}
		f := w.validFront(k, e.t)
		if f == nil {
			continue
		}
		c := w.tmp[:k+1]
		copy(c, f)
		c[k] = e.idx
		w.noteBest(k+1, c)
		if k+1 < n {
			d := &w.lv[k+1]
			d.reset()
			d.push(c)
			keep |= 1 << (k + 1)
		}
	}
	if e.m&1 != 0 && allowStart {
		c := w.tmp[:1]
		c[0] = e.idx
		w.noteBest(1, c)
		if n > 1 {
			d := &w.lv[1]
			d.reset()
			d.push(c)
			keep |= 1 << 1
		}
	}
	for k := 1; k <= hi+1 && k <= n; k++ {
		if keep>>k&1 == 0 {
			w.lv[k].reset()
		}
	}
}

// general handles ties (several events at one timestamp, which may fill
// consecutive steps in any order, each event at most once), exclusions and
// strict mode. Candidates are built from the state before the group, then
// exclusions clear what they disqualify, then candidates are stored.
func (w *worker) general(g []gev, t int64, allowStart bool) {
	w.tied = true
	p := w.p
	n := p.n
	strict := p.mode == Strict
	for k := 1; k < n; k++ {
		w.frOK[k] = false
		if k > w.bestLevel {
			continue
		}
		if f := w.validFront(k, t); f != nil {
			copy(w.fr[k], f)
			w.frOK[k] = true
		}
	}
	w.frOK[0] = allowStart
	if cap(w.gm) < len(g) {
		w.gm = make([]uint32, len(g))
		w.used = make([]bool, len(g))
		w.visited = make([]bool, len(g))
		w.matchPos = make([]int, len(g))
	}
	gm := w.gm[:len(g)]
	var gx, gmAll uint32
	for i, e := range g {
		gm[i] = e.m
		gx |= e.x
		gmAll |= e.m
	}
	for l := 1; l <= n; l++ {
		w.candOK[l] = false
		w.candLiveOK[l] = false
	}
	if gmAll != 0 {
		for k := 0; k < n; k++ {
			if !w.frOK[k] || gmAll>>k&1 == 0 {
				continue
			}
			for j := 1; k+j <= n; j++ {
				if !w.lexAssign(gm, k, j) {
					break
				}
				l := k + j
				v := w.vec[:l]
				copy(v, w.fr[k])
				for q := 0; q < j; q++ {
					v[k+q] = g[w.assign[q]].idx
				}
				if !w.candOK[l] || lexLess(w.candAll[l], v) {
					copy(w.candAll[l], v)
					w.candOK[l] = true
				}
				if strict && (k == 0 || j == len(g)) {
					if !w.candLiveOK[l] || lexLess(w.candLive[l], v) {
						copy(w.candLive[l], v)
						w.candLiveOK[l] = true
					}
				}
			}
		}
	}
	if strict {
		// Only chains that end in this group (and used all of it if they
		// started before it) may continue.
		for k := 1; k <= n; k++ {
			w.lv[k].reset()
		}
	} else if gx != 0 {
		for j := range p.exFrom {
			if gx>>j&1 != 0 {
				for k := p.exFrom[j]; k < p.exTo[j]; k++ {
					w.lv[k].reset()
				}
			}
		}
	}
	live, liveOK := w.candAll, w.candOK
	if strict {
		live, liveOK = w.candLive, w.candLiveOK
	}
	for l := 1; l <= n; l++ {
		if w.candOK[l] {
			w.noteBest(l, w.candAll[l])
		}
		if (l < n || w.fast) && liveOK[l] && !w.poisoned(live[l], l, gx, t) {
			w.insert(l, live[l])
		}
	}
}

// poisoned: an exclusion event at time t lies strictly after the chain's
// step-From event, and the chain (at level l, From <= l < To) has not yet
// reached step To, so it can never reach To.
func (w *worker) poisoned(c []uint32, l int, gx uint32, t int64) bool {
	if gx == 0 {
		return false
	}
	p := w.p
	for j := range p.exFrom {
		if gx>>j&1 != 0 && p.exFrom[j] <= l && l < p.exTo[j] && w.time[c[p.exFrom[j]-1]] < t {
			return true
		}
	}
	return false
}

// lexAssign assigns steps k..k+j-1 (0-based) to distinct group events,
// preferring the latest event (largest index) for each step in turn, and
// reports whether it is possible. Positions go to w.assign[0:j].
func (w *worker) lexAssign(gm []uint32, k, j int) bool {
	used := w.used[:len(gm)]
	clear(used)
	if !w.feasible(gm, used, k, k+j) {
		return false
	}
	for q := 0; q < j; q++ {
		s := k + q
		found := false
		for pos := len(gm) - 1; pos >= 0; pos-- {
			if used[pos] || gm[pos]>>s&1 == 0 {
				continue
			}
			used[pos] = true
			if w.feasible(gm, used, s+1, k+j) {
				w.assign[q] = pos
				found = true
				break
			}
			used[pos] = false
		}
		if !found {
			return false
		}
	}
	return true
}

// feasible: can steps [from, to) be matched to distinct unused events?
// (Kuhn's augmenting paths; groups are small.)
func (w *worker) feasible(gm []uint32, used []bool, from, to int) bool {
	mp := w.matchPos[:len(gm)]
	for i := range mp {
		mp[i] = -1
	}
	for s := from; s < to; s++ {
		clear(w.visited[:len(gm)])
		if !w.augment(gm, used, s) {
			return false
		}
	}
	return true
}

func (w *worker) augment(gm []uint32, used []bool, s int) bool {
	for pos := range gm {
		if used[pos] || w.visited[pos] || gm[pos]>>s&1 == 0 {
			continue
		}
		w.visited[pos] = true
		if w.matchPos[pos] < 0 || w.augment(gm, used, w.matchPos[pos]) {
			w.matchPos[pos] = s
			return true
		}
	}
	return false
}

// emit counts one unit (a user, or an attempt with Totals) at level l with
// its chain of event indices.
func (w *worker) emit(l int, chain []uint32, timed bool) {
	if l <= 0 {
		return
	}
	if w.p.drv != nil {
		w.driverUnit(l, chain)
	}
	if w.p.drop != nil {
		w.unit(l, chain)
	}
	w.reach[l]++
	n := w.p.n
	var v uint32
	if w.vReach != nil || w.rec {
		v = w.attrValue(chain, l)
	}
	if w.vReach != nil {
		w.vReach[int(v)*(n+1)+l]++
	}
	if timed {
		for k := 1; k < l; k++ {
			b := bucketOf(w.time[chain[k]] - w.time[chain[k-1]])
			w.hist[k][b]++
			if w.rec {
				w.recB = append(w.recB, uint16(b))
			} else if w.vReach != nil {
				h := w.vHist[int(v)*n+k]
				if h == nil {
					h = make([]uint32, w.p.nb)
					w.vHist[int(v)*n+k] = h
				}
				h[b]++
			}
		}
	}
	if w.rec {
		w.recV = append(w.recV, v)
		w.recL = append(w.recL, uint8(l))
	}
}

// attrValue is the breakdown value id of a counted chain (0: no value).
// First attribution falls back to the chain's later steps, in step order.
func (w *worker) attrValue(chain []uint32, l int) uint32 {
	switch w.p.attr.Kind {
	case "last":
		return w.byValue(chain[l-1])
	case "step":
		if w.p.attr.Step <= l {
			return w.byValue(chain[w.p.attr.Step-1])
		}
		return w.byValue(chain[l-1])
	}
	for _, i := range chain[:l] {
		if v := w.byValue(i); v != 0 {
			return v
		}
	}
	return 0
}

// byValue is the breakdown property's value id of event i (0: none). All
// reads of the breakdown property go through here.
func (w *worker) byValue(i uint32) uint32 {
	by := w.p.by
	if v := by.value(i); int(v) < len(by.Values) {
		return v
	}
	return 0
}
