package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"microfunnel/funnel"
	"microfunnel/sample"
	"microfunnel/store"
	"microfunnel/ui"
)

// funnelFlags are the flags that define or adjust a funnel.
type funnelFlags struct {
	steps, file, preset, saved   string
	window, maxGap, mode, counts string
	by, attribution, segment     string
	where                        []string
	from, to                     string
	top                          int
	over                         overTime
}

// overTime is what the report adds over time: a trend per interval, and the
// same funnel over another range; and what the dropped users did next.
type overTime struct {
	interval string
	versus   string
	vFrom    funnel.Date
	vTo      funnel.Date
	drop     *funnel.DropOptions // nil: no next events
}

func (f *funnelFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.steps, "steps", "", `funnel steps: "a,b|c,d" (comma between steps, | between alternatives; a step may carry filters: view_product[device=mobile])`)
	fl.StringVar(&f.file, "funnel", "", "read the funnel definition from a JSON file")
	fl.StringVar(&f.preset, "preset", "", "use a preset funnel (list them with: microfunnel presets)")
	fl.StringVar(&f.saved, "saved", "", "run a saved funnel on its dataset (list them with: microfunnel funnels; --dataset picks one when several datasets have that name)")
	fl.StringVar(&f.window, "window", "", "conversion window from step 1 to every later step: 30m, 24h, 7d, 2w (default 7d)")
	fl.StringVar(&f.maxGap, "max-gap", "", "maximum time between two consecutive steps (default none)")
	fl.StringVar(&f.mode, "mode", "", "order mode: sequential, strict or any (default sequential)")
	fl.StringVar(&f.counts, "count", "", "counting: users (unique users) or totals (every attempt)")
	fl.StringVar(&f.by, "by", "", "break down by this property")
	fl.StringVar(&f.attribution, "attribution", "", "breakdown value from: first (step 1's event), last (last step reached) or step:N")
	fl.StringVar(&f.segment, "segment", "", "keep only the users of one breakdown row: KEY=VALUE, attributed as --attribution says; equals that row of --by KEY")
	fl.StringArrayVar(&f.where, "where", nil, `filter every step: KEY=VALUE, KEY!=VALUE, "KEY in (a,b)", "KEY>=N" (>, >=, <, <= on number properties; repeatable)`)
	fl.StringVar(&f.from, "from", "", "first day users may enter, at step 1 (YYYY-MM-DD or RFC 3339, UTC)")
	fl.StringVar(&f.to, "to", "", "last day users may enter, inclusive; later steps may follow within the window (YYYY-MM-DD or RFC 3339, UTC)")
	fl.IntVar(&f.top, "top", 0, "segments shown before the rest fold into (other) (default 10)")
}

// registerTime adds the flags that look at the funnel over time.
func (f *funnelFlags) registerTime(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.over.interval, "interval", "", "add the funnel per day, week (from Monday) or month of entry, UTC")
	cmd.Flags().StringVar(&f.over.versus, "versus", "", "compare with the same funnel over another entry range FROM..TO (needs --from and --to)")
}

// definition builds the funnel from exactly one of --steps, --funnel,
// --preset and --saved (whose definition the caller looked up: saved), then
// applies the other flags on top.
func (f *funnelFlags) definition(saved *funnel.Definition) (funnel.Definition, error) {
	var def funnel.Definition
	if err := f.oneSource(); err != nil {
		return def, err
	}
	switch {
	case f.saved != "":
		def = saved.Clone()
	case f.steps != "":
		steps, err := funnel.ParseSteps(f.steps)
		if err != nil {
			return def, usagef("--steps: %v", err)
		}
		def.Steps = steps
	case f.file != "":
		b, err := os.ReadFile(f.file)
		if err != nil {
			return def, fmt.Errorf("--funnel: %w", err)
		}
		// Unknown fields are errors: a misspelt "windw" must not silently
		// give the default window.
		if def, err = funnel.Decode(b); err != nil {
			return def, fmt.Errorf("--funnel %s: %w (see `microfunnel presets NAME` for an example file)", f.file, err)
		}
	default:
		p, err := sample.FindPreset(f.preset)
		if err != nil {
			return def, usagef("--preset: %v", err)
		}
		def = p.Definition
	}
	var err error
	if f.window != "" {
		if def.Window, err = funnel.ParseDuration(f.window); err != nil {
			return def, usagef("--window: %v", err)
		}
	}
	if f.maxGap != "" {
		if def.MaxGap, err = funnel.ParseDuration(f.maxGap); err != nil {
			return def, usagef("--max-gap: %v", err)
		}
	}
	if f.mode != "" {
		if def.Mode, err = funnel.ParseMode(f.mode); err != nil {
			return def, usagef("--mode: %v", err)
		}
	}
	if f.counts != "" {
		if def.Count, err = funnel.ParseCounting(f.counts); err != nil {
			return def, usagef("--count: %v", err)
		}
	}
	if f.by != "" {
		def.By = f.by
	}
	if f.segment != "" {
		sf, err := funnel.ParseSegment(f.segment)
		if err != nil {
			return def, usagef("--segment: %v", err)
		}
		def.Segment = &sf
	}
	if f.attribution != "" {
		a, err := funnel.ParseAttribution(f.attribution)
		if err != nil {
			return def, usagef("--attribution: %v", err)
		}
		def.Attribution = a.String()
	}
	for _, w := range f.where {
		flt, err := funnel.ParseFilter(w)
		if err != nil {
			return def, usagef("--where: %v", err)
		}
		def.Where = append(def.Where, flt)
	}
	for _, d := range []struct {
		flag, val string
		dst       **funnel.Date
	}{{"--from", f.from, &def.From}, {"--to", f.to, &def.To}} {
		if d.val == "" {
			continue
		}
		v, err := funnel.ParseDate(d.val)
		if err != nil {
			return def, usagef("%s: %v", d.flag, err)
		}
		*d.dst = &v
	}
	if f.top < 0 {
		return def, usagef("--top: want a positive number")
	}
	if f.top > 0 {
		def.TopN = f.top
	}
	if err := def.Validate(); err != nil {
		return def, usagef("%v", err)
	}
	if f.over.interval != "" {
		if _, err := funnel.ParseInterval(f.over.interval); err != nil {
			return def, usagef("--interval: %v", err)
		}
	}
	if v := f.over.versus; v != "" {
		if def.From == nil || def.To == nil {
			return def, usagef("--versus %s: give the range to compare it with as --from and --to", v)
		}
		if f.over.vFrom, f.over.vTo, err = funnel.ParseRange(v); err != nil {
			return def, usagef("--versus: %v", err)
		}
		lo, hi, _ := def.EntryRange()
		if f.over.vFrom.UnixMilli() <= hi && lo <= funnel.EndOf(f.over.vTo).UnixMilli() {
			return def, usagef("--versus %s overlaps --from %s --to %s: the ranges must not share a day or an instant", v, def.From, def.To)
		}
	}
	return def, nil
}

// resolve opens the store and builds the funnel of the flags, with the
// dataset it runs on: a saved funnel's, else the one given, else the
// preset's sample or the only one. Flags are checked before the database is
// opened, except what a saved funnel needs the database for.
func (f *funnelFlags) resolve(cmd *cobra.Command, a *app, dataset string) (*store.Store, funnel.Definition, string, error) {
	var def funnel.Definition
	if err := f.oneSource(); err != nil {
		return nil, def, "", err
	}
	var err error
	if f.saved == "" {
		if def, err = f.definition(nil); err != nil {
			return nil, def, "", err
		}
	}
	st, err := a.open()
	if err != nil {
		return nil, def, "", err
	}
	if f.saved != "" {
		sf, err := findSaved(cmd, st, dataset, f.saved)
		if err != nil {
			return nil, def, "", fmt.Errorf("--saved: %w", err)
		}
		dataset = sf.Dataset
		if def, err = f.definition(&sf.Definition); err != nil {
			return nil, def, "", err
		}
	}
	if dataset == "" {
		if dataset, err = defaultDataset(cmd, st, f.preset); err != nil {
			return nil, def, "", err
		}
	}
	return st, def, dataset, nil
}

// loadChecked loads a dataset and checks the funnel's names and filter
// values against it, naming what a preset needs when its events are missing.
func loadChecked(cmd *cobra.Command, st *store.Store, dataset string, def *funnel.Definition, preset string) (*funnel.Events, error) {
	ev, err := st.Load(cmd.Context(), dataset)
	if err != nil {
		return nil, err
	}
	if err := funnel.CheckNames(def, ev); err != nil {
		var un *funnel.UnknownNameError
		if preset != "" && errors.As(err, &un) && un.Kind == "event" {
			return nil, fmt.Errorf("preset %s needs %ss missing from dataset %s: %s", preset, un.Kind, dataset, strings.Join(un.Names, ", "))
		}
		return nil, fmt.Errorf("dataset %s: %w", dataset, err)
	}
	if err := funnel.CheckValues(def, ev); err != nil {
		return nil, fmt.Errorf("dataset %s: %w", dataset, err)
	}
	return ev, nil
}

func (f *funnelFlags) oneSource() error {
	given := 0
	for _, s := range []string{f.steps, f.file, f.preset, f.saved} {
		if s != "" {
			given++
		}
	}
	if given != 1 {
		return usagef("give exactly one of --steps, --funnel, --preset or --saved")
	}
	return nil
}

// report is what `report --format json` prints: the Result's fields plus
// the dataset, the definition and timings.
type report struct {
	Dataset    string            `json:"dataset"`
	Definition funnel.Definition `json:"definition"`
	*funnel.Result
	Timings timings `json:"timings_ms"`
	// Notes say what differs from the embedded store's report (ClickHouse).
	Notes []string `json:"notes,omitempty"`
}

type timings struct {
	Load    float64 `json:"load"`
	Compute float64 `json:"compute"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// computeReport loads a dataset and computes a funnel on it, naming what is
// missing when the dataset lacks the funnel's events or properties.
func computeReport(cmd *cobra.Command, st *store.Store, dataset string, def funnel.Definition, preset string) (*report, error) {
	return computeReportOver(cmd, st, dataset, def, preset, overTime{})
}

// computeReportOver is computeReport with what over adds: a trend, another
// range.
func computeReportOver(cmd *cobra.Command, st *store.Store, dataset string, def funnel.Definition, preset string, over overTime) (*report, error) {
	t0 := time.Now()
	ev, err := loadChecked(cmd, st, dataset, &def, preset)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	var res *funnel.Result
	if over.drop != nil {
		res, err = funnel.ComputeDropped(&def, ev, *over.drop)
	} else {
		res, err = funnel.Compute(&def, ev)
	}
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", dataset, err)
	}
	if over.interval != "" {
		if err := funnel.AddTrend(res, &def, ev, over.interval); err != nil {
			return nil, usagef("--interval: %v", err)
		}
	}
	if over.versus != "" {
		if res.Steps[0].Users == 0 {
			return nil, usagef("--from %s --to %s: nobody entered the funnel in this range (dataset %s)", def.From, def.To, dataset)
		}
		if err := funnel.AddVersus(res, &def, ev, over.vFrom, over.vTo); err != nil {
			return nil, fmt.Errorf("--versus: %w", err)
		}
		if res.Versus.Steps[0].Users == 0 {
			return nil, usagef("--versus %s: nobody entered the funnel in this range (dataset %s)", over.versus, dataset)
		}
	}
	return &report{Dataset: dataset, Definition: def, Result: res, Timings: timings{ms(t1.Sub(t0)), ms(time.Since(t1))}}, nil
}

func (a *app) reportCmd() *cobra.Command {
	var ff funnelFlags
	var dataset, format, save string
	var times bool
	var next funnel.DropOptions
	cmd := &cobra.Command{
		Use:   "report --dataset NAME (--steps \"a,b|c,d\" | --funnel FILE | --preset NAME | --saved NAME) [flags]",
		Short: "Print a funnel with drop-off bars, by segment, as a table, JSON, CSV or Markdown",
		Long: `Print a funnel: per step the users, conversion from step 1 and from the
previous step, drop-off, 95% Wilson intervals and time from the previous
step; with --by, the same for each segment, marking segments whose step
conversion differs significantly from the other users (Holm-corrected).
The table and Markdown headers list every active setting.

With --db clickhouse://HOST:PORT/DATABASE the funnel runs on the server as
one windowFunnel query and gives the same numbers, without the times between
steps; settings it cannot compute exactly are refused by name (see
docs/SEMANTICS.md, "On ClickHouse").

--segment KEY=VALUE keeps the users of one row of the breakdown by KEY
(with --attribution), so it equals that row of --by KEY. --save NAME saves
what was computed (flags included) for the dashboard's O and for --saved.

--from/--to bound the entry (the step-1 event); later steps may follow
within the window. --interval day|week|month adds the funnel per period of
entry (UTC, weeks from Monday). --versus C..D puts the same funnel over the
entry range C..D beside the --from/--to one, with each step's difference
and a two-proportion test.

Under each step users stopped at, "what they did next": the first event
after that step's event of their counted chain and no later than the
window's end, "(none)" when there is none, by users; --next-top N keeps N
(default 10) and folds the rest into "(other)", --next-depth 2 or 3 gives
paths of that many events. In JSON it is each step's "dropped". It does
not apply in any mode (the report says so). CSV leaves it out.

See docs/SEMANTICS.md for exactly what is counted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "table", "json", "csv", "markdown"); err != nil {
				return err
			}
			if save != "" && strings.TrimSpace(save) == "" {
				return usagef("--save: the name is empty")
			}
			if next.Top < 1 {
				return usagef("--next-top %d: want at least 1 next event per step", next.Top)
			}
			if next.Depth < 1 || next.Depth > funnel.MaxNextDepth {
				return usagef("--next-depth %d: want 1, 2 or 3 events after the step", next.Depth)
			}
			ff.over.drop = &next
			if ch, err := a.clickhouse(cmd.Context()); err != nil || ch != nil {
				if err != nil {
					return err
				}
				if err := chFlagsOnly(cmd); err != nil {
					return err
				}
				def, dataset, err := chFunnel(cmd, ch, &ff, dataset)
				if err != nil {
					return err
				}
				rep, err := chReport(cmd.Context(), ch, dataset, def, times, ff.over)
				if err != nil {
					return err
				}
				storeNote(cmd, rep)
				if err := saveReported(cmd, ch, rep, save); err != nil {
					return err
				}
				return writeReport(cmd.OutOrStdout(), rep, format)
			}
			st, def, dataset, err := ff.resolve(cmd, a, dataset)
			if err != nil {
				return err
			}
			rep, err := computeReportOver(cmd, st, dataset, def, ff.preset, ff.over)
			if err != nil {
				return err
			}
			if err := saveReported(cmd, st, rep, save); err != nil {
				return err
			}
			return writeReport(cmd.OutOrStdout(), rep, format)
		},
	}
	cmd.Flags().StringVar(&save, "save", "", "save the funnel computed (with every flag) under this name in the dataset")
	cmd.Flags().BoolVar(&times, "times", false, "with --db clickhouse://: also compute the times between steps (the server sends the entered users' step events; the embedded store always computes them)")
	cmd.Flags().StringVarP(&dataset, "dataset", "d", "", "dataset (default: the preset's sample dataset, or the only dataset)")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json, csv or markdown")
	cmd.Flags().IntVar(&next.Top, "next-top", funnel.DefaultNextTop, "what the dropped users did next: events kept per step before the rest fold into (other)")
	cmd.Flags().IntVar(&next.Depth, "next-depth", 1, "what the dropped users did next: 1 event, or paths of 2 or 3")
	ff.register(cmd)
	ff.registerTime(cmd)
	return cmd
}

// saveReported saves the funnel of rep (with every flag) under name, when
// --save gave one.
func saveReported(cmd *cobra.Command, st savedStore, rep *report, name string) error {
	if name == "" {
		return nil
	}
	if err := st.SaveFunnel(cmd.Context(), rep.Dataset, name, rep.Definition); err != nil {
		return err
	}
	rep.Definition.Name = name
	fmt.Fprintf(cmd.ErrOrStderr(), "saved funnel %s in %s (run it again with: microfunnel report --saved %q)\n", name, rep.Dataset, name)
	return nil
}

// defaultDataset is the preset's sample dataset, or the only dataset there is.
func defaultDataset(cmd *cobra.Command, st *store.Store, preset string) (string, error) {
	if preset != "" {
		if p, err := sample.FindPreset(preset); err == nil {
			return sample.DefaultDataset(p.Business), nil
		}
	}
	ds, err := st.Datasets(cmd.Context())
	if err != nil {
		return "", err
	}
	if len(ds) == 1 {
		return ds[0].Name, nil
	}
	return "", usagef("--dataset is required when the database has %d datasets", len(ds))
}

func writeReport(w io.Writer, rep *report, format string) error {
	switch format {
	case "json":
		return writeJSON(w, rep)
	case "csv":
		return writeReportCSV(w, rep.Result)
	case "markdown":
		return ui.RenderMarkdown(w, rep.Result, ui.ReportOptions{Dataset: rep.Dataset, Definition: &rep.Definition})
	default:
		return ui.RenderReport(w, rep.Result, ui.ReportOptions{Color: useColor(os.Stdout), Width: termWidth(), Dataset: rep.Dataset, Definition: &rep.Definition})
	}
}

// termWidth is $COLUMNS when set, else the terminal's width when stdout is
// one, else 80. Machine formats (json, csv) never wrap whatever it says.
func termWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 40 {
		return n
	}
	if isTerminal(os.Stdout) {
		if w, _, err := term.GetSize(os.Stdout.Fd()); err == nil && w > 0 {
			return max(w, 40)
		}
	}
	return 80
}

func f4(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }

// writeReportCSV prints one row per step of the whole funnel (segment
// "(all)") and of each segment.
func writeReportCSV(w io.Writer, r *funnel.Result) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"segment", "step", "name", "users", "conversion", "step_conversion", "drop_off", "drop_off_share",
		"conversion_low", "conversion_high", "median_ms", "p90_ms", "p_value", "p_adjusted", "significant"})
	row := func(seg string, i int, s funnel.StepResult, t *funnel.Test) {
		p, adj, sig := "", "", ""
		if t != nil {
			p, adj, sig = strconv.FormatFloat(t.PValue, 'g', 4, 64), strconv.FormatFloat(t.Adjusted, 'g', 4, 64), strconv.FormatBool(t.Significant)
		}
		cw.Write([]string{seg, strconv.Itoa(i + 1), s.Name, strconv.FormatInt(s.Users, 10), f4(s.Conversion), f4(s.StepConversion),
			strconv.FormatInt(s.DropOff, 10), f4(s.DropOffShare), f4(s.ConversionCI.Low), f4(s.ConversionCI.High),
			strconv.FormatInt(s.MedianMs, 10), strconv.FormatInt(s.P90Ms, 10), p, adj, sig})
	}
	for i, s := range r.Steps {
		row("(all)", i, s, nil)
	}
	if r.Breakdown != nil {
		for _, seg := range r.Breakdown.Segments {
			for i, s := range seg.Steps {
				var t *funnel.Test
				for j := range seg.Tests {
					if seg.Tests[j].Step == i+1 {
						t = &seg.Tests[j]
					}
				}
				row(seg.Value, i, s, t)
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
