package chstore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strconv"

	"microfunnel/funnel"
)

// Drivers computes funnel.Drivers on the server's events (event names;
// --props is refused). The server picks the users who reached step From
// (by windowFunnel's level, with those it cannot count exactly) and sends
// their step events; the engine finds each one's counted chain on them, so
// each user's span (from the chain's step From to its step To, or to the
// window's end from step 1) and outcome are the embedded store's. The spans
// go back to the server in a table of the query's own, and the server
// counts, by event name, the users with an event of it in their span. The
// 2x2 statistics are the engine's (funnel.DriverCounts).
func (s *Store) Drivers(ctx context.Context, name string, d *funnel.Definition, opt funnel.DriverOptions) (*funnel.DriverResult, error) {
	if s.table != nil {
		return nil, &UnsupportedError{"drivers on an existing table (--ch-table)", "they count event names by id, which only microfunnel's own tables have"}
	}
	if len(opt.Props) > 0 {
		return nil, &UnsupportedError{"--props", "the value of each user's counted step-1 event is known to the engine only when the events are in memory"}
	}
	n := len(d.Steps)
	from, to := 1, n
	if opt.Step != 0 {
		if opt.Step < 1 || opt.Step >= n {
			return nil, fmt.Errorf("step %d: want 1 to %d (a step with a next step) for this %d-step funnel", opt.Step, n-1, n)
		}
		from, to = opt.Step, opt.Step+1
	}
	dd := *d
	dd.By, dd.Attribution, dd.TopN, dd.Micro = "", "", 0, nil
	d = &dd
	src, err := s.prepare(ctx, name, d)
	if err != nil {
		return nil, err
	}
	spans, entered, converted, err := s.spans(ctx, src, d, from, to)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: drivers: %w", name, err)
	}
	c := funnel.DriverCounts{From: from, To: to, Entered: entered, Converted: converted}
	names, err := s.dict(ctx, src.own.m, kindEvent)
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
// with the engine, on their step events from the server.
func (s *Store) spans(ctx context.Context, src source, d *funnel.Definition, from, to int) ([]span, int64, int64, error) {
	qs := s.funnelQuery(src, d, true)
	q := "SELECT user, t, mask FROM (" + qs.events + ") WHERE mask != 0 AND user IN (SELECT user FROM (" + qs.perUser +
		") WHERE inr AND (wide OR long OR level >= " + strconv.Itoa(from) + ")) ORDER BY user, t"
	var se stepEvents
	err := s.c.rows(ctx, q, func(f []string) error {
		if len(f) != 3 {
			return fmt.Errorf("unexpected row %q", f)
		}
		return se.add(f[0], f[1], f[2], "")
	})
	if err != nil {
		return nil, 0, 0, err
	}
	ev, ld := se.events(d)
	scan, err := funnel.NewUserScan(ld, ev)
	if err != nil {
		return nil, 0, 0, err
	}
	window := d.Window.Milliseconds()
	if window == 0 {
		window = funnel.DefaultWindow.Milliseconds()
	}
	var out []span
	var entered, converted int64
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
			return nil, 0, 0, fmt.Errorf("unexpected user %q", se.users[u.User])
		}
		sp := span{user: uint32(uid), lo: ev.Time[u.Chain[from-1]], hi: satAdd(ev.Time[u.Chain[0]], window)}
		entered++
		if u.Level >= to {
			converted++
			sp.conv, sp.hi = true, ev.Time[u.Chain[to-1]]
		}
		out = append(out, sp)
	}
	return out, entered, converted, nil
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
