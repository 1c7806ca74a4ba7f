package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"microfunnel/funnel"
	"microfunnel/sample"
	"microfunnel/store"
)

func (a *app) benchCmd() *cobra.Command {
	var events, runs int
	var dir string
	var keep, skipSQL bool
	cmd := &cobra.Command{
		Use:   "bench [--events N]",
		Short: "Measure import, cold start, warm recompute and memory against plain SQL on the same data",
		Long: `Generate a synthetic export of N events (default 10M, about 16 per user,
in time order), import it into a new database, then measure:
  import       events/s, including the final WAL checkpoint
  cold         a new process: open the database and print the first funnel
  warm         recomputing a changed 5-step funnel with the events in memory,
               without and with a breakdown (country: 20 values; device: 3)
  memory       resident bytes per event while computing
  SQL peer     the same funnel as plain SQL (a subquery per step over an
               index on (user, event, ts)) in SQLite, after loading the
               events into a table of rows, as a SQL user would
and print a Markdown table. See docs/BENCHMARKS.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if events < 1000 {
				return usagef("--events: want at least 1000")
			}
			if _, ok, err := a.clickhouseURL(); err != nil || ok {
				if err == nil {
					err = notOnClickHouse(a.cmdPath, "it measures the embedded store on data it generates; bash bench/clickhouse.sh measures ClickHouse")
				}
				return err
			}
			if dir == "" {
				d, err := os.MkdirTemp("", "microfunnel-bench-")
				if err != nil {
					return err
				}
				dir = d
				if !keep {
					defer os.RemoveAll(d)
				}
			} else if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			return runBench(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), dir, events, runs, skipSQL)
		},
	}
	cmd.Flags().IntVarP(&events, "events", "n", 10_000_000, "events to generate")
	cmd.Flags().IntVar(&runs, "runs", 15, "warm recomputes per measurement (the median is reported)")
	cmd.Flags().StringVar(&dir, "dir", "", "work directory (default: a temporary one, removed afterwards)")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary directory")
	cmd.Flags().BoolVar(&skipSQL, "skip-sql", false, "skip the SQL peer (it takes minutes at 10M events)")
	return cmd
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func msf(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

func benchDefinition(window time.Duration, by string) funnel.Definition {
	def := funnel.Definition{Window: funnel.Duration(window), By: by}
	for _, e := range sample.BenchFunnel {
		def.Steps = append(def.Steps, funnel.Step{Events: []string{e}})
	}
	return def
}

func runBench(ctx context.Context, out, log io.Writer, dir string, n, runs int, skipSQL bool) error {
	say := func(format string, a ...any) { fmt.Fprintf(log, format+"\n", a...) }
	csvPath := filepath.Join(dir, "events.csv")
	dbPath := filepath.Join(dir, "bench.db")
	for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm"} {
		os.Remove(p)
	}
	say("generating %s events into %s", count(int64(n)), csvPath)
	f, err := os.Create(csvPath)
	if err != nil {
		return err
	}
	users, n, err := sample.WriteExport(f, n, 1)
	f.Close()
	if err != nil {
		return fmt.Errorf("bench: write export: %w", err)
	}

	say("importing")
	st, err := store.Open(dbPath)
	if err != nil {
		return err
	}
	in, err := os.Open(csvPath)
	if err != nil {
		return err
	}
	t0 := time.Now()
	_, err = st.Import(ctx, "bench", "events.csv", in, store.ImportOptions{})
	in.Close()
	if err != nil {
		st.Close()
		return err
	}
	importOnly := time.Since(t0)
	if err := st.Close(); err != nil { // the WAL checkpoint happens here
		return err
	}
	importAll := time.Since(t0)

	steps := strings.Join(sample.BenchFunnel, ",")
	self, err := os.Executable()
	if err != nil {
		return err
	}
	say("cold start: a new process opens the database and prints the funnel (3 runs)")
	var colds []time.Duration
	var coldJSON []byte
	for i := 0; i < 3; i++ {
		c := exec.CommandContext(ctx, self, "--db", dbPath, "report", "--dataset", "bench", "--steps", steps, "--window", "24h", "--format", "json")
		c.Stderr = log
		t := time.Now()
		b, err := c.Output()
		if err != nil {
			return fmt.Errorf("bench: cold report: %w", err)
		}
		colds = append(colds, time.Since(t))
		coldJSON = b
	}

	say("warm recomputes (%d runs each)", runs)
	debug.FreeOSMemory()
	rss0 := rssBytes()
	st, err = store.Open(dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	t0 = time.Now()
	ev, err := st.Load(ctx, "bench")
	if err != nil {
		return err
	}
	load := time.Since(t0)
	warm := func(by string) ([]time.Duration, *funnel.Result, error) {
		var ds []time.Duration
		var res *funnel.Result
		for i := 0; i < runs; i++ {
			// A changed funnel each time: the window grows by a minute.
			def := benchDefinition(24*time.Hour+time.Duration(i)*time.Minute, by)
			t := time.Now()
			r, err := funnel.Compute(&def, ev)
			if err != nil {
				return nil, nil, err
			}
			ds = append(ds, time.Since(t))
			if i == 0 {
				res = r
			}
		}
		return ds, res, nil
	}
	plain, res, err := warm("")
	if err != nil {
		return err
	}
	byCountry, _, err := warm("country")
	if err != nil {
		return err
	}
	byDevice, _, err := warm("device")
	if err != nil {
		return err
	}
	runtime.GC()
	debug.FreeOSMemory()
	rss1 := rssBytes()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)

	var sqlIndex, sqlQuery time.Duration
	var sqlCounts []int64
	if !skipSQL {
		say("SQL peer: the events into a table of rows with an index, then the funnel as SQL (this takes a while)")
		sqlIndex, sqlQuery, sqlCounts, err = st.SQLFunnel(ctx, "bench", sample.BenchFunnel, 24*time.Hour)
		if err != nil {
			return fmt.Errorf("bench: SQL peer: %w", err)
		}
	}

	host, _ := os.Hostname()
	cpu := cpuModel()
	fmt.Fprintf(out, "microfunnel bench: %s events, %s users, 5-step sequential funnel, 24h window\n", count(int64(n)), count(int64(users)))
	fmt.Fprintf(out, "machine: %s, %d cores (GOMAXPROCS %d), %s, %s; host %s\n\n", cpu, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), time.Now().UTC().Format("2006-01-02"), host)
	fmt.Fprintln(out, "| measure | microfunnel | target |")
	fmt.Fprintln(out, "|---|---|---|")
	fmt.Fprintf(out, "| import (Import call) | %.2f s, %s events/s | ≥ 1,000,000 events/s |\n", importOnly.Seconds(), count(int64(float64(n)/importOnly.Seconds())))
	fmt.Fprintf(out, "| import incl. WAL checkpoint on close | %.2f s, %s events/s | |\n", importAll.Seconds(), count(int64(float64(n)/importAll.Seconds())))
	fmt.Fprintf(out, "| cold: new process, open + first funnel (best / median of 3) | %s / %s | ≤ 1 s |\n", msf(slices.Min(colds)), msf(median(colds)))
	fmt.Fprintf(out, "| load the user, time and event columns, in process | %s | |\n", msf(load))
	fmt.Fprintf(out, "| warm recompute, no breakdown (median / max of %d) | %s / %s | ≤ 80 ms |\n", runs, msf(median(plain)), msf(slices.Max(plain)))
	fmt.Fprintf(out, "| warm recompute, by country, 20 values (median / max) | %s / %s | ≤ 100 ms |\n", msf(median(byCountry)), msf(slices.Max(byCountry)))
	fmt.Fprintf(out, "| warm recompute, by device, 3 values (median / max) | %s / %s | ≤ 100 ms |\n", msf(median(byDevice)), msf(slices.Max(byDevice)))
	fmt.Fprintf(out, "| resident memory added by the loaded dataset | %.1f bytes/event (%s MiB; Go heap in use %s MiB) | ≤ 24 bytes/event |\n",
		float64(rss1-rss0)/float64(n), count((rss1-rss0)>>20), count(int64(ms.HeapInuse>>20)))
	if !skipSQL {
		fmt.Fprintf(out, "| SQL peer: load the rows and CREATE INDEX (user, event, ts) | %.2f s | |\n", sqlIndex.Seconds())
		fmt.Fprintf(out, "| SQL peer: funnel query | %.2f s (%.0fx the warm recompute, %.1fx the cold start) | |\n",
			sqlQuery.Seconds(), sqlQuery.Seconds()/median(plain).Seconds(), sqlQuery.Seconds()/median(colds).Seconds())
	}
	fmt.Fprintln(out)
	fmt.Fprint(out, "step users: microfunnel")
	for _, s := range res.Steps {
		fmt.Fprintf(out, " %d", s.Users)
	}
	if sqlCounts != nil {
		fmt.Fprint(out, "; SQL peer (first step-1 event of each user only)")
		for _, c := range sqlCounts {
			fmt.Fprintf(out, " %d", c)
		}
	}
	fmt.Fprintln(out)
	if !bytes.Contains(coldJSON, []byte(`"steps"`)) {
		return fmt.Errorf("bench: the cold report printed no steps")
	}
	return nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
