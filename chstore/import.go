package chstore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"microfunnel/funnel"
	"microfunnel/store"
)

// blockRows is the number of events in one Native block of the insert.
const blockRows = 1 << 20

// Import reads one export with the embedded store's parser (every format,
// vendor shape, stitching and de-duplication it has, within the file),
// gives its users, event names and property values the dataset's ids
// (adding what is new to the dictionaries), and sends the events in one
// INSERT in ClickHouse's Native format, sorted as the table is. The rows
// count only once the ledger row of the import is written, last: an
// interrupted import leaves nothing visible (and the next import of the
// dataset removes what it left). Content already in the ledger is refused
// with store.ErrAlreadyLoaded unless o.Force.
func (s *Store) Import(ctx context.Context, name, src string, r io.Reader, o store.ImportOptions) (store.InsertStats, error) {
	t0 := time.Now()
	if s.table != nil {
		return store.InsertStats{}, ErrReadOnly
	}
	p, err := store.Parse(ctx, name, src, r, o)
	if err != nil {
		return store.InsertStats{}, err
	}
	stats := p.Stats
	if err := s.ensureTables(ctx); err != nil {
		return stats, err
	}
	all, _, err := s.ledger(ctx)
	if err != nil {
		return stats, fmt.Errorf("import %s: %w", src, err)
	}
	m := all[name]
	ds := datasetID(name)
	for other, om := range all {
		if other != name && om.ds == ds {
			return stats, fmt.Errorf("import %s: dataset names %q and %q have the same id on ClickHouse; choose another name", src, name, other)
		}
	}
	if m != nil && !o.Force {
		seen, err := s.ledgerHas(ctx, m, p.Hash)
		if err != nil {
			return stats, fmt.Errorf("import %s: %w", src, err)
		}
		if seen {
			return stats, fmt.Errorf("import %s into %s: %w", src, name, store.ErrAlreadyLoaded)
		}
	}
	if m == nil {
		m = &meta{name: name, ds: ds}
	}
	if err := s.dropInvisible(ctx, m); err != nil {
		return stats, fmt.Errorf("import %s: %w", src, err)
	}
	imp, err := newImportID(m)
	if err != nil {
		return stats, fmt.Errorf("import %s: %w", src, err)
	}
	dicts := map[string]map[uint32]string{}
	if p.DedupKey != "" && len(m.imps) > 0 {
		if p, err = s.dedup(ctx, m, p, dicts); err != nil {
			return stats, fmt.Errorf("import %s: %w", src, err)
		}
		stats.Events, stats.Users, stats.Duplicates = p.Stats.Events, p.Stats.Users, p.Stats.Duplicates
	}
	b, err := s.encode(ctx, m, imp, p, dicts)
	if err != nil {
		return stats, fmt.Errorf("import %s: %w", src, err)
	}
	if err := s.ensureSlots(ctx, b.maxSlot); err != nil {
		return stats, fmt.Errorf("import %s: %w", src, err)
	}
	if err := s.write(ctx, b); err != nil {
		return stats, fmt.Errorf("import %s into %s: %w (nothing of it is visible)", src, s.cfg, err)
	}
	if beforeLedger != nil {
		beforeLedger()
	}
	// The ids were given against the imports read at the start: another
	// import of the dataset that finished since may have given the same
	// ids to other users or values, so this one stays invisible.
	now, _, err := s.ledger(ctx)
	if err != nil {
		return stats, fmt.Errorf("import %s: %w (nothing of it is visible)", src, err)
	}
	if cur := now[name]; cur != nil && !slices.Equal(cur.imps, m.imps) {
		return stats, fmt.Errorf("import %s: another import into %s finished while this one ran; nothing of this one is visible: import it again", src, name)
	}
	led := "INSERT INTO " + importsTable + " (dataset, ds, imp, sha256, source, events, users, first, last, wide, at) VALUES (" +
		quote(name) + ", " + u32s(m.ds) + ", " + u32s(imp) + ", " + quote(p.Hash) + ", " + quote(filepath.Base(src)) + ", " +
		strconv.Itoa(b.events) + ", " + strconv.Itoa(len(b.newUsers)) + ", " + strconv.FormatInt(b.first, 10) + ", " +
		strconv.FormatInt(b.last, 10) + ", " + strconv.FormatInt(b.wide, 10) + ", now())"
	if err := s.c.exec(ctx, led); err != nil {
		return stats, fmt.Errorf("import %s: ledger: %w (nothing of it is visible)", src, err)
	}
	delete(s.metas, name)
	stats.Duration = time.Since(t0)
	return stats, nil
}

// beforeLedger, when set (tests), runs before an import checks the ledger
// and writes its row.
var beforeLedger func()

func u32s(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// newImportID is a random id not among the dataset's imports.
func newImportID(m *meta) (uint32, error) {
	for {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return 0, fmt.Errorf("import id: %w", err)
		}
		if id := binary.LittleEndian.Uint32(b[:]); id != 0 && !slices.Contains(m.imps, id) {
			return id, nil
		}
	}
}

func (s *Store) ledgerHas(ctx context.Context, m *meta, sum string) (bool, error) {
	seen := false
	err := s.c.rows(ctx, "SELECT count() FROM "+importsTable+" WHERE ds = "+u32s(m.ds)+" AND sha256 = "+quote(sum), func(f []string) error {
		seen = f[0] != "0"
		return nil
	})
	return seen, err
}

// dropInvisible deletes what interrupted imports of a dataset left.
func (s *Store) dropInvisible(ctx context.Context, m *meta) error {
	orphan := "ds = " + u32s(m.ds)
	if len(m.imps) > 0 {
		orphan = "ds = " + u32s(m.ds) + " AND NOT (" + m.visible() + ")"
	}
	for _, t := range dataTables {
		var n int64
		err := s.c.rows(ctx, "SELECT count() FROM "+t+" WHERE "+orphan, func(f []string) error {
			n, _ = strconv.ParseInt(f[0], 10, 64)
			return nil
		})
		if err != nil {
			return err
		}
		if n > 0 {
			if err := s.c.exec(ctx, "ALTER TABLE "+t+" DELETE WHERE "+orphan); err != nil {
				return err
			}
		}
	}
	return nil
}

// batch is one import encoded for the server.
type batch struct {
	ds, imp   uint32
	ev        *funnel.Events
	order     []uint32 // the parsed users in the table's order (by uid)
	uid       []uint32 // by parsed user
	base      []int64  // by parsed user: the time rt counts from
	name      []uint32 // dataset id of each parsed event name
	keys      []string // the file's keys, with their slots and value ids
	slot      []uint32
	value     [][]uint32 // by key: dataset id of each parsed value id
	maxSlot   uint32
	newUsers  []uint32 // parsed users new to the dataset
	newNames  []uint32 // parsed name ids new to the dataset
	newValues [][]uint32
	users     []string
	number    []bool
	keyEvents []int64
	events    int
	first     int64
	last      int64
	wide      int64
}

// encode gives the parsed users, names and values the dataset's ids: the
// existing ones for what the dataset has, new ones after them for the rest.
func (s *Store) encode(ctx context.Context, m *meta, imp uint32, p *store.Parsed, dicts map[string]map[uint32]string) (*batch, error) {
	ev := p.Events
	b := &batch{ds: m.ds, imp: imp, ev: ev, users: p.Users, events: ev.Len(), first: math.MaxInt64, last: math.MinInt64}
	existing := len(m.imps) > 0
	// Users.
	type known struct {
		uid  uint32
		base int64
	}
	old := map[string]known{}
	var next uint32
	if existing {
		err := s.c.rows(ctx, "SELECT uid, user, base FROM "+usersTable+" WHERE "+m.visible(), func(f []string) error {
			uid, err1 := strconv.ParseUint(f[0], 10, 32)
			base, err2 := strconv.ParseInt(f[2], 10, 64)
			if err1 != nil || err2 != nil || len(f) != 3 {
				return fmt.Errorf("unexpected user row %q", f)
			}
			old[f[1]] = known{uint32(uid), base}
			next = max(next, uint32(uid)+1)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("users of %s: %w", m.name, err)
		}
	}
	n := ev.NumUsers()
	b.uid, b.base = make([]uint32, n), make([]int64, n)
	sorted := true
	for u := 0; u < n; u++ {
		if k, ok := old[p.Users[u]]; ok {
			b.uid[u], b.base[u] = k.uid, k.base
		} else {
			b.uid[u], b.base[u] = next, ev.Time[ev.UserStart[u]]
			next++
			b.newUsers = append(b.newUsers, uint32(u))
		}
		if u > 0 && b.uid[u] < b.uid[u-1] {
			sorted = false
		}
	}
	b.order = make([]uint32, n)
	for u := range b.order {
		b.order[u] = uint32(u)
	}
	if !sorted {
		slices.SortFunc(b.order, func(x, y uint32) int { return int(b.uid[x]) - int(b.uid[y]) })
	}
	// Event names.
	names := map[string]uint32{}
	if existing {
		d, err := s.dict(ctx, m, kindEvent)
		if err != nil {
			return nil, err
		}
		for id, v := range d {
			names[v] = id
		}
	}
	b.name = make([]uint32, len(ev.Names))
	nextName := uint32(len(names) + 1)
	for i, v := range ev.Names {
		if id, ok := names[v]; ok {
			b.name[i] = id
			continue
		}
		b.name[i] = nextName
		nextName++
		b.newNames = append(b.newNames, uint32(i))
	}
	// Keys and their values.
	var infos map[string]keyInfo
	if existing {
		var err error
		if infos, err = s.keyInfos(ctx, m); err != nil {
			return nil, err
		}
	}
	for _, k := range infos {
		b.maxSlot = max(b.maxSlot, k.slot)
	}
	b.keys = ev.Keys
	for _, key := range ev.Keys {
		prop := ev.Props[key]
		info, ok := infos[key]
		vals := map[string]uint32{}
		if ok {
			d, err := s.cachedDict(ctx, m, kindKey+key, dicts)
			if err != nil {
				return nil, err
			}
			for id, v := range d {
				vals[v] = id
			}
		} else {
			b.maxSlot++
			info.slot = b.maxSlot
		}
		ids := make([]uint32, len(prop.Values))
		var fresh []uint32
		nextVal := uint32(len(vals) + 1)
		for i, v := range prop.Values[1:] {
			if id, ok := vals[v]; ok {
				ids[i+1] = id
				continue
			}
			ids[i+1] = nextVal
			nextVal++
			fresh = append(fresh, uint32(i+1))
		}
		b.slot = append(b.slot, info.slot)
		b.value = append(b.value, ids)
		b.newValues = append(b.newValues, fresh)
		b.number = append(b.number, prop.Number)
		b.keyEvents = append(b.keyEvents, p.PropEvents[key])
	}
	if b.maxSlot > maxSlots {
		return nil, fmt.Errorf("dataset %s would have %d property keys; on ClickHouse a dataset has at most %d (each is a column): import it into the embedded store (--db FILE), or leave keys out of the file", m.name, b.maxSlot, maxSlots)
	}
	return b, nil
}

// write sends the batch: the dictionaries, users and keys, then the events,
// each as one INSERT.
func (s *Store) write(ctx context.Context, b *batch) error {
	ev := b.ev
	ds, imp := b.ds, b.imp
	// Dictionaries: event names, then each key's new values.
	type entry struct {
		kind  string
		id    uint32
		value string
	}
	var dict []entry
	for _, i := range b.newNames {
		dict = append(dict, entry{kindEvent, b.name[i], ev.Names[i]})
	}
	for k, key := range b.keys {
		vals := ev.Props[key].Values
		for _, i := range b.newValues[k] {
			dict = append(dict, entry{kindKey + key, b.value[k][i], vals[i]})
		}
	}
	blk := newNativeBlock(5, len(dict))
	blk.u32("ds", func(int) uint32 { return ds })
	blk.u32("imp", func(int) uint32 { return imp })
	blk.str("kind", func(i int) string { return dict[i].kind })
	blk.u32("id", func(i int) uint32 { return dict[i].id })
	blk.str("value", func(i int) string { return dict[i].value })
	if err := s.insertBlocks(ctx, dictTable, "ds, imp, kind, id, value", []*nativeBlock{blk}); err != nil {
		return fmt.Errorf("dictionaries: %w", err)
	}
	nu := b.newUsers
	blk = newNativeBlock(5, len(nu))
	blk.u32("ds", func(int) uint32 { return ds })
	blk.u32("imp", func(int) uint32 { return imp })
	blk.u32("uid", func(i int) uint32 { return b.uid[nu[i]] })
	blk.str("user", func(i int) string { return b.users[nu[i]] })
	blk.i64("base", func(i int) int64 { return b.base[nu[i]] })
	if err := s.insertBlocks(ctx, usersTable, "ds, imp, uid, user, base", []*nativeBlock{blk}); err != nil {
		return fmt.Errorf("users: %w", err)
	}
	blk = newNativeBlock(6, len(b.keys))
	blk.u32("ds", func(int) uint32 { return ds })
	blk.u32("imp", func(int) uint32 { return imp })
	blk.str("key", func(i int) string { return b.keys[i] })
	blk.u32("slot", func(i int) uint32 { return b.slot[i] })
	blk.u64("events", func(i int) uint64 { return uint64(b.keyEvents[i]) })
	blk.u8("number", func(i int) uint8 { return b2u8(b.number[i]) })
	if err := s.insertBlocks(ctx, keysTable, "ds, imp, key, slot, events, number", []*nativeBlock{blk}); err != nil {
		return fmt.Errorf("property keys: %w", err)
	}
	return s.writeEvents(ctx, b)
}

func b2u8(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

// writeEvents streams the events in the table's order (uid, then time), a
// Native block per blockRows events, in one INSERT. Each event's rt is its
// time from its user's base when that fits windowFunnel's times (below
// 2^31 ms), else w is set; tie marks an event that shares its millisecond
// with another event of its user.
func (s *Store) writeEvents(ctx context.Context, b *batch) error {
	ev := b.ev
	n := ev.Len()
	// The events in table order, as indices into the parsed columns.
	order := make([]uint32, 0, n)
	for _, u := range b.order {
		for i := ev.UserStart[u]; i < ev.UserStart[u+1]; i++ {
			order = append(order, i)
		}
	}
	user := make([]uint32, n) // parsed user of each parsed event
	for u := 0; u < ev.NumUsers(); u++ {
		for i := ev.UserStart[u]; i < ev.UserStart[u+1]; i++ {
			user[i] = uint32(u)
		}
	}
	rt := make([]uint32, n)
	w := make([]uint8, n)
	tie := make([]uint8, n)
	for i, t := range ev.Time {
		u := user[i]
		b.first, b.last = min(b.first, t), max(b.last, t)
		if d := t - b.base[u]; d >= 0 && d <= math.MaxInt32 {
			rt[i] = uint32(d)
		} else {
			w[i] = 1
			b.wide++
		}
		if i > 0 && user[i-1] == u && ev.Time[i-1] == t {
			tie[i], tie[i-1] = 1, 1
		}
	}
	cols := "ds, imp, user, t, rt, w, tie, event"
	for _, slot := range b.slot {
		cols += ", " + slotCol(slot)
	}
	// Blocks of at most blockRows events and about 64 MiB.
	per := min(blockRows, max(1, (64<<20)/(26+4*len(b.keys))))
	pr, pw := io.Pipe()
	go func() {
		var err error
		for lo := 0; lo < n && err == nil; lo += per {
			rows := order[lo:min(n, lo+per)]
			blk := newNativeBlock(8+len(b.keys), len(rows))
			blk.u32("ds", func(int) uint32 { return b.ds })
			blk.u32("imp", func(int) uint32 { return b.imp })
			blk.u32("user", func(i int) uint32 { return b.uid[user[rows[i]]] })
			blk.i64("t", func(i int) int64 { return ev.Time[rows[i]] })
			blk.u32("rt", func(i int) uint32 { return rt[rows[i]] })
			blk.u8("w", func(i int) uint8 { return w[rows[i]] })
			blk.u8("tie", func(i int) uint8 { return tie[rows[i]] })
			blk.u32("event", func(i int) uint32 { return b.name[ev.Name[rows[i]]] })
			for k, key := range b.keys {
				of, ids := ev.Props[key].Of, b.value[k]
				blk.u32(slotCol(b.slot[k]), func(i int) uint32 { return ids[of[rows[i]]] })
			}
			err = blk.writeTo(pw)
		}
		pw.CloseWithError(err)
	}()
	err := s.insertStream(ctx, eventsTable, cols, pr)
	pr.CloseWithError(errors.New("insert ended"))
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	return nil
}

// insertBlocks sends blocks in one INSERT (nothing for empty blocks).
func (s *Store) insertBlocks(ctx context.Context, table, cols string, blks []*nativeBlock) error {
	pr, pw := io.Pipe()
	rows := 0
	for _, blk := range blks {
		rows += blk.rows
	}
	if rows == 0 {
		return nil
	}
	go func() {
		var err error
		for _, blk := range blks {
			if err = blk.writeTo(pw); err != nil {
				break
			}
		}
		pw.CloseWithError(err)
	}()
	defer pr.Close()
	return s.insertStream(ctx, table, cols, pr)
}

func (s *Store) insertStream(ctx context.Context, table, cols string, r io.Reader) error {
	rc, err := s.c.do(ctx, "INSERT INTO "+table+" ("+cols+") FORMAT Native", r, false)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, rc)
	rc.Close()
	return err
}

// cachedDict is s.dict, read once per import.
func (s *Store) cachedDict(ctx context.Context, m *meta, kind string, dicts map[string]map[uint32]string) (map[uint32]string, error) {
	if d, ok := dicts[kind]; ok {
		return d, nil
	}
	d, err := s.dict(ctx, m, kind)
	if err == nil {
		dicts[kind] = d
	}
	return d, err
}

// dedup drops the events whose de-duplication id (p.DedupKey) the dataset
// already has, as the embedded store does on an append: the event imported
// first is kept. Within the file, store.Parse has already done it.
func (s *Store) dedup(ctx context.Context, m *meta, p *store.Parsed, dicts map[string]map[uint32]string) (*store.Parsed, error) {
	ev := p.Events
	prop := ev.Props[p.DedupKey]
	if prop == nil {
		return p, nil
	}
	old, err := s.cachedDict(ctx, m, kindKey+p.DedupKey, dicts)
	if err != nil || len(old) == 0 {
		return p, err
	}
	seen := make(map[string]struct{}, len(old))
	for _, v := range old {
		seen[v] = struct{}{}
	}
	dup := make([]bool, len(prop.Values))
	found := false
	for id, v := range prop.Values {
		if _, ok := seen[v]; ok && id != 0 {
			dup[id], found = true, true
		}
	}
	if !found {
		return p, nil
	}
	keep := func(i uint32) bool { return !dup[prop.Of[i]] }
	q := *p
	q.Events, q.Users = keepEvents(ev, p.Users, keep)
	dropped := int64(ev.Len() - q.Events.Len())
	q.Stats.Duplicates += dropped
	q.Stats.Events -= dropped
	q.Stats.Users = int64(len(q.Users))
	q.PropEvents = make(map[string]int64, len(p.PropEvents))
	for k, prop := range q.Events.Props {
		var n int64
		for _, v := range prop.Of {
			if v != 0 {
				n++
			}
		}
		q.PropEvents[k] = n
	}
	return &q, nil
}

// keepEvents is ev without the events keep refuses, and without the users
// left with none (the dictionaries stay as they are).
func keepEvents(ev *funnel.Events, users []string, keep func(i uint32) bool) (*funnel.Events, []string) {
	out := &funnel.Events{Names: ev.Names, Keys: ev.Keys, Props: make(map[string]*funnel.Property, len(ev.Props)), UserStart: []uint32{0}}
	var outUsers []string
	var idx []uint32
	for u := 0; u < ev.NumUsers(); u++ {
		n := len(idx)
		for i := ev.UserStart[u]; i < ev.UserStart[u+1]; i++ {
			if keep(i) {
				idx = append(idx, i)
			}
		}
		if len(idx) > n {
			outUsers = append(outUsers, users[u])
			out.UserStart = append(out.UserStart, uint32(len(idx)))
		}
	}
	out.Time = make([]int64, len(idx))
	out.Name = make([]uint32, len(idx))
	for j, i := range idx {
		out.Time[j], out.Name[j] = ev.Time[i], ev.Name[i]
	}
	for k, prop := range ev.Props {
		of := make([]uint32, len(idx))
		for j, i := range idx {
			of[j] = prop.Of[i]
		}
		out.Props[k] = &funnel.Property{Values: prop.Values, Of: of, Number: prop.Number}
	}
	return out, outUsers
}
