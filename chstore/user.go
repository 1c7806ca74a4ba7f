package chstore

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"microfunnel/funnel"
)

// UserEvents reads every event of one user of a dataset, with every
// property, as a funnel.Events of that one user (nil when the dataset has
// no such user), for explain. Names lists every event name of the dataset
// and Keys every key, so a funnel's names check as on the whole dataset;
// each property's Values are only the values the user has. Events in one
// millisecond come in the server's order, which need not be the file's.
// Ids are stitched within each imported file only (see Import).
func (s *Store) UserEvents(ctx context.Context, name, user string) (*funnel.Events, error) {
	cat, err := s.Catalog(ctx, name, nil)
	if err != nil {
		return nil, err
	}
	keys := cat.Keys
	type row struct {
		t      int64
		event  string
		values []string
	}
	var rows []row
	if s.table != nil {
		src, err := s.source(ctx, name)
		if err != nil {
			return nil, err
		}
		cols := []string{"t", "event"}
		for _, k := range keys {
			cols = append(cols, src.prop(k))
		}
		err = s.c.rows(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+src.from+" WHERE user = "+quote(user)+" ORDER BY t", func(f []string) error {
			t, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil || len(f) != len(cols) {
				return fmt.Errorf("unexpected event row %q", f)
			}
			rows = append(rows, row{t, f[1], append([]string(nil), f[2:]...)})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("events of user %s in %s: %w", user, name, err)
		}
	} else {
		m, err := s.meta(ctx, name)
		if err != nil {
			return nil, err
		}
		infos, err := s.keyInfos(ctx, m)
		if err != nil {
			return nil, err
		}
		var uid string
		err = s.c.rows(ctx, "SELECT uid FROM "+usersTable+" WHERE "+m.visible()+" AND user = "+quote(user)+" LIMIT 1", func(f []string) error {
			uid = f[0]
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("user %s in %s: %w", user, name, err)
		}
		if uid == "" {
			return nil, nil
		}
		names, err := s.dict(ctx, m, kindEvent)
		if err != nil {
			return nil, err
		}
		cols := []string{"t", "event"}
		for _, k := range keys {
			cols = append(cols, slotCol(infos[k].slot))
		}
		var ids [][]uint32
		err = s.c.rows(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+eventsTable+" WHERE "+m.visible()+" AND user = "+uid+" ORDER BY t", func(f []string) error {
			t, err1 := strconv.ParseInt(f[0], 10, 64)
			ev, err2 := strconv.ParseUint(f[1], 10, 32)
			if err1 != nil || err2 != nil || len(f) != len(cols) {
				return fmt.Errorf("unexpected event row %q", f)
			}
			vs := make([]uint32, len(keys))
			for i := range keys {
				v, err := strconv.ParseUint(f[2+i], 10, 32)
				if err != nil {
					return fmt.Errorf("unexpected event row %q", f)
				}
				vs[i] = uint32(v)
			}
			rows = append(rows, row{t: t, event: names[uint32(ev)], values: make([]string, len(keys))})
			ids = append(ids, vs)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("events of user %s in %s: %w", user, name, err)
		}
		// The values the user has, in one query.
		used := map[string]bool{}
		var kinds []string
		var idList []string
		for i, k := range keys {
			for _, vs := range ids {
				if v := vs[i]; v != 0 {
					if !used[k] {
						used[k] = true
						kinds = append(kinds, quote(kindKey+k))
					}
					idList = append(idList, u32s(v))
				}
			}
		}
		if len(kinds) > 0 {
			val := map[string]string{} // kind \x00 id -> value
			err = s.c.rows(ctx, "SELECT kind, id, value FROM "+dictTable+" WHERE "+m.visible()+" AND kind IN ("+strings.Join(kinds, ", ")+") AND id IN ("+strings.Join(idList, ", ")+")", func(f []string) error {
				if len(f) != 3 {
					return fmt.Errorf("unexpected dictionary row %q", f)
				}
				val[f[0]+"\x00"+f[1]] = f[2]
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("values of user %s in %s: %w", user, name, err)
			}
			for j, vs := range ids {
				for i, k := range keys {
					if v := vs[i]; v != 0 {
						rows[j].values[i] = val[kindKey+k+"\x00"+u32s(v)]
					}
				}
			}
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	index := map[string]uint32{}
	for i, n := range cat.Names {
		index[n] = uint32(i)
	}
	ev := &funnel.Events{UserStart: []uint32{0, uint32(len(rows))}, Names: cat.Names, Keys: keys, Props: map[string]*funnel.Property{}}
	for _, r := range rows {
		id, ok := index[r.event]
		if !ok {
			return nil, fmt.Errorf("events of user %s in %s: event %q is not in the dataset's names", user, name, r.event)
		}
		ev.Time = append(ev.Time, r.t)
		ev.Name = append(ev.Name, id)
	}
	for i, k := range keys {
		p := &funnel.Property{Values: []string{""}, Of: make([]uint32, len(rows)), Number: cat.Props[k].Number}
		of := map[string]uint32{}
		for j, r := range rows {
			v := r.values[i]
			if v == "" {
				continue
			}
			id, ok := of[v]
			if !ok {
				id = uint32(len(p.Values))
				of[v] = id
				p.Values = append(p.Values, v)
			}
			p.Of[j] = id
		}
		ev.Props[k] = p
	}
	return ev, nil
}

// Catalog is a dataset without events, for checking a funnel's names and
// values as on the whole dataset (funnel.CheckNames, CheckValues): every
// event name (sorted), every key, and for each of values (keys the dataset
// lacks are left out) every value it has; every key has a Property, with
// Number set for a number property (and no values unless asked for).
func (s *Store) Catalog(ctx context.Context, name string, values []string) (*funnel.Events, error) {
	want := map[string]bool{}
	for _, k := range values {
		want[k] = true
	}
	ev := &funnel.Events{UserStart: []uint32{0}, Keys: []string{}, Props: map[string]*funnel.Property{}}
	if s.table == nil {
		m, err := s.meta(ctx, name)
		if err != nil {
			return nil, err
		}
		names, err := s.dict(ctx, m, kindEvent)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			ev.Names = append(ev.Names, n)
		}
		infos, err := s.keyInfos(ctx, m)
		if err != nil {
			return nil, err
		}
		for k, info := range infos {
			ev.Keys = append(ev.Keys, k)
			p := &funnel.Property{Values: []string{""}, Number: info.number && info.events > 0}
			if want[k] {
				d, err := s.dict(ctx, m, kindKey+k)
				if err != nil {
					return nil, err
				}
				for _, v := range d {
					p.Values = append(p.Values, v)
				}
			}
			ev.Props[k] = p
		}
	} else {
		counts, err := s.EventCounts(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, c := range counts {
			ev.Names = append(ev.Names, c.Name)
		}
		props, err := s.Props(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, pi := range props {
			ev.Keys = append(ev.Keys, pi.Key)
			p := &funnel.Property{Values: []string{""}, Number: pi.Type == "number"}
			if want[pi.Key] {
				vals, err := s.PropValues(ctx, name, pi.Key, 0)
				if err != nil {
					return nil, err
				}
				for _, v := range vals {
					if v.Value != "(none)" { // events without the key
						p.Values = append(p.Values, v.Value)
					}
				}
			}
			ev.Props[pi.Key] = p
		}
	}
	sort.Strings(ev.Names)
	sort.Strings(ev.Keys)
	for _, p := range ev.Props {
		sort.Strings(p.Values[1:])
	}
	return ev, nil
}

// CloseUsers lists the user ids of a dataset that funnel.Suggest could
// propose for user: those whose lower-cased length is within a third of
// its own (an edit distance that small needs it), or that share a prefix
// with it; filtered on the server, so that not every id is sent.
func (s *Store) CloseUsers(ctx context.Context, name, user string) ([]string, error) {
	src, err := s.source(ctx, name)
	if err != nil {
		return nil, err
	}
	ln := strings.ToLower(user)
	limit := len(user)/3 + 1
	from := "(SELECT DISTINCT user FROM " + src.from + ")"
	if o := src.own; o != nil {
		from = "(SELECT user FROM " + usersTable + " WHERE " + o.m.visible() + ")"
	}
	cond := "abs(toInt64(length(lowerUTF8(user))) - " + strconv.Itoa(len(ln)) + ") <= " + strconv.Itoa(limit)
	if len(ln) >= 3 {
		cond += " OR startsWith(lowerUTF8(user), " + quote(ln) + ") OR startsWith(" + quote(ln) + ", lowerUTF8(user))"
	}
	var out []string
	err = s.c.rows(ctx, "SELECT user FROM "+from+" WHERE "+cond, func(f []string) error {
		out = append(out, f[0])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("users of %s: %w", name, err)
	}
	return out, nil
}
