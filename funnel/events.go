package funnel

// Events is one dataset's events as columns, sorted by user and then by time
// (ties keep the order in which the events were imported). The store builds
// it; the engine only reads it, so one Events may serve concurrent computes.
type Events struct {
	// UserStart has one entry per user plus one: user u's events are the
	// indices [UserStart[u], UserStart[u+1]).
	UserStart []uint32
	Time      []int64  // ms since the Unix epoch, UTC
	Name      []uint32 // index into Names
	Set       []uint32 // the event's property set: index into each Property.OfSet

	Names []string             // event name by id
	Props map[string]*Property // by property key
}

// Property is one property key. Events do not carry a column per key: each
// event has a property-set id, and OfSet maps a set id to this key's value.
type Property struct {
	Values []string // value by id; Values[0] is "" and means "no value"
	OfSet  []uint32 // property-set id -> value id (0 when the set lacks the key)
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
