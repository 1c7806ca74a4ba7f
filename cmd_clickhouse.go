package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"microfunnel/chstore"
	"microfunnel/dataset"
	"microfunnel/funnel"
	"microfunnel/sample"
)

// chFlags name an existing ClickHouse table to read instead of microfunnel's
// own tables.
type chFlags struct {
	table, user, event, time, propsJSON string
}

func (f *chFlags) register(cmd *cobra.Command) {
	fl := cmd.PersistentFlags()
	fl.StringVar(&f.table, "ch-table", "", "with --db clickhouse://: read this existing table (read-only) as the dataset of its name")
	fl.StringVar(&f.user, "ch-user", "", "with --ch-table: the user id column (String)")
	fl.StringVar(&f.event, "ch-event", "", "with --ch-table: the event name column (String)")
	fl.StringVar(&f.time, "ch-time", "", "with --ch-table: the event time column (DateTime)")
	fl.StringVar(&f.propsJSON, "ch-props-json", "", "with --ch-table: a column of properties as a JSON object (String, optional)")
}

func (f *chFlags) given() bool {
	return f.table != "" || f.user != "" || f.event != "" || f.time != "" || f.propsJSON != ""
}

// catalog is what the listings read, from either backend.
type catalog interface {
	Datasets(ctx context.Context) ([]dataset.Info, error)
	EventCounts(ctx context.Context, dataset string) ([]dataset.EventCount, error)
	Props(ctx context.Context, dataset string) ([]dataset.PropInfo, error)
	PropValues(ctx context.Context, dataset, key string, limit int) ([]dataset.ValueCount, error)
}

// clickhouseURL is --db (or $MICROFUNNEL_DB) as a ClickHouse URL: ok is
// false for a file path. A URL of any other scheme is a usage error, never
// a file name.
func (a *app) clickhouseURL() (cfg chstore.Config, ok bool, err error) {
	p, err := a.dbPath()
	if err != nil {
		return cfg, false, err
	}
	scheme, _, isURL := strings.Cut(p, "://")
	if !isURL {
		if a.ch.given() {
			return cfg, false, usagef("--ch-table and the other --ch-* flags need --db clickhouse://HOST:PORT/DATABASE")
		}
		return cfg, false, nil
	}
	if scheme != chstore.Scheme {
		return cfg, false, usagef("--db %q: unknown scheme %q: give a file path, or clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE", p, scheme)
	}
	if cfg, err = chstore.ParseURL(p); err != nil {
		return cfg, false, usagef("--db %v", err)
	}
	return cfg, true, nil
}

// clickhouse opens the ClickHouse store when --db is a clickhouse:// URL
// (nil, nil for a file path).
func (a *app) clickhouse(ctx context.Context) (*chstore.Store, error) {
	if a.chs != nil {
		return a.chs, nil
	}
	cfg, ok, err := a.clickhouseURL()
	if err != nil || !ok {
		return nil, err
	}
	var t *chstore.Table
	if a.ch.table != "" {
		t = &chstore.Table{Name: a.ch.table, User: a.ch.user, Event: a.ch.event, Time: a.ch.time, PropsJSON: a.ch.propsJSON}
		for _, c := range []struct{ flag, v string }{{"--ch-user", t.User}, {"--ch-event", t.Event}, {"--ch-time", t.Time}} {
			if c.v == "" {
				return nil, usagef("%s is required with --ch-table", c.flag)
			}
		}
	} else if a.ch.given() {
		return nil, usagef("--ch-user, --ch-event, --ch-time and --ch-props-json need --ch-table")
	}
	s, err := chstore.Open(ctx, cfg, t)
	if err != nil {
		return nil, err
	}
	a.chs = s
	return s, nil
}

// notOnClickHouse refuses a command that needs the embedded store.
func notOnClickHouse(cmd string, why string) error {
	return usagef("`%s` does not work on ClickHouse (%s); it needs the embedded store: --db FILE", cmd, why)
}

// catalog is the store the listings read.
func (a *app) catalog(ctx context.Context) (catalog, error) {
	ch, err := a.clickhouse(ctx)
	if err != nil || ch != nil {
		return ch, err
	}
	return a.open()
}

// chReport computes a report on ClickHouse: the funnel runs on the server;
// with times, the engine computes the times between steps on the step
// events of the users who entered.
func chReport(ctx context.Context, ch *chstore.Store, name string, def funnel.Definition, times bool, over overTime) (*report, error) {
	t0 := time.Now()
	compute := func(d *funnel.Definition) (*funnel.Result, error) {
		res, err := ch.Compute(ctx, name, d)
		if err == nil && times {
			err = ch.Times(ctx, name, d, res)
		}
		return res, err
	}
	res, err := compute(&def)
	if err == nil && over.versus != "" {
		// The same funnel over the other entry range, as funnel.AddVersus
		// computes it.
		if res.Steps[0].Users == 0 {
			return nil, usagef("--from %s --to %s: nobody entered the funnel in this range (dataset %s)", def.From, def.To, name)
		}
		od := def
		od.From, od.To = &over.vFrom, &over.vTo
		var r *funnel.Result
		if r, err = compute(&od); err == nil {
			if r.Steps[0].Users == 0 {
				return nil, usagef("--versus %s: nobody entered the funnel in this range (dataset %s)", over.versus, name)
			}
			funnel.SetVersus(res, &def, r, over.vFrom, over.vTo)
		}
	}
	var un *chstore.UnsupportedError
	if errors.As(err, &un) {
		return nil, usagef("%v", err)
	}
	if err != nil {
		return nil, err
	}
	note := "computed on ClickHouse " + ch.Version() + " (" + ch.Path() + "): times between steps are not computed there (median and p90 show -); --times computes them from the step events of the users who entered"
	if times {
		note = "computed on ClickHouse " + ch.Version() + " (" + ch.Path() + "); the times between steps by the embedded engine on the step events of the users who entered"
	}
	notes := []string{note, "what the dropped users did next is not computed on ClickHouse (it reads every event after each one's last step): use the embedded store"}
	return &report{Dataset: name, Definition: def, Result: res, Timings: timings{Compute: ms(time.Since(t0))}, Notes: notes}, nil
}

// chReportFlags are the report flags a ClickHouse report honours (the
// definition's settings are checked by chstore.Check); any other flag given
// is refused, so that a flag added to report later is not silently ignored.
var chReportFlags = map[string]bool{
	"db": true, "ch-table": true, "ch-user": true, "ch-event": true, "ch-time": true, "ch-props-json": true,
	"dataset": true, "format": true, "steps": true, "funnel": true, "preset": true,
	"window": true, "max-gap": true, "mode": true, "count": true, "by": true, "attribution": true,
	"segment": true, "where": true, "from": true, "to": true, "top": true, "times": true, "versus": true, "save": true, "saved": true,
}

func chFlagsOnly(cmd *cobra.Command) error {
	var bad []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if !chReportFlags[f.Name] {
			bad = append(bad, "--"+f.Name)
		}
	})
	if len(bad) > 0 {
		return usagef("%s is not supported on ClickHouse; it needs the embedded store (--db FILE)", strings.Join(bad, ", "))
	}
	return nil
}

// chDefaultDataset is the only dataset there is on ClickHouse.
func chDefaultDataset(ctx context.Context, c catalog) (string, error) {
	ds, err := c.Datasets(ctx)
	if err != nil {
		return "", err
	}
	if len(ds) == 1 {
		return ds[0].Name, nil
	}
	return "", usagef("--dataset is required when the database has %d datasets", len(ds))
}

// storeNote is printed on stderr before a report from ClickHouse.
func storeNote(cmd *cobra.Command, rep *report) {
	for _, n := range rep.Notes {
		fmt.Fprintln(cmd.ErrOrStderr(), "note:", n)
	}
}

// chUsers is `users` on ClickHouse: the server picks the users by level,
// the engine finds each one's chain on their step events.
func chUsers(cmd *cobra.Command, ch *chstore.Store, ff *funnelFlags, dataset, format string, levels func(n int) (lo, hi int, err error)) error {
	def, dataset, err := chFunnel(cmd, ch, ff, dataset)
	if err != nil {
		return err
	}
	lo, hi, err := levels(len(def.Steps))
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	out := newUserRows(cmd.OutOrStdout(), format)
	err = ch.EachUser(ctx, dataset, &def, lo, hi, out.write)
	var un *chstore.UnsupportedError
	if errors.As(err, &un) {
		return usagef("%v", err)
	}
	if err != nil {
		return err
	}
	return out.close()
}

// chFunnel is the funnel of the flags on ClickHouse (one of --steps,
// --funnel, --preset, --saved), with the dataset it runs on: a saved
// funnel's, else the one given, else the preset's sample dataset, else the
// only one.
func chFunnel(cmd *cobra.Command, ch *chstore.Store, ff *funnelFlags, dataset string) (funnel.Definition, string, error) {
	var def funnel.Definition
	if err := ff.oneSource(); err != nil {
		return def, "", err
	}
	var saved *funnel.Definition
	if ff.saved != "" {
		sf, err := findSaved(cmd, ch, dataset, ff.saved)
		if err != nil {
			return def, "", fmt.Errorf("--saved: %w", err)
		}
		dataset, saved = sf.Dataset, &sf.Definition
	}
	def, err := ff.definition(saved)
	if err != nil {
		return def, "", err
	}
	if dataset == "" {
		if p, err := sample.FindPreset(ff.preset); ff.preset != "" && err == nil {
			dataset = sample.DefaultDataset(p.Business)
		} else if dataset, err = chDefaultDataset(cmd.Context(), ch); err != nil {
			return def, "", err
		}
	}
	return def, dataset, nil
}

// chFunnels computes a preset's funnel and micro conversions on ClickHouse
// (compare).
func chFunnels(ch *chstore.Store) sample.Funnels {
	return func(ctx context.Context, dataset string, def *funnel.Definition) (*funnel.Result, []funnel.MicroResult, error) {
		res, err := ch.Compute(ctx, dataset, def)
		if err != nil {
			return nil, nil, err
		}
		micro, err := ch.Micro(ctx, dataset, def)
		if err != nil {
			return nil, nil, err
		}
		return res, micro, nil
	}
}
