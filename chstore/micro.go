package chstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"microfunnel/funnel"
)

// Micro computes funnel.Micro on the server's events: of the users
// considered (an event in the date range after the global filters), how
// many did each micro conversion in the range and how many reached the
// funnel's last step. The server reads both for the users windowFunnel
// counts exactly; the others' levels come from the engine on their step
// events, as in Compute.
func (s *Store) Micro(ctx context.Context, name string, d *funnel.Definition) ([]funnel.MicroResult, error) {
	if s.table != nil {
		return nil, &UnsupportedError{"micro conversions on an existing table (--ch-table)", "they are computed on microfunnel's own tables"}
	}
	dd := *d
	dd.Count, dd.By, dd.Attribution, dd.TopN, dd.Segment = funnel.Users, "", "", 0, nil
	d = &dd
	n, k := len(d.Steps), len(d.Micro)
	did, didMacro := make([]int64, k), make([]int64, k)
	if k == 0 {
		return funnel.MicroFromCounts(d, 0, 0, did, didMacro), nil
	}
	src, err := s.prepare(ctx, name, d)
	if err != nil {
		return nil, err
	}
	var extra, maxes, bits []string
	for j, m := range d.Micro {
		c := "mc" + strconv.Itoa(j)
		extra = append(extra, "("+stepSQL(src, m)+") AND ir AS "+c)
		maxes = append(maxes, "max("+c+") AS d"+strconv.Itoa(j))
		bits = append(bits, "d"+strconv.Itoa(j))
	}
	qs := s.funnelQuery(src, d, true, extra...)
	per := "SELECT user, level, wide, long, inr, " + strings.Join(bits, ", ") + " FROM (" + qs.perUser + ") ANY INNER JOIN (SELECT user, " +
		strings.Join(maxes, ", ") + " FROM (" + qs.events + ") GROUP BY user) USING user"
	var users, macro int64
	add := func(f []string, isMacro bool, c int64) {
		users += c
		if isMacro {
			macro += c
		}
		for j := range did {
			if f[j] == "1" {
				did[j] += c
				if isMacro {
					didMacro[j] += c
				}
			}
		}
	}
	q := "SELECT " + strings.Join(bits, ", ") + ", level = " + strconv.Itoa(n) + " AS macro, count() FROM (" + per +
		") WHERE inr AND NOT wide AND NOT long GROUP BY " + strings.Join(bits, ", ") + ", macro"
	err = s.c.rows(ctx, q, func(f []string) error {
		c, err := strconv.ParseInt(f[k+1], 10, 64)
		if err != nil || len(f) != k+2 {
			return fmt.Errorf("unexpected row %q", f)
		}
		add(f[:k], f[k] == "1", c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dataset %s: micro conversions: %w", name, err)
	}
	// The others: their micro conversions from the server, their level
	// from the engine on their step events.
	others := map[string][]string{}
	err = s.c.rows(ctx, "SELECT user, "+strings.Join(bits, ", ")+" FROM ("+per+") WHERE inr AND (wide OR long)", func(f []string) error {
		others[f[0]] = append([]string(nil), f[1:]...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dataset %s: micro conversions: %w", name, err)
	}
	if len(others) > 0 {
		var se stepEvents
		q := "SELECT user, t, mask FROM (" + qs.events + ") WHERE mask != 0 AND user IN (SELECT user FROM (" + qs.perUser + ") WHERE inr AND (wide OR long)) ORDER BY user, t"
		err := s.c.rows(ctx, q, func(f []string) error { return se.add(f[0], f[1], f[2], "") })
		if err != nil {
			return nil, fmt.Errorf("dataset %s: micro conversions: %w", name, err)
		}
		ev, ld := se.events(d)
		scan, err := funnel.NewUserScan(ld, ev)
		if err != nil {
			return nil, fmt.Errorf("dataset %s: micro conversions: %w", name, err)
		}
		reached := map[string]bool{}
		for {
			u, ok := scan.Next()
			if !ok {
				break
			}
			reached[se.users[u.User]] = u.Level == n
		}
		for user, f := range others {
			add(f, reached[user], 1)
		}
	}
	return funnel.MicroFromCounts(d, users, macro, did, didMacro), nil
}
