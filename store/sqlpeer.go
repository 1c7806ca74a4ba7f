package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// SQLFunnel computes a sequential funnel the way a SQL user would on this
// database, for the benchmark's comparison: it adds an index on (user_id,
// event_id, ts), then takes each user's first step-1 event and, step by
// step, the first matching event no earlier than the previous step and
// within the window of step 1. (This common first-touch query can count a
// little fewer users than windowFunnel semantics, which let any step-1
// event start an attempt.) It returns the index and query times and the
// users at each step.
func (s *Store) SQLFunnel(ctx context.Context, dataset string, steps []string, window time.Duration) (index, query time.Duration, counts []int64, err error) {
	ds, err := s.datasetID(ctx, s.db, dataset)
	if err != nil {
		return 0, 0, nil, err
	}
	ids := make([]int64, len(steps))
	for i, name := range steps {
		if err := s.db.QueryRowContext(ctx, `SELECT id FROM event_names WHERE dataset_id = ? AND name = ?`, ds, name).Scan(&ids[i]); err != nil {
			return 0, 0, nil, fmt.Errorf("event %q: %w", name, err)
		}
	}
	t0 := time.Now()
	if _, err := s.db.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS events_user_event_ts ON events (user_id, event_id, ts)`); err != nil {
		return 0, 0, nil, fmt.Errorf("create index: %w", translate(err))
	}
	index = time.Since(t0)

	var q strings.Builder
	args := []any{ds, ids[0]}
	q.WriteString("WITH s1 AS (SELECT user_id, min(ts) AS t1, min(ts) AS t FROM events WHERE dataset_id = ? AND event_id = ? GROUP BY user_id)")
	for k := 2; k <= len(steps); k++ {
		fmt.Fprintf(&q, `, s%d AS (SELECT p.user_id, p.t1, (SELECT min(e.ts) FROM events e
			WHERE e.user_id = p.user_id AND e.event_id = ? AND e.ts >= p.t AND e.ts <= p.t1 + ?) AS t
			FROM s%d p WHERE p.t IS NOT NULL)`, k, k-1)
		args = append(args, ids[k-1], window.Milliseconds())
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
	if err := s.db.QueryRowContext(ctx, q.String(), args...).Scan(dst...); err != nil {
		return index, 0, nil, fmt.Errorf("funnel query: %w", translate(err))
	}
	return index, time.Since(t0), counts, nil
}
