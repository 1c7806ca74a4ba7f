package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// The packed columnar copy of a dataset: each column is a byte stream of
// varints, split into parts of at most packChunk bytes (SQLite blobs have a
// size limit, and smaller rows keep page churn low).
const packChunk = 8 << 20

// cols is a dataset's events sorted by user then time, with dense indices:
// users, event names and property sets are numbered in the order of their
// ids in the database, which only grow, so appends never renumber them.
type cols struct {
	userStart []uint32 // len users+1
	ts        []int64
	name      []uint32
	set       []uint32
}

func (c *cols) users() int {
	if len(c.userStart) == 0 {
		return 0
	}
	return len(c.userStart) - 1
}

// encode writes the columns as four streams; the time stream, the biggest,
// is encoded on another core meanwhile.
func (c *cols) encode() map[string][]byte {
	n := len(c.ts)
	done := make(chan []byte)
	go func() {
		ts := make([]byte, 0, n*3)
		for u := 0; u < c.users(); u++ {
			prev := int64(0) // each user starts afresh: a user's first time is absolute
			for i := c.userStart[u]; i < c.userStart[u+1]; i++ {
				ts = binary.AppendVarint(ts, c.ts[i]-prev)
				prev = c.ts[i]
			}
		}
		done <- ts
	}()
	counts := make([]byte, 0, c.users()*2)
	for u := 0; u < c.users(); u++ {
		counts = binary.AppendUvarint(counts, uint64(c.userStart[u+1]-c.userStart[u]))
	}
	name := make([]byte, 0, n)
	set := make([]byte, 0, n*2)
	for i := 0; i < n; i++ {
		name = binary.AppendUvarint(name, uint64(c.name[i]))
		set = binary.AppendUvarint(set, uint64(c.set[i]))
	}
	return map[string][]byte{"users": counts, "time": <-done, "name": name, "set": set}
}

var errPack = errors.New("packed copy is damaged")

// decodeCols reads the streams written by encode, checking every bound so a
// damaged copy is an error, not a panic.
func decodeCols(parts map[string][]byte, users, events int, names, sets int) (*cols, error) {
	c := &cols{
		userStart: make([]uint32, users+1),
		ts:        make([]int64, events),
		name:      make([]uint32, events),
		set:       make([]uint32, events),
	}
	b := parts["users"]
	total := uint64(0)
	for u := 0; u < users; u++ {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, fmt.Errorf("%w: users column", errPack)
		}
		b = b[k:]
		total += v
		if total > uint64(events) {
			return nil, fmt.Errorf("%w: users column counts more events than the dataset has", errPack)
		}
		c.userStart[u+1] = uint32(total)
	}
	if total != uint64(events) || len(b) != 0 {
		return nil, fmt.Errorf("%w: users column", errPack)
	}
	b = parts["time"]
	for u := 0; u < users; u++ {
		prev := int64(0)
		for i := c.userStart[u]; i < c.userStart[u+1]; i++ {
			v, k := binary.Varint(b)
			if k <= 0 {
				return nil, fmt.Errorf("%w: time column", errPack)
			}
			b = b[k:]
			prev += v
			c.ts[i] = prev
		}
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: time column", errPack)
	}
	for _, col := range []struct {
		part  string
		dst   []uint32
		limit int
	}{{"name", c.name, names}, {"set", c.set, sets}} {
		b = parts[col.part]
		for i := range col.dst {
			v, k := binary.Uvarint(b)
			if k <= 0 || v >= uint64(col.limit) {
				return nil, fmt.Errorf("%w: %s column", errPack, col.part)
			}
			b = b[k:]
			col.dst[i] = uint32(v)
		}
		if len(b) != 0 {
			return nil, fmt.Errorf("%w: %s column", errPack, col.part)
		}
	}
	return c, nil
}

// merge returns the columns of old plus the new events (given by dense user,
// time, name and set, in input order). For equal times, old events come
// first, then new ones in input order: the same order as rebuilding from the
// events table by (user, ts, rowid).
func merge(old *cols, users int, user []uint32, ts []int64, name, set []uint32) *cols {
	oldUsers := 0
	if old != nil {
		oldUsers = old.users()
	}
	if users < oldUsers {
		users = oldUsers
	}
	// Counting sort of the new events by user keeps input order per user.
	start := make([]uint32, users+1)
	for _, u := range user {
		start[u+1]++
	}
	for u := 0; u < users; u++ {
		start[u+1] += start[u]
	}
	order := make([]uint32, len(user))
	next := append([]uint32(nil), start[:users]...)
	for i, u := range user {
		order[next[u]] = uint32(i)
		next[u]++
	}
	oldLen := 0
	if old != nil {
		oldLen = len(old.ts)
	}
	n := oldLen + len(user)
	c := &cols{
		userStart: make([]uint32, users+1),
		ts:        make([]int64, 0, n),
		name:      make([]uint32, 0, n),
		set:       make([]uint32, 0, n),
	}
	for u := 0; u < users; u++ {
		mine := order[start[u]:start[u+1]]
		// Exports are mostly in time order already; sort only when not.
		if !slices.IsSortedFunc(mine, func(x, y uint32) int { return cmp.Compare(ts[x], ts[y]) }) {
			slices.SortStableFunc(mine, func(x, y uint32) int { return cmp.Compare(ts[x], ts[y]) })
		}
		var a, aEnd uint32
		if u < oldUsers {
			a, aEnd = old.userStart[u], old.userStart[u+1]
		}
		k := 0
		for a < aEnd || k < len(mine) {
			if k == len(mine) || (a < aEnd && old.ts[a] <= ts[mine[k]]) {
				c.ts = append(c.ts, old.ts[a])
				c.name = append(c.name, old.name[a])
				c.set = append(c.set, old.set[a])
				a++
				continue
			}
			i := mine[k]
			c.ts = append(c.ts, ts[i])
			c.name = append(c.name, name[i])
			c.set = append(c.set, set[i])
			k++
		}
		c.userStart[u+1] = uint32(len(c.ts))
	}
	return c
}
