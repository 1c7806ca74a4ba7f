package sample

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"fmt"
	"testing"
)

func TestWriteExport(t *testing.T) {
	var a, b bytes.Buffer
	users, n, err := WriteExport(&a, 5000, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := WriteExport(&b, 5000, 7); err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(a.Bytes()) != sha256.Sum256(b.Bytes()) {
		t.Fatal("same n and seed gave different exports")
	}
	rows, err := csv.NewReader(&a).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if n != 5000 || len(rows) != n+1 {
		t.Fatalf("wrote %d events, %d rows", n, len(rows))
	}
	if ratio := float64(n) / float64(users); ratio < 10 || ratio > 25 {
		t.Errorf("%.1f events per user, want about 16", ratio)
	}
	seen := map[string]int{}
	for i, r := range rows[1:] {
		seen[r[1]]++
		if i > 0 && r[2] < rows[i][2] {
			t.Fatalf("row %d out of time order: %s after %s", i+2, r[2], rows[i][2])
		}
	}
	for _, ev := range BenchFunnel {
		if seen[ev] == 0 {
			t.Errorf("no %s events (%v)", ev, fmt.Sprint(seen))
		}
	}
	if seen["view_product"] <= seen["purchase"] {
		t.Errorf("the funnel does not narrow: %v", seen)
	}
}
