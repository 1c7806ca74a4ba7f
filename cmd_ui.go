package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"microfunnel/chstore"
	"microfunnel/funnel"
	"microfunnel/sample"
	"microfunnel/store"
	"microfunnel/ui"
)

func (a *app) uiCmd() *cobra.Command {
	var dataset, preset string
	cmd := &cobra.Command{
		Use:   "ui [--dataset NAME] [--preset NAME]",
		Short: "Open the dashboard",
		Long: `Open the dashboard: define steps, break down, filter to a segment, save
funnels, look at drop-off, drivers and trends (? lists every key).

With --db clickhouse://HOST:PORT/DATABASE every funnel is computed on the
server, as report computes it there, and so are drivers and compare; the
views that read every event (drop-off panel, trend) need the embedded store
and say so.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !isTerminal(os.Stdout) || !isTerminal(os.Stdin) {
				return fmt.Errorf("the dashboard needs a terminal; use `microfunnel report` in scripts")
			}
			ch, err := a.clickhouse(cmd.Context())
			if err != nil {
				return err
			}
			if ch != nil {
				return a.chDashboard(cmd.Context(), ch, dataset, preset)
			}
			st, err := a.open()
			if err != nil {
				return err
			}
			return a.dashboard(cmd.Context(), st, dataset, preset)
		},
	}
	cmd.Flags().StringVarP(&dataset, "dataset", "d", "", "dataset to open (default: the last one used)")
	cmd.Flags().StringVar(&preset, "preset", "", "preset to open (default: the last funnel looked at)")
	return cmd
}

func (a *app) dashboard(ctx context.Context, st *store.Store, dataset, preset string) error {
	_, noColor := os.LookupEnv("NO_COLOR")
	return ui.Run(ctx, ui.Options{
		Backend: st,
		Dataset: dataset,
		Preset:  preset,
		Presets: uiPresets(),
		Compare: func(ctx context.Context) ([]ui.Comparison, error) {
			cs, err := sample.Compare(ctx, st.Load)
			return toUIComparisons(cs), err
		},
		NoColor: noColor,
	})
}

// chBackend is the dashboard's backend on ClickHouse: everything but Load,
// since the funnels are computed on the server (ui.Options.Remote).
type chBackend struct{ *chstore.Store }

func (chBackend) Load(context.Context, string) (*funnel.Events, error) {
	return nil, errors.New("the events stay on the ClickHouse server: this view needs the embedded store (--db FILE)")
}

// chDashboard opens the dashboard on ClickHouse: each funnel is one query
// on the server, and the views that read events say they need the
// embedded store.
func (a *app) chDashboard(ctx context.Context, ch *chstore.Store, dataset, preset string) error {
	_, noColor := os.LookupEnv("NO_COLOR")
	return ui.Run(ctx, ui.Options{
		Backend:       chBackend{ch},
		Dataset:       dataset,
		Preset:        preset,
		Presets:       uiPresets(),
		Remote:        ch.Compute,
		RemoteDrivers: ch.Drivers,
		Compare: func(ctx context.Context) ([]ui.Comparison, error) {
			cs, err := sample.CompareWith(ctx, chFunnels(ch), "")
			return toUIComparisons(cs), err
		},
		NoColor: noColor,
	})
}

// runDefault is `microfunnel` with no command: on first run it generates the
// three samples; then it opens the dashboard on a terminal, or prints the
// store preset's report when stdout is not one.
func (a *app) runDefault(cmd *cobra.Command) error {
	if ch, err := a.clickhouse(cmd.Context()); err != nil || ch != nil {
		if err != nil {
			return err
		}
		if !isTerminal(os.Stdout) || !isTerminal(os.Stdin) {
			return usagef("with --db clickhouse://, microfunnel alone opens the dashboard, which needs a terminal; use `microfunnel report` in scripts")
		}
		return a.chDashboard(cmd.Context(), ch, "", "")
	}
	st, err := a.open()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	ds, err := st.Datasets(ctx)
	if err != nil {
		return err
	}
	if len(ds) == 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "first run: generating the sample datasets into %s\n", st.Path())
		for _, b := range sample.Businesses() {
			if err := generate(ctx, cmd.ErrOrStderr(), cmd.ErrOrStderr(), st, b, sample.DefaultDataset(b), defaultSampleUsers, 1, false); err != nil {
				return err
			}
		}
	}
	if isTerminal(os.Stdout) && isTerminal(os.Stdin) {
		return a.dashboard(ctx, st, "", "")
	}
	p, err := sample.MacroPreset(sample.Store)
	if err != nil {
		return err
	}
	name := sample.DefaultDataset(sample.Store)
	if _, err := st.Dataset(ctx, name); err != nil {
		return fmt.Errorf("%w; not on a terminal, microfunnel prints the store sample's report: generate it with `microfunnel sample --business store`, or use `microfunnel report --dataset NAME --steps ...`", err)
	}
	def := p.Definition
	def.By = "device"
	rep, err := computeReport(cmd, st, name, def, p.Name)
	if err != nil {
		return err
	}
	return writeReport(cmd.OutOrStdout(), rep, "table")
}
