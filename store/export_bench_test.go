package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"microfunnel/funnel"
	"microfunnel/sample"
	"microfunnel/store"
)

func writeExport(b *testing.B, dir string, n int) string {
	p := filepath.Join(dir, "events.csv")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := sample.WriteExport(f, n, 1); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

func importFile(b *testing.B, dbPath, csvPath string) store.InsertStats {
	s, err := store.Open(dbPath)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	f, err := os.Open(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, err := s.Import(context.Background(), "bench", "events.csv", f, store.ImportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkImport imports a synthetic export (sessions of about 16 events
// a user, rows in time order) into a fresh database, closing it (the WAL
// checkpoint) inside the timing:
//
//	go test ./store -run '^$' -bench 'Import/10M' -benchtime 1x
func BenchmarkImport(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("%dM", n/1_000_000), func(b *testing.B) {
			dir := b.TempDir()
			csvPath := writeExport(b, dir, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				importFile(b, filepath.Join(dir, fmt.Sprintf("bench%d.db", i)), csvPath)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkCold opens a database in a new Store, loads the dataset's packed
// columns and computes the 5-step funnel: what a new process does before it
// can show anything (less process start-up; `microfunnel bench` times a
// real new process too).
//
//	go test ./store -run '^$' -bench 'Cold/10M' -benchtime 5x
func BenchmarkCold(b *testing.B) {
	def := funnel.Definition{Window: funnel.Duration(24 * 3600e9)}
	for _, e := range sample.BenchFunnel {
		def.Steps = append(def.Steps, funnel.Step{Events: []string{e}})
	}
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("%dM", n/1_000_000), func(b *testing.B) {
			dir := b.TempDir()
			dbPath := filepath.Join(dir, "bench.db")
			importFile(b, dbPath, writeExport(b, dir, n))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s, err := store.Open(dbPath)
				if err != nil {
					b.Fatal(err)
				}
				ev, err := s.Load(context.Background(), "bench")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := funnel.Compute(&def, ev); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	}
}
