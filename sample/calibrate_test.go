package sample

import (
	"flag"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"microfunnel/store"
)

// -numbers prints the figures docs/SAMPLES.md quotes, computed with a small
// reference funnel independent of the engine:
//
//	go test ./sample -run TestPlantedFindings -numbers -v
var numbers = flag.Bool("numbers", false, "print the planted findings' numbers for docs/SAMPLES.md")

// userEvents is one user's events, in time order, with the user-level
// segments (constant per user in the generators) and the business property
// of each event.
type userEvents struct {
	device, source string
	names          []string
	times          []int64
	types          []string
}

func collect(t testing.TB, b Business, users int, seed uint64) []userEvents {
	t.Helper()
	var out []userEvents
	lastUser := ""
	err := Generate(b, users, seed, func(r *store.Record) error {
		if r.User != lastUser {
			out = append(out, userEvents{device: r.Props[0].Value, source: r.Props[2].Value})
			lastUser = r.User
		}
		u := &out[len(out)-1]
		u.names = append(u.names, r.Event)
		u.times = append(u.times, r.Time)
		u.types = append(u.types, r.Props[4].Value)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// reach is how far (0 = not even step 1) the user gets through steps within
// window ms, ClickHouse windowFunnel style, and the index of the step-1 event
// of the furthest attempt.
func reach(u *userEvents, steps []string, window int64) (level int, first int) {
	starts := make([]int64, len(steps))
	startIdx := make([]int, len(steps))
	for i := range starts {
		starts[i] = -1
	}
	first = -1
	for i, name := range u.names {
		for k := len(steps) - 1; k >= 0; k-- {
			if name != steps[k] {
				continue
			}
			if k == 0 {
				starts[0], startIdx[0] = u.times[i], i
			} else if starts[k-1] >= 0 && u.times[i]-starts[k-1] <= window {
				starts[k], startIdx[k] = starts[k-1], startIdx[k-1]
			} else {
				continue
			}
			if k+1 > level {
				level, first = k+1, startIdx[k]
			}
			break
		}
	}
	return level, first
}

const week = 7 * msDay

// rates is per segment: users reaching each step.
type rates map[string][]int

func funnelBy(us []userEvents, steps []string, seg func(u *userEvents, first int) string) rates {
	out := rates{}
	for i := range us {
		lvl, first := reach(&us[i], steps, week)
		if lvl == 0 {
			continue
		}
		s := seg(&us[i], first)
		if out[s] == nil {
			out[s] = make([]int, len(steps))
		}
		for k := range lvl {
			out[s][k]++
		}
	}
	return out
}

func (r rates) String() string {
	var keys []string
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		c := r[k]
		fmt.Fprintf(&b, "  %-12s", k)
		for i, n := range c {
			if i == 0 {
				fmt.Fprintf(&b, " %6d", n)
			} else {
				fmt.Fprintf(&b, " -> %6d (%5.1f%%)", n, 100*float64(n)/float64(c[i-1]))
			}
		}
		fmt.Fprintf(&b, "  overall %5.2f%%\n", 100*float64(c[len(c)-1])/float64(c[0]))
	}
	return b.String()
}

// microLift: macro completion (within the window) of users who did the micro
// event vs those who did not, among all users; with a two-proportion z.
func microLift(us []userEvents, steps []string, micro string) string {
	var w, wn, o, on int
	for i := range us {
		lvl, _ := reach(&us[i], steps, week)
		did := false
		for _, n := range us[i].names {
			if n == micro {
				did = true
				break
			}
		}
		conv := lvl == len(steps)
		if did {
			wn++
			if conv {
				w++
			}
		} else {
			on++
			if conv {
				o++
			}
		}
	}
	p1, p2 := float64(w)/float64(wn), float64(o)/float64(on)
	p := float64(w+o) / float64(wn+on)
	z := (p1 - p2) / math.Sqrt(p*(1-p)*(1/float64(wn)+1/float64(on)))
	return fmt.Sprintf("%-22s did %6d: %5.2f%%  did not %6d: %5.2f%%  lift %.2f  z %.1f", micro, wn, 100*p1, on, 100*p2, p1/p2, z)
}

// logNumbers prints the figures docs/SAMPLES.md quotes (TestPlantedFindings
// calls it with -numbers).
func logNumbers(t *testing.T) {
	device := func(u *userEvents, _ int) string { return u.device }
	source := func(u *userEvents, _ int) string { return u.source }
	typ := func(u *userEvents, first int) string { return u.types[first] }
	all := func(*userEvents, int) string { return "all" }
	cases := []struct {
		b     Business
		steps []string
		micro []string
	}{
		{Store, []string{"view_product", "add_to_cart", "begin_checkout", "purchase"}, []string{"add_to_wishlist", "search"}},
		{Service, []string{"view_service", "click_contact", "submit_request"}, []string{"view_case_study", "view_pricing"}},
		{Content, []string{"view_article", "begin_sign_up", "sign_up"}, []string{"subscribe_newsletter", "download_material", "register_webinar"}},
	}
	for _, c := range cases {
		us := collect(t, c.b, DefaultUsers, DefaultSeed)
		n, ret := 0, 0
		for i := range us {
			n += len(us[i].names)
			for _, e := range us[i].names[1:] {
				if e == "session_start" {
					ret++
					break
				}
			}
		}
		t.Logf("%s: %d users, %d events, %d returning users (%.1f%%)", c.b, len(us), n, ret, 100*float64(ret)/float64(len(us)))
		macro := c.steps[len(c.steps)-1]
		conv, later, perSource, readers := 0, 0, map[string]int{}, map[string]int{}
		var days []float64
		for i := range us {
			u := &us[i]
			readers[u.source]++
			sess := 0
			for j, e := range u.names {
				switch e {
				case "session_start":
					sess++
				case "view_article":
					perSource[u.source]++
				}
				if e == macro {
					conv++
					if sess > 1 {
						later++
					}
					days = append(days, float64(u.times[j]-u.times[0])/msDay)
					break
				}
			}
		}
		sort.Float64s(days)
		t.Logf("%s: %d users did %s, %.0f%% of them not in their first session; median %.1f days, p75 %.1f days after the first visit",
			c.b, conv, macro, 100*float64(later)/float64(conv), days[len(days)/2], days[len(days)*3/4])
		if c.b == Content {
			for _, src := range sources.vals {
				t.Logf("  %s: %.2f articles per user", src, float64(perSource[src])/float64(readers[src]))
			}
		}
		t.Logf("all\n%s", funnelBy(us, c.steps, all))
		t.Logf("by device\n%s", funnelBy(us, c.steps, device))
		t.Logf("by source\n%s", funnelBy(us, c.steps, source))
		t.Logf("by %s\n%s", TypeKey(c.b), funnelBy(us, c.steps, typ))
		for _, m := range c.micro {
			t.Logf("%s", microLift(us, c.steps, m))
		}
	}
}
