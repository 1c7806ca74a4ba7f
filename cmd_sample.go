package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"microfunnel/funnel"
	"microfunnel/sample"
	"microfunnel/store"
	"microfunnel/ui"
)

const defaultSampleUsers = 20000

func (a *app) sampleCmd() *cobra.Command {
	var business, dataset string
	var users int
	var seed uint64
	var replace bool
	cmd := &cobra.Command{
		Use:   "sample [--business store|service|content|all] [flags]",
		Short: "Generate the sample datasets of the three business types",
		Long: `Generate realistic, deterministic sample events for an online store, a
service site and a content project (see docs/SAMPLES.md for what is planted
in each). The same --seed and --users give the same events on every machine.

With --db clickhouse://... the events go into the server through the same
import as a file (docs/ARCHITECTURE.md#chstore); --replace drops the dataset
there first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var bs []sample.Business
			if business == "all" {
				if dataset != "" {
					return usagef("--dataset names one dataset: use it with one --business, not all")
				}
				bs = sample.Businesses()
			} else {
				b, err := sample.ParseBusiness(business)
				if err != nil {
					return usagef("--business: %v", err)
				}
				bs = []sample.Business{b}
			}
			if users < 1 {
				return usagef("--users: want at least 1")
			}
			ch, err := a.clickhouse(cmd.Context())
			if err != nil {
				return err
			}
			if ch != nil && a.ch.table != "" {
				return usagef("sample: --ch-table %s is an existing table, read-only: sample writes into microfunnel's own tables", a.ch.table)
			}
			var st *store.Store
			if ch == nil {
				if st, err = a.open(); err != nil {
					return err
				}
			}
			for _, b := range bs {
				name := dataset
				if name == "" {
					name = sample.DefaultDataset(b)
				}
				if ch != nil {
					err = generateCH(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), ch, b, name, users, seed, replace)
				} else {
					err = generate(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), st, b, name, users, seed, replace)
				}
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&business, "business", "b", "all", "business type: store, service, content or all")
	f.StringVarP(&dataset, "dataset", "d", "", "dataset name (default: the business type's name)")
	f.IntVarP(&users, "users", "n", defaultSampleUsers, "users to generate per business")
	f.Uint64Var(&seed, "seed", 1, "random seed")
	f.BoolVar(&replace, "replace", false, "replace a dataset of the same name")
	return cmd
}

func generate(ctx context.Context, out, errw io.Writer, st *store.Store, b sample.Business, name string, users int, seed uint64, replace bool) error {
	bar := newProgress(errw, isTerminal(os.Stderr), "generating "+name, 0)
	n := int64(0)
	stats, err := st.Write(ctx, name, store.WriteOptions{Replace: replace, New: !replace, Source: fmt.Sprintf("sample %s users=%d seed=%d", b, users, seed)},
		func(add func(*store.Record) error) error {
			return sample.Generate(b, users, seed, func(r *store.Record) error {
				if n++; n%50000 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
					bar.set(n, "events")
				}
				return add(r)
			})
		})
	bar.done()
	if errors.Is(err, store.ErrExists) {
		return fmt.Errorf("dataset %s already exists: use --replace to generate it again", name)
	}
	if err != nil {
		return fmt.Errorf("sample %s: %w", name, err)
	}
	fmt.Fprintf(out, "%s: %s, %s generated in %.2f s\n", name, plural(stats.Events, "event"), plural(stats.Users, "user"), stats.Duration.Seconds())
	return nil
}

func (a *app) presetsCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "presets [NAME]",
		Short: "List the business-type preset funnels, or print one as a definition file",
		Long: `List the preset funnels of the three business types with their macro
funnel and micro conversions. With NAME, print that preset's definition file:
save it, edit it and pass it to report --funnel.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				p, err := sample.FindPreset(args[0])
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(p.JSON())
				return err
			}
			if err := checkFormat(format, "table", "json", "csv"); err != nil {
				return err
			}
			type presetJSON struct {
				Name       string            `json:"name"`
				Business   sample.Business   `json:"business"`
				Dataset    string            `json:"dataset"`
				Definition funnel.Definition `json:"definition"`
			}
			t := table{header: []string{"preset", "business", "steps", "micro conversions", "description"}, width: termWidth()}
			var js []presetJSON
			for _, p := range sample.Presets() {
				var steps, micro []string
				for _, s := range p.Definition.Steps {
					steps = append(steps, s.StepName())
				}
				for _, s := range p.Definition.Micro {
					micro = append(micro, s.StepName())
				}
				t.rows = append(t.rows, []any{p.Name, string(p.Business), strings.Join(steps, " > "), strings.Join(micro, ", "), p.Definition.Description})
				js = append(js, presetJSON{p.Name, p.Business, sample.DefaultDataset(p.Business), p.Definition})
			}
			t.json = js
			return t.write(cmd.OutOrStdout(), format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json or csv")
	return cmd
}

func (a *app) compareCmd() *cobra.Command {
	var format, dataset string
	cmd := &cobra.Command{
		Use:   "compare [--dataset NAME]",
		Short: "Compare the three business types' macro funnels and micro conversions side by side",
		Long: `Compare the three business types' macro presets, each on its sample
dataset, with their micro conversions: the share of users who did each, the
macro conversion with and without it, and the odds ratio with its 95%
interval and Benjamini-Hochberg q-value (the same 2x2 table as drivers).
With --dataset NAME, every business preset whose events that dataset has
is computed on it instead. With --db clickhouse://... the presets and their
micro conversions are computed on the server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			f, err := a.compareFunnels(cmd.Context())
			if err != nil {
				return err
			}
			cs, err := sample.CompareWith(cmd.Context(), f, dataset)
			if err != nil {
				return err
			}
			if format == "json" {
				type cj struct {
					Business    sample.Business      `json:"business"`
					Dataset     string               `json:"dataset"`
					Preset      string               `json:"preset"`
					Steps       []funnel.StepResult  `json:"steps,omitempty"`
					Conversion  float64              `json:"conversion"`
					BiggestDrop int                  `json:"biggest_drop_step,omitempty"`
					Micro       []funnel.MicroResult `json:"micro,omitempty"`
					Error       string               `json:"error,omitempty"`
				}
				var out []cj
				for _, c := range cs {
					j := cj{Business: c.Business, Dataset: c.Dataset, Preset: c.Preset, BiggestDrop: c.BiggestDrop, Micro: c.Micro}
					if c.Result != nil {
						j.Steps = c.Result.Steps
						if n := len(c.Result.Steps); n > 0 {
							j.Conversion = c.Result.Steps[n-1].Conversion
						}
					}
					if c.Err != nil {
						j.Error = c.Err.Error()
					}
					out = append(out, j)
				}
				return writeJSON(cmd.OutOrStdout(), out)
			}
			return ui.RenderCompare(cmd.OutOrStdout(), toUIComparisons(cs), ui.ReportOptions{Color: useColor(os.Stdout), Width: termWidth()})
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.Flags().StringVarP(&dataset, "dataset", "d", "", "compare on this dataset: the business presets whose events it has")
	return cmd
}

func toUIComparisons(cs []sample.Comparison) []ui.Comparison {
	out := make([]ui.Comparison, len(cs))
	for i, c := range cs {
		out[i] = ui.Comparison{Business: string(c.Business), Dataset: c.Dataset, Preset: c.Preset, Result: c.Result, Micro: c.Micro, BiggestDrop: c.BiggestDrop, Err: c.Err}
	}
	return out
}

func uiPresets() []ui.Preset {
	var out []ui.Preset
	for _, p := range sample.Presets() {
		out = append(out, ui.Preset{Name: p.Name, Business: string(p.Business), Dataset: sample.DefaultDataset(p.Business), Definition: p.Definition})
	}
	return out
}

// compareFunnels is how compare computes the presets: on the server with
// --db clickhouse://, else on the embedded store's events.
func (a *app) compareFunnels(ctx context.Context) (sample.Funnels, error) {
	ch, err := a.clickhouse(ctx)
	if err != nil {
		return nil, err
	}
	if ch != nil {
		return chFunnels(ch), nil
	}
	st, err := a.open()
	if err != nil {
		return nil, err
	}
	return sample.Loaded(st.Load), nil
}
