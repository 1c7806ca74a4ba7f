package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"microfunnel/funnel"
	"microfunnel/store"
)

func (a *app) funnelsCmd() *cobra.Command {
	var format, dataset string
	cmd := &cobra.Command{
		Use:   "funnels [--dataset NAME]",
		Short: "List saved funnels (all datasets, or one); delete or rename one",
		Long: `List the funnels saved from the dashboard (s) or with report --save:
dataset, name, steps and when each was saved. Run one with
report --saved NAME; manage them with funnels delete and funnels rename.
On ClickHouse (--db clickhouse://...) they live in microfunnel's tables on
the server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "table", "json", "csv"); err != nil {
				return err
			}
			st, err := a.savedStore(cmd)
			if err != nil {
				return err
			}
			list, err := savedFunnels(cmd, st, dataset)
			if err != nil {
				return err
			}
			if len(list) == 0 && format == "table" {
				where := "the database"
				if dataset != "" {
					where = "dataset " + dataset
				}
				fmt.Fprintf(cmd.OutOrStdout(), "no saved funnels in %s: save one with `s` in the dashboard or `report --save NAME`\n", where)
				return nil
			}
			t := table{header: []string{"dataset", "funnel", "steps", "saved"}, json: nonNil(list)}
			for _, f := range list {
				names := make([]string, len(f.Definition.Steps))
				for i, s := range f.Definition.Steps {
					names[i] = s.StepName()
				}
				t.rows = append(t.rows, []any{f.Dataset, f.Name, strings.Join(names, " → "), fmtTime(f.Saved)})
			}
			return t.write(cmd.OutOrStdout(), format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json or csv")
	cmd.Flags().StringVarP(&dataset, "dataset", "d", "", "only this dataset's funnels (default: every dataset)")
	cmd.AddCommand(a.funnelsDeleteCmd(), a.funnelsRenameCmd())
	return cmd
}

// savedStore is where saved funnels live: the embedded store, or
// microfunnel's tables on ClickHouse.
type savedStore interface {
	Funnels(ctx context.Context, dataset string) ([]store.SavedFunnel, error)
	FunnelsAll(ctx context.Context) ([]store.SavedFunnel, error)
	SaveFunnel(ctx context.Context, dataset, name string, def funnel.Definition) error
	DeleteFunnel(ctx context.Context, dataset, name string) error
	RenameFunnel(ctx context.Context, dataset, old, new string) error
}

// savedStore opens the store of --db for its saved funnels.
func (a *app) savedStore(cmd *cobra.Command) (savedStore, error) {
	ch, err := a.clickhouse(cmd.Context())
	if err != nil || ch != nil {
		return ch, err
	}
	return a.open()
}

func savedFunnels(cmd *cobra.Command, st savedStore, dataset string) ([]store.SavedFunnel, error) {
	if dataset != "" {
		return st.Funnels(cmd.Context(), dataset)
	}
	return st.FunnelsAll(cmd.Context())
}

// findSaved finds the saved funnel name: in dataset when given, else in the
// one dataset that has a funnel by that name.
func findSaved(cmd *cobra.Command, st savedStore, dataset, name string) (store.SavedFunnel, error) {
	list, err := savedFunnels(cmd, st, dataset)
	if err != nil {
		return store.SavedFunnel{}, err
	}
	var hits []store.SavedFunnel
	var names []string
	for _, f := range list {
		if f.Name == name {
			hits = append(hits, f)
		}
		if dataset == "" {
			names = append(names, f.Name+" in "+f.Dataset)
		} else {
			names = append(names, f.Name)
		}
	}
	switch {
	case len(hits) == 1:
		return hits[0], nil
	case len(hits) > 1:
		var ds []string
		for _, h := range hits {
			ds = append(ds, h.Dataset)
		}
		return store.SavedFunnel{}, usagef("saved funnel %q is in several datasets (%s): give --dataset", name, strings.Join(ds, ", "))
	}
	where := "any dataset"
	if dataset != "" {
		where = "dataset " + dataset
	}
	if len(names) == 0 {
		return store.SavedFunnel{}, fmt.Errorf("no saved funnel %q in %s: %w (none saved yet)", name, where, store.ErrNotFound)
	}
	return store.SavedFunnel{}, fmt.Errorf("no saved funnel %q in %s: %w (have: %s)", name, where, store.ErrNotFound, strings.Join(names, ", "))
}

// openSaved opens the store and finds the saved funnel name.
func (a *app) openSaved(cmd *cobra.Command, dataset, name string) (savedStore, store.SavedFunnel, error) {
	st, err := a.savedStore(cmd)
	if err != nil {
		return nil, store.SavedFunnel{}, err
	}
	f, err := findSaved(cmd, st, dataset, name)
	return st, f, err
}

func (a *app) funnelsDeleteCmd() *cobra.Command {
	var dataset string
	cmd := &cobra.Command{
		Use:   "delete NAME [--dataset NAME]",
		Short: "Delete a saved funnel",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, f, err := a.openSaved(cmd, dataset, args[0])
			if err != nil {
				return err
			}
			if err := st.DeleteFunnel(cmd.Context(), f.Dataset, f.Name); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted saved funnel %s from %s\n", f.Name, f.Dataset)
			return nil
		},
	}
	datasetFlag(cmd, &dataset)
	return cmd
}

func (a *app) funnelsRenameCmd() *cobra.Command {
	var dataset string
	cmd := &cobra.Command{
		Use:   "rename OLD NEW [--dataset NAME]",
		Short: "Rename a saved funnel",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(args[1]) == "" {
				return usagef("the new name is empty")
			}
			st, f, err := a.openSaved(cmd, dataset, args[0])
			if err != nil {
				return err
			}
			if err := st.RenameFunnel(cmd.Context(), f.Dataset, f.Name, args[1]); err != nil {
				if errors.Is(err, store.ErrExists) {
					return usageError{err}
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "renamed saved funnel %s to %s in %s\n", f.Name, args[1], f.Dataset)
			return nil
		},
	}
	datasetFlag(cmd, &dataset)
	return cmd
}

func datasetFlag(cmd *cobra.Command, dataset *string) {
	cmd.Flags().StringVarP(dataset, "dataset", "d", "", "the funnel's dataset (needed when several have one by that name)")
}
