package chstore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"microfunnel/funnel"
)

// UnsupportedError is a funnel setting ClickHouse cannot compute with the
// embedded engine's exact semantics: it is refused rather than answered
// differently.
type UnsupportedError struct {
	Setting string // the flag or definition field, as the user wrote it
	Why     string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s is not supported on ClickHouse: %s; it needs the embedded store (--db FILE, see docs/SEMANTICS.md)", e.Setting, e.Why)
}

// supported are the Definition fields (by JSON name) a ClickHouse funnel
// computes exactly; any other field that is set is refused, so a field
// added to the engine later is refused here until it is implemented.
var supported = map[string]bool{
	"name": true, "description": true, "steps": true, "window": true, "mode": true, "count": true,
	"where": true, "from": true, "to": true, "by": true, "attribution": true, "top_n": true,
	// Micro conversions are not part of a report's funnel.
	"micro": true,
}

// Check refuses what ClickHouse cannot compute exactly, naming the setting.
func Check(d *funnel.Definition) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("funnel definition: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return fmt.Errorf("funnel definition: %w", err)
	}
	var extra []string
	for k := range fields {
		if !supported[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		k := extra[0]
		switch k {
		case "max_gap":
			return &UnsupportedError{"--max-gap", "ClickHouse 18.16's windowFunnel has no limit between consecutive steps"}
		case "exclusions":
			return &UnsupportedError{"exclusions", "windowFunnel cannot stop an attempt at an excluded event"}
		case "segment":
			return &UnsupportedError{"--segment", "use --by " + d.Segment.Key + " and read its row"}
		}
		return &UnsupportedError{k, "this setting is computed by the embedded engine only"}
	}
	switch d.Mode {
	case "", funnel.Sequential:
	case funnel.Strict:
		return &UnsupportedError{"--mode strict", "windowFunnel's strict_order lets a repeated step event pass, where the embedded engine breaks the chain"}
	default:
		return &UnsupportedError{"--mode " + string(d.Mode), "windowFunnel counts steps in order only"}
	}
	if d.Count == funnel.Totals {
		return &UnsupportedError{"--count totals", "windowFunnel gives each user's furthest step, not every attempt"}
	}
	return nil
}

// numberFilter is the first filter of d that compares numbers, if any.
func numberFilter(d *funnel.Definition) *funnel.Filter {
	for _, fs := range allFilters(d) {
		for i, f := range fs {
			switch f.Op {
			case "=", "!=", "in", "not in":
			default:
				return &fs[i]
			}
		}
	}
	return nil
}

// maxIDs is the most value ids a number filter passes to the server in
// one list (ClickHouse's max_query_size is 256 KiB by default).
const maxIDs = 20000

func allFilters(d *funnel.Definition) [][]funnel.Filter {
	out := [][]funnel.Filter{d.Where}
	for _, s := range d.Steps {
		out = append(out, s.Where)
	}
	for _, s := range d.Micro {
		out = append(out, s.Where)
	}
	return out
}

// Compute runs d on a dataset on the server: one windowFunnel query over
// the users whose times fit one base (nearly all of them), one more over
// the few others, so the events stay on the server; the users windowFunnel
// cannot count exactly (funnelQuery's long users) are counted by the
// engine on their step events. The result equals funnel.Compute's on the
// same events for every setting Check accepts (an *UnsupportedError names
// any other). Times between steps are not computed (Times does): MedianMs
// and P90Ms are 0.
func (s *Store) Compute(ctx context.Context, name string, d *funnel.Definition) (*funnel.Result, error) {
	if d.Segment != nil {
		return s.segment(ctx, name, d, false)
	}
	src, err := s.prepare(ctx, name, d)
	if err != nil {
		return nil, err
	}
	n := len(d.Steps)
	lv := funnel.Levels{Reach: make([]int64, n+1)}
	valueID := map[string]int{"": 0}
	if d.By != "" {
		lv.Values = []string{""}
		lv.ValueReach = [][]int64{make([]int64, n+1)}
	}
	var long int64
	scan := func(f []string) error {
		if len(f) != 4 {
			return fmt.Errorf("unexpected funnel row %q", f)
		}
		l, err1 := strconv.Atoi(f[0])
		c, err2 := strconv.ParseInt(f[2], 10, 64)
		lg, err3 := strconv.ParseInt(f[3], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || l < 0 || l > n {
			return fmt.Errorf("unexpected funnel row %q", f)
		}
		if lg != 0 {
			// Counted by the embedded engine below.
			long += c
			return nil
		}
		lv.Users += int(c)
		lv.Reach[l] += c
		if d.By == "" || l == 0 {
			return nil
		}
		v, ok := valueID[f[1]]
		if !ok {
			v = len(lv.Values)
			valueID[f[1]] = v
			lv.Values = append(lv.Values, f[1])
			lv.ValueReach = append(lv.ValueReach, make([]int64, n+1))
		}
		lv.ValueReach[v][l] += c
		return nil
	}
	for _, fast := range src.passes() {
		qs := s.funnelQuery(src, d, fast)
		long = 0
		if err := s.c.rows(ctx, qs.counts, scan); err != nil {
			return nil, fmt.Errorf("dataset %s: funnel query: %w", name, err)
		}
		if long > 0 {
			if err := s.longUsers(ctx, qs.long, d, &lv, valueID); err != nil {
				return nil, fmt.Errorf("dataset %s: %w", name, err)
			}
		}
	}
	return funnel.FromLevels(d, lv)
}

// segment is d's segment as funnel.Compute gives it: the segment's row of
// the breakdown by its key (every value in a row of its own, unless the
// segment is (other)), with the breakdown of d.By kept when set. With
// times, the times between steps are computed too (Times).
func (s *Store) segment(ctx context.Context, name string, d *funnel.Definition, times bool) (*funnel.Result, error) {
	sf := *d.Segment
	bd := *d
	bd.Segment, bd.By = nil, sf.Key
	if sf.Value != funnel.OtherSegment {
		bd.TopN = math.MaxInt32
	}
	compute := func(def *funnel.Definition) (*funnel.Result, error) {
		res, err := s.Compute(ctx, name, def)
		if err == nil && times {
			err = s.Times(ctx, name, def, res)
		}
		return res, err
	}
	res, err := compute(&bd)
	if err != nil {
		return nil, err
	}
	out := *res
	out.Breakdown, out.Steps = nil, nil
	for _, seg := range res.Breakdown.Segments {
		if seg.Value == sf.Value {
			out.Steps = seg.Steps
		}
	}
	if out.Steps == nil { // nobody of that value entered the funnel
		zero, err := funnel.FromLevels(&funnel.Definition{Steps: d.Steps}, funnel.Levels{Reach: make([]int64, len(d.Steps)+1)})
		if err != nil {
			return nil, err
		}
		out.Steps = zero.Steps
	}
	if d.By != "" {
		if bd.TopN != d.TopN {
			bd.TopN = d.TopN
			if res, err = compute(&bd); err != nil {
				return nil, err
			}
		}
		out.Breakdown = res.Breakdown
	}
	return &out, nil
}

// passes are the funnel passes a query makes (funnelQuery's fast): on
// microfunnel's own tables the users whose times fit one base, then (when
// the ledger says there are any) the others; on an existing table one pass
// that re-bases every user on the server.
func (src source) passes() []bool {
	if src.own == nil {
		return []bool{false}
	}
	if src.own.m.wide > 0 {
		return []bool{true, false}
	}
	return []bool{true}
}

// prepare checks d for the server and the dataset (Check, checkNames) and
// returns the dataset's source with the ids d compares with.
func (s *Store) prepare(ctx context.Context, name string, d *funnel.Definition) (source, error) {
	if err := Check(d); err != nil {
		return source{}, err
	}
	src, err := s.source(ctx, name)
	if err != nil {
		return source{}, err
	}
	if f := numberFilter(d); f != nil && src.own == nil {
		return source{}, &UnsupportedError{"the filter " + f.String(), "on an existing table (--ch-table) the values are text in a JSON column; number comparisons (" + f.Op + ") work on datasets imported by microfunnel"}
	}
	if err := s.checkNames(ctx, src, d); err != nil {
		return source{}, fmt.Errorf("dataset %s: %w", name, err)
	}
	return src, nil
}

// checkNames reports unknown events, keys and values as funnel.CheckNames
// and funnel.CheckValues do for the embedded store, with the same words;
// on microfunnel's own tables it then looks up the ids the query compares
// with.
func (s *Store) checkNames(ctx context.Context, src source, d *funnel.Definition) error {
	ev := &funnel.Events{}
	var err error
	var loader func(key string) ([]string, error)
	if o := src.own; o != nil {
		var names map[uint32]string
		if names, err = s.dict(ctx, o.m, kindEvent); err != nil {
			return err
		}
		o.names = make(map[string]uint32, len(names))
		for id, v := range names {
			ev.Names = append(ev.Names, v)
			o.names[v] = id
		}
		sort.Strings(ev.Names)
		for k := range o.keys {
			ev.Keys = append(ev.Keys, k)
		}
		sort.Strings(ev.Keys)
		o.values = map[string]map[string]uint32{}
		loader = func(key string) ([]string, error) {
			d, err := s.dict(ctx, o.m, kindKey+key)
			if err != nil {
				return nil, err
			}
			ids := make(map[string]uint32, len(d)+1)
			ids[""] = 0
			var vals []string
			for id, v := range d {
				vals = append(vals, v)
				ids[v] = id
			}
			o.values[key] = ids
			return vals, nil
		}
	} else {
		err = s.c.rows(ctx, "SELECT DISTINCT event FROM "+src.from+" ORDER BY event", func(f []string) error {
			ev.Names = append(ev.Names, f[0])
			return nil
		})
		if err == nil {
			ev.Keys, err = s.keys(ctx, s.table.Name)
		}
		loader = func(key string) ([]string, error) {
			var vals []string
			err := s.c.rows(ctx, "SELECT DISTINCT "+src.prop(key)+" AS v FROM "+src.from+" WHERE v != ''", func(f []string) error {
				vals = append(vals, f[0])
				return nil
			})
			return vals, err
		}
	}
	if err != nil {
		return err
	}
	if ev.Keys == nil {
		ev.Keys = []string{}
	}
	ev.Loader = func(key string) (*funnel.Property, error) {
		vals, err := loader(key)
		sort.Strings(vals)
		return &funnel.Property{Values: append([]string{""}, vals...)}, err
	}
	if err := funnel.CheckNames(d, ev); err != nil {
		return err
	}
	if err := funnel.CheckValues(d, ev); err != nil {
		return err
	}
	if o := src.own; o != nil {
		// The filters' keys, so their value ids are known; a number
		// filter becomes the list of the ids of the values it passes, by
		// the engine's own rule (funnel.Filter.Table).
		o.number = map[string]string{}
		for _, fs := range allFilters(d) {
			for _, f := range fs {
				if _, ok := o.values[f.Key]; !ok {
					if _, err := loader(f.Key); err != nil {
						return err
					}
				}
				if f.Op == "=" || f.Op == "!=" || f.Op == "in" || f.Op == "not in" {
					continue
				}
				cond, err := o.numberSQL(f)
				if err != nil {
					return err
				}
				o.number[f.String()] = cond
			}
		}
	}
	return nil
}

// numberSQL is a number filter as the list of value ids it passes (or the
// list it does not, when shorter).
func (o *ownSource) numberSQL(f funnel.Filter) (string, error) {
	// In id order, which is the embedded store's order of values (so a
	// message quotes the same one).
	ids := o.values[f.Key]
	byID := make([]string, 0, len(ids))
	for v, id := range ids {
		if id != 0 {
			byID = append(byID, v)
		}
	}
	sort.Slice(byID, func(i, j int) bool { return ids[byID[i]] < ids[byID[j]] })
	pr := &funnel.Property{Values: append([]string{""}, byID...), Number: o.keys[f.Key].number}
	idOf := make([]uint32, len(pr.Values))
	for i, v := range byID {
		idOf[i+1] = ids[v]
	}
	ok, err := f.Table(pr)
	if err != nil {
		return "", err
	}
	var in, out []string
	for i, pass := range ok {
		id := strconv.FormatUint(uint64(idOf[i]), 10)
		if pass {
			in = append(in, id)
		} else {
			out = append(out, id)
		}
	}
	switch {
	case len(in) == 0:
		return " = " + noID, nil
	case len(in) <= len(out) && len(in) <= maxIDs:
		return " IN (" + strings.Join(in, ", ") + ")", nil
	case len(out) <= maxIDs:
		return " NOT IN (" + strings.Join(out, ", ") + ")", nil
	}
	return "", &UnsupportedError{"the filter " + f.String(), fmt.Sprintf("it passes %d of the %d distinct values of %s and leaves %d, and one query holds at most %d value ids", len(in), len(ok)-1, f.Key, len(out)-1, maxIDs)}
}

// noID is a value id no value has: a filter on a value the dataset lacks.
const noID = "4294967295"

// literal is a value as the query compares it with src.prop(key): text on
// an existing table, its id in microfunnel's own tables.
func (src source) literal(key, v string) string {
	if src.own == nil {
		return quote(v)
	}
	if id, ok := src.own.values[key][v]; ok {
		return strconv.FormatUint(uint64(id), 10)
	}
	return noID
}

// filterSQL is one filter as a condition; an event without the key has
// the value "" (docs/SEMANTICS.md).
func filterSQL(src source, f funnel.Filter) string {
	v := src.prop(f.Key)
	if o := src.own; o != nil && o.number[f.String()] != "" {
		return v + o.number[f.String()]
	}
	vals := make([]string, len(f.Values))
	for i, x := range f.Values {
		vals[i] = src.literal(f.Key, x)
	}
	list := "(" + strings.Join(vals, ", ") + ")"
	switch f.Op {
	case "!=":
		return v + " != " + vals[0]
	case "in":
		return v + " IN " + list
	case "not in":
		return v + " NOT IN " + list
	}
	return v + " = " + vals[0]
}

func andSQL(conds []string) string {
	if len(conds) == 0 {
		return "1"
	}
	return "(" + strings.Join(conds, ") AND (") + ")"
}

func stepSQL(src source, st funnel.Step) string {
	names := make([]string, len(st.Events))
	for i, e := range st.Events {
		if src.own != nil {
			names[i] = noID
			if id, ok := src.own.names[e]; ok {
				names[i] = strconv.FormatUint(uint64(id), 10)
			}
		} else {
			names[i] = quote(e)
		}
	}
	conds := []string{"event IN (" + strings.Join(names, ", ") + ")"}
	for _, f := range st.Where {
		conds = append(conds, filterSQL(src, f))
	}
	return andSQL(conds)
}

// rangeMs is the date range of d in ms, inclusive (math.MinInt64/MaxInt64
// when open), with funnel.Compute's rule for a date-only To.
func rangeMs(d *funnel.Definition) (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	if d.From != nil {
		lo = d.From.UnixMilli()
	}
	if d.To != nil {
		hi = d.To.UnixMilli()
		if d.To.Equal(d.To.Truncate(24 * time.Hour)) {
			hi += (24 * time.Hour).Milliseconds() - 1
		}
	}
	return lo, hi
}

// funnelQuery builds one pass of a funnel: per user, windowFunnel's level,
// whether the user is counted (has an event in the range), the breakdown
// value, and whether the user is long, that is counted by the embedded
// engine on its step events instead (qs.long fetches them): its step
// events span more than windowFunnel's times hold, two of them that match
// different steps share a millisecond, or its breakdown value depends on
// the chain. Then it counts the users by (level, value, long).
//
// ClickHouse 18.16's windowFunnel takes UInt32 times and reads them as
// signed, so it needs times within 2^31 ms (24.8 days) of a base. fast: on
// microfunnel's own tables, the users all of whose considered events have
// such a time from the user's base (rt, set at import: w is 0), which
// windowFunnel reads as they are stored. Else (the users with a w event,
// or every user of an existing table) each user's step events are gathered
// and re-based on the user's first step event. extra are more columns of
// each event (in events).
func (s *Store) funnelQuery(src source, d *funnel.Definition, fast bool, extra ...string) queries {
	window := d.Window
	if window == 0 {
		window = funnel.DefaultWindow
	}
	// Every time windowFunnel is given is below 2^31 ms from the user's
	// others, so a longer window is the same as 2^31-1 ms (and a window of
	// 2^32 ms or more would wrap in its 32-bit sums).
	win := strconv.FormatInt(min(window.Milliseconds(), math.MaxInt32), 10)
	// The date range: either it filters every event, or it bounds the
	// entry (the step-1 event) and lets later steps follow within the
	// window; the engine says which (rangeBoundsEntry). Result.Users
	// counts the users with an event in the range.
	var where, inRange, entry []string
	lo, hi := rangeMs(d)
	if lo != math.MinInt64 {
		inRange = append(inRange, "t >= "+strconv.FormatInt(lo, 10))
	}
	if hi != math.MaxInt64 {
		inRange = append(inRange, "t <= "+strconv.FormatInt(hi, 10))
	}
	for _, f := range d.Where {
		where = append(where, filterSQL(src, f))
	}
	if rangeBoundsEntry() {
		entry = inRange
		if lo != math.MinInt64 {
			where = append(where, "t >= "+strconv.FormatInt(lo, 10))
		}
		if hi != math.MaxInt64 {
			where = append(where, "t <= "+strconv.FormatInt(satAdd(hi, window.Milliseconds()), 10))
		}
	} else {
		where = append(where, inRange...)
	}
	considered := "SELECT * FROM " + src.from + " WHERE " + andSQL(where)
	if src.own != nil && !fast {
		considered += " AND user IN (SELECT user FROM " + src.from + " WHERE " + andSQL(append(where, "w = 1")) + ")"
	}
	n := len(d.Steps)
	conds := make([]string, n)
	cols := []string{"user", "t", andSQL(inRange) + " AS ir"}
	if src.own != nil {
		cols = append(cols, "rt", "w", "tie AS tf")
	}
	var mask, groups, condCols []string
	for k, st := range d.Steps {
		conds[k] = "c" + strconv.Itoa(k+1)
		cond := stepSQL(src, st)
		if k == 0 && len(entry) > 0 {
			cond = andSQL(append([]string{cond}, entry...))
		}
		condCols = append(condCols, cond+" AS "+conds[k])
		groups = append(groups, "groupArrayIf("+conds[k]+", mask != 0)")
		mask = append(mask, conds[k]+" * "+strconv.FormatUint(1<<k, 10))
	}
	// A user is long when windowFunnel cannot count it exactly: its step
	// events span more than its 32-bit times hold, or two of them that
	// match different steps share a millisecond (a tie: windowFunnel takes
	// them in the order it reads them, the engine in step order). Long
	// users are counted by the engine on their step events (longUsers).
	// So is a user whose attributed step's events carry several values of
	// the breakdown key: which one counts depends on the chain.
	inner := []string{"max(ir) AS inr"}
	var long string
	if fast {
		inner = append(inner, "windowFunnel("+win+")(rt, "+strings.Join(conds, ", ")+") AS level", "max(w) AS wide")
	} else {
		inner = append(inner, "groupArrayIf(t, mask != 0) AS ts", "arrayReduce('min', ts) AS t0",
			"arrayReduce('windowFunnel("+win+")', arrayMap(x -> toUInt32(x - t0), ts), "+strings.Join(groups, ", ")+") AS level",
			"0 AS wide")
		long = "arrayReduce('max', ts) - t0 > " + strconv.FormatInt(math.MaxInt32, 10) + " OR uniqExactIf(t, mask, mask != 0) != uniqExactIf(t, mask != 0)"
	}
	cols = append(cols, condCols...)
	val := "''"
	if d.By == "" {
		cols = append(cols, "'' AS v")
	} else {
		cols = append(cols, src.prop(d.By)+" AS v")
		a, _ := funnel.ParseAttribution(d.Attribution)
		var need []int // 1-based steps whose value may be read
		switch a.Kind {
		case "first":
			need = []int{1}
		case "last":
			for k := 1; k <= n; k++ {
				need = append(need, k)
			}
		default:
			for k := 1; k <= min(a.Step, n); k++ {
				need = append(need, k)
			}
		}
		for _, k := range need {
			c := "c" + strconv.Itoa(k)
			inner = append(inner, "anyIf(v, "+c+") AS v"+strconv.Itoa(k), "minIf(v, "+c+") != maxIf(v, "+c+") AS a"+strconv.Itoa(k))
		}
		// The attributed step of a user at level l.
		pick := func(prefix string) string {
			switch a.Kind {
			case "first":
				return prefix + "1"
			}
			var b strings.Builder
			b.WriteString("multiIf(")
			for _, k := range need[:len(need)-1] {
				fmt.Fprintf(&b, "level = %d, %s%d, ", k, prefix, k)
			}
			fmt.Fprintf(&b, "%s%d)", prefix, need[len(need)-1])
			return b.String()
		}
		val = pick("v")
		amb := pick("a")
		if a.Kind == "first" {
			// first falls back to the chain's later steps when its
			// step-1 event lacks the key: which ones, only the chain says.
			none := "''"
			if src.own != nil {
				none = "0"
			}
			amb = "(a1 OR (v1 = " + none + " AND level > 1))"
		}
		inner = append(inner, "level > 0 AND "+amb+" AS ambiguous")
	}
	cols = append(cols, extra...)
	events := "SELECT " + strings.Join(cols, ", ") + ", " + strings.Join(mask, " + ") + " AS mask FROM (" + considered + ")"
	var qs queries
	if fast {
		// Ties: import marks the events that share a millisecond with
		// another of their user's within their file (tie), so only those
		// are looked at; a dataset of several imports may have ties across
		// files, so there every step event is.
		marked := considered
		if len(src.own.m.imps) == 1 {
			marked += " AND tie = 1"
		}
		tied := "SELECT user, t, " + strings.Join(condCols, ", ") + ", " + strings.Join(mask, " + ") + " AS mask FROM (" + marked + ")"
		long = "user IN (SELECT user FROM (" + tied + ") WHERE mask != 0 GROUP BY user, t HAVING uniqExact(mask) > 1)"
	}
	if d.By != "" {
		long = "(" + long + ") OR ambiguous"
	}
	inner = append(inner, long+" AS long")
	perUser := "SELECT user, " + strings.Join(inner, ", ") + " FROM (" + events + ") GROUP BY user"
	qs.events, qs.perUser = events, perUser
	qs.counts = "SELECT level, " + val + " AS v, count() AS c, long FROM (" + perUser + ") WHERE inr AND NOT wide GROUP BY level, v, long"
	qs.long = "SELECT user, t, mask, v FROM (" + events + ") WHERE mask != 0 AND user IN (SELECT user FROM (" + perUser + ") WHERE inr AND long AND NOT wide) ORDER BY user, t"
	if o := src.own; o != nil && d.By != "" {
		// Value ids to values.
		dict := " ANY LEFT JOIN (SELECT id AS v, value FROM " + dictTable + " WHERE " + o.m.visible() + " AND kind = " + quote(kindKey+d.By) + ") USING v"
		qs.counts = "SELECT level, value, c, long FROM (" + qs.counts + ")" + dict
		qs.long = "SELECT user, t, mask, value FROM (" + qs.long + ")" + dict + " ORDER BY user, t"
	}
	return qs
}

// queries are one pass of a funnel: counts by (level, value, long); the
// step events of the long users; and the parts they are built of: each
// considered event with its step conditions and mask, and each user's
// level.
type queries struct {
	counts, long    string
	events, perUser string
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// rangeBoundsEntry asks the engine which rule its date range follows, on
// two events: A on the last day of the range, B just after it within the
// window. When B counts, the range bounds the entry (the step-1 event);
// when it does not, the range filters every event. So the SQL follows the
// engine's rule, whichever release of it this is built with.
var rangeBoundsEntry = sync.OnceValue(func() bool {
	day := time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)
	a := day.Add(23*time.Hour + 50*time.Minute).UnixMilli()
	ev := &funnel.Events{UserStart: []uint32{0, 2}, Time: []int64{a, a + 30*60*1000}, Name: []uint32{0, 1}, Names: []string{"a", "b"}}
	to := funnel.Date{Time: day}
	d := &funnel.Definition{Steps: []funnel.Step{{Events: []string{"a"}}, {Events: []string{"b"}}}, Window: funnel.Duration(time.Hour), To: &to}
	r, err := funnel.Compute(d, ev)
	return err == nil && len(r.Steps) == 2 && r.Steps[1].Users == 1
})

// longUsers counts the long users (funnelQuery) with the embedded engine,
// on their step events only (time, which steps each matches, the breakdown
// value).
func (s *Store) longUsers(ctx context.Context, q string, d *funnel.Definition, lv *funnel.Levels, valueID map[string]int) error {
	var se stepEvents
	err := s.c.rows(ctx, q, func(f []string) error {
		if len(f) != 4 {
			return fmt.Errorf("unexpected row %q", f)
		}
		return se.add(f[0], f[1], f[2], f[3])
	})
	if err != nil {
		return fmt.Errorf("users counted by the engine: %w", err)
	}
	ev, ld := se.events(d)
	res, err := funnel.Compute(ld, ev)
	if err != nil {
		return fmt.Errorf("users counted by the engine: %w", err)
	}
	add := func(reach []int64, steps []funnel.StepResult) {
		for k := range steps {
			c := steps[k].Users
			if k+1 < len(steps) {
				c -= steps[k+1].Users
			}
			reach[k+1] += c
		}
	}
	n := len(d.Steps)
	users := int64(ev.NumUsers())
	lv.Users += int(users)
	lv.Reach[0] += users - res.Steps[0].Users
	add(lv.Reach, res.Steps)
	if res.Breakdown == nil {
		return nil
	}
	for _, seg := range res.Breakdown.Segments {
		value := seg.Value
		if value == funnel.NoneSegment {
			value = ""
		}
		v, ok := valueID[value]
		if !ok {
			v = len(lv.Values)
			valueID[value] = v
			lv.Values = append(lv.Values, value)
			lv.ValueReach = append(lv.ValueReach, make([]int64, n+1))
		}
		add(lv.ValueReach[v], seg.Steps)
	}
	return nil
}

// noStep names the step events of a step no event matches.
const noStep = "(none)"

// stepEvents gathers users' step events as the server gives them (user,
// time, the mask of steps each matches, the breakdown value) into
// funnel.Events for the embedded engine: each event's name is its set of
// steps, so the engine sees exactly the server's matches.
type stepEvents struct {
	ev     funnel.Events
	by     funnel.Property
	vid    map[string]uint32
	nameID map[string]uint32
	masks  map[string]uint64
	users  []string
}

func (se *stepEvents) add(user, ts, mask, value string) error {
	if se.vid == nil {
		se.by.Values = []string{""}
		se.vid = map[string]uint32{"": 0}
		se.nameID = map[string]uint32{}
		se.masks = map[string]uint64{}
	}
	t, err1 := strconv.ParseInt(ts, 10, 64)
	m, err2 := strconv.ParseUint(mask, 10, 64)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("unexpected row %q %q %q", user, ts, mask)
	}
	if len(se.users) == 0 || se.users[len(se.users)-1] != user {
		se.ev.UserStart = append(se.ev.UserStart, uint32(len(se.ev.Time)))
		se.users = append(se.users, user)
	}
	name := "m" + mask
	id, ok := se.nameID[name]
	if !ok {
		id = uint32(len(se.ev.Names))
		se.nameID[name] = id
		se.ev.Names = append(se.ev.Names, name)
		se.masks[name] = m
	}
	v, ok := se.vid[value]
	if !ok {
		v = uint32(len(se.by.Values))
		se.vid[value] = v
		se.by.Values = append(se.by.Values, value)
	}
	se.ev.Time = append(se.ev.Time, t)
	se.ev.Name = append(se.ev.Name, id)
	se.by.Of = append(se.by.Of, v)
	return nil
}

// events returns the gathered events and d as the engine computes it on
// them: the same window and attribution, each step the names whose mask
// has it, the breakdown by "v".
func (se *stepEvents) events(d *funnel.Definition) (*funnel.Events, *funnel.Definition) {
	ev := &se.ev
	ev.UserStart = append(ev.UserStart, uint32(len(ev.Time)))
	by := se.by
	if by.Values == nil {
		by.Values = []string{""}
	}
	ev.Props = map[string]*funnel.Property{"v": &by}
	ld := &funnel.Definition{Window: d.Window, Attribution: d.Attribution, TopN: math.MaxInt32}
	for k := range d.Steps {
		st := funnel.Step{Name: d.Steps[k].StepName()}
		for _, name := range ev.Names {
			if se.masks[name]&(1<<k) != 0 {
				st.Events = append(st.Events, name)
			}
		}
		if len(st.Events) == 0 {
			// A name no event has: the step matches nothing.
			if !slices.Contains(ev.Names, noStep) {
				ev.Names = append(ev.Names, noStep)
			}
			st.Events = []string{noStep}
		}
		ld.Steps = append(ld.Steps, st)
	}
	if d.By != "" {
		ld.By = "v"
	}
	return ev, ld
}
