package main

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// chPair is one export imported into a fresh ClickHouse database and into
// an embedded store, as dataset store.
func chPair(t *testing.T) (ch, file, exp string) {
	t.Helper()
	ch = chDB(t)
	db := sampleDB(t)
	exp = filepath.Join(t.TempDir(), "store.csv")
	if _, err := run(t, "--db", db, "export", "-d", "store", "--out", exp); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(t.TempDir(), "f.db")
	for _, d := range []string{file, ch} {
		if _, err := run(t, "--db", d, "import", "-d", "store", exp); err != nil {
			t.Fatal(err)
		}
	}
	return ch, file, exp
}

func sortedLines(s string) []string {
	l := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Sort(l[1:])
	return l
}

// export and explain on ClickHouse print what they print on the embedded
// store.
func TestClickHouseExportAndExplain(t *testing.T) {
	ch, file, _ := chPair(t)
	for _, format := range []string{"csv", "ndjson"} {
		want, err1 := run(t, "--db", file, "export", "-d", "store", "--format", format)
		got, err2 := run(t, "--db", ch, "export", "-d", "store", "--format", format)
		if err1 != nil || err2 != nil {
			t.Fatalf("export %s: %v / %v", format, err1, err2)
		}
		if !slices.Equal(sortedLines(got), sortedLines(want)) {
			t.Errorf("export %s differs: ClickHouse %d lines, embedded %d", format, len(sortedLines(got)), len(sortedLines(want)))
		}
	}
	out := filepath.Join(t.TempDir(), "ch.csv")
	if _, err := run(t, "--db", ch, "export", "-d", "store", "--out", out); err != nil {
		t.Fatal(err)
	}
	// Users who converted, who dropped, who never entered.
	funnels := [][]string{
		{"--preset", "store", "--where", "device=mobile", "--window", "1d"},
		{"--steps", "view_product[country=US],add_to_cart|add_to_wishlist,purchase", "--window", "2h"},
	}
	var users []string
	for _, k := range []string{"--reached", "--dropped-at"} {
		list, err := run(t, "--db", file, "users", "-d", "store", "--preset", "store", k, "2")
		if err != nil {
			t.Fatal(err)
		}
		rows := strings.Split(strings.TrimSpace(list), "\n")[1:]
		for i := 0; i < len(rows) && i < 4; i++ {
			users = append(users, strings.Split(rows[i], ",")[0])
		}
	}
	users = append(users, "s-000001", "s-000002", "s-000003")
	for _, f := range funnels {
		for _, u := range users {
			for _, format := range []string{"json", "table"} {
				args := append(append([]string{"explain", "-d", "store", "--format", format}, f...), u)
				want, err1 := run(t, append([]string{"--db", file}, args...)...)
				got, err2 := run(t, append([]string{"--db", ch}, args...)...)
				if err1 != nil || err2 != nil {
					t.Fatalf("%v: %v / %v", args, err1, err2)
				}
				if got != want {
					t.Errorf("%v:\nClickHouse:\n%s\nembedded:\n%s", args, got, want)
				}
			}
		}
	}
	for _, args := range [][]string{
		{"explain", "-d", "store", "--preset", "store", "s-00001x"},
		{"explain", "-d", "store", "--preset", "store", "nobody-like-this-at-all"},
		{"explain", "-d", "store", "--preset", "store", "--where", "device=mobil", "s-000001"},
		{"explain", "-d", "store", "--steps", "view_prodct,purchase", "s-000001"},
		{"explain", "-d", "store", "--preset", "store", "--offset", "100000", "s-000001"},
	} {
		_, err1 := run(t, append([]string{"--db", file}, args...)...)
		_, err2 := run(t, append([]string{"--db", ch}, args...)...)
		if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
			t.Errorf("%v:\nClickHouse: %v\nembedded:   %v", args, err2, err1)
		}
		var u1, u2 usageError
		if errors.As(err1, &u1) != errors.As(err2, &u2) {
			t.Errorf("%v: usage error on ClickHouse %v, embedded %v", args, errors.As(err2, &u2), errors.As(err1, &u1))
		}
	}
}

// drop on ClickHouse removes the dataset at once, and its file imports
// again.
func TestClickHouseDrop(t *testing.T) {
	ch, _, exp := chPair(t)
	out, err := run(t, "--db", ch, "drop", "store")
	if err != nil || out != "dropped dataset store\n" {
		t.Fatalf("drop: %q %v", out, err)
	}
	if out, err := run(t, "--db", ch, "datasets", "--format", "csv"); err != nil || strings.Contains(out, "store") {
		t.Errorf("datasets after drop: %q %v", out, err)
	}
	if _, err := run(t, "--db", ch, "drop", "store"); err == nil || !strings.Contains(err.Error(), `dataset "store": not found`) {
		t.Errorf("drop again: %v", err)
	}
	out, err = run(t, "--db", ch, "import", "-d", "store", exp)
	if err != nil || strings.Contains(out, "already imported") {
		t.Fatalf("re-import after drop: %q %v", out, err)
	}
	want, _ := run(t, "--db", filepath.Join(t.TempDir(), "x.db"), "import", "-d", "store", exp)
	if got, err := run(t, "--db", ch, "events", "-d", "store"); err != nil || !strings.Contains(got, "purchase") {
		t.Errorf("events after re-import: %q %v (import said %q)", got, err, want)
	}
	_, err = run(t, "--db", ch, "--ch-table", "t", "--ch-user", "u", "--ch-event", "e", "--ch-time", "ts", "drop", "store")
	if err == nil {
		t.Error("drop with --ch-table of a missing table succeeded")
	}
}

// sample on ClickHouse gives the embedded store's reports for the same
// seed; a second run is refused unless --replace.
func TestClickHouseSample(t *testing.T) {
	ch := chDB(t)
	file := filepath.Join(t.TempDir(), "s.db")
	for _, d := range []string{file, ch} {
		if _, err := run(t, "--db", d, "sample", "--users", "1500", "--seed", "7"); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"datasets", "--format", "csv"},
		{"report", "-d", "store", "--preset", "store", "--by", "device", "--format", "csv"},
		{"report", "-d", "service", "--preset", "service", "--format", "csv"},
		{"report", "-d", "content", "--preset", "content", "--by", "source", "--format", "csv"},
		{"props", "-d", "store"},
	} {
		want, err1 := run(t, append([]string{"--db", file}, args...)...)
		got, err2 := run(t, append([]string{"--db", ch}, args...)...)
		if err1 != nil || err2 != nil {
			t.Fatalf("%v: %v / %v", args, err1, err2)
		}
		if noStepTimes(got) != noStepTimes(want) {
			t.Errorf("%v:\nClickHouse:\n%s\nembedded:\n%s", args, got, want)
		}
	}
	if _, err := run(t, "--db", ch, "sample", "-b", "store", "--users", "1500", "--seed", "7"); err == nil || !strings.Contains(err.Error(), "use --replace") {
		t.Errorf("second sample: %v", err)
	}
	if _, err := run(t, "--db", ch, "sample", "-b", "store", "--users", "500", "--replace"); err != nil {
		t.Fatal(err)
	}
	if out, _ := run(t, "--db", ch, "datasets", "--format", "csv"); !strings.Contains(out, "store,") || !strings.Contains(out, ",500,") {
		t.Errorf("after --replace: %s", out)
	}
}

// noStepTimes is a report's CSV without the columns of the times between
// steps, which ClickHouse does not compute.
func noStepTimes(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		f := strings.Split(l, ",")
		if len(f) > 12 {
			f = append(f[:10], f[12:]...)
		}
		keep = append(keep, strings.Join(f, ","))
	}
	return strings.Join(keep, "\n")
}
