package funnel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// SegmentFilter keeps the users one row of a breakdown by Key counts: those
// whose value of Key, taken by the definition's Attribution (the event of
// step 1 by default), is Value. It is not an event filter: a funnel with
// Segment {device, mobile} equals the "mobile" row of the breakdown by
// device. Value may be NoneSegment (users without a value) or OtherSegment
// (the values beyond the definition's top N).
type SegmentFilter struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (s SegmentFilter) String() string { return s.Key + "=" + s.Value }

// ParseSegment reads "KEY=VALUE". "KEY==VALUE" is refused with a hint, since
// the value would otherwise silently start with "=".
func ParseSegment(s string) (SegmentFilter, error) {
	k, v, ok := strings.Cut(s, "=")
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	switch {
	case !ok || k == "" || v == "":
		return SegmentFilter{}, fmt.Errorf("segment %q: want KEY=VALUE, such as device=mobile", s)
	case strings.HasPrefix(v, "="):
		return SegmentFilter{}, fmt.Errorf("segment %q: one = between key and value (%s=%s)", s, k, strings.TrimLeft(v, "= "))
	}
	return SegmentFilter{Key: k, Value: unquote(v)}, nil
}

func (s *SegmentFilter) validate(by string) error {
	switch {
	case strings.TrimSpace(s.Key) == "":
		return errors.New("segment: missing property name")
	case s.Value == "":
		return fmt.Errorf("segment %s: missing value", s.Key)
	case by != "" && by != s.Key:
		return fmt.Errorf("segment %s: a breakdown within a segment must be by the same property (by %s given)", s, by)
	}
	return nil
}

// computeSegment is the segment's row of the breakdown by its key, computed
// with every value in its own row (so top N cannot fold it away) unless the
// segment is (other) itself. With By set (to the same key, see Validate) the
// result keeps the whole breakdown, so every value stays listed.
func computeSegment(d *Definition, ev *Events) (*Result, error) {
	sf := *d.Segment
	bd := *d
	bd.Segment, bd.By = nil, sf.Key
	if sf.Value != OtherSegment {
		bd.TopN = math.MaxInt32
	}
	res, err := Compute(&bd, ev)
	if err != nil {
		return nil, err
	}
	out := *res
	out.Breakdown = nil
	out.Steps = nil
	for _, s := range res.Breakdown.Segments {
		if s.Value == sf.Value {
			out.Steps = s.Steps
		}
	}
	if out.Steps == nil { // nobody of that value entered the funnel
		names := make([]string, len(d.Steps))
		for k, s := range d.Steps {
			names[k] = s.StepName()
		}
		out.Steps = stepResults(names, make([]int64, len(d.Steps)+1), nil, 0)
	}
	if d.By != "" {
		if bd.TopN != d.TopN {
			bd.TopN = d.TopN
			if res, err = Compute(&bd, ev); err != nil {
				return nil, err
			}
		}
		out.Breakdown = res.Breakdown
	}
	return &out, nil
}

// Clone deep-copies a definition, so an edit of the copy never shows in
// the original.
func (d Definition) Clone() Definition {
	c := d
	c.Steps = cloneSteps(d.Steps)
	c.Micro = cloneSteps(d.Micro)
	c.Where = cloneFilters(d.Where)
	if d.Exclusions != nil {
		c.Exclusions = make([]Exclusion, len(d.Exclusions))
		for i, x := range d.Exclusions {
			c.Exclusions[i] = x
			c.Exclusions[i].Events = append([]string(nil), x.Events...)
			c.Exclusions[i].Where = cloneFilters(x.Where)
		}
	}
	if d.From != nil {
		f := *d.From
		c.From = &f
	}
	if d.To != nil {
		t := *d.To
		c.To = &t
	}
	if d.Segment != nil {
		s := *d.Segment
		c.Segment = &s
	}
	return c
}

func cloneSteps(in []Step) []Step {
	if in == nil {
		return nil
	}
	out := make([]Step, len(in))
	for i, s := range in {
		out[i] = s
		out[i].Events = append([]string(nil), s.Events...)
		out[i].Where = cloneFilters(s.Where)
	}
	return out
}

func cloneFilters(in []Filter) []Filter {
	if in == nil {
		return nil
	}
	out := make([]Filter, len(in))
	for i, f := range in {
		out[i] = f
		out[i].Values = append([]string(nil), f.Values...)
	}
	return out
}

// Decode reads a definition from JSON strictly: an unknown field (a
// misspelt "windw") is an error rather than a silent default.
func Decode(b []byte) (Definition, error) {
	var d Definition
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Definition{}, err
	}
	return d, nil
}
