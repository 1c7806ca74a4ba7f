package funnel

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// Segment names for folded and missing breakdown values.
const (
	OtherSegment = "(other)"
	NoneSegment  = "(none)"
)

// Alpha is the significance level after the Holm correction.
const Alpha = 0.05

// parallelMin is the number of events below which one goroutine is faster
// than splitting.
const parallelMin = 1 << 16

// directValues is the largest number of breakdown values kept as per-value
// counts during the pass (see worker.vReach). A variable so that tests can
// exercise both paths.
var directValues = 64

// directCells bounds the per-value histograms of that path (values x steps x
// buckets): beyond it, units are recorded instead.
const directCells = 1 << 16

// Compute runs the funnel d over ev. See docs/SEMANTICS.md for the rules.
func Compute(d *Definition, ev *Events) (*Result, error) {
	if d == nil {
		return nil, errors.New("no funnel definition")
	}
	if ev == nil {
		ev = &Events{}
	}
	if d.Segment != nil {
		if err := d.Validate(); err != nil {
			return nil, fmt.Errorf("funnel definition: %w", err)
		}
		if ev.Len() > 0 || len(ev.Names) > 0 {
			if err := checkSegmentValue(d.Segment, ev); err != nil {
				return nil, err
			}
		}
		return computeSegment(d, ev)
	}
	p, err := compile(d, ev, false)
	if err != nil {
		return nil, err
	}
	ws := run(p, ev, p.by != nil)
	return assemble(d, p, ev, ws), nil
}

// run splits users into chunks of about equal event counts, computes them on
// GOMAXPROCS goroutines, and returns the workers to merge.
func run(p *plan, ev *Events, rec bool) []*worker {
	return runMany([]*plan{p}, ev, rec)[0]
}

// runMany is run for several plans that differ only in their date range
// (a trend's periods): each user is read once, for every plan whose range
// its events touch, while its events are in cache. ps are sorted by range.
// It returns, per plan, the workers to merge.
func runMany(ps []*plan, ev *Events, rec bool) [][]*worker {
	p := ps[0]
	np := len(ps)
	out := make([][]*worker, np)
	newSet := func() []*worker {
		set := make([]*worker, np)
		for i, q := range ps {
			set[i] = newWorker(q, ev, rec)
		}
		return set
	}
	users := func(set []*worker, u0, u1 int) {
		if np == 1 {
			set[0].run(u0, u1)
			return
		}
		for u := u0; u < u1; u++ {
			a, b := ev.UserStart[u], ev.UserStart[u+1]
			if a == b {
				continue
			}
			first, last := ev.Time[a], ev.Time[b-1]
			// The first plan whose range ends at or after the user's first
			// event; the ranges are sorted and do not overlap.
			i := sort.Search(np, func(i int) bool { return ps[i].hi >= first })
			for ; i < np && ps[i].lo <= last; i++ {
				set[i].user(u)
			}
		}
	}
	nu := ev.NumUsers()
	if nu == 0 || p.names == nil {
		set := newSet()
		for i := range out {
			out[i] = []*worker{set[i]}
		}
		return out
	}
	procs := runtime.GOMAXPROCS(0)
	if ev.Len() < parallelMin || procs == 1 {
		set := newSet()
		for _, w := range set {
			w.reserve(nu / np)
		}
		users(set, 0, nu)
		for i := range out {
			out[i] = []*worker{set[i]}
		}
		return out
	}
	// More chunks than workers evens out users of very different sizes.
	nchunks := procs * 16
	bounds := make([]int, 0, nchunks+1)
	bounds = append(bounds, 0)
	total := int(ev.UserStart[nu])
	for c := 1; c < nchunks; c++ {
		target := uint32(total / nchunks * c)
		u := sort.Search(nu, func(i int) bool { return ev.UserStart[i] >= target })
		if u > bounds[len(bounds)-1] {
			bounds = append(bounds, u)
		}
	}
	bounds = append(bounds, nu)
	sets := make([][]*worker, procs)
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := range sets {
		set := newSet()
		for _, w := range set {
			w.reserve(nu / procs / np)
		}
		sets[g] = set
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1)) - 1
				if c >= len(bounds)-1 {
					return
				}
				users(set, bounds[c], bounds[c+1])
			}
		}()
	}
	wg.Wait()
	for i := range out {
		for _, set := range sets {
			out[i] = append(out[i], set[i])
		}
	}
	return out
}

// assemble merges worker counts into a Result.
func assemble(d *Definition, p *plan, ev *Events, ws []*worker) *Result {
	n := p.n
	count := Users
	if p.totals {
		count = Totals
	}
	res := &Result{Name: d.Name, Mode: p.mode, Count: count}
	res.Window = d.Window
	if res.Window == 0 {
		res.Window = DefaultWindow
	}
	reach := make([]int64, n+1)
	var hist [][]uint32
	if p.mode != Any {
		hist = make([][]uint32, n)
		for k := 1; k < n; k++ {
			hist[k] = make([]uint32, p.nb)
		}
	}
	for _, w := range ws {
		res.Users += int(w.users)
		for l, c := range w.reach {
			reach[l] += c
		}
		for k := 1; k < n && hist != nil; k++ {
			for b, c := range w.hist[k] {
				hist[k][b] += c
			}
		}
	}
	names := make([]string, n)
	for k, s := range d.Steps {
		names[k] = s.StepName()
	}
	res.Steps = stepResults(names, reach, hist, p.window)
	if p.by != nil {
		res.Breakdown = breakdown(d, p, ws, names, res.Steps)
	}
	return res
}

// stepResults turns counts by furthest level into per-step figures.
func stepResults(names []string, reach []int64, hist [][]uint32, window int64) []StepResult {
	n := len(names)
	out := make([]StepResult, n)
	var at int64
	for k := n - 1; k >= 0; k-- {
		at += reach[k+1]
		out[k].Users = at
	}
	first := out[0].Users
	for k := range out {
		s := &out[k]
		s.Name = names[k]
		s.Conversion = ratio(s.Users, first)
		s.ConversionCI = Wilson(s.Users, first)
		if k == 0 {
			if first > 0 {
				s.StepConversion = 1
				s.StepCI = Interval{Low: 1, High: 1}
				s.ConversionCI = Interval{Low: 1, High: 1}
			}
			continue
		}
		prev := out[k-1].Users
		s.StepConversion = ratio(s.Users, prev)
		s.StepCI = Wilson(s.Users, prev)
		s.DropOff = prev - s.Users
		s.DropOffShare = ratio(s.DropOff, prev)
		if hist != nil && hist[k] != nil {
			s.MedianMs = percentile(hist[k], s.Users, 1, 2)
			s.P90Ms = percentile(hist[k], s.Users, 9, 10)
			if s.Users > 0 {
				s.TimeHistogram = timeHistogram(hist[k], window)
			}
		}
	}
	return out
}

func ratio(a, b int64) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// breakdown groups the recorded units by attributed value: the top N values
// by step-1 count (ties by value) keep their own segment, the rest fold into
// (other), units without a value go to (none).
func breakdown(d *Definition, p *plan, ws []*worker, names []string, total []StepResult) *Breakdown {
	n := p.n
	nv := len(p.by.Values)
	size := make([]int64, nv)
	direct := ws[0].vReach != nil
	var vReach []int64
	var vHist [][]uint32
	if direct {
		vReach = make([]int64, nv*(n+1))
		vHist = make([][]uint32, nv*n)
		for _, w := range ws {
			for i, c := range w.vReach {
				vReach[i] += c
				size[i/(n+1)] += c
			}
			for i, h := range w.vHist {
				if h == nil {
					continue
				}
				if vHist[i] == nil {
					vHist[i] = make([]uint32, p.nb)
				}
				for b, c := range h {
					vHist[i][b] += c
				}
			}
		}
	}
	for _, w := range ws {
		for _, v := range w.recV {
			size[v]++
		}
	}
	segOf, segNames := segmentOrder(d, p.by.Values, size)
	ns := len(segNames)
	reach := make([][]int64, ns)
	hist := make([][][]uint32, ns)
	for s := range reach {
		reach[s] = make([]int64, n+1)
		if p.mode != Any {
			hist[s] = make([][]uint32, n)
		}
	}
	addHist := func(seg, k int, h []uint32) {
		if hist[seg][k] == nil {
			hist[seg][k] = make([]uint32, p.nb)
		}
		for b, c := range h {
			hist[seg][k][b] += c
		}
	}
	for v := 0; direct && v < nv; v++ {
		if size[v] == 0 {
			continue
		}
		seg := segOf[v]
		for l := 0; l <= n; l++ {
			reach[seg][l] += vReach[v*(n+1)+l]
		}
		for k := 1; k < n && p.mode != Any; k++ {
			if h := vHist[v*n+k]; h != nil {
				addHist(seg, k, h)
			}
		}
	}
	for _, w := range ws {
		bi := 0
		for i, v := range w.recV {
			seg := segOf[v]
			l := int(w.recL[i])
			reach[seg][l]++
			if p.mode == Any {
				continue
			}
			for k := 1; k < l; k++ {
				if hist[seg][k] == nil {
					hist[seg][k] = make([]uint32, p.nb)
				}
				hist[seg][k][w.recB[bi]]++
				bi++
			}
		}
	}
	bd := &Breakdown{Property: d.By, Attribution: p.attr.String()}
	bd.Segments = make([]Segment, ns)
	for s := range bd.Segments {
		var h [][]uint32
		if p.mode != Any {
			h = hist[s]
		}
		bd.Segments[s] = Segment{Value: segNames[s], Steps: stepResults(names, reach[s], h, p.window)}
	}
	segmentTests(bd, total)
	return bd
}

// segmentOrder names the segments of a breakdown over values (values[0] is
// the empty "no value") with size units each: the top N values by size (ties
// by value) keep their own segment, the rest fold into (other), units
// without a value go to (none). segOf maps a value index to its segment.
func segmentOrder(d *Definition, values []string, size []int64) (segOf []int, segNames []string) {
	nv := len(values)
	var vals []int
	for v := 1; v < nv; v++ {
		if size[v] > 0 {
			vals = append(vals, v)
		}
	}
	sort.Slice(vals, func(i, j int) bool {
		a, b := vals[i], vals[j]
		if size[a] != size[b] {
			return size[a] > size[b]
		}
		return values[a] < values[b]
	})
	topN := d.TopN
	if topN == 0 {
		topN = DefaultTopN
	}
	segOf = make([]int, nv)
	for i, v := range vals {
		if i < topN {
			segOf[v] = len(segNames)
			segNames = append(segNames, values[v])
		}
	}
	if len(vals) > topN {
		for _, v := range vals[topN:] {
			segOf[v] = len(segNames)
		}
		segNames = append(segNames, OtherSegment)
	}
	if size[0] > 0 {
		segOf[0] = len(segNames)
		segNames = append(segNames, NoneSegment)
	}
	return segOf, segNames
}

// segmentTests tests each segment's step conversion against everyone
// else's, Holm-corrected across the segments at each step.
func segmentTests(bd *Breakdown, total []StepResult) {
	n, ns := len(total), len(bd.Segments)
	for k := 1; k < n; k++ {
		ps := make([]float64, ns)
		for s := range bd.Segments {
			seg := bd.Segments[s].Steps
			x1, n1 := seg[k].Users, seg[k-1].Users
			x2, n2 := total[k].Users-x1, total[k-1].Users-n1
			pv, method := TwoProportion(x1, n1, x2, n2)
			ps[s] = pv
			bd.Segments[s].Tests = append(bd.Segments[s].Tests, Test{
				Step: k + 1, Method: method, PValue: pv,
				Diff: ratio(x1, n1) - ratio(x2, n2),
			})
		}
		adj := Holm(ps)
		for s := range bd.Segments {
			t := &bd.Segments[s].Tests[k-1]
			t.Adjusted = adj[s]
			t.Significant = t.Method != "none" && adj[s] < Alpha
		}
	}
}

// Micro measures each of d.Micro against d's funnel over the users
// considered (those with any event after the global filters and date range):
// how many did it at least once, and how often those who did and those who
// did not reached the funnel's last step (users counting, whatever d.Count).
func Micro(d *Definition, ev *Events) ([]MicroResult, error) {
	if d == nil {
		return nil, errors.New("no funnel definition")
	}
	if ev == nil {
		ev = &Events{}
	}
	dd := *d
	dd.Count = Users
	dd.By = ""
	p, err := compile(&dd, ev, true)
	if err != nil {
		return nil, err
	}
	out := make([]MicroResult, len(d.Micro))
	for j, s := range d.Micro {
		out[j].Name = s.StepName()
	}
	if p.nMicro == 0 {
		return out, nil
	}
	ws := run(p, ev, false)
	var users, macro int64
	did := make([]int64, p.nMicro)
	didMacro := make([]int64, p.nMicro)
	for _, w := range ws {
		users += w.users
		macro += w.macroUsers
		for j := range did {
			did[j] += w.microDid[j]
			didMacro[j] += w.microDidMacro[j]
		}
	}
	return MicroFromCounts(d, users, macro, did, didMacro), nil
}

// MicroFromCounts is Micro's result from its counts (for a store that
// counts elsewhere: chstore): of the users considered, macro reached the
// last step; did[j] did micro j, didMacro[j] of them reached the last step.
func MicroFromCounts(d *Definition, users, macro int64, did, didMacro []int64) []MicroResult {
	out := make([]MicroResult, len(d.Micro))
	for j, s := range d.Micro {
		out[j].Name = s.StepName()
	}
	for j := range out {
		r := &out[j]
		r.Users = did[j]
		r.Share = ratio(did[j], users)
		r.MacroRateWith = ratio(didMacro[j], did[j])
		r.MacroRateWithout = ratio(macro-didMacro[j], users-did[j])
		if r.MacroRateWithout > 0 {
			r.Lift = r.MacroRateWith / r.MacroRateWithout
		}
		r.PValue, _ = TwoProportion(didMacro[j], did[j], macro-didMacro[j], users-did[j])
	}
	microDrivers(out, did, didMacro, users, macro)
	return out
}
