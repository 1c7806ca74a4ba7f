package funnel

import (
	"fmt"
	"math"
)

// UserScan walks the users a funnel counts, in the dataset's user order,
// one at a time (so a caller can stream them): each user's furthest step
// and the time of the chain's event at that step. It counts users, whatever
// the definition's Count, and honours its Segment.
type UserScan struct {
	w    *worker
	keep func(v uint32) bool // segment: attributed value ids kept; nil: all
	nu   int
	u    int

	hit   bool
	level int
	last  int64
	chain []uint32
}

// UserAt is one counted user: its index in the Events, its furthest step
// (1-based) and the time of its chain's event at that step.
type UserAt struct {
	User  int
	Level int
	Last  int64
	// Chain is the counted chain's event of each step reached (indices
	// into the Events), valid until the next call of Next.
	Chain []uint32
}

// NewUserScan compiles d for a UserScan over ev.
func NewUserScan(d *Definition, ev *Events) (*UserScan, error) {
	if d == nil {
		return nil, fmt.Errorf("no funnel definition")
	}
	dd := *d
	dd.Count = Users
	var keep func(uint32) bool
	if sf := d.Segment; sf != nil {
		if err := d.Validate(); err != nil {
			return nil, fmt.Errorf("funnel definition: %w", err)
		}
		if err := checkSegmentValue(sf, ev); err != nil {
			return nil, err
		}
		dd.Segment, dd.By = nil, sf.Key
		if sf.Value != OtherSegment {
			dd.TopN = math.MaxInt32
		}
		var err error
		if keep, err = segmentKeeper(&dd, ev, *sf); err != nil {
			return nil, err
		}
	} else {
		dd.By = ""
	}
	p, err := compile(&dd, ev, false)
	if err != nil {
		return nil, err
	}
	s := &UserScan{keep: keep, nu: ev.NumUsers()}
	if p.names == nil { // an empty dataset
		s.nu = 0
	}
	p.drop = &dropSpec{each: func(w *worker, l int, chain []uint32) {
		if s.keep != nil && !s.keep(w.attrValue(chain, l)) {
			return
		}
		s.hit, s.level, s.last = true, l, w.time[chain[l-1]]
		s.chain = append(s.chain[:0], chain[:l]...)
	}}
	s.w = newWorker(p, ev, false)
	return s, nil
}

// Next returns the next counted user, false after the last.
func (s *UserScan) Next() (UserAt, bool) {
	for s.u < s.nu {
		u := s.u
		s.u++
		s.hit = false
		s.w.user(u)
		if s.hit {
			return UserAt{User: u, Level: s.level, Last: s.last, Chain: s.chain}, true
		}
	}
	return UserAt{}, false
}
