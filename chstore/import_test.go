package chstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"microfunnel/store"
)

// cutReader fails after n bytes: an import interrupted mid-stream.
type cutReader struct {
	r io.Reader
	n int
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errors.New("connection lost")
	}
	if len(p) > c.n {
		p = p[:c.n]
	}
	k, err := c.r.Read(p)
	c.n -= k
	return k, err
}

// Bad input and interruptions write nothing visible: a file cut off in
// the middle, a file with too many keys, and a cancelled import.
func TestImportFailuresLeaveNothing(t *testing.T) {
	data := genCSV(31, 400, false)
	f := newFixture(t, data)
	before, err := f.ch.Datasets(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	events, _ := f.ch.EventCounts(f.ctx, "d")
	more := genCSV(32, 300, false)
	wide := &bytes.Buffer{}
	wide.WriteString("user,event,time")
	for k := 0; k <= maxSlots; k++ {
		fmt.Fprintf(wide, ",k%d", k)
	}
	wide.WriteString("\nu1,a,2026-09-01T00:00:00Z" + strings.Repeat(",1", maxSlots+1) + "\n")
	cancelled, cancel := context.WithCancel(f.ctx)
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		r    io.Reader
		want string
	}{
		{"cut off", f.ctx, &cutReader{bytes.NewReader(more), len(more) / 2}, "connection lost"},
		{"too many keys", f.ctx, bytes.NewReader(wide.Bytes()), "at most 1000"},
		{"cancelled", cancelled, bytes.NewReader(more), "context canceled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.ch.Import(c.ctx, "d", "more.csv", c.r, store.ImportOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			after, err := f.ch.Datasets(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			evs, _ := f.ch.EventCounts(f.ctx, "d")
			if !reflect.DeepEqual(before, after) || !reflect.DeepEqual(events, evs) {
				t.Errorf("the failed import is visible:\n%+v\n%+v", before, after)
			}
		})
	}
	// The same file, whole, imports after all that.
	if _, err := f.ch.Import(f.ctx, "d", "more.csv", bytes.NewReader(more), store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	after, _ := f.ch.Datasets(f.ctx)
	if after[0].Events != before[0].Events+int64(bytes.Count(more, []byte("\n"))-1) {
		t.Errorf("after the good import: %+v (before %+v)", after, before)
	}
}

// Tables of the first layout are refused with what to do, and nothing is
// written into them.
func TestLegacyTablesRefused(t *testing.T) {
	cfg := server(t)
	ctx := context.Background()
	c := newClient(cfg)
	if err := c.exec(ctx, "CREATE TABLE "+eventsTable+" (dataset String, import UInt64, user String, t Int64, event String, keys Array(String), vals Array(String)) ENGINE = MergeTree() ORDER BY (dataset, user, t)"); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Import(ctx, "d", "f.csv", bytes.NewReader(genCSV(1, 5, false)), store.ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "earlier layout") || !strings.Contains(err.Error(), "DROP TABLE") {
		t.Errorf("import: %v", err)
	}
	if _, err := s.Datasets(ctx); err == nil || !strings.Contains(err.Error(), "earlier layout") {
		t.Errorf("datasets: %v", err)
	}
}

// Two imports into one dataset at once: the one that finishes second
// stays invisible and says so, since its ids may clash with the first's.
func TestConcurrentImports(t *testing.T) {
	f := newFixture(t, genCSV(41, 100, false))
	other := genCSV(42, 100, false)
	beforeLedger = func() {
		beforeLedger = nil
		if _, err := f.ch.Import(f.ctx, "d", "other.csv", bytes.NewReader(other), store.ImportOptions{}); err != nil {
			t.Errorf("the other import: %v", err)
		}
	}
	defer func() { beforeLedger = nil }()
	_, err := f.ch.Import(f.ctx, "d", "more.csv", bytes.NewReader(genCSV(43, 100, false)), store.ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "another import into d finished while this one ran") {
		t.Fatalf("got %v", err)
	}
	ds, err := f.ch.Datasets(f.ctx)
	if err != nil || len(ds) != 1 || ds[0].Version != 2 {
		t.Errorf("datasets: %+v %v (want the first file and the other one)", ds, err)
	}
}
