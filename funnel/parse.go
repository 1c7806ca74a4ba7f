package funnel

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Filter operators.
const (
	OpEq    = "="
	OpNe    = "!="
	OpIn    = "in"
	OpNotIn = "not in"
	OpGt    = ">"
	OpGe    = ">="
	OpLt    = "<"
	OpLe    = "<="
)

// numericOp reports whether op compares numbers.
func numericOp(op string) bool {
	return op == OpGt || op == OpGe || op == OpLt || op == OpLe
}

// compare applies a numeric operator: y op x.
func compare(op string, y, x float64) bool {
	switch op {
	case OpGt:
		return y > x
	case OpGe:
		return y >= x
	case OpLt:
		return y < x
	case OpLe:
		return y <= x
	}
	return false
}

// number is the value of a numeric comparison.
func (f Filter) number() (float64, error) {
	if len(f.Values) != 1 {
		return 0, fmt.Errorf("filter %q: %q takes exactly one value", f.String(), f.Op)
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(f.Values[0]), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("filter %q: %q compares numbers, and %q is not one", f.String(), f.Op, f.Values[0])
	}
	return x, nil
}

// String writes the filter in the form ParseFilter reads:
// "device=mobile", "country!=US", "plan in (pro,team)", "plan not in (a,b)".
func (f Filter) String() string {
	switch f.Op {
	case OpIn, OpNotIn:
		return f.Key + " " + f.Op + " (" + strings.Join(f.Values, ",") + ")"
	default:
		v := ""
		if len(f.Values) > 0 {
			v = f.Values[0]
		}
		return f.Key + f.Op + v
	}
}

// ParseFilter reads "key=value", "key!=value", "key in (a,b)",
// "key not in (a,b)", or a numeric comparison "key>N", "key>=N", "key<N",
// "key<=N". Spaces around keys, operators and values are ignored;
// a value may be wrapped in single or double quotes to keep spaces or commas.
func ParseFilter(s string) (Filter, error) {
	src := s
	s = strings.TrimSpace(s)
	if s == "" {
		return Filter{}, fmt.Errorf("empty filter: want key=value, key!=value, key in (a,b), key not in (a,b) or key>=N (>, >=, <, <=)")
	}
	// Comparisons and "!=" before "=" so that "a>=1" and "a!=b" are not
	// read as key "a>" or "a!".
	if i := strings.IndexAny(s, "<>"); i >= 0 && !strings.Contains(s[:i], "=") {
		op := s[i : i+1]
		if i+1 < len(s) && s[i+1] == '=' {
			op += "="
		}
		f, err := simpleFilter(src, s[:i], op, s[i+len(op):])
		if err != nil {
			return f, err
		}
		if _, err := f.number(); err != nil {
			return Filter{}, err
		}
		return f, nil
	}
	if i := strings.Index(s, "!="); i >= 0 {
		return simpleFilter(src, s[:i], OpNe, s[i+2:])
	}
	if i := strings.Index(s, "="); i >= 0 {
		return simpleFilter(src, s[:i], OpEq, s[i+1:])
	}
	lower := strings.ToLower(s)
	for _, op := range []string{" not in ", " in "} {
		i := strings.Index(lower, op)
		if i < 0 {
			continue
		}
		key := strings.TrimSpace(s[:i])
		rest := strings.TrimSpace(s[i+len(op):])
		if key == "" {
			return Filter{}, fmt.Errorf("filter %q: missing property name before %q", src, strings.TrimSpace(op))
		}
		if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
			return Filter{}, fmt.Errorf("filter %q: want a list in parentheses after %q, e.g. %s%s(a,b)", src, strings.TrimSpace(op), key, op)
		}
		parts, err := splitTop(rest[1:len(rest)-1], ',')
		if err != nil {
			return Filter{}, fmt.Errorf("filter %q: %w", src, err)
		}
		var vals []string
		for _, p := range parts {
			v := unquote(strings.TrimSpace(p))
			if v == "" {
				return Filter{}, fmt.Errorf("filter %q: empty value in list", src)
			}
			vals = append(vals, v)
		}
		return Filter{Key: key, Op: strings.TrimSpace(op), Values: vals}, nil
	}
	return Filter{}, fmt.Errorf("filter %q: want key=value, key!=value, key in (a,b), key not in (a,b) or key>=N (>, >=, <, <=)", src)
}

func simpleFilter(src, key, op, val string) (Filter, error) {
	key = strings.TrimSpace(key)
	val = strings.TrimSpace(val)
	if key == "" {
		return Filter{}, fmt.Errorf("filter %q: missing property name before %q", src, op)
	}
	if val == "" {
		return Filter{}, fmt.Errorf("filter %q: missing value after %q", src, op)
	}
	if strings.HasPrefix(val, "=") {
		// "device==mobile" would otherwise look for the value "=mobile".
		return Filter{}, fmt.Errorf("filter %q: one = between key and value (%s%s%s)", src, key, op, strings.TrimLeft(val, "= "))
	}
	return Filter{Key: key, Op: op, Values: []string{unquote(val)}}, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// splitTop splits s at sep outside of (), [] and quotes.
func splitTop(s string, sep byte) ([]string, error) {
	var out []string
	depth := 0
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced %q at position %d", string(c), i+1)
			}
		case c == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote")
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced brackets")
	}
	return append(out, s[start:]), nil
}

// ParseSteps reads a funnel's steps: commas separate steps, "|" separates a
// step's alternative events, and an optional bracketed suffix holds filters
// for the whole step, separated by commas:
//
//	view_product, add_to_cart|add_to_wishlist, purchase
//	view_product[device=mobile], purchase[plan in (pro,team), country!=US]
func ParseSteps(s string) ([]Step, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("no steps: want event names separated by commas, e.g. \"view,add_to_cart,purchase\"")
	}
	parts, err := splitTop(s, ',')
	if err != nil {
		return nil, fmt.Errorf("steps %q: %w", s, err)
	}
	steps := make([]Step, 0, len(parts))
	for i, p := range parts {
		st, err := parseStep(p)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i+1, err)
		}
		steps = append(steps, st)
	}
	if len(steps) < MinSteps || len(steps) > MaxSteps {
		return steps, fmt.Errorf("a funnel needs %d to %d steps, got %d", MinSteps, MaxSteps, len(steps))
	}
	return steps, nil
}

// ParseStep reads one step: "a|b" with an optional "[filter, ...]" suffix.
func ParseStep(s string) (Step, error) { return parseStep(s) }

func parseStep(p string) (Step, error) {
	p = strings.TrimSpace(p)
	var st Step
	if i := strings.IndexByte(p, '['); i >= 0 {
		if !strings.HasSuffix(p, "]") {
			return st, fmt.Errorf("%q: filters go in brackets at the end, e.g. view[device=mobile]", p)
		}
		fs, err := splitTop(p[i+1:len(p)-1], ',')
		if err != nil {
			return st, fmt.Errorf("%q: %w", p, err)
		}
		for _, f := range fs {
			flt, err := ParseFilter(f)
			if err != nil {
				return st, err
			}
			st.Where = append(st.Where, flt)
		}
		p = strings.TrimSpace(p[:i])
	}
	for _, a := range strings.Split(p, "|") {
		a = strings.TrimSpace(a)
		if a == "" {
			return st, fmt.Errorf("%q: empty event name", p)
		}
		st.Events = append(st.Events, a)
	}
	return st, nil
}

// Attribution says which event of a counted attempt gives its breakdown value.
type Attribution struct {
	Kind string // "first", "last" or "step"
	Step int    // 1-based, for Kind "step"
}

// String is the canonical form: "first", "last" or "step:N".
func (a Attribution) String() string {
	if a.Kind == "step" {
		return "step:" + strconv.Itoa(a.Step)
	}
	return a.Kind
}

// ParseAttribution reads "" or "first" (the default), "last", and "step:N"
// (also "stepN" and "step N").
func ParseAttribution(s string) (Attribution, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case "", "first":
		return Attribution{Kind: "first"}, nil
	case "last":
		return Attribution{Kind: "last"}, nil
	}
	if rest, ok := strings.CutPrefix(t, "step"); ok {
		rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
		n, err := strconv.Atoi(rest)
		if err == nil && n >= 1 && n <= MaxSteps {
			return Attribution{Kind: "step", Step: n}, nil
		}
	}
	return Attribution{}, fmt.Errorf("attribution %q: want first, last or step:N", s)
}

// ParseMode reads "sequential" (also ""), "strict" or "any".
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return Sequential, nil
	case Sequential, Strict, Any:
		return m, nil
	}
	return "", fmt.Errorf("mode %q: want sequential, strict or any", s)
}

// ParseCounting reads "users" (also "") or "totals".
func ParseCounting(s string) (Counting, error) {
	switch c := Counting(strings.ToLower(strings.TrimSpace(s))); c {
	case "":
		return Users, nil
	case Users, Totals:
		return c, nil
	}
	return "", fmt.Errorf("count %q: want users or totals", s)
}
