package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SQLFunnel computes a sequential funnel the way a SQL user would, for the
// benchmark's comparison. The store keeps no table of event rows, so it
// first does what such a user does with an export: it loads the events
// into a table (user, event, ts) — a temporary one, on one connection — and
// adds an index on (user, event, ts). Then it takes each user's first
// step-1 event and, step by step, the first matching event no earlier than
// the previous step and within the window of step 1. (This common
// first-touch query can count a little fewer users than windowFunnel
// semantics, which let any step-1 event start an attempt.) It returns the
// time to load the rows and build the index, the query's time, and the
// users at each step.
func (s *Store) SQLFunnel(ctx context.Context, dataset string, steps []string, window time.Duration) (load, query time.Duration, counts []int64, err error) {
	ev, err := s.Load(ctx, dataset)
	if err != nil {
		return 0, 0, nil, err
	}
	ids := make([]any, len(steps))
	for i, name := range steps {
		j := slices.Index(ev.Names, name)
		if j < 0 {
			return 0, 0, nil, fmt.Errorf("event %q: %w", name, ErrNotFound)
		}
		ids[i] = int64(j)
	}
	c, err := s.db.Conn(ctx)
	if err != nil {
		return 0, 0, nil, translate(err)
	}
	defer c.Close()
	defer c.ExecContext(context.Background(), `DROP TABLE IF EXISTS temp.peer_events`)
	t0 := time.Now()
	if _, err := c.ExecContext(ctx, `CREATE TEMP TABLE peer_events (user INTEGER NOT NULL, event INTEGER NOT NULL, ts INTEGER NOT NULL)`); err != nil {
		return 0, 0, nil, fmt.Errorf("create table: %w", translate(err))
	}
	if _, err := c.ExecContext(ctx, `BEGIN`); err != nil {
		return 0, 0, nil, translate(err)
	}
	const perInsert = 300
	full := `INSERT INTO peer_events VALUES ` + strings.TrimSuffix(strings.Repeat("(?,?,?),", perInsert), ",")
	args := make([]any, 0, 3*perInsert)
	flush := func(stmt string) error {
		_, err := c.ExecContext(ctx, stmt, args...)
		args = args[:0]
		return err
	}
	for u := 0; u < ev.NumUsers(); u++ {
		for i := ev.UserStart[u]; i < ev.UserStart[u+1]; i++ {
			args = append(args, int64(u), int64(ev.Name[i]), ev.Time[i])
			if len(args) == cap(args) {
				if err := flush(full); err != nil {
					c.ExecContext(context.Background(), `ROLLBACK`)
					return 0, 0, nil, fmt.Errorf("load rows: %w", translate(err))
				}
			}
		}
	}
	if len(args) > 0 {
		if err := flush(`INSERT INTO peer_events VALUES ` + strings.TrimSuffix(strings.Repeat("(?,?,?),", len(args)/3), ",")); err != nil {
			c.ExecContext(context.Background(), `ROLLBACK`)
			return 0, 0, nil, fmt.Errorf("load rows: %w", translate(err))
		}
	}
	if _, err := c.ExecContext(ctx, `COMMIT`); err != nil {
		return 0, 0, nil, translate(err)
	}
	if _, err := c.ExecContext(ctx, `CREATE INDEX temp.peer_user_event_ts ON peer_events (user, event, ts)`); err != nil {
		return 0, 0, nil, fmt.Errorf("create index: %w", translate(err))
	}
	load = time.Since(t0)

	var q strings.Builder
	qargs := []any{ids[0]}
	q.WriteString("WITH s1 AS (SELECT user, min(ts) AS t1, min(ts) AS t FROM peer_events WHERE event = ? GROUP BY user)")
	for k := 2; k <= len(steps); k++ {
		fmt.Fprintf(&q, `, s%d AS (SELECT p.user, p.t1, (SELECT min(e.ts) FROM peer_events e
			WHERE e.user = p.user AND e.event = ? AND e.ts >= p.t AND e.ts <= p.t1 + ?) AS t
			FROM s%d p WHERE p.t IS NOT NULL)`, k, k-1)
		qargs = append(qargs, ids[k-1], window.Milliseconds())
	}
	q.WriteString(" SELECT ")
	for k := 1; k <= len(steps); k++ {
		if k > 1 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "(SELECT count(*) FROM s%d WHERE t IS NOT NULL)", k)
	}
	counts = make([]int64, len(steps))
	dst := make([]any, len(steps))
	for i := range counts {
		dst[i] = &counts[i]
	}
	t0 = time.Now()
	if err := c.QueryRowContext(ctx, q.String(), qargs...).Scan(dst...); err != nil {
		return load, 0, nil, fmt.Errorf("funnel query: %w", translate(err))
	}
	return load, time.Since(t0), counts, nil
}
