package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"microfunnel/funnel"
	"microfunnel/store"
)

// funnelOn is a funnel resolved from the flags against its dataset, with the
// dataset's events loaded and its names and values checked.
type funnelOn struct {
	st      *store.Store
	dataset string
	def     funnel.Definition
	ev      *funnel.Events
}

// resolveFunnel reads the funnel flags (one of --steps, --funnel, --preset,
// --saved), opens the database and loads the dataset with the funnel's
// names checked, as report does.
func (a *app) resolveFunnel(cmd *cobra.Command, ff *funnelFlags, dataset string) (*funnelOn, error) {
	st, def, dataset, err := ff.resolve(cmd, a, dataset)
	if err != nil {
		return nil, err
	}
	ev, err := loadChecked(cmd, st, dataset, &def, ff.preset)
	if err != nil {
		return nil, err
	}
	return &funnelOn{st: st, dataset: dataset, def: def, ev: ev}, nil
}

// stamp is a time as the CLI prints it: RFC 3339 in UTC, to the millisecond.
func stamp(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(store.ExportTime)
}

func (a *app) usersCmd() *cobra.Command {
	var ff funnelFlags
	var dataset, format string
	var reached, droppedAt int
	cmd := &cobra.Command{
		Use:   "users --dataset NAME (--steps ... | --preset NAME | --funnel FILE | --saved NAME) (--reached K | --dropped-at K) [flags]",
		Short: "List the users who reached a step, or who stopped at one: a cohort as CSV or JSON",
		Long: `List the ids of the users a funnel counts who reached step K or further
(--reached K), or whose furthest step is K (--dropped-at K: they reached K
and not K+1). One row per user, in the dataset's order of users: the id,
the time of the furthest step they reached (of their counted chain, see
docs/SEMANTICS.md) and its number. CSV by default (header: user,
last_step_at, last_step), or --format json: an array of {"user",
"last_step_at", "last_step"}. Users are counted once each, whatever
--count says. --segment KEY=VALUE keeps one row of the breakdown by KEY.

The rows are written as the users are found: memory does not grow with the
number of users listed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "csv", "json"); err != nil {
				return err
			}
			setR, setD := cmd.Flags().Changed("reached"), cmd.Flags().Changed("dropped-at")
			switch {
			case setR == setD:
				return usagef("give exactly one of --reached K (reached step K or further) or --dropped-at K (stopped at step K)")
			case setR && reached < 1:
				return usagef("--reached %d: steps are numbered from 1 (--reached 1 lists everyone who entered)", reached)
			case setD && droppedAt < 1:
				return usagef("--dropped-at %d: steps are numbered from 1", droppedAt)
			}
			levels := func(n int) (lo, hi int, err error) {
				switch {
				case setR && reached > n:
					return 0, 0, usagef("--reached %d: the funnel has %d steps", reached, n)
				case setD && droppedAt >= n:
					return 0, 0, usagef("--dropped-at %d: step %d is the funnel's last (of %d); nobody drops out after it: --reached %d lists who completed it", droppedAt, droppedAt, n, n)
				case setD:
					return droppedAt, droppedAt, nil
				}
				return reached, n, nil
			}
			if ch, err := a.clickhouse(cmd.Context()); err != nil || ch != nil {
				if err != nil {
					return err
				}
				return chUsers(cmd, ch, &ff, dataset, format, levels)
			}
			f, err := a.resolveFunnel(cmd, &ff, dataset)
			if err != nil {
				return err
			}
			lo, hi, err := levels(len(f.def.Steps))
			if err != nil {
				return err
			}
			keep := func(l int) bool { return l >= lo && l <= hi }
			scan, err := funnel.NewUserScan(&f.def, f.ev)
			if err != nil {
				return fmt.Errorf("dataset %s: %w", f.dataset, err)
			}
			return writeUsers(cmd, f, scan, keep, format)
		},
	}
	cmd.Flags().StringVarP(&dataset, "dataset", "d", "", "dataset (default: the preset's sample dataset, or the only dataset)")
	cmd.Flags().StringVar(&format, "format", "csv", "output format: csv or json")
	cmd.Flags().IntVar(&reached, "reached", 0, "list the users who reached step K or further")
	cmd.Flags().IntVar(&droppedAt, "dropped-at", 0, "list the users whose furthest step is K (before the last)")
	ff.register(cmd)
	return cmd
}

// writeUsers streams the users scan finds and keep accepts, their ids read
// alongside in the same order.
func writeUsers(cmd *cobra.Command, f *funnelOn, scan *funnel.UserScan, keep func(level int) bool, format string) error {
	out := newUserRows(cmd.OutOrStdout(), format)
	next, ok := scan.Next()
	err := f.st.EachUserID(cmd.Context(), f.dataset, func(u int, id string) error {
		for ok && next.User < u {
			next, ok = scan.Next()
		}
		if !ok || next.User != u || !keep(next.Level) {
			return nil
		}
		return out.write(id, next.Last, next.Level)
	})
	if err != nil {
		return err
	}
	return out.close()
}

// userRows writes users' rows as CSV or as a JSON array, as they come.
type userRows struct {
	bw     *bufio.Writer
	cw     *csv.Writer
	format string
	rows   int
	line   []byte
}

func newUserRows(w io.Writer, format string) *userRows {
	bw := bufio.NewWriterSize(w, 1<<16)
	r := &userRows{bw: bw, cw: csv.NewWriter(bw), format: format}
	if format == "csv" {
		r.cw.Write([]string{"user", "last_step_at", "last_step"})
	} else {
		bw.WriteString("[")
	}
	return r
}

func (r *userRows) write(id string, last int64, level int) error {
	if r.format == "csv" {
		return r.cw.Write([]string{id, stamp(last), strconv.Itoa(level)})
	}
	line := r.line[:0]
	if r.rows > 0 {
		line = append(line, ',')
	}
	line = append(line, "\n  {\"user\": "...)
	line = strconv.AppendQuote(line, id)
	line = append(line, ", \"last_step_at\": \""...)
	line = append(line, stamp(last)...)
	line = append(line, "\", \"last_step\": "...)
	line = strconv.AppendInt(line, int64(level), 10)
	line = append(line, '}')
	r.rows++
	r.line = line
	_, err := r.bw.Write(line)
	return err
}

func (r *userRows) close() error {
	if r.format == "csv" {
		r.cw.Flush()
		if err := r.cw.Error(); err != nil {
			return err
		}
	} else {
		if r.rows > 0 {
			r.bw.WriteString("\n")
		}
		r.bw.WriteString("]\n")
	}
	return r.bw.Flush()
}
