package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"microfunnel/chstore"
	"microfunnel/dataset"
	"microfunnel/sample"
	"microfunnel/store"
)

// generateCH generates a sample dataset into ClickHouse: the generator's
// records are written as NDJSON into a pipe that chstore.Import reads, as
// it would read a file (plain NDJSON: no vendor shape, no stitching). With
// replace an existing dataset of the name is dropped first.
func generateCH(ctx context.Context, out, errw io.Writer, ch *chstore.Store, b sample.Business, name string, users int, seed uint64, replace bool) error {
	if _, err := ch.Dataset(ctx, name); err == nil {
		if !replace {
			return fmt.Errorf("dataset %s already exists: use --replace to generate it again", name)
		}
		if err := ch.Drop(ctx, name); err != nil {
			return fmt.Errorf("sample %s: %w", name, err)
		}
	} else if !errors.Is(err, chstore.ErrNotFound) {
		return fmt.Errorf("sample %s: %w", name, err)
	}
	bar := newProgress(errw, isTerminal(os.Stderr), "generating "+name, 0)
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeRecords(ctx, pw, b, users, seed, func(n int64) { bar.set(n, "events") }))
	}()
	src := fmt.Sprintf("sample %s users=%d seed=%d", b, users, seed)
	stats, err := ch.Import(ctx, name, src, pr, store.ImportOptions{Format: "ndjson", Shape: "none", NoStitch: true, UserCol: "user", EventCol: "event", TimeCol: "time"})
	pr.CloseWithError(errors.New("import ended"))
	bar.done()
	if err != nil {
		return fmt.Errorf("sample %s: %w", name, err)
	}
	fmt.Fprintf(out, "%s: %s, %s generated in %.2f s\n", name, plural(stats.Events, "event"), plural(stats.Users, "user"), stats.Duration.Seconds())
	return nil
}

// writeRecords writes the sample's records as NDJSON: user, event, time
// (store.ExportTime) and the properties, as strings.
func writeRecords(ctx context.Context, w io.Writer, b sample.Business, users int, seed uint64, progress func(int64)) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	n := int64(0)
	var line []byte
	err := sample.Generate(b, users, seed, func(r *dataset.Record) error {
		if n++; n%50000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			progress(n)
		}
		o := map[string]string{"user": r.User, "event": r.Event, "time": time.UnixMilli(r.Time).UTC().Format(store.ExportTime)}
		for _, p := range r.Props {
			if _, taken := o[p.Key]; taken {
				return fmt.Errorf("sample %s: property %q has the name of a column", b, p.Key)
			}
			if p.Value != "" {
				o[p.Key] = p.Value
			}
		}
		var err error
		if line, err = json.Marshal(o); err != nil {
			return err
		}
		bw.Write(line)
		return bw.WriteByte('\n')
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}
