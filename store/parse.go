package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"microfunnel/funnel"
)

// Parsed is one file's events read exactly as Import reads them (every
// format, shape and rule), stitched and de-duplicated within the file, as
// columns sorted by user then time: for a backend that keeps its events
// elsewhere (chstore). Nothing is written.
type Parsed struct {
	// Users is each user's id, by index: user u's events are
	// Events.UserStart[u] to Events.UserStart[u+1].
	Users  []string
	Events *funnel.Events // every property column in Props, Keys sorted
	// PropEvents is, by key, the number of events with a value.
	PropEvents map[string]int64
	// Hash is the SHA-256 of the content, as the import ledger keeps it.
	Hash  string
	Stats InsertStats
	// DedupKey is the property holding the vendor's de-duplication id
	// ("" for none): an event whose id the dataset already has is a
	// duplicate.
	DedupKey string
}

// Parse reads one export as Import does and returns its events without
// writing them. A file with any bad row is rejected whole unless SkipBad
// (then Rejects gets the bad rows, as for Import).
func Parse(ctx context.Context, dataset, source string, r io.Reader, o ImportOptions) (*Parsed, error) {
	start := time.Now()
	in, b, res, err := parseInput(ctx, dataset, source, r, o)
	if err != nil {
		var bad *BadInputError
		if errors.As(err, &bad) {
			return nil, err
		}
		return nil, fmt.Errorf("import %s: %w", source, err)
	}
	st := InsertStats{Dataset: dataset, Source: source, Events: int64(b.len()), Users: int64(len(b.users)), Rejected: int64(res.bad.Count),
		Warnings: b.warnings(), IdentityCalls: b.identity, Skipped: b.skipped, Shape: in.shapeLabel()}
	links, dedupKey, noStitch := b.links, b.dedupKey, b.noStitch
	t := b.table()
	if !noStitch && len(links) > 0 {
		ids := newIdentities(len(links))
		for _, l := range links {
			ids.link(l[0], l[1])
		}
		st.Merged = int64(len(ids.parent))
		t = stitch(t, ids)
		st.Users = int64(t.numUsers())
		if ids.conflicts > 0 {
			st.Warnings = append(st.Warnings, fmt.Sprintf("%d identity links tie an id already joined to one user to another user; each id keeps its first user", ids.conflicts))
		}
	}
	if dedupKey != "" {
		t = dedupCounted(t, dedupKey, &st)
	}
	p := &Parsed{Users: t.users, Hash: hex.EncodeToString(in.hash.Sum(nil)), PropEvents: make(map[string]int64, len(t.cols)), DedupKey: dedupKey,
		Events: &funnel.Events{UserStart: t.userStart, Time: t.ts, Name: t.name, Names: t.names, Props: make(map[string]*funnel.Property, len(t.cols))}}
	for k, c := range t.cols {
		p.Events.Props[k] = &funnel.Property{Values: c.values, Of: c.of, Number: c.number}
		p.PropEvents[k] = c.events
	}
	p.Events.Keys = sortedKeys(t.cols)
	st.Duration = time.Since(start)
	p.Stats = st
	return p, nil
}
