package funnel

// Count is how many events, and how many distinct users, have something.
type Count struct {
	Events int64
	Users  int64
}

// NameCounts counts each event name's events and users, by name id.
func NameCounts(ev *Events) []Count {
	return countBy(ev, len(ev.Names), ev.Name)
}

// ValueCounts counts each value's events and users, by value id (0: the
// events without the key).
func ValueCounts(ev *Events, p *Property) []Count {
	return countBy(ev, len(p.Values), p.Of)
}

func countBy(ev *Events, n int, ids []uint32) []Count {
	out := make([]Count, n)
	seen := make([]int, n) // last user (+1) counted per id
	for u := 0; u < ev.NumUsers(); u++ {
		for _, id := range ids[ev.UserStart[u]:ev.UserStart[u+1]] {
			out[id].Events++
			if seen[id] != u+1 {
				seen[id] = u + 1
				out[id].Users++
			}
		}
	}
	return out
}
