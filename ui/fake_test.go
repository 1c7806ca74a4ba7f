package ui

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"sync"
	"time"

	"microfunnel/dataset"
	"microfunnel/funnel"
	"microfunnel/store"
)

// fakeBackend is a Backend over in-memory events, so screen tests need no
// database and no engine build.
type fakeBackend struct {
	mu       sync.Mutex
	data     map[string]*funnel.Events
	saved    map[string][]dataset.SavedFunnel
	settings map[string]string
	loadErr  error
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{
		data:     map[string]*funnel.Events{"shop": seededEvents(1, 400), "blog": seededEvents(2, 150)},
		saved:    map[string][]dataset.SavedFunnel{},
		settings: map[string]string{},
	}
}

func (f *fakeBackend) Path() string { return "/tmp/test.db" }

func (f *fakeBackend) Datasets(ctx context.Context) ([]dataset.Info, error) {
	var out []dataset.Info
	for _, n := range []string{"shop", "blog"} {
		d, _ := f.Dataset(ctx, n)
		out = append(out, d)
	}
	return out, nil
}

func (f *fakeBackend) Dataset(_ context.Context, name string) (dataset.Info, error) {
	ev, ok := f.data[name]
	if !ok {
		return dataset.Info{}, fmt.Errorf("dataset %s: %w", name, store.ErrNotFound)
	}
	lo, hi := ev.Time[0], ev.Time[0]
	for _, t := range ev.Time {
		lo, hi = min(lo, t), max(hi, t)
	}
	return dataset.Info{Name: name, Events: int64(ev.Len()), Users: int64(ev.NumUsers()),
		First: time.UnixMilli(lo).UTC(), Last: time.UnixMilli(hi).UTC(), Version: 1}, nil
}

func (f *fakeBackend) EventCounts(_ context.Context, name string) ([]dataset.EventCount, error) {
	ev := f.data[name]
	users := make([]map[int]bool, len(ev.Names))
	counts := make([]int64, len(ev.Names))
	for u := 0; u < ev.NumUsers(); u++ {
		for i := ev.UserStart[u]; i < ev.UserStart[u+1]; i++ {
			n := ev.Name[i]
			counts[n]++
			if users[n] == nil {
				users[n] = map[int]bool{}
			}
			users[n][u] = true
		}
	}
	var out []dataset.EventCount
	for i, n := range ev.Names {
		out = append(out, dataset.EventCount{Name: n, Events: counts[i], Users: int64(len(users[i]))})
	}
	return out, nil
}

func (f *fakeBackend) Props(_ context.Context, name string) ([]dataset.PropInfo, error) {
	ev := f.data[name]
	var out []dataset.PropInfo
	for k, p := range ev.Props {
		out = append(out, dataset.PropInfo{Key: k, Distinct: int64(len(p.Values) - 1)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (f *fakeBackend) PropValues(_ context.Context, name, key string, limit int) ([]dataset.ValueCount, error) {
	ev := f.data[name]
	p := ev.Props[key]
	if p == nil {
		return nil, fmt.Errorf("property %q: %w", key, store.ErrNotFound)
	}
	out := make([]dataset.ValueCount, len(p.Values))
	for u := 0; u < ev.NumUsers(); u++ {
		seen := map[uint32]bool{}
		for i := ev.UserStart[u]; i < ev.UserStart[u+1]; i++ {
			v := p.Of[i]
			out[v].Events++
			if !seen[v] {
				seen[v] = true
				out[v].Users++
			}
		}
	}
	for i, v := range p.Values {
		out[i].Value = v
	}
	out = out[1:]
	sort.SliceStable(out, func(i, j int) bool { return out[i].Users > out[j].Users })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (f *fakeBackend) Load(_ context.Context, name string) (*funnel.Events, error) {
	if f.loadErr != nil {
		return nil, f.loadErr
	}
	ev, ok := f.data[name]
	if !ok {
		return nil, store.ErrNotFound
	}
	return ev, nil
}

func (f *fakeBackend) SaveFunnel(_ context.Context, ds, name string, def funnel.Definition) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	list := f.saved[ds][:0:0]
	for _, s := range f.saved[ds] {
		if s.Name != name {
			list = append(list, s)
		}
	}
	f.saved[ds] = append(list, dataset.SavedFunnel{Name: name, Dataset: ds, Definition: def})
	return nil
}

func (f *fakeBackend) Funnels(_ context.Context, ds string) ([]dataset.SavedFunnel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]dataset.SavedFunnel(nil), f.saved[ds]...), nil
}

func (f *fakeBackend) DeleteFunnel(_ context.Context, ds, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, s := range f.saved[ds] {
		if s.Name == name {
			f.saved[ds] = append(f.saved[ds][:i], f.saved[ds][i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("funnel %q: %w", name, store.ErrNotFound)
}

func (f *fakeBackend) RenameFunnel(_ context.Context, ds, old, new string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, s := range f.saved[ds] {
		if s.Name == old {
			f.saved[ds][i].Name = new
			f.saved[ds][i].Definition.Name = new
			return nil
		}
	}
	return fmt.Errorf("funnel %q: %w", old, store.ErrNotFound)
}

func (f *fakeBackend) Setting(_ context.Context, key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.settings[key], nil
}

func (f *fakeBackend) SetSetting(_ context.Context, key, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settings[key] = value
	return nil
}

// seededEvents is a small shop: users view, cart, check out and buy, mobile
// users abandoning checkout more often, some adding to a wishlist.
func seededEvents(seed int64, users int) *funnel.Events {
	r := rand.New(rand.NewSource(seed))
	ev := &funnel.Events{
		Names: []string{"view_product", "add_to_cart", "begin_checkout", "purchase", "add_to_wishlist", "search"},
		Props: map[string]*funnel.Property{
			"device":  {Values: []string{"", "desktop", "mobile", "tablet"}},
			"country": {Values: []string{"", "US", "DE", "FR"}},
		},
	}
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for u := 0; u < users; u++ {
		ev.UserStart = append(ev.UserStart, uint32(ev.Len()))
		dev := 1 + r.Intn(3)
		ctry := 1 + r.Intn(3)
		t := t0 + int64(r.Intn(30*24*3600))*1000
		add := func(name uint32) {
			ev.Time = append(ev.Time, t)
			ev.Name = append(ev.Name, name)
			ev.Props["device"].Of = append(ev.Props["device"].Of, uint32(dev))
			ev.Props["country"].Of = append(ev.Props["country"].Of, uint32(ctry))
			t += int64(30+r.Intn(600)) * 1000
		}
		if r.Intn(4) == 0 {
			add(5)
		}
		add(0)
		if r.Intn(5) == 0 {
			add(4)
		}
		if r.Float64() > 0.5 {
			continue
		}
		add(1)
		pCheckout := 0.7
		if dev == 2 {
			pCheckout = 0.3
		}
		if r.Float64() > pCheckout {
			continue
		}
		add(2)
		if r.Float64() < 0.6 {
			add(3)
		}
	}
	ev.UserStart = append(ev.UserStart, uint32(ev.Len()))
	return ev
}
