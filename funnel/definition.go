// Package funnel computes conversion funnels over a dataset's events held as
// columns. It knows nothing of storage or terminals: a Definition and Events
// go in, a Result comes out.
package funnel

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Mode is how a funnel's steps must be ordered in time.
type Mode string

const (
	// Sequential: steps in order, other events may come between them.
	Sequential Mode = "sequential"
	// Strict: steps in order with no other event of the user between them.
	Strict Mode = "strict"
	// Any: the steps in any order within the window.
	Any Mode = "any"
)

// Counting is what a step's count means.
type Counting string

const (
	// Users counts each user once, at the furthest step reached.
	Users Counting = "users"
	// Totals counts every attempt; a new attempt starts only after the
	// previous one ended.
	Totals Counting = "totals"
)

// Filter restricts an event by one of its properties.
// Op is one of "=", "!=", "in", "not in"; "=" and "!=" take one value.
type Filter struct {
	Key    string   `json:"key"`
	Op     string   `json:"op"`
	Values []string `json:"values"`
}

// Step matches any one of its alternative events that passes every filter.
type Step struct {
	Name   string   `json:"name,omitempty"`
	Events []string `json:"events"`
	Where  []Filter `json:"where,omitempty"`
}

// Exclusion disqualifies an attempt in which a matching event happens
// between step From and step To (1-based, From < To).
type Exclusion struct {
	Events []string `json:"events"`
	Where  []Filter `json:"where,omitempty"`
	From   int      `json:"from"`
	To     int      `json:"to"`
}

// Definition is a funnel: plain data that round-trips through JSON.
type Definition struct {
	Name        string      `json:"name,omitempty"`
	Description string      `json:"description,omitempty"`
	Steps       []Step      `json:"steps"`
	Window      Duration    `json:"window,omitempty"`  // 0 means DefaultWindow
	MaxGap      Duration    `json:"max_gap,omitempty"` // 0 means no limit
	Mode        Mode        `json:"mode,omitempty"`    // "" means Sequential
	Count       Counting    `json:"count,omitempty"`   // "" means Users
	Exclusions  []Exclusion `json:"exclusions,omitempty"`
	Where       []Filter    `json:"where,omitempty"` // applied to every step
	From        *Date       `json:"from,omitempty"`  // inclusive, UTC
	To          *Date       `json:"to,omitempty"`    // inclusive day, UTC
	By          string      `json:"by,omitempty"`    // breakdown property
	Attribution string      `json:"attribution,omitempty"`
	TopN        int         `json:"top_n,omitempty"` // segments kept before (other); 0 means DefaultTopN
	// Segment keeps only the users of one breakdown row (see SegmentFilter).
	Segment *SegmentFilter `json:"segment,omitempty"`
	// Micro lists a business's micro conversions (presets use it; compare
	// reports each one's share and its lift on the macro conversion).
	Micro []Step `json:"micro,omitempty"`
}

// Defaults.
const (
	DefaultWindow = Duration(7 * 24 * time.Hour)
	DefaultTopN   = 10
	MinSteps      = 2
	MaxSteps      = 32
)

// StepName is the step's display name: its Name, else its events joined by "|".
func (s Step) StepName() string {
	if s.Name != "" {
		return s.Name
	}
	return strings.Join(s.Events, "|")
}

// Duration is a time.Duration that reads and writes as "30m", "24h", "7d", "2w".
type Duration time.Duration

// ParseDuration reads "90s", "30m", "24h", "7d", "2w" (and Go forms like "1h30m").
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	unit := s[len(s)-1]
	if unit == 'd' || unit == 'w' {
		n, err := strconv.ParseFloat(s[:len(s)-1], 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("duration %q: want a positive number before %q (e.g. 7d, 2w, 24h, 30m)", s, string(unit))
		}
		d := n * float64(24*time.Hour)
		if unit == 'w' {
			d *= 7
		}
		return Duration(d), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Millisecond {
		// Event times are milliseconds: a shorter duration would silently be 0.
		return 0, fmt.Errorf("duration %q: want a positive duration of at least 1ms, such as 30m, 24h, 7d or 2w", s)
	}
	return Duration(d), nil
}

// String writes the shortest of w, d, h, m, s that is exact.
func (d Duration) String() string {
	td := time.Duration(d)
	switch {
	case td == 0:
		return "0"
	case td%(7*24*time.Hour) == 0 && td >= 14*24*time.Hour: // "7d" reads better than "1w"
		return strconv.FormatInt(int64(td/(7*24*time.Hour)), 10) + "w"
	case td%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(td/(24*time.Hour)), 10) + "d"
	case td%time.Hour == 0:
		return strconv.FormatInt(int64(td/time.Hour), 10) + "h"
	case td%time.Minute == 0:
		return strconv.FormatInt(int64(td/time.Minute), 10) + "m"
	}
	return td.String()
}

// Milliseconds is the duration in ms.
func (d Duration) Milliseconds() int64 { return time.Duration(d).Milliseconds() }

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"7d\": %w", err)
	}
	if s == "" || s == "0" {
		*d = 0
		return nil
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Date is a UTC calendar day or instant, written as "2006-01-02" or RFC 3339.
type Date struct{ time.Time }

// ParseDate reads "2006-01-02" (midnight UTC) or an RFC 3339 time.
func ParseDate(s string) (Date, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return Date{t.UTC()}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return Date{t.UTC()}, nil
	}
	return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD or an RFC 3339 time", s)
}

func (d Date) String() string {
	if d.Time.Equal(d.Time.Truncate(24 * time.Hour)) {
		return d.Time.UTC().Format("2006-01-02")
	}
	return d.Time.UTC().Format(time.RFC3339Nano)
}

func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date: want a string such as \"2024-01-31\": %w", err)
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
