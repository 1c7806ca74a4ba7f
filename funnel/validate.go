package funnel

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// MaxExclusions bounds a definition's exclusions (they are tracked as bits).
const MaxExclusions = 32

// Validate checks a definition on its own, without a dataset: step count,
// events, window, mode, counting, attribution, exclusions and filters.
// Every problem found is reported, joined.
func (d *Definition) Validate() error {
	if d == nil {
		return errors.New("no funnel definition")
	}
	var errs []error
	n := len(d.Steps)
	if n < MinSteps || n > MaxSteps {
		errs = append(errs, fmt.Errorf("a funnel needs %d to %d steps, got %d", MinSteps, MaxSteps, n))
	}
	for i, s := range d.Steps {
		if err := validateStep(s); err != nil {
			errs = append(errs, fmt.Errorf("step %d: %w", i+1, err))
		}
	}
	if d.Window < 0 {
		errs = append(errs, fmt.Errorf("window %s: must be positive", d.Window))
	}
	if d.MaxGap < 0 {
		errs = append(errs, fmt.Errorf("max gap %s: must be positive", d.MaxGap))
	}
	mode, err := ParseMode(string(d.Mode))
	if err != nil {
		errs = append(errs, err)
	}
	if _, err := ParseCounting(string(d.Count)); err != nil {
		errs = append(errs, err)
	}
	if a, err := ParseAttribution(d.Attribution); err != nil {
		errs = append(errs, err)
	} else if a.Kind == "step" && n >= MinSteps && a.Step > n {
		errs = append(errs, fmt.Errorf("attribution %s: the funnel has only %d steps", a, n))
	}
	if d.TopN < 0 {
		errs = append(errs, fmt.Errorf("top_n %d: must be 0 (default %d) or more", d.TopN, DefaultTopN))
	}
	if mode == Any && d.MaxGap > 0 {
		errs = append(errs, errors.New("max gap needs an order between steps: use mode sequential or strict"))
	}
	if mode == Any && len(d.Exclusions) > 0 {
		errs = append(errs, errors.New("exclusions need an order between steps: use mode sequential or strict"))
	}
	if len(d.Exclusions) > MaxExclusions {
		errs = append(errs, fmt.Errorf("at most %d exclusions, got %d", MaxExclusions, len(d.Exclusions)))
	}
	for i, x := range d.Exclusions {
		if err := validateStep(Step{Events: x.Events, Where: x.Where}); err != nil {
			errs = append(errs, fmt.Errorf("exclusion %d: %w", i+1, err))
		}
		if x.From < 1 || x.To <= x.From || x.To > n {
			errs = append(errs, fmt.Errorf("exclusion %d: between steps %d and %d: want 1 <= from < to <= %d", i+1, x.From, x.To, n))
		}
	}
	for _, f := range d.Where {
		if err := f.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("where: %w", err))
		}
	}
	for i, s := range d.Micro {
		if err := validateStep(s); err != nil {
			errs = append(errs, fmt.Errorf("micro conversion %d: %w", i+1, err))
		}
	}
	if d.Segment != nil {
		if err := d.Segment.validate(d.By); err != nil {
			errs = append(errs, err)
		}
	}
	if d.From != nil && d.To != nil && EndOf(*d.To).Before(d.From.Time) {
		errs = append(errs, fmt.Errorf("date range: from %s is after to %s", d.From, d.To))
	}
	return errors.Join(errs...)
}

func validateStep(s Step) error {
	if len(s.Events) == 0 {
		return errors.New("needs at least one event")
	}
	for _, e := range s.Events {
		if strings.TrimSpace(e) == "" {
			return errors.New("empty event name")
		}
	}
	for _, f := range s.Where {
		if err := f.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a filter's key, operator and number of values.
func (f Filter) Validate() error {
	if strings.TrimSpace(f.Key) == "" {
		return fmt.Errorf("filter %q: missing property name", f.String())
	}
	switch f.Op {
	case OpEq, OpNe:
		if len(f.Values) != 1 {
			return fmt.Errorf("filter %q: %q takes exactly one value, got %d", f.String(), f.Op, len(f.Values))
		}
	case OpIn, OpNotIn:
		if len(f.Values) == 0 {
			return fmt.Errorf("filter %q: %q needs at least one value", f.String(), f.Op)
		}
	case OpGt, OpGe, OpLt, OpLe:
		if _, err := f.number(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("filter on %q: unknown operator %q (want =, !=, in, not in, >, >=, <, <=)", f.Key, f.Op)
	}
	return nil
}

// UnknownNameError reports names a definition uses that a dataset lacks.
// Callers can say, for example, "preset X needs events missing from dataset
// Y: a, b" from Names.
type UnknownNameError struct {
	Kind        string              // "event" or "property"
	Names       []string            // every unknown name, in first-use order
	Suggestions map[string][]string // unknown name -> closest existing names (may be empty)
}

func (e *UnknownNameError) Error() string {
	var b strings.Builder
	b.WriteString("unknown ")
	b.WriteString(e.Kind)
	if len(e.Names) > 1 {
		b.WriteString("s")
	}
	for i, n := range e.Names {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %q", n)
		if s := e.Suggestions[n]; len(s) > 0 {
			q := make([]string, len(s))
			for j, x := range s {
				q[j] = fmt.Sprintf("%q", x)
			}
			fmt.Fprintf(&b, " (did you mean %s?)", strings.Join(q, " or "))
		}
	}
	return b.String()
}

// CheckNames reports the event and property names of d that ev lacks, as
// *UnknownNameError values (joined when both kinds are missing).
func CheckNames(d *Definition, ev *Events) error {
	events := map[string]bool{}
	for _, n := range ev.Names {
		events[n] = true
	}
	var unknownEv, unknownProp []string
	seen := map[string]bool{}
	addEv := func(names []string) {
		for _, n := range names {
			if !events[n] && !seen["e"+n] {
				seen["e"+n] = true
				unknownEv = append(unknownEv, n)
			}
		}
	}
	addProp := func(key string) {
		if !ev.HasKey(key) && !seen["p"+key] {
			seen["p"+key] = true
			unknownProp = append(unknownProp, key)
		}
	}
	addFilters := func(fs []Filter) {
		for _, f := range fs {
			addProp(f.Key)
		}
	}
	for _, s := range d.Steps {
		addEv(s.Events)
		addFilters(s.Where)
	}
	for _, x := range d.Exclusions {
		addEv(x.Events)
		addFilters(x.Where)
	}
	for _, s := range d.Micro {
		addEv(s.Events)
		addFilters(s.Where)
	}
	addFilters(d.Where)
	if d.By != "" {
		addProp(d.By)
	}
	if d.Segment != nil {
		addProp(d.Segment.Key)
	}
	var errs []error
	if len(unknownEv) > 0 {
		errs = append(errs, newUnknown("event", unknownEv, ev.Names))
	}
	if len(unknownProp) > 0 {
		errs = append(errs, newUnknown("property", unknownProp, ev.KeyNames()))
	}
	if err := checkSegmentValue(d.Segment, ev); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func newUnknown(kind string, names, known []string) *UnknownNameError {
	e := &UnknownNameError{Kind: kind, Names: names, Suggestions: map[string][]string{}}
	for _, n := range names {
		e.Suggestions[n] = Suggest(n, known, 3)
	}
	return e
}

// Suggest returns up to max names from known closest to name: those sharing
// a prefix with it, or within an edit distance of about a third of its length,
// nearest first.
func Suggest(name string, known []string, max int) []string {
	type cand struct {
		s string
		d int
	}
	ln := strings.ToLower(name)
	limit := len(name)/3 + 1
	var cs []cand
	for _, k := range known {
		lk := strings.ToLower(k)
		d := editDistance(ln, lk)
		if d > limit && !(len(ln) >= 3 && (strings.HasPrefix(lk, ln) || strings.HasPrefix(ln, lk))) {
			continue
		}
		cs = append(cs, cand{k, d})
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].s < cs[j].s
	})
	var out []string
	for i := 0; i < len(cs) && i < max; i++ {
		out = append(out, cs[i].s)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// checkSegmentValue reports a segment value the dataset never has.
func checkSegmentValue(s *SegmentFilter, ev *Events) error {
	if s == nil || s.Value == OtherSegment || s.Value == NoneSegment {
		return nil
	}
	vals, ok := propValues(ev, s.Key)
	if !ok || contains(vals, s.Value) {
		return nil // an unknown key is reported as an unknown property
	}
	return newUnknown("value of "+s.Key, []string{s.Value}, vals)
}

// CheckValues reports filter values (on steps, on every step, in
// exclusions) that no event of ev has, with the closest existing values, as
// *UnknownNameError values of kind "value of KEY". A filter on a value that
// never occurs matches nothing, which reads as "nobody entered" rather than
// as the typo it usually is. Unknown keys are CheckNames' to report.
func CheckValues(d *Definition, ev *Events) error {
	var errs []error
	seen := map[string]bool{}
	check := func(fs []Filter) {
		for _, f := range fs {
			if numericOp(f.Op) {
				continue // a threshold, not one of the values
			}
			vals, ok := propValues(ev, f.Key)
			if !ok {
				continue
			}
			var unknown []string
			for _, v := range f.Values {
				if !seen[f.Key+"\x00"+v] && !contains(vals, v) {
					seen[f.Key+"\x00"+v] = true
					unknown = append(unknown, v)
				}
			}
			if len(unknown) > 0 {
				errs = append(errs, newUnknown("value of "+f.Key, unknown, vals))
			}
		}
	}
	check(d.Where)
	for _, s := range d.Steps {
		check(s.Where)
	}
	for _, x := range d.Exclusions {
		check(x.Where)
	}
	return errors.Join(errs...)
}

// propValues is the values key takes in ev (without the empty "no value"),
// loading its column if need be.
func propValues(ev *Events, key string) ([]string, bool) {
	p, err := ev.Property(key)
	if err != nil {
		return nil, false
	}
	if len(p.Values) > 0 && p.Values[0] == "" {
		return p.Values[1:], true
	}
	return p.Values, true
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
