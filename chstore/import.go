package chstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"microfunnel/store"
)

// Import reads one export with the embedded store's importer (every format,
// vendor shape, stitching and de-duplication it has, within the file) into
// a scratch SQLite database, then streams the parsed events to ClickHouse in
// one batched INSERT. The events become visible only when the ledger row of
// the import is written, after the INSERT succeeded: an interrupted import
// leaves no visible events (and the next import of the dataset removes what
// it left). Content already in the ledger is refused with
// store.ErrAlreadyLoaded unless o.Force.
func (s *Store) Import(ctx context.Context, name, src string, r io.Reader, o store.ImportOptions) (store.InsertStats, error) {
	t0 := time.Now()
	var stats store.InsertStats
	if s.table != nil {
		return stats, ErrReadOnly
	}
	if err := s.ensureTables(ctx); err != nil {
		return stats, err
	}
	tmp, err := os.MkdirTemp("", "microfunnel-ch-import-")
	if err != nil {
		return stats, fmt.Errorf("import %s: scratch directory: %w", src, err)
	}
	defer os.RemoveAll(tmp)
	scratch, err := store.Open(filepath.Join(tmp, "scratch.db"))
	if err != nil {
		return stats, fmt.Errorf("import %s: scratch store: %w", src, err)
	}
	defer scratch.Close()
	h := sha256.New()
	stats, err = scratch.Import(ctx, name, src, io.TeeReader(r, h), o)
	if err != nil {
		return stats, err
	}
	// Drain what the parser left unread so the hash is the whole content's.
	if _, err := io.Copy(h, r); err != nil {
		return stats, fmt.Errorf("import %s: %w", src, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if !o.Force {
		seen, err := s.ledgerHas(ctx, name, sum)
		if err != nil {
			return stats, fmt.Errorf("import %s: %w", src, err)
		}
		if seen {
			return stats, fmt.Errorf("import %s into %s: %w", src, name, store.ErrAlreadyLoaded)
		}
	}
	if err := s.dropInvisible(ctx, name); err != nil {
		return stats, fmt.Errorf("import %s: %w", src, err)
	}
	id, err := newImportID()
	if err != nil {
		return stats, fmt.Errorf("import %s: %w", src, err)
	}
	n, err := s.insert(ctx, scratch, name, id)
	if err != nil {
		return stats, fmt.Errorf("import %s into %s: %w (nothing of it is visible)", src, s.cfg, err)
	}
	led := "INSERT INTO " + importsTable + " (dataset, import, sha256, source, events, users, at) VALUES (" +
		quote(name) + ", " + strconv.FormatUint(id, 10) + ", " + quote(sum) + ", " + quote(filepath.Base(src)) + ", " +
		strconv.FormatInt(n, 10) + ", " + strconv.FormatInt(stats.Users, 10) + ", now())"
	if err := s.c.exec(ctx, led); err != nil {
		return stats, fmt.Errorf("import %s: ledger: %w (nothing of it is visible)", src, err)
	}
	stats.Events = n
	stats.Duration = time.Since(t0)
	return stats, nil
}

func newImportID() (uint64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("import id: %w", err)
	}
	return binary.LittleEndian.Uint64(b[:]) >> 1, nil
}

func (s *Store) ledgerHas(ctx context.Context, name, sum string) (bool, error) {
	seen := false
	err := s.c.rows(ctx, "SELECT count() FROM "+importsTable+" WHERE dataset = "+quote(name)+" AND sha256 = "+quote(sum), func(f []string) error {
		seen = f[0] != "0"
		return nil
	})
	return seen, err
}

// dropInvisible deletes the events of interrupted imports of a dataset.
func (s *Store) dropInvisible(ctx context.Context, name string) error {
	orphan := "dataset = " + quote(name) + " AND import NOT IN (SELECT import FROM " + importsTable + " WHERE dataset = " + quote(name) + ")"
	var n int64
	err := s.c.rows(ctx, "SELECT count() FROM "+eventsTable+" WHERE "+orphan, func(f []string) error {
		n, _ = strconv.ParseInt(f[0], 10, 64)
		return nil
	})
	if err != nil || n == 0 {
		return err
	}
	return s.c.exec(ctx, "ALTER TABLE "+eventsTable+" DELETE WHERE "+orphan)
}

// insert streams the scratch dataset's events to ClickHouse as
// RowBinary rows of one INSERT (the server cuts it into blocks).
func (s *Store) insert(ctx context.Context, scratch *store.Store, name string, id uint64) (int64, error) {
	pr, pw := io.Pipe()
	exported := make(chan error, 1)
	go func() {
		_, err := scratch.Export(ctx, name, "csv", pw)
		pw.CloseWithError(err)
		exported <- err
	}()
	tr, tw := io.Pipe()
	var n int64
	converted := make(chan error, 1)
	go func() {
		var err error
		n, err = toRowBinary(pr, tw, name, id)
		pr.CloseWithError(err)
		tw.CloseWithError(err)
		converted <- err
	}()
	rc, err := s.c.do(ctx, "INSERT INTO "+eventsTable+" (dataset, import, user, t, event, keys, vals) FORMAT RowBinary", tr, false)
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
	}
	tr.CloseWithError(errors.New("insert ended"))
	cerr, eerr := <-converted, <-exported
	switch {
	case eerr != nil:
		return 0, eerr
	case cerr != nil && err == nil:
		return 0, cerr
	}
	return n, err
}

// toRowBinary converts the store's CSV export (user, event, time, then one
// column a property) to RowBinary rows of microfunnel_events (the cheapest
// format for the server to read: no escaping, no number parsing).
func toRowBinary(r io.Reader, w io.Writer, name string, id uint64) (int64, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return 0, fmt.Errorf("read the scratch export: %w", err)
	}
	keys := append([]string(nil), head[3:]...)
	prefix := appendRBString(nil, name)
	prefix = binary.LittleEndian.AppendUint64(prefix, id)
	var b []byte
	var n int64
	vals := make([]string, 0, len(keys))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, fmt.Errorf("read the scratch export: %w", err)
		}
		ts, err := time.Parse(store.ExportTime, rec[2])
		if err != nil {
			return n, fmt.Errorf("read the scratch export: time %q: %w", rec[2], err)
		}
		b = append(b, prefix...)
		b = appendRBString(b, rec[0])
		b = binary.LittleEndian.AppendUint64(b, uint64(ts.UnixMilli()))
		b = appendRBString(b, rec[1])
		vals = vals[:0]
		for _, v := range rec[3:] {
			if v != "" {
				vals = append(vals, v)
			}
		}
		b = binary.AppendUvarint(b, uint64(len(vals)))
		for i, v := range rec[3:] {
			if v != "" {
				b = appendRBString(b, keys[i])
			}
		}
		b = binary.AppendUvarint(b, uint64(len(vals)))
		for _, v := range vals {
			b = appendRBString(b, v)
		}
		n++
		if len(b) >= 1<<20 {
			if _, err := w.Write(b); err != nil {
				return n, err
			}
			b = b[:0]
		}
	}
	_, err = w.Write(b)
	return n, err
}

func appendRBString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
