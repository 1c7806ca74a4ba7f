package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"microfunnel/chstore"
	"microfunnel/funnel"
	"microfunnel/store"
	"microfunnel/ui"
)

// driversOut is what `drivers --format json` prints.
type driversOut struct {
	Dataset   string          `json:"dataset"`
	Funnel    []string        `json:"funnel"`
	From      int             `json:"from"`
	To        int             `json:"to"`
	Entered   int64           `json:"entered"`
	Converted int64           `json:"converted"`
	Drivers   []funnel.Driver `json:"drivers"`
	Timings   timings         `json:"timings_ms"`
}

func (a *app) driversCmd() *cobra.Command {
	var ff funnelFlags
	var dataset, format, props string
	var step int
	var minUsers int64
	cmd := &cobra.Command{
		Use:   "drivers --dataset NAME (--steps \"a,b,c\" | --funnel FILE | --preset NAME | --saved NAME) [--step K] [--props KEY,...] [flags]",
		Short: "Which events and properties go with converting: odds ratios, intervals, p and q-values",
		Long: `Among the users who entered the funnel, compare those who converted
(reached the last step) with those who did not; with --step K, among the
users who reached step K, those who reached K+1. For every event name that
is not a step: how many users did it within their span (from their chain's
step-1 event, or step-K event, to their converting step if they converted,
else to the window's end), the conversion with and without it, the odds
ratio with a 95% interval, a p-value (Fisher exact for small counts,
chi-square otherwise) and a Benjamini-Hochberg q-value over everything
tested. --props KEY,... adds each value of those properties on the chain's
step-1 event. Significant drivers (q < 0.05) come first, strongest first;
rows under --min-users users are marked "few".

This is correlation, not cause. Sequential or strict mode, users counting.
See docs/SEMANTICS.md, "Drivers". On ClickHouse (--db clickhouse://...) the
rows are the same, counted on the server from the spans the engine finds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "table", "json", "csv", "markdown"); err != nil {
				return err
			}
			if minUsers < 0 {
				return usagef("--min-users: want 0 or more")
			}
			if step < 0 {
				return usagef("--step %d: want a step number from 1", step)
			}
			var keys []string
			for _, k := range strings.Split(props, ",") {
				if k = strings.TrimSpace(k); k != "" {
					keys = append(keys, k)
				}
			}
			ch, err := a.clickhouse(cmd.Context())
			if err != nil {
				return err
			}
			var st *store.Store
			var def funnel.Definition
			if ch != nil {
				def, dataset, err = chFunnel(cmd, ch, &ff, dataset)
			} else {
				st, def, dataset, err = ff.resolve(cmd, a, dataset)
			}
			if err != nil {
				return err
			}
			if n := len(def.Steps); step != 0 && step >= n {
				return usagef("--step %d: want 1 to %d for this %d-step funnel (step K compares reaching K+1)", step, n-1, n)
			}
			if def.Mode == funnel.Any {
				return usagef("--mode any: drivers need ordered steps (sequential or strict)")
			}
			if ff.by != "" {
				return usagef("--by %s: drivers test each value of a property with --props %s", ff.by, ff.by)
			}
			if def.Count == funnel.Totals {
				return usagef("--count totals: drivers compare users (each user once)")
			}
			if def.Segment != nil {
				return usagef("--segment: drivers compare all users; filter with --where or step filters instead")
			}
			opt := funnel.DriverOptions{Step: step, Props: keys, MinUsers: minUsers}
			var out *driversOut
			if ch != nil {
				t0 := time.Now()
				res, err := ch.Drivers(cmd.Context(), dataset, &def, opt)
				var un *chstore.UnsupportedError
				if errors.As(err, &un) {
					return usagef("%v", err)
				}
				out, err = driversOutput(dataset, def, res, err, t0, t0)
				if err != nil {
					return err
				}
				return writeDrivers(cmd.OutOrStdout(), out, format, minUsers)
			}
			out, err = computeDrivers(cmd, st, dataset, def, ff.preset, opt)
			if err != nil {
				return err
			}
			return writeDrivers(cmd.OutOrStdout(), out, format, minUsers)
		},
	}
	cmd.Flags().StringVarP(&dataset, "dataset", "d", "", "dataset (default: the preset's sample dataset, or the only dataset)")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json, csv or markdown")
	cmd.Flags().IntVar(&step, "step", 0, "compare the users who reached step K by whether they reached K+1 (default: entered against reached the last step)")
	cmd.Flags().StringVar(&props, "props", "", "also test each value of these properties on the step-1 event: KEY,KEY")
	cmd.Flags().Int64Var(&minUsers, "min-users", 30, "mark drivers fewer users did as too few")
	ff.register(cmd)
	return cmd
}

// computeDrivers loads the dataset and computes the drivers, naming what is
// missing and saying when there is nothing to compare.
func computeDrivers(cmd *cobra.Command, st *store.Store, dataset string, def funnel.Definition, preset string, opt funnel.DriverOptions) (*driversOut, error) {
	t0 := time.Now()
	ev, err := loadChecked(cmd, st, dataset, &def, preset)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	res, err := funnel.Drivers(&def, ev, opt)
	return driversOutput(dataset, def, res, err, t0, t1)
}

// driversOutput is what drivers prints for res, or the error naming what
// is missing or saying there is nothing to compare.
func driversOutput(dataset string, def funnel.Definition, res *funnel.DriverResult, err error, t0, t1 time.Time) (*driversOut, error) {
	var un *funnel.UnknownNameError
	switch {
	case errors.As(err, &un):
		return nil, usagef("--props: dataset %s: %v", dataset, err)
	case errors.Is(err, funnel.ErrNoContrast):
		what := "every one of them converted"
		if res.Converted == 0 {
			what = "none of them converted"
		}
		return nil, fmt.Errorf("dataset %s: %s users compared and %s: there is no contrast to find drivers in (try --step K, or a wider --window)", dataset, strconv.FormatInt(res.Entered, 10), what)
	case err != nil:
		return nil, fmt.Errorf("dataset %s: %w", dataset, err)
	case res.Entered == 0:
		who := "entered the funnel"
		if res.From > 1 {
			who = fmt.Sprintf("reached step %d", res.From)
		}
		return nil, usagef("dataset %s: nobody %s, so there is nothing to compare", dataset, who)
	}
	out := &driversOut{Dataset: dataset, From: res.From, To: res.To, Entered: res.Entered, Converted: res.Converted,
		Drivers: res.Drivers, Timings: timings{ms(t1.Sub(t0)), ms(time.Since(t1))}}
	if out.Drivers == nil {
		out.Drivers = []funnel.Driver{}
	}
	for _, s := range def.Steps {
		out.Funnel = append(out.Funnel, s.StepName())
	}
	return out, nil
}

func writeDrivers(w io.Writer, out *driversOut, format string, minUsers int64) error {
	res := &funnel.DriverResult{From: out.From, To: out.To, Entered: out.Entered, Converted: out.Converted, Drivers: out.Drivers}
	o := ui.DriversOptions{Dataset: out.Dataset, Funnel: out.Funnel, MinUsers: minUsers}
	switch format {
	case "json":
		return writeJSON(w, out)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"event", "key", "value", "users", "converted", "conversion", "conversion_without",
			"odds_ratio", "ci_low", "ci_high", "p", "q", "method", "significant", "few"})
		g := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
		for _, d := range out.Drivers {
			cw.Write([]string{d.Event, d.Key, d.Value, strconv.FormatInt(d.Users, 10), strconv.FormatInt(d.Converted, 10),
				f4(d.Conversion), f4(d.ConversionWithout), g(d.OddsRatio), g(d.CI.Low), g(d.CI.High), g(d.P), g(d.Q),
				d.Method, strconv.FormatBool(d.Significant), strconv.FormatBool(d.Few)})
		}
		cw.Flush()
		return cw.Error()
	case "markdown":
		return ui.RenderDriversMarkdown(w, res, o)
	default:
		return ui.RenderDrivers(w, res, o)
	}
}
