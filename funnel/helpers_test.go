package funnel

import (
	"sort"
	"testing"
)

// tev is one event of a hand-written or random test stream.
type tev struct {
	user  int
	t     int64
	name  string
	props map[string]string
}

// buildEvents packs test events into columns the way the store does: users
// in order, events by time within a user (ties keep input order), one
// property set per distinct combination of properties.
func buildEvents(evs []tev) *Events {
	sorted := append([]tev(nil), evs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].user != sorted[j].user {
			return sorted[i].user < sorted[j].user
		}
		return sorted[i].t < sorted[j].t
	})
	ev := &Events{Props: map[string]*Property{}}
	nameID := map[string]uint32{}
	setID := map[string]uint32{}
	var sets []map[string]string
	valID := map[string]map[string]uint32{}
	users := -1
	lastUser := -1 << 62
	for _, e := range sorted {
		if e.user != lastUser {
			users++
			lastUser = e.user
			ev.UserStart = append(ev.UserStart, uint32(len(ev.Time)))
		}
		id, ok := nameID[e.name]
		if !ok {
			id = uint32(len(ev.Names))
			nameID[e.name] = id
			ev.Names = append(ev.Names, e.name)
		}
		keys := make([]string, 0, len(e.props))
		for k := range e.props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sig := ""
		for _, k := range keys {
			sig += k + "\x00" + e.props[k] + "\x01"
		}
		sid, ok := setID[sig]
		if !ok {
			sid = uint32(len(sets))
			setID[sig] = sid
			sets = append(sets, e.props)
		}
		ev.Time = append(ev.Time, e.t)
		ev.Name = append(ev.Name, id)
		ev.Set = append(ev.Set, sid)
	}
	ev.UserStart = append(ev.UserStart, uint32(len(ev.Time)))
	for sid, ps := range sets {
		for k, v := range ps {
			pr := ev.Props[k]
			if pr == nil {
				pr = &Property{Values: []string{""}}
				ev.Props[k] = pr
				valID[k] = map[string]uint32{"": 0}
			}
			vid, ok := valID[k][v]
			if !ok {
				vid = uint32(len(pr.Values))
				valID[k][v] = vid
				pr.Values = append(pr.Values, v)
			}
			for len(pr.OfSet) <= sid {
				pr.OfSet = append(pr.OfSet, 0)
			}
			pr.OfSet[sid] = vid
		}
	}
	return ev
}

func mustCompute(t *testing.T, d *Definition, ev *Events) *Result {
	t.Helper()
	r, err := Compute(d, ev)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	return r
}

func stepUsers(r *Result) []int64 {
	out := make([]int64, len(r.Steps))
	for i, s := range r.Steps {
		out[i] = s.Users
	}
	return out
}
