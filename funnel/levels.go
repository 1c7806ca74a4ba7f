package funnel

import "fmt"

// Levels is a funnel counted elsewhere (by a database that ran the chains,
// such as ClickHouse's windowFunnel): how many users stopped at each level.
// FromLevels turns it into the Result that Compute would give for the same
// counts, with the same breakdown ordering, folding and tests. It carries no
// times between steps, so MedianMs and P90Ms are 0.
type Levels struct {
	// Users is the number of users considered (any event after the global
	// filters and date range).
	Users int
	// Reach[l] is the number of users whose furthest step is l (0..n).
	Reach []int64
	// Values are the breakdown values when d.By is set; Values[0] is ""
	// (no value). ValueReach[v][l] is the number of users attributed to
	// Values[v] whose furthest step is l.
	Values     []string
	ValueReach [][]int64
}

// FromLevels assembles the Result of d from counts by furthest level.
func FromLevels(d *Definition, lv Levels) (*Result, error) {
	n := len(d.Steps)
	if len(lv.Reach) != n+1 {
		return nil, fmt.Errorf("levels: %d counts for %d steps", len(lv.Reach), n)
	}
	res := &Result{Name: d.Name, Mode: d.Mode, Count: d.Count, Window: d.Window, Users: lv.Users}
	if res.Mode == "" {
		res.Mode = Sequential
	}
	if res.Count == "" {
		res.Count = Users
	}
	if res.Window == 0 {
		res.Window = DefaultWindow
	}
	names := make([]string, n)
	for k, s := range d.Steps {
		names[k] = s.StepName()
	}
	res.Steps = stepResults(names, lv.Reach, nil, 0)
	if d.By == "" {
		return res, nil
	}
	if len(lv.Values) == 0 || lv.Values[0] != "" || len(lv.ValueReach) != len(lv.Values) {
		return nil, fmt.Errorf("levels: breakdown values must start with the empty value and have one count row each")
	}
	size := make([]int64, len(lv.Values))
	for v, r := range lv.ValueReach {
		if len(r) != n+1 {
			return nil, fmt.Errorf("levels: value %q has %d counts for %d steps", lv.Values[v], len(r), n)
		}
		for _, c := range r[1:] {
			size[v] += c
		}
	}
	segOf, segNames := segmentOrder(d, lv.Values, size)
	reach := make([][]int64, len(segNames))
	for s := range reach {
		reach[s] = make([]int64, n+1)
	}
	for v, r := range lv.ValueReach {
		if size[v] == 0 {
			continue
		}
		for l := 1; l <= n; l++ {
			reach[segOf[v]][l] += r[l]
		}
	}
	attr, err := ParseAttribution(d.Attribution)
	if err != nil {
		return nil, err
	}
	bd := &Breakdown{Property: d.By, Attribution: attr.String(), Segments: make([]Segment, len(segNames))}
	for s := range bd.Segments {
		bd.Segments[s] = Segment{Value: segNames[s], Steps: stepResults(names, reach[s], nil, 0)}
	}
	segmentTests(bd, res.Steps)
	res.Breakdown = bd
	return res, nil
}
