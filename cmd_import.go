package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"microfunnel/store"
)

func (a *app) importCmd() *cobra.Command {
	var o store.ImportOptions
	var dataset, rejects, eventMap string
	cmd := &cobra.Command{
		Use:   "import --dataset NAME [flags] FILE...",
		Short: "Import events from CSV, NDJSON (Segment, Mixpanel, PostHog, Amplitude, GA4) or access logs (gzip too; - reads stdin)",
		Long: `Import events from CSV, NDJSON or web server access logs into a dataset
(created if needed).

Columns are found by their common names unless named with a flag:
  user   ` + strings.Join(store.UserColumns, ", ") + `
  event  ` + strings.Join(store.EventColumns, ", ") + `
  time   ` + strings.Join(store.TimeColumns, ", ") + `
Nested NDJSON objects flatten to dot paths (context.device.type), and a
common name also matches the last part of a path (properties.time), so
Mixpanel and Segment exports import as they are; GA4 key/value lists
(event_params) become one property per key (event_params.page_location).
Every other column is an event property, stored as a column of its own
whatever its number of values (ids, prices, URLs); --ignore drops the ones
you do not need. A property whose every value is a number compares as one
in filters (price>=100). The input is parsed on every core.
Times may be RFC 3339, "YYYY-MM-DD HH:MM:SS[.fff][ UTC]" or unix seconds,
milliseconds or microseconds.

Vendor exports are recognised by content and named in the summary
(--shape forces one, --shape none reads the file as plain NDJSON):
  segment    track, page and screen calls are events (a page is named for
             the page, else "page"); identify and alias link ids; messageId
             de-duplicates; properties.* become top-level keys
  mixpanel   properties.* become top-level keys ($os, $current_url);
             $insert_id de-duplicates; $identify, $merge, $create_alias link ids
  posthog    event, distinct_id, timestamp, properties.* as top-level keys;
             uuid de-duplicates; $identify with $anon_distinct_id links ids
  amplitude  event_type, event_time, user_id else device_id (both link);
             insert_id de-duplicates; event_properties.* become top-level keys
  ga4        GA4 BigQuery and Firebase; user_id links to user_pseudo_id
Ids that an identity call or one event carries together are one user, also
across files of the dataset (--no-stitch keeps them apart); an event whose
insert id was already imported into the dataset counts once.
A CSV file without a header line: --columns user,item,category,event,time.
Web server access logs (Apache, nginx; common or combined) import with
--format accesslog, also recognised by content: one event a request, the
user is the client address with its user agent, the event the URL path (or
the name --event-map gives it); static files and crawlers are left out.

Each file is imported in one transaction. A file with any bad row is
rejected whole and the store is left as it was, unless --skip-bad is given:
then the good rows are imported and every bad row is written with its line
and reason to the rejects file. Content already imported into the dataset is
skipped (use --force to import it again).

With --db clickhouse://HOST:PORT/DATABASE the file is parsed the same way
and its events are sent to the server in one batched insert; they become
visible only once the whole file is in (README, "Events in ClickHouse").`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if err := needDataset(dataset); err != nil {
				return err
			}
			if err := store.ValidDatasetName(dataset); err != nil {
				return usagef("--dataset: %v", err)
			}
			if rejects != "" && len(files) > 1 {
				return usagef("--rejects names one file: with several inputs each gets its own FILE.rejects.tsv")
			}
			if o.Format != "" && o.Format != "csv" && o.Format != "ndjson" && o.Format != "accesslog" {
				return usagef("unknown --format %q: want csv, ndjson or accesslog", o.Format)
			}
			if o.Shape != "" && o.Shape != "none" && !slices.Contains(store.ShapeNames, o.Shape) {
				return usagef("unknown --shape %q: want %s or none", o.Shape, strings.Join(store.ShapeNames, ", "))
			}
			if eventMap != "" {
				f, err := os.Open(eventMap)
				if err != nil {
					return usagef("--event-map: %v", err)
				}
				o.EventMap, err = store.ParseEventMap(f)
				f.Close()
				if err != nil {
					return usagef("--event-map %s: %v", eventMap, err)
				}
			}
			if rejects != "" && !o.SkipBad {
				return usagef("--rejects needs --skip-bad")
			}
			var st importer
			ch, err := a.clickhouse(cmd.Context())
			if err != nil {
				return err
			}
			if ch != nil {
				st = ch
			} else if st, err = a.open(); err != nil {
				return err
			}
			failed := 0
			var last error
			for _, f := range files {
				if err := importOne(cmd, st, dataset, f, rejects, o); err != nil {
					if errors.Is(err, store.ErrAlreadyLoaded) {
						fmt.Fprintf(cmd.OutOrStdout(), "%s: already imported into %s, nothing added (--force imports it again)\n", f, dataset)
						continue
					}
					if len(files) == 1 {
						return err
					}
					fmt.Fprintln(cmd.ErrOrStderr(), "microfunnel:", err)
					failed++
					last = err
				}
			}
			if failed == 1 && len(files) == 1 {
				return last
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d files not imported", failed, len(files))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&dataset, "dataset", "d", "", "dataset to import into (required)")
	f.StringVar(&o.Format, "format", "", "input format: csv, ndjson or accesslog (default: detected from the content)")
	f.StringVar(&o.Shape, "shape", "", "vendor shape of an NDJSON export: "+strings.Join(store.ShapeNames, ", ")+", or none (default: recognised from the content)")
	f.BoolVar(&o.NoStitch, "no-stitch", false, "keep ids that identity calls or events link as separate users")
	f.StringSliceVar(&o.Columns, "columns", nil, "names of the columns of a CSV file without a header line (comma-separated)")
	f.StringVar(&eventMap, "event-map", "", `access logs: file of "PATTERN EVENT" lines naming events by URL path (/downloads/* download_material)`)
	f.StringVar(&o.UserCol, "user", "", "column holding the user id")
	f.StringVar(&o.EventCol, "event", "", "column holding the event name")
	f.StringVar(&o.TimeCol, "time", "", "column holding the event time")
	f.StringSliceVar(&o.Ignore, "ignore", nil, "columns not to keep as properties (comma-separated)")
	f.BoolVar(&o.SkipBad, "skip-bad", false, "import the good rows and write the bad ones to the rejects file")
	f.StringVar(&rejects, "rejects", "", "rejects file for --skip-bad (default FILE.rejects.tsv, or stdin.rejects.tsv)")
	f.BoolVar(&o.Force, "force", false, "import content that was already imported into the dataset")
	return cmd
}

// importer is the embedded store or ClickHouse.
type importer interface {
	Import(ctx context.Context, dataset, source string, r io.Reader, o store.ImportOptions) (store.InsertStats, error)
}

func importOne(cmd *cobra.Command, st importer, dataset, path, rejects string, o store.ImportOptions) error {
	var in io.Reader = cmd.InOrStdin()
	name, size := "stdin", int64(0)
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("import %s: %w", path, err)
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return fmt.Errorf("import %s: %w", path, err)
		}
		if fi.IsDir() {
			return fmt.Errorf("import %s: is a directory", path)
		}
		in, name, size = f, path, fi.Size()
	}
	if o.SkipBad {
		if rejects == "" {
			rejects = filepath.Base(name) + ".rejects.tsv"
			if path != "-" {
				rejects = path + ".rejects.tsv"
			}
		}
		// Written to a temporary name and renamed at the end, so an old
		// rejects file is replaced only by a complete new one.
		rf, err := os.CreateTemp(filepath.Dir(rejects), ".rejects-*")
		if err != nil {
			return fmt.Errorf("import %s: rejects file: %w", name, err)
		}
		defer os.Remove(rf.Name())
		defer rf.Close()
		fmt.Fprintln(rf, "line\treason\trow")
		o.Rejects = rf
	}
	o.SizeHint = size
	bar := newProgress(cmd.ErrOrStderr(), isTerminal(os.Stderr), "importing "+filepath.Base(name), size)
	o.Progress = func(n int64) { bar.set(n, "bytes") }
	stats, err := st.Import(cmd.Context(), dataset, name, in, o)
	bar.done()
	if f, ok := o.Rejects.(*os.File); ok {
		f.Close()
		// Kept whenever rows were rejected, also when all of them were.
		var bad *store.BadInputError
		if stats.Rejected > 0 || errors.As(err, &bad) && bad.Count > 0 {
			if rerr := os.Rename(f.Name(), rejects); rerr != nil {
				return fmt.Errorf("import %s: rejects file: %w", name, rerr)
			}
			if err != nil {
				return fmt.Errorf("%w (rejected rows written to %s)", err, rejects)
			}
		}
	}
	if err != nil {
		return err
	}
	if stats.Shape != "" {
		fmt.Fprintf(cmd.OutOrStdout(), "%s: recognised %s\n", name, stats.Shape)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %s, %s, %s rejected in %.2f s (%s events/s) into %s\n",
		name, plural(stats.Events, "event"), plural(stats.Users, "user"), count(stats.Rejected), stats.Duration.Seconds(), count(int64(stats.EventsPerSecond())), dataset)
	var notes []string
	if stats.IdentityCalls > 0 {
		notes = append(notes, plural(stats.IdentityCalls, "identity call")+" (they link ids, they are not events)")
	}
	if stats.Merged > 0 {
		notes = append(notes, plural(stats.Merged, "id")+" merged into another user")
	}
	if stats.Duplicates > 0 {
		notes = append(notes, plural(stats.Duplicates, "duplicate event")+" dropped (insert id already imported)")
	}
	for _, why := range slices.Sorted(maps.Keys(stats.Skipped)) {
		notes = append(notes, count(stats.Skipped[why])+" "+why+" left out")
	}
	if len(notes) > 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", name, strings.Join(notes, "; "))
	}
	if stats.Rejected > 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "%s: rejected rows written to %s\n", name, rejects)
	}
	for _, w := range stats.Warnings {
		fmt.Fprintf(cmd.ErrOrStderr(), "%s: warning: %s\n", name, w)
	}
	return nil
}
