package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func (a *app) exportCmd() *cobra.Command {
	var format, dataset, out string
	cmd := &cobra.Command{
		Use:   "export --dataset NAME [--format csv|ndjson] [--out FILE]",
		Short: "Write every event of a dataset with every property, as imported",
		Long: `Export writes every event of a dataset with every property, sorted by user
then time: CSV (a header, then one row an event; an empty cell is a missing
property) or NDJSON (one object an event, properties as top-level keys,
values of number properties as JSON numbers). The user, event and time
columns are named user, event and time (with a leading underscore while a
property has that name); times are RFC 3339 in UTC with milliseconds.

On ClickHouse (--db clickhouse://...) the file is the same, read from the
server: the dictionaries once, then the events as one sorted stream; with
--ch-table the properties are the keys of the --ch-props-json column.

It streams a chunk of events at a time, so its memory is the dataset's
dictionaries (user ids, event names, property values), not its events.
With --out the file appears only once it is complete.

Importing an export gives the same events back:
  microfunnel export --dataset shop --out shop.csv
  microfunnel import --dataset copy --user user --event event --time time shop.csv

A SQL user can load an export into any SQL engine, for example:
  sqlite3 shop.sqlite '.import --csv shop.csv events'
  duckdb -c "CREATE TABLE events AS SELECT * FROM read_csv('shop.csv')"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "csv", "ndjson"); err != nil {
				return err
			}
			if err := needDataset(dataset); err != nil {
				return err
			}
			st, err := a.exporter(cmd.Context())
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err := st.Export(cmd.Context(), dataset, format, cmd.OutOrStdout())
				return err
			}
			// Written beside the target and renamed when complete, so an
			// interrupted export never leaves a truncated file under the name.
			f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			n, err := st.Export(cmd.Context(), dataset, format, f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = os.Rename(f.Name(), out)
			}
			if err != nil {
				os.Remove(f.Name())
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s from %s\n", out, plural(n, "event"), dataset)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "csv", "output format: csv or ndjson")
	cmd.Flags().StringVarP(&dataset, "dataset", "d", "", "dataset name (required)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	return cmd
}

// exporter is the store an export reads: ClickHouse or the embedded store.
func (a *app) exporter(ctx context.Context) (interface {
	Export(ctx context.Context, dataset, format string, w io.Writer) (int64, error)
}, error) {
	ch, err := a.clickhouse(ctx)
	if err != nil || ch != nil {
		return ch, err
	}
	return a.open()
}
