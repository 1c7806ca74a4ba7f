package chstore

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// dropWait bounds the wait for the ledger's delete, which ClickHouse runs
// as a mutation in the background.
const dropWait = 30 * time.Second

// Drop deletes a dataset: its saved funnels, then its ledger rows, waiting until the
// server has applied that delete, so that the dataset is gone when Drop
// returns (and a file of it imports again); then its rows of every data
// table, which the server deletes in the background (until then they are
// invisible, and the next import of the dataset deletes them too).
func (s *Store) Drop(ctx context.Context, name string) error {
	if s.table != nil {
		return ErrReadOnly
	}
	m, err := s.meta(ctx, name)
	if err != nil {
		return err
	}
	if err := s.dropFunnels(ctx, name); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	delete(s.metas, name)
	ds := u32s(m.ds)
	if err := s.c.exec(ctx, "ALTER TABLE "+importsTable+" DELETE WHERE ds = "+ds+" AND dataset = "+quote(name)); err != nil {
		return fmt.Errorf("drop %s: ledger: %w", name, err)
	}
	if err := s.waitGone(ctx, m); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	for _, t := range dataTables {
		if err := s.c.exec(ctx, "ALTER TABLE "+t+" DELETE WHERE ds = "+ds); err != nil {
			return fmt.Errorf("drop %s: %s: %w (the dataset is gone; its rows there are deleted at its next import)", name, t, err)
		}
	}
	return nil
}

// waitGone waits until the ledger has no row of the dataset.
func (s *Store) waitGone(ctx context.Context, m *meta) error {
	deadline := time.Now().Add(dropWait)
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, 500*time.Millisecond) {
		var n int64
		err := s.c.rows(ctx, "SELECT count() FROM "+importsTable+" WHERE ds = "+u32s(m.ds)+" AND dataset = "+quote(m.name), func(f []string) error {
			n, _ = strconv.ParseInt(f[0], 10, 64)
			return nil
		})
		if err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server has not deleted its ledger rows after %v (see system.mutations of table %s); the dataset disappears once it has", dropWait, importsTable)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}
