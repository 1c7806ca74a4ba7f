package funnel

import (
	"fmt"
	"sort"
	"sync"
)

// Events is one dataset's events as columns, sorted by user and then by time
// (ties keep the order in which the events were imported). The store builds
// it; the engine only reads it, so one Events may serve concurrent computes.
//
// Properties are columns of their own, read only when a computation needs
// them: Props holds the columns given up front (tests, in-memory data), and
// Loader, when set, reads any other key of Keys on first use.
type Events struct {
	// UserStart has one entry per user plus one: user u's events are the
	// indices [UserStart[u], UserStart[u+1]).
	UserStart []uint32
	Time      []int64  // ms since the Unix epoch, UTC
	Name      []uint32 // index into Names

	Names []string             // event name by id
	Props map[string]*Property // property columns loaded up front, by key

	// Keys lists every property key of the dataset, sorted; nil means the
	// keys of Props.
	Keys []string
	// Loader reads the column of a key in Keys that Props lacks.
	Loader func(key string) (*Property, error)

	mu     sync.Mutex
	loaded map[string]*Property
}

// Property is one property key's column: a value id per event.
type Property struct {
	Values []string // value by id; Values[0] is "" and means "no value"
	Of     []uint32 // value id of each event (0: the event lacks the key)
	// Number is set when every value is a number, so that >, >=, < and <=
	// compare numerically.
	Number bool
}

// Len is the number of events.
func (e *Events) Len() int { return len(e.Time) }

// NumUsers is the number of users.
func (e *Events) NumUsers() int {
	if len(e.UserStart) == 0 {
		return 0
	}
	return len(e.UserStart) - 1
}

// KeyNames lists every property key, sorted.
func (e *Events) KeyNames() []string {
	if e.Keys != nil {
		return e.Keys
	}
	keys := make([]string, 0, len(e.Props))
	for k := range e.Props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// HasKey reports whether the dataset has the property key.
func (e *Events) HasKey(key string) bool {
	if _, ok := e.Props[key]; ok {
		return true
	}
	keys := e.KeyNames()
	i := sort.SearchStrings(keys, key)
	return i < len(keys) && keys[i] == key
}

// Property returns the column of key, loading it on first use.
func (e *Events) Property(key string) (*Property, error) {
	if p, ok := e.Props[key]; ok {
		return p, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.loaded[key]; ok {
		return p, nil
	}
	if e.Loader == nil || !e.HasKey(key) {
		return nil, fmt.Errorf("property %q: not in the dataset", key)
	}
	p, err := e.Loader(key)
	if err != nil {
		return nil, err
	}
	if len(p.Of) != e.Len() {
		return nil, fmt.Errorf("property %q: %d values for %d events", key, len(p.Of), e.Len())
	}
	if e.loaded == nil {
		e.loaded = map[string]*Property{}
	}
	e.loaded[key] = p
	return p, nil
}

// value is the value id of event i (0 when it has none).
func (p *Property) value(i uint32) uint32 {
	if int(i) < len(p.Of) {
		return p.Of[i]
	}
	return 0
}
