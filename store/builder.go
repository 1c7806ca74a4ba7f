package store

import (
	"bytes"
	"cmp"
	"fmt"
	"hash/maphash"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// builder gathers a write's events as columns in input order, with every
// string interned once for the whole write. Parsers fill parts of their
// own, on all cores; the builder merges them in input order.
type builder struct {
	users   []string
	userIdx map[userKey]uint32 // by a 128-bit hash of the user id
	names   strDict
	cols    map[string]*bcol
	keys    []string // in order of first appearance

	user []uint32
	ts   []int64
	name []uint32

	links    [][2]string // ids the input says are one person, each pair once
	linked   map[[2]string]bool
	identity int64            // identity calls read
	skipped  map[string]int64 // rows left out, by why
	dedupKey string           // the property holding the vendor's de-duplication id
	noStitch bool             // keep linked ids apart
}

// bcol is one property key being built. of may be shorter than the events:
// the missing tail has no value.
type bcol struct {
	strDict
	of      []uint32
	nonNum  int64  // distinct values that are not numbers
	example string // one of them
}

// strDict interns strings: ids in order of first appearance.
type strDict struct {
	vals []string
	idx  map[string]uint32
}

func newDict(reserveNone bool) strDict {
	d := strDict{idx: map[string]uint32{}}
	if reserveNone {
		d.vals = []string{""}
		d.idx[""] = noValue
	}
	return d
}

// id interns s; a new s is cloned, since it may point into a read buffer.
func (d *strDict) id(s string) (uint32, bool) {
	if i, ok := d.idx[s]; ok {
		return i, false
	}
	s = strings.Clone(s)
	i := uint32(len(d.vals))
	d.vals = append(grow(d.vals, 1), s)
	d.idx[s] = i
	return i, true
}

// userKey is a 128-bit hash of a user id. Exports list events in time
// order, so each lookup lands on a random user: a map keyed by string would
// chase a pointer to compare keys, a second cache miss per row on a million
// users. Two 64-bit seeded hashes make a collision between two of n users
// about n²/2¹²⁹ likely (1e-27 for 10⁶ users), far below a disk's error rate.
type userKey [2]uint64

var userSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func newBuilder() *builder {
	return &builder{userIdx: map[userKey]uint32{}, names: newDict(false), cols: map[string]*bcol{}}
}

func (b *builder) len() int { return len(b.ts) }

func (b *builder) userID(s string) uint32 {
	k := userKey{maphash.String(userSeeds[0], s), maphash.String(userSeeds[1], s)}
	if i, ok := b.userIdx[k]; ok {
		return i
	}
	i := uint32(len(b.users))
	b.users = append(grow(b.users, 1), strings.Clone(s))
	b.userIdx[k] = i
	return i
}

func (b *builder) col(key string) *bcol {
	c := b.cols[key]
	if c == nil {
		c = &bcol{strDict: newDict(true)}
		b.cols[key] = c
		b.keys = append(b.keys, strings.Clone(key))
	}
	return c
}

// value interns a value of c, noting whether it is a number.
func (c *bcol) value(v string) uint32 {
	id, fresh := c.id(v)
	if fresh && !isNumber(v) {
		if c.nonNum == 0 {
			c.example = c.vals[id]
		}
		c.nonNum++
	}
	return id
}

// set gives event i the value id v.
func (c *bcol) set(i int, v uint32) {
	if len(c.of) <= i {
		c.of = slices.Grow(c.of, i+1-len(c.of))[:i+1]
	}
	c.of[i] = v
}

// add appends one record; a key given twice keeps its first value, and an
// empty value is no value.
func (b *builder) add(r *Record) {
	i := b.len()
	b.user = append(b.user, b.userID(r.User))
	id, _ := b.names.id(r.Event)
	b.name = append(b.name, id)
	b.ts = append(b.ts, r.Time)
	for _, p := range r.Props {
		if p.Value == "" {
			continue
		}
		c := b.col(p.Key)
		if len(c.of) > i && c.of[i] != noValue {
			continue
		}
		c.set(i, c.value(p.Value))
	}
}

// part is a run of parsed rows, as a parser hands it to the builder: the
// strings point into the input block (or a copy the part owns), and are
// interned only when merged, so each value is hashed once.
type part struct {
	seq  int
	user []string
	name []string
	ts   []int64
	keys []string   // local key id -> key
	cols [][]string // by local key id: each row's value ("": none); may be shorter than the rows
	bad  []badRow
	// links are ids the rows say are one person: (id, the id it joins),
	// each pair once (every event of a logged-in user repeats its pair)
	links    [][2]string
	linked   map[[2]string]bool
	identity int            // identity calls read (not events)
	skipped  map[string]int // rows left out, by why
	rows     int            // rows read, good and bad
	read     int64          // input bytes read up to the end of the part
	err      error
}

func (p *part) link(t *rowTarget, from, to string) {
	if p.linked == nil {
		p.linked = map[[2]string]bool{}
	}
	if p.linked[[2]string{from, to}] {
		return
	}
	l := [2]string{t.keep(from), t.keep(to)}
	p.linked[l] = true
	p.links = append(p.links, l)
}

func (p *part) skip(why string) {
	if p.skipped == nil {
		p.skipped = map[string]int{}
	}
	p.skipped[why]++
}

// newPart makes a part sized for the block's lines.
func newPart(blk block) *part {
	n := bytes.Count(blk.data, []byte{'\n'}) + 1
	return &part{seq: blk.seq, read: blk.read, user: make([]string, 0, n), name: make([]string, 0, n), ts: make([]int64, 0, n)}
}

type badRow struct {
	BadRow
	raw string
}

// merge appends a part's rows, interning its strings: the user, the event
// and each property column on their own goroutines, since each has its own
// dictionary.
func (b *builder) merge(p *part) {
	base := b.len()
	for _, l := range p.links {
		if b.linked[l] {
			continue
		}
		if b.linked == nil {
			b.linked = map[[2]string]bool{}
		}
		l = [2]string{strings.Clone(l[0]), strings.Clone(l[1])}
		b.linked[l] = true
		b.links = append(b.links, l)
	}
	b.identity += int64(p.identity)
	for why, n := range p.skipped {
		if b.skipped == nil {
			b.skipped = map[string]int64{}
		}
		b.skipped[why] += int64(n)
	}
	tasks := []func(){
		func() {
			b.user = grow(b.user, len(p.user))
			for _, u := range p.user {
				b.user = append(b.user, b.userID(u))
			}
		},
		func() {
			b.name = grow(b.name, len(p.name))
			for _, n := range p.name {
				id, _ := b.names.id(n)
				b.name = append(b.name, id)
			}
			b.ts = append(grow(b.ts, len(p.ts)), p.ts...)
		},
	}
	for k, vals := range p.cols {
		c := b.col(p.keys[k])
		tasks = append(tasks, func() {
			c.of = grow(c.of, base+len(vals)-len(c.of))
			c.of = c.of[:max(len(c.of), base)]
			for _, v := range vals {
				id := uint32(noValue)
				if v != "" {
					id = c.value(v)
				}
				c.of = append(c.of, id)
			}
		})
	}
	runAll(tasks)
}

// grow makes room for n more elements, doubling the capacity when it
// must grow (append grows big slices by a quarter, so slices that grow
// part by part would be copied many times over).
func grow[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	out := make([]T, len(s), max(2*cap(s), len(s)+n, 1024))
	copy(out, s)
	return out
}

// presize sizes the dictionaries for an input of about rows rows, from the
// first part: a column with many distinct values in it will have many in
// all, and a map grown to a million entries one split at a time costs more
// than filling it. The user dictionary grows with the users, so it is left.
func (b *builder) presize(first *part, rows int) {
	if first.rows == 0 || rows <= first.rows {
		return
	}
	for k, vals := range first.cols {
		seen := make(map[string]struct{}, len(vals))
		for _, v := range vals {
			seen[v] = struct{}{}
		}
		share := float64(len(seen)) / float64(len(vals)+1)
		if share < 0.2 {
			continue
		}
		n := int(share * float64(rows))
		c := b.col(first.keys[k])
		c.idx = make(map[string]uint32, n)
		for i, v := range c.vals {
			c.idx[v] = uint32(i)
		}
		c.vals = slices.Grow(c.vals, n)
	}
}

// runAll runs the tasks on every core and waits for them.
func runAll(tasks []func()) {
	n := min(runtime.GOMAXPROCS(0), len(tasks))
	next := make(chan func(), len(tasks))
	for _, t := range tasks {
		next <- t
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				t()
			}
		}()
	}
	wg.Wait()
}

// warnings say which properties look like numbers but are not all numbers.
func (b *builder) warnings() []string {
	var out []string
	for _, k := range b.keys {
		c := b.cols[k]
		if n := int64(len(c.vals) - 1); c.nonNum > 0 && c.nonNum*100 < n {
			out = append(out, fmt.Sprintf("property %s: %d of its %d values are numbers but %q is not, so it is a text property (>, >=, <, <= do not apply to it)",
				k, n-c.nonNum, n, c.example))
		}
	}
	return out
}

// table sorts the events by user, then time (ties keep input order) and
// returns them as a table. It consumes the builder: what it no longer needs
// (the maps, the unsorted columns) is let go as it goes, so the memory of an
// import peaks at one copy of the columns, not two.
func (b *builder) table() *table {
	n := b.len()
	users := len(b.users)
	start := make([]uint32, users+1)
	for _, u := range b.user {
		start[u+1]++
	}
	for u := 0; u < users; u++ {
		start[u+1] += start[u]
	}
	order := make([]uint32, n)
	next := slices.Clone(start[:users])
	for i, u := range b.user {
		order[next[u]] = uint32(i)
		next[u]++
	}
	ts := b.ts
	for u := 0; u < users; u++ {
		mine := order[start[u]:start[u+1]]
		// Exports are mostly in time order already; sort only when not.
		if !slices.IsSortedFunc(mine, func(x, y uint32) int { return cmp.Compare(ts[x], ts[y]) }) {
			slices.SortStableFunc(mine, func(x, y uint32) int { return cmp.Compare(ts[x], ts[y]) })
		}
	}
	t := &table{userStart: start, users: b.users, names: b.names.vals, cols: map[string]*column{}}
	b.userIdx, b.names.idx, b.user = nil, nil, nil
	t.ts = gather(b.ts, order)
	b.ts = nil
	t.name = gather(b.name, order)
	b.name = nil
	for _, k := range b.keys {
		c := b.cols[k]
		c.idx = nil
		of := make([]uint32, n)
		col := &column{values: c.vals, number: c.nonNum == 0}
		for i, j := range order {
			if int(j) < len(c.of) {
				if v := c.of[j]; v != noValue {
					of[i] = v
					col.events++
				}
			}
		}
		col.of = of
		t.cols[k] = col
		c.of = nil
	}
	return t
}

func gather[T any](src []T, order []uint32) []T {
	out := make([]T, len(order))
	for i, j := range order {
		out[i] = src[j]
	}
	return out
}

// isNumber reports whether a value is a plain decimal number: an optional
// sign, digits with an optional fraction, an optional exponent ("42",
// "-3.5", "1e6"), as exports write prices and counts. Hex, "inf", "nan",
// and digits with spaces or thousands separators are text.
func isNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// appendTable returns old's events followed, user by user, by t's: t's
// users, names and values are renumbered into old's (which only grow, so
// old's ids stay), and at equal times old events come first.
func appendTable(old, t *table) *table {
	if old == nil {
		return t
	}
	uidx := make(map[string]uint32, len(old.users))
	for i, u := range old.users {
		uidx[u] = uint32(i)
	}
	users := slices.Clone(old.users)
	umap := make([]uint32, len(t.users))
	for i, u := range t.users {
		j, ok := uidx[u]
		if !ok {
			j = uint32(len(users))
			users = append(users, u)
			uidx[u] = j
		}
		umap[i] = j
	}
	names := newDict(false)
	for _, n := range old.names {
		names.id(n)
	}
	nmap := make([]uint32, len(t.names))
	for i, n := range t.names {
		nmap[i], _ = names.id(n)
	}
	type colMap struct {
		old, new *column
		vmap     []uint32
		out      *column
	}
	byKey := map[string]*colMap{}
	for k, c := range old.cols {
		byKey[k] = &colMap{old: c}
	}
	for k, c := range t.cols {
		if byKey[k] == nil {
			byKey[k] = &colMap{}
		}
		byKey[k].new = c
	}
	keys := make([]*colMap, 0, len(byKey))
	for _, cm := range byKey {
		keys = append(keys, cm)
	}
	for _, cm := range keys {
		d := newDict(true)
		number := true
		if cm.old != nil {
			for _, v := range cm.old.values[1:] {
				d.id(v)
			}
			number = cm.old.number
		}
		if cm.new != nil {
			cm.vmap = make([]uint32, len(cm.new.values))
			for i, v := range cm.new.values[1:] {
				cm.vmap[i+1], _ = d.id(v)
			}
			number = number && cm.new.number
		}
		cm.out = &column{values: d.vals, number: number}
	}
	// Per output user: old events then new ones, merged by time.
	newByUser := make([][2]uint32, len(users)) // range in t of each output user
	for u := 0; u < t.numUsers(); u++ {
		newByUser[umap[u]] = [2]uint32{t.userStart[u], t.userStart[u+1]}
	}
	n := old.len() + t.len()
	out := &table{userStart: make([]uint32, len(users)+1), users: users, names: names.vals, cols: map[string]*column{},
		ts: make([]int64, 0, n), name: make([]uint32, 0, n)}
	for _, cm := range keys {
		cm.out.of = make([]uint32, 0, n)
	}
	for u := range users {
		var a, aEnd uint32
		if u < old.numUsers() {
			a, aEnd = old.userStart[u], old.userStart[u+1]
		}
		b, bEnd := newByUser[u][0], newByUser[u][1]
		for a < aEnd || b < bEnd {
			if b == bEnd || (a < aEnd && old.ts[a] <= t.ts[b]) {
				out.ts = append(out.ts, old.ts[a])
				out.name = append(out.name, old.name[a])
				for _, cm := range keys {
					v := uint32(noValue)
					if cm.old != nil {
						v = cm.old.of[a]
					}
					cm.out.of = append(cm.out.of, v)
				}
				a++
				continue
			}
			out.ts = append(out.ts, t.ts[b])
			out.name = append(out.name, nmap[t.name[b]])
			for _, cm := range keys {
				v := uint32(noValue)
				if cm.new != nil {
					v = cm.vmap[cm.new.of[b]]
				}
				cm.out.of = append(cm.out.of, v)
			}
			b++
		}
		out.userStart[u+1] = uint32(len(out.ts))
	}
	for k, cm := range byKey {
		for _, v := range cm.out.of {
			if v != noValue {
				cm.out.events++
			}
		}
		out.cols[k] = cm.out
	}
	return out
}
