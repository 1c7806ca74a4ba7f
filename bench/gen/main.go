// Command gen writes the benchmark files: a REES46-shaped e-commerce CSV, a
// GA4-shaped BigQuery export NDJSON, or the synthetic export that
// `microfunnel bench` uses.
//
//	go run ./bench/gen --shape rees46|ga4|synthetic --events N [--seed S] --out FILE
//
// The same shape, events and seed give the same bytes. It prints the users
// and events written, and the file's size.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"microfunnel/sample"
)

var shapes = map[string]func(io.Writer, int, uint64) (int, int, error){
	"rees46":    sample.WriteREES46,
	"ga4":       sample.WriteGA4,
	"synthetic": sample.WriteExport,
}

// errUsage marks a bad command line: exit status 2.
var errUsage = errors.New("usage")

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "gen:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func usagef(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	shape := fs.String("shape", "", "rees46, ga4 or synthetic (required)")
	events := fs.Int("events", 0, "number of events to write (required, > 0)")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "file to write (required; - for stdout)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./bench/gen --shape rees46|ga4|synthetic --events N [--seed S] --out FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (every option is a flag)", fs.Arg(0))
	}
	write, ok := shapes[*shape]
	switch {
	case *shape == "":
		return usagef("--shape is required: rees46, ga4 or synthetic")
	case !ok:
		return usagef("unknown --shape %q: want rees46, ga4 or synthetic", *shape)
	case *events <= 0:
		return usagef("--events must be a positive number of events, got %d", *events)
	case strings.TrimSpace(*out) == "":
		return usagef("--out is required (a file, or - for stdout)")
	}
	var w io.Writer = stdout
	var f *os.File
	if *out != "-" {
		var err error
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	users, n, err := write(bw, *events, *seed)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && f != nil {
		err = f.Close()
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	if f != nil {
		st, err := os.Stat(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s: %s shape, %d events, %d users, %d bytes (%.0f bytes an event)\n",
			*out, *shape, n, users, st.Size(), float64(st.Size())/float64(max(n, 1)))
	}
	return nil
}
