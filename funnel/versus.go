package funnel

import (
	"errors"
	"fmt"
	"strings"
)

// Versus is the same funnel over another entry range, step by step against
// the result it belongs to ("this" range).
type Versus struct {
	ThisFrom string       `json:"this_from"` // the result's own range
	ThisTo   string       `json:"this_to"`
	From     string       `json:"from"` // the other range, as given
	To       string       `json:"to"`
	Users    int          `json:"users"`
	Steps    []StepResult `json:"steps"`
	// Diffs has one entry per step from step 2: this range minus the other.
	Diffs []StepDiff `json:"diffs"`
}

// StepDiff compares one step of two ranges. The test is on the step
// conversion (from the previous step), as for segments; p-values are
// Holm-adjusted across the steps.
type StepDiff struct {
	Step           int     `json:"step"`                 // 1-based, 2..n
	Conversion     float64 `json:"conversion_diff"`      // from step 1, this - other
	StepConversion float64 `json:"step_conversion_diff"` // from the previous step, this - other
	Method         string  `json:"method"`               // "z", "fisher" or "none"
	PValue         float64 `json:"p_value"`
	Adjusted       float64 `json:"p_adjusted"`
	Significant    bool    `json:"significant"`
}

// ParseRange reads "FROM..TO" (dates or RFC 3339 times, UTC; TO inclusive,
// a date-only TO meaning the whole day).
func ParseRange(s string) (from, to Date, err error) {
	a, b, ok := strings.Cut(s, "..")
	if !ok || a == "" || b == "" {
		return from, to, fmt.Errorf("range %q: want FROM..TO, such as 2024-03-01..2024-03-07", s)
	}
	if from, err = ParseDate(a); err != nil {
		return from, to, fmt.Errorf("range %q: %w", s, err)
	}
	if to, err = ParseDate(b); err != nil {
		return from, to, fmt.Errorf("range %q: %w", s, err)
	}
	if EndOf(to).Before(from.Time) {
		return from, to, fmt.Errorf("range %q: %s is after %s", s, a, b)
	}
	return from, to, nil
}

// ErrOverlap: the two ranges of a comparison share time.
var ErrOverlap = errors.New("the ranges overlap")

// AddVersus computes d over the entry range [from, to] and sets res.Versus.
// res must be Compute(d, ev), and d must have both ends of its range; the
// two ranges must not overlap.
func AddVersus(res *Result, d *Definition, ev *Events, from, to Date) error {
	if d.From == nil || d.To == nil {
		return errors.New("comparing ranges needs both ends of the first range")
	}
	lo, hi, _ := d.EntryRange()
	olo, ohi, _ := rangeMs(&from, &to)
	if olo <= hi && lo <= ohi {
		return fmt.Errorf("%w: %s..%s and %s..%s", ErrOverlap, d.From, d.To, from, to)
	}
	od := *d
	od.From, od.To = &from, &to
	r, err := Compute(&od, ev)
	if err != nil {
		return err
	}
	SetVersus(res, d, r, from, to)
	return nil
}

// SetVersus sets res.Versus from r, the same funnel computed over the range
// from..to (by a store that computes elsewhere: chstore), as AddVersus does.
func SetVersus(res *Result, d *Definition, r *Result, from, to Date) {
	v := &Versus{ThisFrom: d.From.String(), ThisTo: d.To.String(), From: from.String(), To: to.String(), Users: r.Users, Steps: r.Steps}
	n := len(res.Steps)
	ps := make([]float64, 0, n)
	for k := 1; k < n; k++ {
		a, b := res.Steps, r.Steps
		p, method := TwoProportion(a[k].Users, a[k-1].Users, b[k].Users, b[k-1].Users)
		v.Diffs = append(v.Diffs, StepDiff{Step: k + 1, Method: method, PValue: p,
			Conversion:     a[k].Conversion - b[k].Conversion,
			StepConversion: a[k].StepConversion - b[k].StepConversion})
		ps = append(ps, p)
	}
	for i, adj := range Holm(ps) {
		t := &v.Diffs[i]
		t.Adjusted = adj
		t.Significant = t.Method != "none" && adj < Alpha
	}
	res.Versus = v
}
