package funnel

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Drivers (docs/SEMANTICS.md, "Drivers"): among the users who reached step
// From of a funnel, which events they did within their span, and which
// properties their step-1 event had, go with reaching step To (the last
// step, or From+1). Each is a 2x2 table of did/did not against converted/not,
// summarised by its odds ratio, a p-value (Association) and a
// Benjamini-Hochberg q-value over every row.

// DriverOptions says what Drivers measures.
type DriverOptions struct {
	// Step is the step K whose users are compared: converted means reached
	// K+1. 0 means the whole funnel: users who entered, converted when they
	// reached the last step.
	Step int
	// Props are property keys whose values on the chain's step-1 event are
	// tested too.
	Props []string
	// MinUsers marks rows with fewer users who did it (Driver.Few).
	MinUsers int64
}

// Range is the steps opt compares for an n-step funnel: the users who
// reached from (1-based), converted when they reached to.
func (opt DriverOptions) Range(n int) (from, to int, err error) {
	if opt.Step == 0 {
		return 1, n, nil
	}
	if opt.Step < 1 || opt.Step >= n {
		return 0, 0, fmt.Errorf("step %d: want 1 to %d (a step with a next step) for this %d-step funnel", opt.Step, n-1, n)
	}
	return opt.Step, opt.Step + 1, nil
}

// Driver is one event name, or one value of a property, and how it goes with
// converting.
type Driver struct {
	Event             string   `json:"event,omitempty"`
	Key               string   `json:"key,omitempty"`
	Value             string   `json:"value,omitempty"`
	Users             int64    `json:"users"`     // users who did it (had the value)
	Converted         int64    `json:"converted"` // of them, how many converted
	Conversion        float64  `json:"conversion"`
	ConversionWithout float64  `json:"conversion_without"`
	OddsRatio         float64  `json:"odds_ratio"`
	CI                Interval `json:"ci"`
	P                 float64  `json:"p"`
	Q                 float64  `json:"q"`
	Method            string   `json:"method"` // "fisher", "chi2" or "none"
	Significant       bool     `json:"significant"`
	Few               bool     `json:"few"` // fewer than MinUsers did it
}

// Label is the driver's name: the event, or KEY=VALUE.
func (d Driver) Label() string {
	if d.Key != "" {
		return d.Key + "=" + d.Value
	}
	return d.Event
}

// DriverResult is what Drivers found.
type DriverResult struct {
	From      int      `json:"from"` // the step whose users are compared (1: entered)
	To        int      `json:"to"`   // the step that counts as converting
	Entered   int64    `json:"entered"`
	Converted int64    `json:"converted"`
	Drivers   []Driver `json:"drivers"`
}

// ErrNoContrast is returned (wrapped) by Drivers when nobody, or everybody,
// of the users compared converted: no table has two outcomes to compare.
var ErrNoContrast = errors.New("no contrast")

// drvSpec is the plan's part for drivers.
type drvSpec struct {
	from, to int    // 1-based: units at level >= from; converted at level >= to
	skip     []bool // name id -> a step's event, not tested
	props    []*Property
}

// drvState is one worker's counts.
type drvState struct {
	entered, converted int64
	did, didConv       []int64  // by name id
	seen               []uint32 // name id -> stamp of the last unit that did it
	stamp              uint32
	val, valConv       [][]int64 // by prop, value id
}

// Drivers computes the drivers of d's funnel over ev (sequential or strict,
// users counting). Unknown event names or keys are *UnknownNameError.
func Drivers(d *Definition, ev *Events, opt DriverOptions) (*DriverResult, error) {
	if d == nil {
		return nil, errors.New("no funnel definition")
	}
	if ev == nil {
		ev = &Events{}
	}
	if d.Mode == Any {
		return nil, errors.New("drivers need ordered steps: mode any has no span from one step to the next")
	}
	if d.Segment != nil {
		return nil, errors.New("drivers do not take a segment: add its filter to the steps instead")
	}
	from, to, err := opt.Range(len(d.Steps))
	if err != nil {
		return nil, err
	}
	dd := *d
	dd.Count, dd.By, dd.Micro = Users, "", nil
	p, err := compile(&dd, ev, false)
	if err != nil {
		return nil, err
	}
	if err := CheckKeys(opt.Props, ev.KeyNames()); err != nil {
		return nil, err
	}
	spec := &drvSpec{from: from, to: to, skip: make([]bool, len(ev.Names))}
	for i := range spec.skip {
		spec.skip[i] = p.names != nil && p.names[i] != 0
	}
	for _, k := range opt.Props {
		pr, err := ev.Property(k)
		if err != nil {
			return nil, err
		}
		spec.props = append(spec.props, pr)
	}
	p.drv = spec
	ws := run(p, ev, false)
	c := DriverCounts{From: from, To: to, Names: ev.Names, Skip: spec.skip, Props: opt.Props, Values: spec.props}
	did := make([]int64, len(ev.Names))
	didConv := make([]int64, len(ev.Names))
	val := make([][]int64, len(spec.props))
	valConv := make([][]int64, len(spec.props))
	for j, pr := range spec.props {
		val[j] = make([]int64, len(pr.Values))
		valConv[j] = make([]int64, len(pr.Values))
	}
	for _, w := range ws {
		s := w.drv
		if s == nil {
			continue
		}
		c.Entered += s.entered
		c.Converted += s.converted
		for i := range did {
			did[i] += s.did[i]
			didConv[i] += s.didConv[i]
		}
		for j := range val {
			for v := range val[j] {
				val[j][v] += s.val[j][v]
				valConv[j][v] += s.valConv[j][v]
			}
		}
	}
	c.Did, c.DidConv, c.Val, c.ValConv = did, didConv, val, valConv
	return c.Result(opt.MinUsers)
}

// DriverCounts are the counts Drivers tabulates, for a store that counts
// elsewhere (chstore): of the users who reached step From, how many reached
// To; by event name, how many did it within their span (and converted); by
// key of Props and value id of Values, how many had it on their step-1
// event (and converted).
type DriverCounts struct {
	From, To           int
	Entered, Converted int64
	Names              []string
	Skip               []bool // by name: a step's event, not tested
	Did, DidConv       []int64
	Props              []string
	Values             []*Property // by prop: Values[v] names value id v
	Val, ValConv       [][]int64
}

// Result tabulates the counts as Drivers does: the 2x2 statistics of each
// row, the q-values over all of them, significant and strongest first.
func (c *DriverCounts) Result(minUsers int64) (*DriverResult, error) {
	res := &DriverResult{From: c.From, To: c.To, Entered: c.Entered, Converted: c.Converted}
	if res.Entered == 0 {
		return res, nil
	}
	if res.Converted == 0 || res.Converted == res.Entered {
		return res, fmt.Errorf("%w: %d of the %d users compared converted", ErrNoContrast, res.Converted, res.Entered)
	}
	row := func(dr Driver, users, conv int64) {
		dr.tabulate(users, conv, res.Entered, res.Converted)
		dr.Few = users < minUsers
		res.Drivers = append(res.Drivers, dr)
	}
	for i, nm := range c.Names {
		if !c.Skip[i] && c.Did[i] > 0 {
			row(Driver{Event: nm}, c.Did[i], c.DidConv[i])
		}
	}
	for j, pr := range c.Values {
		for v := 1; v < len(pr.Values); v++ {
			if c.Val[j][v] > 0 {
				row(Driver{Key: c.Props[j], Value: pr.Values[v]}, c.Val[j][v], c.ValConv[j][v])
			}
		}
	}
	adjust(res.Drivers)
	sort.SliceStable(res.Drivers, func(i, j int) bool {
		a, b := res.Drivers[i], res.Drivers[j]
		if a.Significant != b.Significant {
			return a.Significant
		}
		if sa, sb := math.Abs(math.Log(a.OddsRatio)), math.Abs(math.Log(b.OddsRatio)); sa != sb {
			return sa > sb
		}
		if a.Users != b.Users {
			return a.Users > b.Users
		}
		return a.Label() < b.Label()
	})
	return res, nil
}

// tabulate fills d's figures from its 2x2 table: users did it, conv of them
// converted, out of total users compared of whom totalConv converted.
func (d *Driver) tabulate(users, conv, total, totalConv int64) {
	d.Users, d.Converted = users, conv
	a, b := conv, users-conv
	c := totalConv - conv
	dd := total - users - c
	d.Conversion = ratio(conv, users)
	d.ConversionWithout = ratio(c, total-users)
	d.OddsRatio, d.CI = OddsRatio(a, b, c, dd)
	d.P, d.Method = Association(a, b, c, dd)
}

// adjust sets the q-values (Benjamini-Hochberg over ds) and significance.
func adjust(ds []Driver) {
	ps := make([]float64, len(ds))
	for i, d := range ds {
		ps[i] = d.P
	}
	for i, q := range BenjaminiHochberg(ps) {
		ds[i].Q = q
		ds[i].Significant = ds[i].Method != "none" && q < Alpha
	}
}

// microDrivers measures micro conversions with the drivers' 2x2 table:
// did[j] of the users considered did micro j, didMacro[j] of them reached
// the last step; macro of all users did.
func microDrivers(out []MicroResult, did, didMacro []int64, users, macro int64) {
	ds := make([]Driver, len(out))
	for j := range out {
		ds[j].tabulate(did[j], didMacro[j], users, macro)
	}
	adjust(ds)
	for j := range out {
		out[j].OddsRatio, out[j].OddsRatioCI, out[j].Q, out[j].Significant = ds[j].OddsRatio, ds[j].CI, ds[j].Q, ds[j].Significant
	}
}

// CheckKeys is an *UnknownNameError naming the keys that known (sorted)
// lacks, with the closest of known for each; nil when it has them all.
func CheckKeys(keys, known []string) error {
	var unknown []string
	for _, k := range keys {
		if i := sort.SearchStrings(known, k); i == len(known) || known[i] != k {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return &UnknownNameError{Kind: "property", Names: unknown, Suggestions: suggestAll(unknown, known)}
}

func suggestAll(names, known []string) map[string][]string {
	out := map[string][]string{}
	for _, nm := range names {
		out[nm] = Suggest(nm, known, 3)
	}
	return out
}

// driverUnit counts one unit (a user) at level l with its counted chain.
func (w *worker) driverUnit(l int, chain []uint32) {
	sp := w.p.drv
	if l < sp.from {
		return
	}
	s := w.drv
	if s == nil {
		s = &drvState{did: make([]int64, len(sp.skip)), didConv: make([]int64, len(sp.skip)), seen: make([]uint32, len(sp.skip))}
		for _, pr := range sp.props {
			s.val = append(s.val, make([]int64, len(pr.Values)))
			s.valConv = append(s.valConv, make([]int64, len(pr.Values)))
		}
		w.drv = s
	}
	conv := l >= sp.to
	s.entered++
	var c int64
	if conv {
		s.converted++
		c = 1
	}
	for j, pr := range sp.props {
		if v := drvValue(pr, chain[0]); v != 0 {
			s.val[j][v]++
			s.valConv[j][v] += c
		}
	}
	start := chain[sp.from-1]
	ts := w.time[start]
	te := satAdd(w.time[chain[0]], w.p.window)
	if conv {
		te = w.time[chain[sp.to-1]]
	}
	// The user's columns: chain events are theirs, so their end is the
	// first user start after the step-1 event.
	us := w.ev.UserStart
	u := sort.Search(len(us), func(i int) bool { return us[i] > chain[0] }) - 1
	lo, hi := int(us[u]), int(us[u+1])
	i := int(start)
	for i > lo && w.time[i-1] == ts {
		i--
	}
	s.stamp++
	if s.stamp == 0 { // wrapped: forget every old stamp
		clear(s.seen)
		s.stamp = 1
	}
	names, skip, global := w.ev.Name, sp.skip, w.p.global
	for ; i < hi && w.time[i] <= te; i++ {
		nm := names[i]
		if skip[nm] || s.seen[nm] == s.stamp {
			continue
		}
		if global != nil && !global.pass(uint32(i)) {
			continue
		}
		s.seen[nm] = s.stamp
		s.did[nm]++
		s.didConv[nm] += c
	}
}

// drvValue is the value id of a driver property on event i (0: none). All
// reads of driver properties go through here.
func drvValue(pr *Property, i uint32) uint32 {
	if v := pr.value(i); int(v) < len(pr.Values) {
		return v
	}
	return 0
}
