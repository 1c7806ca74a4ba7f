package store

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
)

// batch holds parsed events with every string interned locally, in input
// order, ready to be written in one transaction.
type batch struct {
	users   []string
	userIdx map[userKey]uint32 // by a 128-bit hash of the user id
	names   []string
	nameIdx map[string]uint32
	keys    []string
	keyIdx  map[string]uint32
	values  [][]string          // by local key
	valIdx  []map[string]uint32 // by local key
	sets    [][]pair            // local property sets, pairs sorted by key
	setIdx  map[string]uint32
	valLog  []valAdd // every value as it was first seen, for the writer

	user []uint32
	ts   []int64
	name []uint32
	set  []uint32

	minTS, maxTS int64

	scratch  []pair
	keyBytes []byte
}

type pair struct{ key, val uint32 }

// valAdd is a property value first seen: local key, value.
type valAdd struct {
	key   uint32
	value string
}

func newBatch() *batch {
	return &batch{
		userIdx: map[userKey]uint32{},
		nameIdx: map[string]uint32{},
		keyIdx:  map[string]uint32{},
		setIdx:  map[string]uint32{},
	}
}

func (b *batch) len() int { return len(b.ts) }

// intern returns s's index in list, adding it if new. s may point into a
// reused read buffer, so a new string is cloned before it is kept.
func intern(m map[string]uint32, list *[]string, s string) uint32 {
	if i, ok := m[s]; ok {
		return i
	}
	s = strings.Clone(s)
	i := uint32(len(*list))
	*list = append(*list, s)
	m[s] = i
	return i
}

// userKey is a 128-bit hash of a user id. Exports list events in time
// order, so each lookup lands on a random user: a map keyed by string would
// chase a pointer to compare keys, a second cache miss per row on a million
// users. Two 64-bit seeded hashes make a collision between two of n users
// about n²/2¹²⁹ likely (1e-27 for 10⁶ users), far below a disk's error rate.
type userKey [2]uint64

var userSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func (b *batch) internUser(s string) uint32 {
	k := userKey{maphash.String(userSeeds[0], s), maphash.String(userSeeds[1], s)}
	if i, ok := b.userIdx[k]; ok {
		return i
	}
	i := uint32(len(b.users))
	b.users = append(b.users, strings.Clone(s))
	b.userIdx[k] = i
	return i
}

// add appends one record. Empty property values are absent values.
// The record is copied; the caller may reuse it.
func (b *batch) add(r *Record) {
	if b.len() == 0 || r.Time < b.minTS {
		b.minTS = r.Time
	}
	if b.len() == 0 || r.Time > b.maxTS {
		b.maxTS = r.Time
	}
	b.user = append(b.user, b.internUser(r.User))
	b.name = append(b.name, intern(b.nameIdx, &b.names, r.Event))
	b.ts = append(b.ts, r.Time)

	ps := b.scratch[:0]
	for _, p := range r.Props {
		if p.Value == "" {
			continue
		}
		k := intern(b.keyIdx, &b.keys, p.Key)
		for int(k) >= len(b.values) {
			b.values = append(b.values, nil)
			b.valIdx = append(b.valIdx, map[string]uint32{})
		}
		n := len(b.values[k])
		v := intern(b.valIdx[k], &b.values[k], p.Value)
		if len(b.values[k]) > n {
			b.valLog = append(b.valLog, valAdd{k, b.values[k][v]}) // the clone: p.Value may alias a read buffer
		}
		ps = append(ps, pair{k, v})
	}
	slices.SortStableFunc(ps, func(x, y pair) int { return int(x.key) - int(y.key) })
	// A key given twice keeps its first value.
	ps = slices.CompactFunc(ps, func(x, y pair) bool { return x.key == y.key })
	b.scratch = ps
	kb := b.keyBytes[:0]
	for _, p := range ps {
		kb = binary.AppendUvarint(kb, uint64(p.key))
		kb = binary.AppendUvarint(kb, uint64(p.val))
	}
	b.keyBytes = kb
	id, ok := b.setIdx[string(kb)]
	if !ok {
		id = uint32(len(b.sets))
		b.sets = append(b.sets, slices.Clone(ps))
		b.setIdx[string(kb)] = id
	}
	b.set = append(b.set, id)
}

// cardinalityWarnings names the properties with a value for nearly every
// event (ids, timestamps, URLs with query strings): each such event gets a
// property set of its own, which slows imports and grows the file, and a
// breakdown by them is rarely what anyone wants.
func (b *batch) cardinalityWarnings() []string {
	var out []string
	if b.len() < 1000 {
		return nil
	}
	for k, vals := range b.values {
		if n := len(vals); n >= 1000 && n*4 >= b.len() {
			out = append(out, fmt.Sprintf("property %s has %d distinct values in %d events: it makes nearly every event's property set unique, "+
				"which slows imports and grows the database; import with --ignore %s unless you filter or break down by it", b.keys[k], n, b.len(), b.keys[k]))
		}
	}
	return out
}
