package funnel

// An independent brute-force reference for docs/SEMANTICS.md. It shares no
// code with the engine: it reads properties as strings, enumerates every
// chain of every user, and applies each rule literally as the doc states it.

import (
	"math"
	"sort"
	"strconv"
	"time"
)

type refUnit struct {
	level int
	pos   []int // chain event positions (column indices); any mode: per-step attribution events
	value string
	user  int
	next  []int // positions of the first events after pos[level-1], within the window (up to 3)
}

// refNext fills in the unit's user and, literally as docs/SEMANTICS.md says,
// the considered events after its last chain event up to the window's end.
func refNext(un refUnit, u int, E []int, ev *Events, W int64) refUnit {
	un.user = u
	last := un.pos[un.level-1]
	for _, e := range E {
		if e > last && ev.Time[e] <= ev.Time[un.pos[0]]+W && len(un.next) < 3 {
			un.next = append(un.next, e)
		}
	}
	return un
}

type refResult struct {
	users int
	units []refUnit // users counting: one a user, with its counted chain
	steps []int64
	med   []int64
	p90   []int64
	hist  [][]TimeBucket
	segs  []refSeg
}

type refSeg struct {
	value string
	steps []int64
	med   []int64
	p90   []int64
	hist  [][]TimeBucket
}

func refProp(ev *Events, i int, key string) string {
	p := ev.Props[key]
	if p == nil {
		return ""
	}
	return p.Values[p.Of[i]]
}

func refFilterOK(ev *Events, i int, fs []Filter) bool {
	for _, f := range fs {
		v := refProp(ev, i, f.Key) // no value reads as ""
		in := false
		for _, x := range f.Values {
			if x == v {
				in = true
			}
		}
		switch f.Op {
		case "=", "in":
			if !in {
				return false
			}
		case "!=", "not in":
			if in {
				return false
			}
		case ">", ">=", "<", "<=":
			y, err1 := strconv.ParseFloat(v, 64)
			x, err2 := strconv.ParseFloat(f.Values[0], 64)
			ok := err1 == nil && err2 == nil && map[string]bool{">": y > x, ">=": y >= x, "<": y < x, "<=": y <= x}[f.Op]
			if !ok {
				return false
			}
		}
	}
	return true
}

func refMatches(ev *Events, i int, events []string, where []Filter) bool {
	name := ev.Names[ev.Name[i]]
	for _, e := range events {
		if e == name {
			return refFilterOK(ev, i, where)
		}
	}
	return false
}

func reference(d *Definition, ev *Events) refResult {
	n := len(d.Steps)
	W := time.Duration(d.Window).Milliseconds()
	if d.Window == 0 {
		W = time.Duration(DefaultWindow).Milliseconds()
	}
	gap := int64(math.MaxInt64)
	if d.MaxGap > 0 {
		gap = time.Duration(d.MaxGap).Milliseconds()
	}
	mode := d.Mode
	if mode == "" {
		mode = Sequential
	}
	inRange := func(t int64) bool { return refInRange(d, t) }
	var units []refUnit
	users := 0
	for u := 0; u+1 < len(ev.UserStart); u++ {
		// Considered events: from the range's start to a window after its
		// end; the user counts when one of them is in the range.
		var E []int
		entered := false
		for i := int(ev.UserStart[u]); i < int(ev.UserStart[u+1]); i++ {
			if refInExtended(d, ev.Time[i], W) && refFilterOK(ev, i, d.Where) {
				E = append(E, i)
				entered = entered || inRange(ev.Time[i])
			}
		}
		if !entered {
			continue
		}
		users++
		T := func(i int) int64 { return ev.Time[i] }
		match := func(i, k int) bool { return refMatches(ev, i, d.Steps[k].Events, d.Steps[k].Where) }
		if mode == Any {
			for _, un := range refAny(d, ev, E, n, W, match, inRange) {
				un.user = u
				units = append(units, un)
			}
			continue
		}
		// Every valid chain, as positions; chains are built step by step and a
		// prefix of a valid chain is valid, so extending valid ones finds all.
		var chains [][]int
		var dfs func(c []int)
		dfs = func(c []int) {
			chains = append(chains, append([]int(nil), c...))
			k := len(c)
			if k == n {
				return
			}
		next:
			for _, e := range E {
				for _, x := range c {
					if x == e {
						continue next
					}
				}
				if !match(e, k) {
					continue
				}
				t := T(e)
				if t < T(c[k-1]) || t-T(c[0]) > W || t-T(c[k-1]) > gap {
					continue
				}
				nc := append(append([]int(nil), c...), e)
				if mode == Strict {
					// every considered event strictly between the first and
					// last step's times is in the chain
					for _, o := range E {
						if T(o) > T(nc[0]) && T(o) < t {
							in := false
							for _, x := range nc {
								in = in || x == o
							}
							if !in {
								continue next
							}
						}
					}
				}
				for _, x := range d.Exclusions {
					// reaching step k+1, From < k+1 <= To: no exclusion event
					// strictly between the step-From event and this one
					if k+1 <= x.From || k+1 > x.To {
						continue
					}
					lo, hi := T(nc[x.From-1]), t
					for _, o := range E {
						if T(o) > lo && T(o) < hi && refMatches(ev, o, x.Events, x.Where) {
							continue next
						}
					}
				}
				dfs(nc)
			}
		}
		for _, e := range E {
			if match(e, 0) && inRange(T(e)) { // the range bounds the step-1 event
				dfs([]int{e})
			}
		}
		// The counted chain: the latest step-1 event, then the earliest
		// events (lexicographically smallest rest) among the given chains.
		pickChain := func(cs [][]int) []int {
			var best []int
			for _, c := range cs {
				if best == nil || c[0] > best[0] || (c[0] == best[0] && refLexLess(c[1:], best[1:])) {
					best = c
				}
			}
			return best
		}
		if d.Count != Totals {
			L := 0
			for _, c := range chains {
				L = max(L, len(c))
			}
			if L == 0 {
				continue
			}
			var atL [][]int
			for _, c := range chains {
				if len(c) == L {
					atL = append(atL, c)
				}
			}
			units = append(units, refNext(refUnit{level: L, pos: pickChain(atL)}, u, E, ev, W))
			continue
		}
		prevEnd := int64(math.MinInt64)
		for {
			s := int64(math.MaxInt64)
			for _, e := range E {
				if T(e) > prevEnd && match(e, 0) && inRange(T(e)) {
					s = min(s, T(e))
				}
			}
			if s == math.MaxInt64 {
				break
			}
			var att [][]int
			L := 0
			for _, c := range chains {
				if T(c[0]) == s {
					att = append(att, c)
					L = max(L, len(c))
				}
			}
			var pick [][]int
			end := s + W
			if L == n {
				end = int64(math.MaxInt64)
				for _, c := range att {
					if len(c) == n {
						end = min(end, T(c[n-1]))
					}
				}
				for _, c := range att {
					if len(c) == n && T(c[n-1]) == end {
						pick = append(pick, c)
					}
				}
			} else {
				for _, c := range att {
					if len(c) == L {
						pick = append(pick, c)
					}
				}
			}
			units = append(units, refNext(refUnit{level: L, pos: pickChain(pick)}, u, E, ev, W))
			prevEnd = end
		}
	}
	// Attribution.
	attr := "first"
	stepN := 0
	switch a := d.Attribution; {
	case a == "last":
		attr = "last"
	case len(a) > 4 && a[:4] == "step":
		attr = "step"
		for _, ch := range a[4:] {
			if ch >= '0' && ch <= '9' {
				stepN = stepN*10 + int(ch-'0')
			}
		}
	}
	for i := range units {
		u := &units[i]
		if d.By == "" {
			continue
		}
		var at int
		switch {
		case attr == "last":
			at = u.pos[u.level-1]
		case attr == "step" && stepN <= u.level:
			at = u.pos[stepN-1]
		case attr == "step":
			at = u.pos[u.level-1]
		default:
			// the step-1 event's value, else the first later step's that has one
			for _, i := range u.pos[:u.level] {
				if u.value = refProp(ev, i, d.By); u.value != "" {
					break
				}
			}
			continue
		}
		u.value = refProp(ev, at, d.By)
	}
	r := refResult{users: users, units: units}
	r.steps, r.med, r.p90, r.hist = refAggregate(units, n, ev, mode == Any, W)
	if d.By == "" {
		return r
	}
	size := map[string]int{}
	for _, u := range units {
		if u.value != "" {
			size[u.value]++
		}
	}
	var vals []string
	for v := range size {
		vals = append(vals, v)
	}
	sort.Slice(vals, func(i, j int) bool {
		if size[vals[i]] != size[vals[j]] {
			return size[vals[i]] > size[vals[j]]
		}
		return vals[i] < vals[j]
	})
	topN := d.TopN
	if topN == 0 {
		topN = 10
	}
	segOf := func(v string) string {
		if v == "" {
			return NoneSegment
		}
		for i, x := range vals {
			if x == v {
				if i < topN {
					return v
				}
				return OtherSegment
			}
		}
		panic("unreachable")
	}
	order := append([]string(nil), vals[:min(topN, len(vals))]...)
	if len(vals) > topN {
		order = append(order, OtherSegment)
	}
	if size[""] > 0 || func() bool {
		for _, u := range units {
			if u.value == "" {
				return true
			}
		}
		return false
	}() {
		order = append(order, NoneSegment)
	}
	for _, sv := range order {
		var mine []refUnit
		for _, u := range units {
			if segOf(u.value) == sv {
				mine = append(mine, u)
			}
		}
		s := refSeg{value: sv}
		s.steps, s.med, s.p90, s.hist = refAggregate(mine, n, ev, mode == Any, W)
		r.segs = append(r.segs, s)
	}
	return r
}

// refInExtended: from the range's start to a window after its end.
func refInExtended(d *Definition, t, W int64) bool {
	if d.From != nil && t < d.From.UnixMilli() {
		return false
	}
	if d.To != nil {
		to := d.To.Time
		end := to.UnixMilli()
		if to.Equal(to.Truncate(24 * time.Hour)) {
			end = to.Add(24*time.Hour).UnixMilli() - 1
		}
		return t <= end+W
	}
	return true
}

// refInRange: from inclusive; to inclusive, a whole day when it is midnight.
func refInRange(d *Definition, t int64) bool {
	if d.From != nil && t < d.From.UnixMilli() {
		return false
	}
	if d.To != nil {
		to := d.To.Time
		if to.Equal(to.Truncate(24 * time.Hour)) {
			return t < to.Add(24*time.Hour).UnixMilli()
		}
		return t <= to.UnixMilli()
	}
	return true
}

func refLexLess(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// refRound mirrors the documented percentile precision: exact up to 2048
// ms, else v-1 with its bits below the top 11 cleared, plus one unit of the
// lowest kept bit (the top of the bucket holding v, at most 0.1% above v).
func refRound(v int64) int64 {
	if v <= 2048 {
		return v
	}
	u := v - 1
	shift := 0
	for (u >> shift) >= 2048 {
		shift++
	}
	return ((u >> shift) + 1) << shift
}

// refBars: 1 s, 4 s, 16 s, ... below the window, then the window; each
// duration in the first bar it does not exceed.
func refBars(ds []int64, W int64) []TimeBucket {
	var out []TimeBucket
	for le := int64(1000); le < W; le *= 4 {
		out = append(out, TimeBucket{LeMs: le})
	}
	out = append(out, TimeBucket{LeMs: W})
	for _, d := range ds {
		for i := range out {
			if d <= out[i].LeMs || i == len(out)-1 {
				out[i].Users++
				break
			}
		}
	}
	return out
}

func refAggregate(units []refUnit, n int, ev *Events, anyMode bool, W int64) (steps, med, p90 []int64, hist [][]TimeBucket) {
	steps = make([]int64, n)
	med = make([]int64, n)
	p90 = make([]int64, n)
	hist = make([][]TimeBucket, n)
	for k := 0; k < n; k++ {
		var ds []int64
		for _, u := range units {
			if u.level > k {
				steps[k]++
				if k > 0 && !anyMode {
					ds = append(ds, ev.Time[u.pos[k]]-ev.Time[u.pos[k-1]])
				}
			}
		}
		if len(ds) == 0 {
			continue
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		rank := func(q float64) int64 {
			r := int(math.Ceil(q*float64(len(ds)) - 1e-9))
			return refRound(ds[max(r, 1)-1])
		}
		med[k], p90[k] = rank(0.5), rank(0.9)
		hist[k] = refBars(ds, W)
	}
	return
}

// refAny: any order within one window, by brute force over assignments.
func refAny(d *Definition, ev *Events, E []int, n int, W int64, match func(i, k int) bool, inRange func(int64) bool) []refUnit {
	T := func(i int) int64 { return ev.Time[i] }
	// level of a set of events: largest k with steps 0..k-1 on distinct events
	level := func(in []int) int {
		best := 0
		var try func(k int, used map[int]bool)
		try = func(k int, used map[int]bool) {
			best = max(best, k)
			if k == n || best == n {
				return
			}
			for _, e := range in {
				if !used[e] && match(e, k) {
					used[e] = true
					try(k+1, used)
					used[e] = false
				}
			}
		}
		try(0, map[int]bool{})
		return best
	}
	within := func(lo, hi int64) []int {
		var out []int
		for _, e := range E {
			if T(e) >= lo && T(e) <= hi {
				out = append(out, e)
			}
		}
		return out
	}
	stepMatch := func(e int) bool {
		for k := 0; k < n; k++ {
			if match(e, k) {
				return true
			}
		}
		return false
	}
	attrib := func(L int, lo, hi int64) []int {
		pos := make([]int, L)
		for k := 0; k < L; k++ {
			for _, e := range within(lo, hi) {
				if match(e, k) {
					pos[k] = e // last one wins
				}
			}
		}
		return pos
	}
	if d.Count != Totals {
		bestL, bestA := 0, int64(0)
		for _, a := range E {
			if !stepMatch(a) || !inRange(T(a)) { // windows open in the range
				continue
			}
			if l := level(within(T(a), T(a)+W)); l > bestL || (l == bestL && l > 0 && T(a) > bestA) {
				bestL, bestA = l, T(a)
			}
		}
		if bestL == 0 {
			return nil
		}
		return []refUnit{{level: bestL, pos: attrib(bestL, bestA, bestA+W)}}
	}
	var out []refUnit
	prevEnd := int64(math.MinInt64)
	for {
		a := int64(math.MaxInt64)
		for _, e := range E {
			if T(e) > prevEnd && stepMatch(e) && inRange(T(e)) {
				a = min(a, T(e))
			}
		}
		if a == math.MaxInt64 {
			return out
		}
		L := level(within(a, a+W))
		end := a + W
		if L == n {
			for _, e := range E {
				if T(e) >= a && T(e) <= a+W && T(e) < end && level(within(a, T(e))) == n {
					end = T(e)
				}
			}
		}
		if L > 0 {
			out = append(out, refUnit{level: L, pos: attrib(L, a, end)})
		}
		prevEnd = end
	}
}
