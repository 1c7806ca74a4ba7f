package chstore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"microfunnel/funnel"
)

// Drivers computes funnel.Drivers on the server's events. The server picks
// the users who reached step From (by windowFunnel's level, with those it
// cannot count exactly) and sends their step events, with the value ids of
// opt.Props; the engine finds each one's counted chain on them, so each
// user's span (from the chain's step From to its step To, or to the
// window's end from step 1), outcome and step-1 values are the embedded
// store's. The spans go back to the server in a table of the query's own,
// and the server counts, by event name, the users with an event of it in
// their span. The 2x2 statistics are the engine's (funnel.DriverCounts).
func (s *Store) Drivers(ctx context.Context, name string, d *funnel.Definition, opt funnel.DriverOptions) (*funnel.DriverResult, error) {
	if s.table != nil {
		return nil, &UnsupportedError{"drivers on an existing table (--ch-table)", "they count event names by id, which only microfunnel's own tables have"}
	}
	from, to, err := opt.Range(len(d.Steps))
	if err != nil {
		return nil, err
	}
	dd := *d
	dd.By, dd.Attribution, dd.TopN, dd.Micro = "", "", 0, nil
	d = &dd
	src, err := s.prepare(ctx, name, d)
	if err != nil {
		return nil, err
	}
	o := src.own
	keys := make([]string, 0, len(o.keys))
	for k := range o.keys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if err := funnel.CheckKeys(opt.Props, keys); err != nil {
		return nil, err
	}
	c := funnel.DriverCounts{From: from, To: to, Props: opt.Props}
	for _, k := range opt.Props {
		vals, err := s.dict(ctx, o.m, kindKey+k)
		if err != nil {
			return nil, err
		}
		var maxID uint32
		for id := range vals {
			maxID = max(maxID, id)
		}
		pr := &funnel.Property{Values: make([]string, maxID+1)}
		for id, v := range vals {
			pr.Values[id] = v
		}
		c.Values = append(c.Values, pr)
		c.Val = append(c.Val, make([]int64, maxID+1))
		c.ValConv = append(c.ValConv, make([]int64, maxID+1))
	}
	spans, err := s.spans(ctx, src, d, from, to, &c)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: drivers: %w", name, err)
	}
	names, err := s.dict(ctx, o.m, kindEvent)
	if err != nil {
		return nil, err
	}
	stepName := map[string]bool{}
	for _, st := range d.Steps {
		for _, e := range st.Events {
			stepName[e] = true
		}
	}
	index := map[uint32]int{}
	for id, nm := range names {
		index[id] = len(c.Names)
		c.Names = append(c.Names, nm)
		c.Skip = append(c.Skip, stepName[nm])
	}
	c.Did, c.DidConv = make([]int64, len(c.Names)), make([]int64, len(c.Names))
	if len(spans) > 0 {
		err := s.countSpans(ctx, src, d, spans, func(event uint32, users, conv int64) {
			if i, ok := index[event]; ok {
				c.Did[i], c.DidConv[i] = users, conv
			}
		})
		if err != nil {
			return nil, fmt.Errorf("dataset %s: drivers: %w", name, err)
		}
	}
	return c.Result(opt.MinUsers)
}

// span is one compared user's: the times its events count between
// (inclusive), and whether it converted.
type span struct {
	user   uint32
	lo, hi int64
	conv   bool
}

// spans finds the counted chain of every user at level from or further
// with the engine, on their step events from the server, and counts the
// users compared, converted, and by value of c.Props on their chain's
// step-1 event.
func (s *Store) spans(ctx context.Context, src source, d *funnel.Definition, from, to int, c *funnel.DriverCounts) ([]span, error) {
	var extra, sel []string
	for j, k := range c.Props {
		extra = append(extra, src.prop(k)+" AS x"+strconv.Itoa(j))
		sel = append(sel, "x"+strconv.Itoa(j))
	}
	qs := s.funnelQuery(src, d, true, extra...)
	q := "SELECT " + strings.Join(append([]string{"user", "t", "mask"}, sel...), ", ") + " FROM (" + qs.events + ") WHERE mask != 0 AND user IN (SELECT user FROM (" + qs.perUser +
		") WHERE inr AND (wide OR long OR level >= " + strconv.Itoa(from) + ")) ORDER BY user, t"
	var se stepEvents
	vals := make([][]uint32, len(c.Props)) // by prop, event index: value id
	err := s.c.rows(ctx, q, func(f []string) error {
		if len(f) != 3+len(c.Props) {
			return fmt.Errorf("unexpected row %q", f)
		}
		for j := range c.Props {
			id, err := strconv.ParseUint(f[3+j], 10, 32)
			if err != nil {
				return fmt.Errorf("unexpected row %q", f)
			}
			vals[j] = append(vals[j], uint32(id))
		}
		return se.add(f[0], f[1], f[2], "")
	})
	if err != nil {
		return nil, err
	}
	ev, ld := se.events(d)
	scan, err := funnel.NewUserScan(ld, ev)
	if err != nil {
		return nil, err
	}
	window := d.Window.Milliseconds()
	if window == 0 {
		window = funnel.DefaultWindow.Milliseconds()
	}
	var out []span
	ambiguous := 0
	for {
		u, ok := scan.Next()
		if !ok {
			break
		}
		if u.Level < from {
			continue
		}
		uid, err := strconv.ParseUint(se.users[u.User], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("unexpected user %q", se.users[u.User])
		}
		sp := span{user: uint32(uid), lo: ev.Time[u.Chain[from-1]], hi: satAdd(ev.Time[u.Chain[0]], window)}
		c.Entered++
		var conv int64
		if u.Level >= to {
			c.Converted++
			conv = 1
			sp.conv, sp.hi = true, ev.Time[u.Chain[to-1]]
		}
		out = append(out, sp)
		first := u.Chain[0]
		for j := range c.Props {
			v := vals[j][first]
			// Another step-1 event in the same millisecond with another
			// value: which one the chain starts at is the order of the
			// file, which the server does not keep.
			for i := ev.UserStart[u.User]; i < ev.UserStart[u.User+1]; i++ {
				if i != first && ev.Time[i] == ev.Time[first] && slices.Contains(ld.Steps[0].Events, ev.Names[ev.Name[i]]) && vals[j][i] != v {
					ambiguous++
					break
				}
			}
			if v != 0 && int(v) < len(c.Val[j]) {
				c.Val[j][v]++
				c.ValConv[j][v] += conv
			}
		}
	}
	if ambiguous > 0 {
		return nil, &UnsupportedError{"--props", fmt.Sprintf("%d users start their counted chain at one of several step-1 events in one millisecond with different values, and which one is first is the file's order, which the server does not keep", ambiguous)}
	}
	return out, nil
}

// countSpans loads the spans into a table of their own on the server
// (dropped at the end) and counts, by event name, the users with an event
// of it in their span that passes d's filters, and how many of them
// converted.
func (s *Store) countSpans(ctx context.Context, src source, d *funnel.Definition, spans []span, fn func(event uint32, users, conv int64)) error {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	tbl := "microfunnel_spans_" + strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[:])), 10)
	if err := s.c.exec(ctx, "CREATE TABLE "+tbl+" (user UInt32, lo Int64, hi Int64, conv UInt8) ENGINE = Memory"); err != nil {
		return fmt.Errorf("spans table: %w", err)
	}
	defer s.c.exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tbl)
	blk := newNativeBlock(4, len(spans))
	blk.u32("user", func(i int) uint32 { return spans[i].user })
	blk.i64("lo", func(i int) int64 { return spans[i].lo })
	blk.i64("hi", func(i int) int64 { return spans[i].hi })
	blk.u8("conv", func(i int) uint8 { return b2u8(spans[i].conv) })
	if err := s.insertBlocks(ctx, tbl, "user, lo, hi, conv", []*nativeBlock{blk}); err != nil {
		return fmt.Errorf("spans: %w", err)
	}
	var where []string
	for _, f := range d.Where {
		where = append(where, filterSQL(src, f))
	}
	q := "SELECT event, count(), sum(conv) FROM (SELECT user, event, any(conv) AS conv FROM (SELECT user, t, event FROM " + src.from +
		" WHERE " + andSQL(where) + ") ANY INNER JOIN (SELECT user, lo, hi, conv FROM " + tbl + ") USING user WHERE t >= lo AND t <= hi GROUP BY user, event) GROUP BY event"
	return s.c.rows(ctx, q, func(f []string) error {
		id, err1 := strconv.ParseUint(f[0], 10, 32)
		users, err2 := strconv.ParseInt(f[1], 10, 64)
		conv, err3 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || len(f) != 3 {
			return fmt.Errorf("unexpected count row %q", f)
		}
		fn(uint32(id), users, conv)
		return nil
	})
}
