package store

import (
	"fmt"
	"strings"
)

// roles says which columns of a row are the user, the event and the time,
// and which are properties.
type roles struct {
	user, event, time []int
	props             []int
}

// findColumn finds a column by the name given or, failing that, by the common
// names: an exact (case-insensitive) match first, then a dotted path whose
// last part matches, the shortest first. It returns every match so a user
// column can fall back from userId to anonymousId row by row.
func findColumn(given string, candidates []string, cols []string) []int {
	if given != "" {
		for i, c := range cols {
			if c == given {
				return []int{i}
			}
		}
		return nil
	}
	var out []int
	used := map[int]bool{}
	for _, cand := range candidates {
		for i, c := range cols {
			if !used[i] && strings.EqualFold(c, cand) {
				out, used[i] = append(out, i), true
			}
		}
	}
	for _, cand := range candidates {
		best := -1
		for i, c := range cols {
			if dot := strings.LastIndexByte(c, '.'); dot >= 0 && !used[i] && strings.EqualFold(c[dot+1:], cand) {
				if best < 0 || len(c) < len(cols[best]) {
					best = i
				}
			}
		}
		if best >= 0 {
			out, used[best] = append(out, best), true
		}
	}
	return out
}

// mayBeRole reports whether a column name could take a role: only those
// need findColumn's rules, row by row.
func (in *input) mayBeRole(c string) bool {
	if c == in.o.UserCol || c == in.o.EventCol || c == in.o.TimeCol {
		return true
	}
	last := c
	if dot := strings.LastIndexByte(c, '.'); dot >= 0 {
		last = c[dot+1:]
	}
	for _, list := range [][]string{UserColumns, EventColumns, TimeColumns} {
		for _, cand := range list {
			if strings.EqualFold(c, cand) || strings.EqualFold(last, cand) {
				return true
			}
		}
	}
	return false
}

// rolesOf assigns roles to a row's columns. required: a missing role is an
// error (CSV, whose header is the same for every row).
func (in *input) rolesOf(cols []string, required bool) (roles, error) {
	var r roles
	r.user = findColumn(in.o.UserCol, UserColumns, cols)
	r.event = findColumn(in.o.EventCol, EventColumns, cols)
	r.time = findColumn(in.o.TimeCol, TimeColumns, cols)
	miss := func(what, flag, given string, cands []string) error {
		if given != "" {
			return fmt.Errorf("no column %q for the %s (columns: %s)", given, what, strings.Join(cols, ", "))
		}
		return fmt.Errorf("no %s column: looked for %s; name it with %s (columns: %s)", what, strings.Join(cands, ", "), flag, strings.Join(cols, ", "))
	}
	if required {
		switch {
		case len(r.user) == 0:
			return r, miss("user", "--user", in.o.UserCol, UserColumns)
		case len(r.event) == 0:
			return r, miss("event", "--event", in.o.EventCol, EventColumns)
		case len(r.time) == 0:
			return r, miss("time", "--time", in.o.TimeCol, TimeColumns)
		}
	}
	// Only the first of each role's columns is the role; the user's
	// fallbacks too, as they identify users.
	skip := map[int]bool{}
	for _, i := range r.user {
		skip[i] = true
	}
	if len(r.event) > 0 {
		skip[r.event[0]] = true
		r.event = r.event[:1]
	}
	if len(r.time) > 0 {
		skip[r.time[0]] = true
		r.time = r.time[:1]
	}
	for _, ig := range in.o.Ignore {
		for i, c := range cols {
			if c == ig {
				skip[i] = true
			}
		}
	}
	for i := range cols {
		if !skip[i] {
			r.props = append(r.props, i)
		}
	}
	return r, nil
}

func firstValue(row []string, idx []int) string {
	for _, i := range idx {
		if i < len(row) && row[i] != "" {
			return row[i]
		}
	}
	return ""
}

// missing says which column a row lacks a value in.
func missing(what string, cols []string, idx []int, given string, cands []string) string {
	if len(idx) == 0 {
		if given != "" {
			return fmt.Sprintf("missing %s (no column %s)", what, given)
		}
		return fmt.Sprintf("missing %s (no column named %s)", what, strings.Join(cands, ", "))
	}
	names := make([]string, len(idx))
	for i, j := range idx {
		names[i] = cols[j]
	}
	return fmt.Sprintf("missing %s (%s empty)", what, strings.Join(names, ", "))
}

// rowTarget receives one parsed row's values into a part.
type rowTarget struct {
	p *part
	// copy: values point into a buffer the parser reuses, so the part
	// keeps copies, in an arena of its own.
	copy  bool
	arena []byte
}

// row adds one row to the part, or says what is wrong with it. cols names
// each value; keyID maps a property column to the part's key id.
func (t *rowTarget) row(in *input, cols, vals []string, r roles, keyID func(col int) int) string {
	user := firstValue(vals, r.user)
	if user == "" {
		return missing("user", cols, r.user, in.o.UserCol, UserColumns)
	}
	event := firstValue(vals, r.event)
	if event == "" {
		return missing("event name", cols, r.event, in.o.EventCol, EventColumns)
	}
	ts := firstValue(vals, r.time)
	if ts == "" {
		return missing("time", cols, r.time, in.o.TimeCol, TimeColumns)
	}
	ms, err := ParseTime(ts)
	if err != nil {
		if len(ts) > 40 {
			ts = ts[:40] + "..."
		}
		return fmt.Sprintf("unparseable time %q (want RFC 3339, YYYY-MM-DD HH:MM:SS or unix s/ms/us)", ts)
	}
	p := t.p
	row := len(p.ts)
	p.user = append(p.user, t.keep(user))
	p.name = append(p.name, t.keep(event))
	p.ts = append(p.ts, ms)
	for _, i := range r.props {
		if i >= len(vals) || vals[i] == "" {
			continue
		}
		k := keyID(i)
		c := p.cols[k]
		if len(c) > row {
			if c[row] != "" {
				continue // a key given twice keeps its first value
			}
		} else {
			c = append(c, make([]string, row+1-len(c))...)
		}
		c[row] = t.keep(vals[i])
		p.cols[k] = c
	}
	return ""
}

func (t *rowTarget) keep(s string) string {
	if !t.copy {
		return s
	}
	if cap(t.arena)-len(t.arena) < len(s) {
		t.arena = make([]byte, 0, max(1<<16, len(s)))
	}
	n := len(t.arena)
	t.arena = append(t.arena, s...)
	return unsafeString(t.arena[n:])
}
