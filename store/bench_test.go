package store

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeBenchCSV writes n events of about n/16 users, each row from a user
// drawn at random, with user, event, an RFC 3339 time and three properties:
// the worst case for import, with no locality at all. (BenchmarkImport in
// export_bench_test.go uses sample.WriteExport, with sessions, as real
// exports have.)
func writeBenchCSV(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(42, uint64(n)))
	events := []string{"session_start", "page_view", "view_product", "search", "add_to_cart", "add_to_wishlist", "begin_checkout", "purchase"}
	devices := []string{"desktop", "mobile", "tablet"}
	sources := []string{"organic", "ads", "email", "social", "referral"}
	users := max(1, n/16)
	t := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	step := 60 * 24 * time.Hour / time.Duration(n+1)
	fmt.Fprintln(w, "user_id,event,timestamp,device,country,source")
	for i := 0; i < n; i++ {
		t = t.Add(step)
		fmt.Fprintf(w, "u%07d,%s,%s,%s,C%02d,%s\n", r.IntN(users), events[r.IntN(len(events))], t.Format(time.RFC3339Nano),
			devices[r.IntN(3)], r.IntN(20), sources[r.IntN(5)])
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkImportWorstCase imports the no-locality CSV into a fresh database:
// go test ./store -run '^$' -bench ImportWorstCase -benchtime 1x
func BenchmarkImportWorstCase(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("%dM", n/1_000_000), func(b *testing.B) {
			dir := b.TempDir()
			csvPath := filepath.Join(dir, "events.csv")
			writeBenchCSV(b, csvPath, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s, err := Open(filepath.Join(dir, fmt.Sprintf("bench%d.db", i)))
				if err != nil {
					b.Fatal(err)
				}
				f, err := os.Open(csvPath)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				st, err := s.Import(context.Background(), "bench", "events.csv", f, ImportOptions{})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				f.Close()
				s.Close()
				b.ReportMetric(st.EventsPerSecond(), "events/s")
				b.StartTimer()
			}
		})
	}
}
