package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
)

// errStop ends EachUserID early without an error.
var errStop = errors.New("stop")

// EachUserID calls fn with every user's index (as in Load's Events) and id,
// in index order, reading the user ids one stored chunk at a time, so its
// memory is one chunk, not the dataset's ids. An error from fn stops it and
// is returned as is.
func (s *Store) EachUserID(ctx context.Context, dataset string, fn func(u int, id string) error) error {
	var fnErr error
	err := s.withMeta(ctx, dataset, func(tx *sql.Tx, m dsMeta) error {
		rows, err := tx.QueryContext(ctx, `SELECT data FROM packs WHERE dataset_id = ? AND part = ? AND version = ? ORDER BY seq`, m.id, partUserDict, m.version)
		if err != nil {
			return err
		}
		defer rows.Close()
		u := 0
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				return err
			}
			for p := 0; p < len(b); {
				n, k := binary.Uvarint(b[p:])
				if k <= 0 || uint64(len(b)-p-k) < n {
					return fmt.Errorf("user ids: %w", errPack)
				}
				p += k
				if err := fn(u, string(b[p:p+int(n)])); err != nil {
					fnErr = err
					return errStop
				}
				p += int(n)
				u++
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if u != int(m.users) {
			return fmt.Errorf("user ids: %d for %d users: %w", u, m.users, errPack)
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("user ids of %s: %w", dataset, err)
	}
	return nil
}

// FindUser is the index of the user id in Load's Events, -1 when the
// dataset has no such user. It reads the ids a chunk at a time.
func (s *Store) FindUser(ctx context.Context, dataset, user string) (int, error) {
	found := -1
	err := s.EachUserID(ctx, dataset, func(u int, id string) error {
		if id == user {
			found = u
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return -1, err
	}
	return found, nil
}

// MergedIDs lists the ids that identity stitching merged into user (its
// other ids, sorted), none when it has no others.
func (s *Store) MergedIDs(ctx context.Context, dataset, user string) ([]string, error) {
	var out []string
	err := s.withMeta(ctx, dataset, func(tx *sql.Tx, m dsMeta) error {
		ids, err := loadIdentities(ctx, tx, m, 0)
		if err != nil {
			return err
		}
		for _, x := range sortedKeys(ids.parent) {
			if x != user && ids.find(x) == user {
				out = append(out, x)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("merged ids of %s in %s: %w", user, dataset, err)
	}
	return out, nil
}
