package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

func (a *app) datasetsCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "datasets",
		Short: "List datasets with their events, users and time range",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "table", "json", "csv"); err != nil {
				return err
			}
			st, err := a.catalog(cmd.Context())
			if err != nil {
				return err
			}
			ds, err := st.Datasets(cmd.Context())
			if err != nil {
				return err
			}
			if len(ds) == 0 && format == "table" {
				fmt.Fprintln(cmd.OutOrStdout(), "no datasets yet: run `microfunnel sample` or `microfunnel import --dataset NAME FILE`")
				return nil
			}
			t := table{header: []string{"dataset", "events", "users", "first", "last"}, json: nonNil(ds)}
			for _, d := range ds {
				t.rows = append(t.rows, []any{d.Name, d.Events, d.Users, fmtTime(d.First), fmtTime(d.Last)})
			}
			return t.write(cmd.OutOrStdout(), format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json or csv")
	return cmd
}

// nonNil makes an empty listing encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// openForListing checks a per-dataset listing's --format and --dataset, then
// opens the store (embedded or ClickHouse).
func (a *app) openForListing(ctx context.Context, format, dataset string) (catalog, error) {
	if err := checkFormat(format, "table", "json", "csv"); err != nil {
		return nil, err
	}
	if err := needDataset(dataset); err != nil {
		return nil, err
	}
	return a.catalog(ctx)
}

func (a *app) eventsCmd() *cobra.Command {
	var format, dataset string
	cmd := &cobra.Command{
		Use:   "events --dataset NAME",
		Short: "List a dataset's event names with event and user counts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.openForListing(cmd.Context(), format, dataset)
			if err != nil {
				return err
			}
			ec, err := st.EventCounts(cmd.Context(), dataset)
			if err != nil {
				return err
			}
			t := table{header: []string{"event", "events", "users"}, json: nonNil(ec)}
			for _, e := range ec {
				t.rows = append(t.rows, []any{e.Name, e.Events, e.Users})
			}
			return t.write(cmd.OutOrStdout(), format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json or csv")
	cmd.Flags().StringVarP(&dataset, "dataset", "d", "", "dataset name (required)")
	return cmd
}

func (a *app) propsCmd() *cobra.Command {
	var format, dataset string
	var limit int
	cmd := &cobra.Command{
		Use:   "props --dataset NAME [KEY]",
		Short: "List property keys with their type and distinct values, or the top values of one key",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.openForListing(cmd.Context(), format, dataset)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				vs, err := st.PropValues(cmd.Context(), dataset, args[0], limit)
				if err != nil {
					return err
				}
				t := table{header: []string{"value", "users", "events"}, json: nonNil(vs)}
				for _, v := range vs {
					t.rows = append(t.rows, []any{v.Value, v.Users, v.Events})
				}
				return t.write(cmd.OutOrStdout(), format)
			}
			ps, err := st.Props(cmd.Context(), dataset)
			if err != nil {
				return err
			}
			t := table{header: []string{"property", "type", "distinct values", "events"}, json: nonNil(ps)}
			for _, p := range ps {
				t.rows = append(t.rows, []any{p.Key, p.Type, p.Distinct, p.Events})
			}
			return t.write(cmd.OutOrStdout(), format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json or csv")
	cmd.Flags().StringVarP(&dataset, "dataset", "d", "", "dataset name (required)")
	cmd.Flags().IntVar(&limit, "limit", 20, "with KEY: how many values to list (0 lists all)")
	return cmd
}

func (a *app) dropCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "drop DATASET",
		Short: "Delete a dataset with its events and saved funnels",
		Long: `Delete a dataset with its events and saved funnels.

On ClickHouse (--db clickhouse://...) the dataset's ledger rows go first, so
it is gone when drop returns and its files import again; its rows of the
other tables are deleted by the server in the background (ALTER TABLE ...
DELETE), and meanwhile count nowhere. An existing table (--ch-table) is
read-only and cannot be dropped.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if ch, err := a.clickhouse(cmd.Context()); err != nil || ch != nil {
				if err != nil {
					return err
				}
				if a.ch.table != "" {
					return usagef("drop: --ch-table %s is an existing table, read-only: microfunnel drops only datasets it imported", a.ch.table)
				}
				if err := ch.Drop(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "dropped dataset %s\n", args[0])
				return nil
			}
			st, err := a.open()
			if err != nil {
				return err
			}
			if err := st.DeleteDataset(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "dropped dataset %s\n", args[0])
			return nil
		},
	}
}
