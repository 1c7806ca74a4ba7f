package chstore

import (
	"context"
	"fmt"
	"strconv"

	"microfunnel/funnel"
)

// usersBatch is how many users' step events the engine takes at a time.
const usersBatch = 4096

// EachUser calls fn for each user the funnel counts whose furthest step
// is between lo and hi (1-based, inclusive), in the dataset's order of
// users, with the time of that step in the user's counted chain. The
// server picks the users by windowFunnel's level and sends their step
// events only (time and the steps each matches); the embedded engine finds
// each one's chain on them, so levels and times are the embedded store's.
// A setting Compute refuses is refused here too (prepare).
func (s *Store) EachUser(ctx context.Context, name string, d *funnel.Definition, lo, hi int, fn func(id string, last int64, level int) error) error {
	// A breakdown changes nobody's level (a saved funnel may have one).
	dd := *d
	dd.By, dd.Attribution, dd.TopN = "", "", 0
	d = &dd
	src, err := s.prepare(ctx, name, d)
	if err != nil {
		return err
	}
	// One pass: on microfunnel's own tables the fast pass's events are
	// every considered event, and a user with a time off its base (wide)
	// is sent whatever its level, for the engine to decide; on an
	// existing table the server re-bases every user, and a long user is
	// sent likewise.
	qs := s.funnelQuery(src, d, src.own != nil)
	pick := "inr AND (wide OR long OR (level >= " + strconv.Itoa(lo) + " AND level <= " + strconv.Itoa(hi) + "))"
	q := "SELECT user, t, mask FROM (" + qs.events + ") WHERE mask != 0 AND user IN (SELECT user FROM (" + qs.perUser + ") WHERE " + pick + ")"
	if o := src.own; o != nil {
		q = "SELECT id, t, mask FROM (SELECT user AS uid, t, mask FROM (" + q + ")) ANY LEFT JOIN (SELECT uid, user AS id FROM " + usersTable + " WHERE " + o.m.visible() + ") USING uid ORDER BY uid, t"
	} else {
		q += " ORDER BY user, t"
	}
	var se stepEvents
	flush := func() error {
		if len(se.users) == 0 {
			return nil
		}
		ev, ld := se.events(d)
		scan, err := funnel.NewUserScan(ld, ev)
		if err != nil {
			return err
		}
		for {
			u, ok := scan.Next()
			if !ok {
				break
			}
			if u.Level >= lo && u.Level <= hi {
				if err := fn(se.users[u.User], u.Last, u.Level); err != nil {
					return err
				}
			}
		}
		se = stepEvents{}
		return nil
	}
	err = s.c.rows(ctx, q, func(f []string) error {
		if len(f) != 3 {
			return fmt.Errorf("unexpected row %q", f)
		}
		if len(se.users) >= usersBatch && se.users[len(se.users)-1] != f[0] {
			if err := flush(); err != nil {
				return err
			}
		}
		return se.add(f[0], f[1], f[2], "")
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("dataset %s: users: %w", name, err)
	}
	return nil
}
