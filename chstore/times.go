package chstore

import (
	"context"
	"fmt"

	"microfunnel/funnel"
)

// Times fills in the times between steps of res, a Result Compute gave for
// d: the server sends the step events of the users who entered (their
// time, the steps each matches and the breakdown value, nothing else), and
// the embedded engine computes the funnel on them, so the times are the
// embedded store's. The engine's counts must equal the server's, step by
// step and segment by segment; they are checked.
func (s *Store) Times(ctx context.Context, name string, d *funnel.Definition, res *funnel.Result) error {
	if d.Segment != nil {
		seg, err := s.segment(ctx, name, d, true)
		if err == nil {
			*res = *seg
		}
		return err
	}
	src, err := s.prepare(ctx, name, d)
	if err != nil {
		return err
	}
	var se stepEvents
	for _, fast := range src.passes() {
		qs := s.funnelQuery(src, d, fast)
		// The fast pass's users with a w event are in the other pass.
		q := "SELECT user, t, mask, v FROM (" + qs.events + ") WHERE mask != 0 AND user IN (SELECT user FROM (" + qs.perUser + ") WHERE inr AND NOT wide AND (level >= 1 OR long))"
		if o := src.own; o != nil && d.By != "" {
			q = "SELECT user, t, mask, value FROM (" + q + ") ANY LEFT JOIN (SELECT id AS v, value FROM " + dictTable + " WHERE " + o.m.visible() + " AND kind = " + quote(kindKey+d.By) + ") USING v"
		}
		err := s.c.rows(ctx, q+" ORDER BY user, t", func(f []string) error {
			if len(f) != 4 {
				return fmt.Errorf("unexpected row %q", f)
			}
			return se.add(f[0], f[1], f[2], f[3])
		})
		if err != nil {
			return fmt.Errorf("dataset %s: times: %w", name, err)
		}
	}
	ev, ld := se.events(d)
	ld.TopN = d.TopN
	got, err := funnel.Compute(ld, ev)
	if err != nil {
		return fmt.Errorf("dataset %s: times: %w", name, err)
	}
	copyTimes := func(dst, src []funnel.StepResult, what string) error {
		if len(dst) != len(src) {
			return fmt.Errorf("dataset %s: times: %s has %d steps on the server, %d in the engine", name, what, len(dst), len(src))
		}
		for k := range dst {
			if dst[k].Users != src[k].Users {
				return fmt.Errorf("dataset %s: times: %s step %d: the server counts %d users, the engine %d on the same step events", name, what, k+1, dst[k].Users, src[k].Users)
			}
			dst[k].MedianMs, dst[k].P90Ms, dst[k].TimeHistogram = src[k].MedianMs, src[k].P90Ms, src[k].TimeHistogram
		}
		return nil
	}
	if err := copyTimes(res.Steps, got.Steps, "the funnel"); err != nil {
		return err
	}
	if res.Breakdown == nil {
		return nil
	}
	segs := map[string][]funnel.StepResult{}
	if got.Breakdown != nil {
		for _, seg := range got.Breakdown.Segments {
			segs[seg.Value] = seg.Steps
		}
	}
	for i := range res.Breakdown.Segments {
		seg := &res.Breakdown.Segments[i]
		if err := copyTimes(seg.Steps, segs[seg.Value], "segment "+seg.Value); err != nil {
			return err
		}
	}
	return nil
}
