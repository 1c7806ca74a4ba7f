package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// --db with a scheme is never a file path: clickhouse:// is parsed, any
// other scheme is a usage error, and nothing is created on disk.
func TestDBURLs(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, c := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"--db", "postgres://127.0.0.1:5432/x", "datasets"}, true, `unknown scheme "postgres"`},
		{[]string{"--db", "file:///tmp/x.db", "datasets"}, true, `unknown scheme "file"`},
		{[]string{"--db", "clickhouse://", "datasets"}, true, "no host"},
		{[]string{"--db", "clickhouse://127.0.0.1:8123", "datasets"}, true, "no database"},
		{[]string{"--db", "clickhouse://127.0.0.1:99999/x", "datasets"}, true, "not a port number"},
		{[]string{"--db", "clickhouse://127.0.0.1:8123/my-db", "datasets"}, true, "letters, digits and underscores"},
		{[]string{"--db", "x.db", "--ch-table", "events", "datasets"}, true, "need --db clickhouse://"},
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "--ch-user", "u", "datasets"}, true, "need --ch-table"},
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "--ch-table", "e", "datasets"}, true, "--ch-user is required"},
		// Port 1 refuses: a clear message, fast, exit 1.
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "datasets"}, false, "refused the connection"},
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "drop", "store"}, true, "does not work on ClickHouse"},
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "funnels"}, true, "does not work on ClickHouse"},
		{[]string{"--db", "clickhouse://127.0.0.1:1/x", "sample"}, true, "does not work on ClickHouse"},
	} {
		t0 := time.Now()
		_, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want an error containing %q", c.args, err, c.want)
			continue
		}
		var ue usageError
		if errors.As(err, &ue) != c.usage {
			t.Errorf("%v: usage error %v, want %v (%v)", c.args, !c.usage, c.usage, err)
		}
		if d := time.Since(t0); d > 5*time.Second {
			t.Errorf("%v: took %v", c.args, d)
		}
	}
	var made []string
	filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error {
		if p != dir {
			made = append(made, p)
		}
		return nil
	})
	if len(made) > 0 {
		t.Errorf("URLs created files: %v", made)
	}
}
