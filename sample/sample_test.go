package sample

import (
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"microfunnel/store"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestParseBusiness(t *testing.T) {
	tests := []struct {
		in      string
		want    Business
		wantErr bool
	}{
		{"store", Store, false},
		{"Service", Service, false},
		{" content ", Content, false},
		{"shop", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseBusiness(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParseBusiness(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "store, service, content") {
				t.Errorf("error %q does not list the known types", err)
			}
		})
	}
	if got := Businesses(); !slices.Equal(got, []Business{Store, Service, Content}) {
		t.Errorf("Businesses() = %v", got)
	}
	for _, b := range Businesses() {
		if DefaultDataset(b) != string(b) {
			t.Errorf("DefaultDataset(%s) = %q", b, DefaultDataset(b))
		}
	}
}

// summary describes a generated dataset compactly enough to pin in a golden
// file: counts that a reader can check plus a hash of every field of every
// event, so any change in generation on any machine shows up.
func summary(t testing.TB, b Business, users int, seed uint64) string {
	t.Helper()
	h := fnv.New64a()
	counts := map[string]int{}
	userSet := map[string]bool{}
	n := 0
	var first, last int64
	err := Generate(b, users, seed, func(r *store.Record) error {
		fmt.Fprintf(h, "%s\x00%d\x00%s", r.User, r.Time, r.Event)
		for _, p := range r.Props {
			fmt.Fprintf(h, "\x00%s=%s", p.Key, p.Value)
		}
		h.Write([]byte{'\n'})
		counts[r.Event]++
		userSet[r.User] = true
		if n == 0 || r.Time < first {
			first = r.Time
		}
		last = max(last, r.Time)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s users=%d seed=%d: events=%d users_with_events=%d hash=%016x\n", b, users, seed, n, len(userSet), h.Sum64())
	var names []string
	for name := range counts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&sb, "  %-22s %d\n", name, counts[name])
	}
	return sb.String()
}

// TestDeterminism pins the summary of each dataset at a fixed seed and size:
// the same seed and size must give the same events on every machine. After
// an intended change to a generator, rerun with -update and review the diff
// (and the numbers in docs/SAMPLES.md).
func TestDeterminism(t *testing.T) {
	var got strings.Builder
	for _, b := range Businesses() {
		s := summary(t, b, 2000, DefaultSeed)
		if again := summary(t, b, 2000, DefaultSeed); again != s {
			t.Errorf("%s: two runs with the same seed differ:\n%s\n%s", b, s, again)
		}
		if other := summary(t, b, 2000, DefaultSeed+1); other == s {
			t.Errorf("%s: seeds %d and %d give the same events", b, DefaultSeed, DefaultSeed+1)
		}
		got.WriteString(s)
	}
	golden := filepath.Join("testdata", "summary.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got.String() != string(want) {
		t.Errorf("generated data changed; got\n%s\nwant\n%s", got.String(), want)
	}
}

// TestPrefixStable: a user's events depend only on the seed and the user's
// index, so a smaller dataset is a prefix of a larger one.
func TestPrefixStable(t *testing.T) {
	for _, b := range Businesses() {
		var small, large []string
		rec := func(dst *[]string) func(*store.Record) error {
			return func(r *store.Record) error {
				*dst = append(*dst, fmt.Sprint(r.User, r.Time, r.Event, r.Props))
				return nil
			}
		}
		if err := Generate(b, 50, 7, rec(&small)); err != nil {
			t.Fatal(err)
		}
		if err := Generate(b, 80, 7, rec(&large)); err != nil {
			t.Fatal(err)
		}
		if len(large) < len(small) || !slices.Equal(small, large[:len(small)]) {
			t.Errorf("%s: the first 50 users differ between a 50- and an 80-user dataset", b)
		}
	}
}

func TestProperties(t *testing.T) {
	segmentValues := map[string][]string{
		KeyDevice:    devices.vals,
		KeyCountry:   countries.vals,
		KeySource:    sources.vals,
		KeyNewReturn: {"new", "returning"},
	}
	typeValues := map[Business][]string{Store: storeCategories.vals, Service: services.vals, Content: topics.vals}
	for _, b := range Businesses() {
		t.Run(string(b), func(t *testing.T) {
			const users = 3000
			keys := []string{KeyDevice, KeyCountry, KeySource, KeyNewReturn, TypeKey(b)}
			seen := map[string]int{}
			var (
				user      string
				userCount int
				prevTime  int64
				sessions  int
				returning int
				fixed     [3]string // device, country, source of the user
				errs      int
			)
			fail := func(format string, args ...any) {
				if errs++; errs <= 10 {
					t.Errorf(format, args...)
				}
			}
			err := Generate(b, users, 3, func(r *store.Record) error {
				if r.User != user {
					if r.User <= user {
						fail("user %q after %q: users must come in order", r.User, user)
					}
					if r.Event != "session_start" {
						fail("user %s starts with %s, want session_start", r.User, r.Event)
					}
					if sessions > 1 {
						returning++
					}
					user, userCount, sessions = r.User, userCount+1, 0
					fixed = [3]string{r.Props[0].Value, r.Props[1].Value, r.Props[2].Value}
				} else {
					if r.Time <= prevTime {
						fail("user %s: %s at %d not after the previous event at %d", r.User, r.Event, r.Time, prevTime)
					}
					if r.Event == "session_start" && r.Time-prevTime < 30*msMinute {
						fail("user %s: new session only %dms after the last event", r.User, r.Time-prevTime)
					}
					if r.Event != "session_start" && r.Time-prevTime > 2*msHour {
						fail("user %s: %s %dms after the previous event in the same session", r.User, r.Event, r.Time-prevTime)
					}
				}
				if r.Event == "session_start" {
					sessions++
				}
				prevTime = r.Time
				if r.Time < Start.UnixMilli() || r.Time >= End.UnixMilli() {
					fail("user %s: %s at %d outside [%v, %v)", r.User, r.Event, r.Time, Start, End)
				}
				if !slices.Contains(eventNames[b], r.Event) {
					fail("event %q not in EventNames(%s)", r.Event, b)
				}
				seen[r.Event]++
				if len(r.Props) != len(keys) {
					fail("%s has %d properties, want %d", r.Event, len(r.Props), len(keys))
					return nil
				}
				for i, p := range r.Props {
					if p.Key != keys[i] {
						fail("property %d is %q, want %q", i, p.Key, keys[i])
					}
					allowed := segmentValues[p.Key]
					if i == 4 {
						allowed = typeValues[b]
					}
					if !slices.Contains(allowed, p.Value) {
						fail("%s=%q is not one of %v", p.Key, p.Value, allowed)
					}
				}
				if got := (sessions > 1); got != (r.Props[3].Value == "returning") {
					fail("user %s session %d has new_vs_returning=%s", r.User, sessions, r.Props[3].Value)
				}
				if now := [3]string{r.Props[0].Value, r.Props[1].Value, r.Props[2].Value}; now != fixed {
					fail("user %s changed device/country/source from %v to %v", r.User, fixed, now)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if sessions > 1 {
				returning++
			}
			// Every user has events; some return, most do not.
			if userCount != users {
				t.Errorf("%d users with events, want %d", userCount, users)
			}
			if share := float64(returning) / users; share < 0.1 || share > 0.5 {
				t.Errorf("%.0f%% of users return, want most not to and some to", 100*share)
			}
			for _, name := range eventNames[b] {
				if seen[name] == 0 {
					t.Errorf("EventNames(%s) lists %s but it was never emitted", b, name)
				}
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Generate(Store, 100, 1, func(*store.Record) error {
		if n++; n == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 5 {
		t.Errorf("emit error: got %v after %d events, want stop after 5", err, n)
	}
	if err := Generate("shop", 1, 1, func(*store.Record) error { return nil }); err == nil {
		t.Error("unknown business: no error")
	}
	if err := Generate(Store, -1, 1, func(*store.Record) error { return nil }); err == nil {
		t.Error("negative users: no error")
	}
	if err := Generate(Store, 0, 1, func(*store.Record) error { t.Error("event for 0 users"); return nil }); err != nil {
		t.Error(err)
	}
}

// BenchmarkGenerate reports events/s per business type:
//
//	go test ./sample -run '^$' -bench Generate -benchmem
func BenchmarkGenerate(b *testing.B) {
	for _, biz := range Businesses() {
		b.Run(string(biz), func(b *testing.B) {
			events := 0
			for b.Loop() {
				err := Generate(biz, 20000, DefaultSeed, func(*store.Record) error {
					events++
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(b.Elapsed().Seconds()/float64(events)*1e9, "ns/event")
		})
	}
}
