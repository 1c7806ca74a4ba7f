package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// identities is a union-find over user ids: ids linked by identity calls
// or by events that carry two ids are one person, under the identified id
// (the second of a link: a user id rather than an anonymous or device id).
type identities struct {
	parent    map[string]string
	known     map[string]bool // identified ids: a link never merges two of them
	conflicts int64           // links refused because both sides were already identified
}

func newIdentities(n int) *identities {
	return &identities{parent: make(map[string]string, n), known: make(map[string]bool, n)}
}

func (ids *identities) find(x string) string {
	root := x
	for {
		p, ok := ids.parent[root]
		if !ok {
			break
		}
		root = p
	}
	for x != root { // path compression
		p := ids.parent[x]
		if p == root {
			break
		}
		ids.parent[x] = root
		x = p
	}
	return root
}

// link says from is the same person as to. An id already joined to another
// identified id keeps the first: the link is counted as a conflict.
func (ids *identities) link(from, to string) {
	ids.known[to] = true
	rf, rt := ids.find(from), ids.find(to)
	if rf == rt {
		return
	}
	if ids.known[rf] {
		ids.conflicts++
		return
	}
	ids.parent[rf] = rt
}

// The links are stored as one more part of the dataset's columns: id,
// canonical, id, canonical... as a dictionary, rewritten with the rest.
const partIdentities = "ids"

// loadIdentities reads the dataset's stored links (none when it has no
// identities part), with room for extra more.
func loadIdentities(ctx context.Context, q queryer, m dsMeta, extra int) (*identities, error) {
	ids := newIdentities(m.links + extra)
	if m.links == 0 {
		return ids, nil
	}
	ps, err := readParts(ctx, q, m.id, m.version, partIdentities)
	if err != nil {
		return nil, err
	}
	pairs, err := decodeDict(ps[partIdentities], make([]string, 0, 2*m.links), 2*m.links)
	if err != nil {
		return nil, fmt.Errorf("identities: %w", err)
	}
	for i := 0; i < len(pairs); i += 2 {
		ids.parent[pairs[i]] = pairs[i+1]
		ids.known[pairs[i+1]] = true
	}
	return ids, nil
}

// pairs lists every merged id with its canonical id, sorted.
func (ids *identities) pairs() []string {
	out := make([]string, 0, 2*len(ids.parent))
	for _, id := range sortedKeys(ids.parent) {
		out = append(out, id, ids.find(id))
	}
	return out
}

// stitch gives each user's events to the person's canonical id: users
// whose ids are linked become one, in the place of the first of them,
// their events merged by time (at equal times in the order of the users,
// then of their events).
func stitch(t *table, ids *identities) *table {
	if len(ids.parent) == 0 {
		return t
	}
	// The ids others merge into, so that an unmerged user that is one of
	// them is found; every other user keeps its own place.
	targets := map[string]int32{}
	for id := range ids.parent {
		targets[ids.find(id)] = -1
	}
	n := t.numUsers()
	newIdx := make([]int32, n)
	var users []string
	merged := false
	for u, name := range t.users {
		c := name
		if _, ok := ids.parent[name]; ok {
			c = ids.find(name)
			merged = true
		}
		if at, ok := targets[c]; ok {
			if at < 0 {
				at = int32(len(users))
				targets[c] = at
				users = append(users, c)
			}
			newIdx[u] = at
			continue
		}
		newIdx[u] = int32(len(users))
		users = append(users, name)
	}
	if !merged {
		return t
	}
	// Counting sort of the users' event ranges by their new user.
	start := make([]uint32, len(users)+1)
	for u := 0; u < n; u++ {
		start[newIdx[u]+1] += t.userStart[u+1] - t.userStart[u]
	}
	members := make([]int32, len(users))
	for u := 0; u < n; u++ {
		members[newIdx[u]]++
	}
	for i := range users {
		start[i+1] += start[i]
	}
	order := make([]uint32, t.len())
	next := slices.Clone(start[:len(users)])
	for u := 0; u < n; u++ {
		i := newIdx[u]
		for e := t.userStart[u]; e < t.userStart[u+1]; e++ {
			order[next[i]] = e
			next[i]++
		}
	}
	for i, m := range members {
		if m > 1 {
			mine := order[start[i]:start[i+1]]
			slices.SortStableFunc(mine, func(a, b uint32) int { return cmp.Compare(t.ts[a], t.ts[b]) })
		}
	}
	return t.reorder(users, start, order)
}

// dedup drops every event whose de-duplication id an earlier event has
// (old events come first at equal times, so an id imported before keeps its
// first event). It returns the table, the events dropped, and how many of
// those differed from the event they repeat (a reused id).
func dedup(t *table, key string) (*table, int64, int64) {
	c := t.cols[key]
	if c == nil {
		return t, 0, 0
	}
	first := make([]int32, len(c.values))
	for i := range first {
		first[i] = -1
	}
	keep := make([]bool, t.len())
	var dropped, differ int64
	for u := 0; u < t.numUsers(); u++ {
		for e := t.userStart[u]; e < t.userStart[u+1]; e++ {
			v := c.of[e]
			if v == noValue || first[v] < 0 {
				if v != noValue {
					first[v] = int32(e)
				}
				keep[e] = true
				continue
			}
			dropped++
			f := first[v]
			if t.ts[f] != t.ts[e] || t.name[f] != t.name[e] || f < int32(t.userStart[u]) {
				differ++
			}
		}
	}
	if dropped == 0 {
		return t, 0, 0
	}
	var users []string
	start := []uint32{0}
	order := make([]uint32, 0, t.len()-int(dropped))
	for u := 0; u < t.numUsers(); u++ {
		for e := t.userStart[u]; e < t.userStart[u+1]; e++ {
			if keep[e] {
				order = append(order, e)
			}
		}
		if int(start[len(start)-1]) < len(order) {
			users = append(users, t.users[u])
			start = append(start, uint32(len(order)))
		}
	}
	return t.reorder(users, start, order), dropped, differ
}

// reorder is a table of t's events in a new order, by source index, with
// a new list of users.
func (t *table) reorder(users []string, start, order []uint32) *table {
	out := &table{userStart: start, users: users, names: t.names, cols: map[string]*column{},
		ts: gather(t.ts, order), name: gather(t.name, order)}
	for k, c := range t.cols {
		nc := &column{values: c.values, number: c.number, of: gather(c.of, order)}
		for _, v := range nc.of {
			if v != noValue {
				nc.events++
			}
		}
		out.cols[k] = nc
	}
	return out
}

// dedupCounted is dedup with its counts in st: the duplicates dropped, and
// a warning for the ids reused by a different event.
func dedupCounted(t *table, key string, st *InsertStats) *table {
	t, dups, differ := dedup(t, key)
	st.Duplicates = dups
	st.Events -= dups
	if differ > 0 {
		st.Warnings = append(st.Warnings, fmt.Sprintf("%d events reuse the %s of a different event; each id keeps its first event", differ, key))
	}
	return t
}
