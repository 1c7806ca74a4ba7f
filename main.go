// Command microfunnel explores conversion funnels in a terminal: a SQLite
// event store, a funnel engine, sample datasets for three business types, a
// Bubble Tea dashboard and a headless report.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/adrg/xdg"
	"github.com/spf13/cobra"

	"microfunnel/chstore"
	"microfunnel/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := newRoot().ExecuteContext(ctx)
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "microfunnel:", err)
	var ue usageError
	if errors.As(err, &ue) {
		os.Exit(2)
	}
	os.Exit(1)
}

// usageError is a wrong flag or argument: exit code 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// needDataset checks the --dataset flag that a command cannot do without.
func needDataset(name string) error {
	if name == "" {
		return usagef("--dataset is required (list them with: microfunnel datasets)")
	}
	return nil
}

// app holds what every command shares.
type app struct {
	dbFlag  string
	st      *store.Store
	ch      chFlags
	chs     *chstore.Store
	cmdPath string // the command running, for messages
}

// dbPath is --db, else $MICROFUNNEL_DB, else microfunnel.db in the user's
// data directory.
func (a *app) dbPath() (string, error) {
	if a.dbFlag != "" {
		return a.dbFlag, nil
	}
	if p := os.Getenv("MICROFUNNEL_DB"); p != "" {
		return p, nil
	}
	p, err := xdg.DataFile(filepath.Join("microfunnel", "microfunnel.db"))
	if err != nil {
		return "", fmt.Errorf("find the data directory (set --db or MICROFUNNEL_DB): %w", err)
	}
	return p, nil
}

// open opens the embedded store. With --db clickhouse://, the commands
// that work on ClickHouse ask a.clickhouse first; the others end here with
// a clear refusal.
func (a *app) open() (*store.Store, error) {
	if a.st != nil {
		return a.st, nil
	}
	if _, ok, err := a.clickhouseURL(); err != nil || ok {
		if err == nil {
			err = notOnClickHouse(a.cmdPath, "it reads or writes the embedded store only")
		}
		return nil, err
	}
	p, err := a.dbPath()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(p)
	if err != nil {
		return nil, err
	}
	a.st = st
	return st, nil
}

func (a *app) close() {
	if a.st != nil {
		a.st.Close()
		a.st = nil
	}
	if a.chs != nil {
		a.chs.Close()
		a.chs = nil
	}
}

func newRoot() *cobra.Command {
	a := &app{}
	root := &cobra.Command{
		Use:   "microfunnel",
		Short: "Explore conversion funnels in the terminal",
		Long: `microfunnel explores conversion funnels: the macro conversion of a site or
app (a purchase, a request, a registration) and the micro conversions on the
way to it (viewing a product, adding to cart or wishlist, viewing case
studies, subscribing to a newsletter...), with drop-off bars by segment.

With no command it opens the dashboard on the online-store sample (generating
the three sample datasets on first run); when stdout is not a terminal it
prints the store's funnel report instead.

--db clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE runs the commands on
events in a ClickHouse server, the funnels computed there; every command but
bench works there (see the README, "Events in ClickHouse").`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDefault(cmd)
		},
		PersistentPreRun:  func(c *cobra.Command, _ []string) { a.cmdPath = c.CommandPath() },
		PersistentPostRun: func(*cobra.Command, []string) { a.close() },
	}
	root.PersistentFlags().StringVar(&a.dbFlag, "db", "", "database file, or clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE (HTTP port, default 8123) (default $MICROFUNNEL_DB, else microfunnel.db in the user data directory)")
	a.ch.register(root)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	root.AddCommand(
		a.importCmd(),
		a.datasetsCmd(), a.eventsCmd(), a.propsCmd(), a.dropCmd(), a.exportCmd(),
		a.reportCmd(), a.driversCmd(), a.usersCmd(), a.explainCmd(), a.funnelsCmd(), a.sampleCmd(), a.presetsCmd(), a.compareCmd(), a.uiCmd(), a.benchCmd(),
	)
	usageArgs(root)
	return root
}

// usageArgs makes a wrong number of arguments a usage error (exit 2), like
// a wrong flag, for c and every command under it.
func usageArgs(c *cobra.Command) {
	if args := c.Args; args != nil {
		c.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return usageError{fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// useColor: colour only on a terminal, and never when NO_COLOR is set.
func useColor(f *os.File) bool {
	_, no := os.LookupEnv("NO_COLOR")
	return !no && isTerminal(f)
}
