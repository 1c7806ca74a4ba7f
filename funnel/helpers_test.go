package funnel

import (
	"sort"
	"strconv"
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
// column per property key, a property a number when all its values are.
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
	valID := map[string]map[string]uint32{}
	lastUser := -1 << 62
	for _, e := range sorted {
		for k := range e.props {
			if ev.Props[k] == nil {
				ev.Props[k] = &Property{Values: []string{""}, Of: make([]uint32, len(sorted)), Number: true}
				valID[k] = map[string]uint32{"": 0}
			}
		}
	}
	for i, e := range sorted {
		if e.user != lastUser {
			lastUser = e.user
			ev.UserStart = append(ev.UserStart, uint32(len(ev.Time)))
		}
		id, ok := nameID[e.name]
		if !ok {
			id = uint32(len(ev.Names))
			nameID[e.name] = id
			ev.Names = append(ev.Names, e.name)
		}
		for k, v := range e.props {
			pr := ev.Props[k]
			vid, ok := valID[k][v]
			if !ok {
				vid = uint32(len(pr.Values))
				valID[k][v] = vid
				pr.Values = append(pr.Values, v)
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					pr.Number = false
				}
			}
			pr.Of[i] = vid
		}
		ev.Time = append(ev.Time, e.t)
		ev.Name = append(ev.Name, id)
	}
	ev.UserStart = append(ev.UserStart, uint32(len(ev.Time)))
	return ev
}

// userEvents is user u's events alone, as a dataset of one user.
func userEvents(ev *Events, u int) *Events {
	lo, hi := ev.UserStart[u], ev.UserStart[u+1]
	one := &Events{Names: ev.Names, Props: map[string]*Property{},
		UserStart: []uint32{0, hi - lo}, Time: ev.Time[lo:hi], Name: ev.Name[lo:hi]}
	for k, p := range ev.Props {
		one.Props[k] = &Property{Values: p.Values, Of: p.Of[lo:hi], Number: p.Number}
	}
	return one
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

// minuteEvent is one event of a worked example: a name, its time in minutes
// and, when not empty, its device.
type minuteEvent struct {
	name string
	at   int64
	dev  string
}

// minuteEvents makes a worked example's events, all of one user.
func minuteEvents(es []minuteEvent) []tev {
	var evs []tev
	for _, e := range es {
		var props map[string]string
		if e.dev != "" {
			props = map[string]string{"device": e.dev}
		}
		evs = append(evs, tev{name: e.name, t: e.at * 60_000, props: props})
	}
	return evs
}
