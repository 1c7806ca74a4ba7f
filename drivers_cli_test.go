package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDriversJSONContract(t *testing.T) {
	db := sampleDB(t)
	out, err := run(t, "--db", db, "drivers", "--preset", "store", "--props", "device,country", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Entered   *int64 `json:"entered"`
		Converted *int64 `json:"converted"`
		Drivers   []struct {
			Event, Key, Value string
			Users             *int64   `json:"users"`
			Converted         *int64   `json:"converted"`
			Conversion        *float64 `json:"conversion"`
			ConversionWithout *float64 `json:"conversion_without"`
			OddsRatio         *float64 `json:"odds_ratio"`
			CI                *struct{ Low, High *float64 }
			P                 *float64 `json:"p"`
			Q                 *float64 `json:"q"`
		} `json:"drivers"`
		Timings *struct{ Load, Compute *float64 } `json:"timings_ms"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Entered == nil || got.Converted == nil || got.Timings == nil || *got.Entered != 3000 || len(got.Drivers) == 0 {
		t.Fatalf("missing fields: %s", out)
	}
	keys := map[string]bool{}
	for _, d := range got.Drivers {
		if (d.Event == "") == (d.Key == "") || d.Users == nil || d.Converted == nil || d.Conversion == nil ||
			d.ConversionWithout == nil || d.OddsRatio == nil || d.CI == nil || d.CI.Low == nil || d.CI.High == nil || d.P == nil || d.Q == nil {
			t.Fatalf("driver lacks a field: %+v", d)
		}
		keys[d.Key] = true
	}
	if !keys["device"] || !keys["country"] || !keys[""] {
		t.Errorf("want events and both keys, got %v", keys)
	}
	for _, f := range []string{"table", "csv", "markdown"} {
		out, err := run(t, "--db", db, "drivers", "--preset", "store", "--step", "2", "--props", "device", "--format", f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, bad := range []string{"NaN", "Inf"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s output holds %s:\n%s", f, bad, out)
			}
		}
		if f != "csv" && !strings.Contains(out, "Correlation, not cause") {
			t.Errorf("%s: no correlation line:\n%s", f, out)
		}
	}
}

func TestDriversBadInput(t *testing.T) {
	db := sampleDB(t)
	dir := t.TempDir()
	// Everybody who views buys; nobody logs in.
	csvText := "user,event,time\n1,view,2024-01-01T00:00:00Z\n1,buy,2024-01-01T00:01:00Z\n2,view,2024-01-01T00:00:00Z\n2,buy,2024-01-01T00:02:00Z\n3,login,2024-01-02T00:00:00Z\n"
	file := filepath.Join(dir, "all.csv")
	if err := os.WriteFile(file, []byte(csvText), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "--db", db, "import", "--dataset", "all", file); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"--preset", "store", "--props", "devise"}, `did you mean "device"`, true},
		{[]string{"--preset", "store", "--step", "4"}, "want 1 to 3", true},
		{[]string{"--preset", "store", "--step", "-1"}, "--step -1", true},
		{[]string{"--preset", "store", "--min-users", "-3"}, "--min-users", true},
		{[]string{"--preset", "store", "--format", "xml"}, "--format", true},
		{[]string{"--preset", "store", "--mode", "any"}, "ordered steps", true},
		{[]string{"--preset", "store", "--by", "device"}, "--props device", true},
		{[]string{"--preset", "store", "--count", "totals"}, "compare users", true},
		{[]string{"--preset", "store", "--segment", "device=mobile"}, "--segment", true},
		{[]string{"-d", "all", "--steps", "view,buy"}, "every one of them converted", false},
		{[]string{"-d", "all", "--steps", "login,buy"}, "none of them converted", false},
		{[]string{"--preset", "store", "--from", "2030-01-01", "--to", "2030-01-02"}, "nobody entered", true},
	} {
		_, err := run(t, append([]string{"--db", db, "drivers"}, c.args...)...)
		var ue usageError
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.As(err, &ue) != c.usage {
			t.Errorf("%v: got %v (usage error %v), want %q (usage %v)", c.args, err, errors.As(err, &ue), c.want, c.usage)
		}
	}
}

func TestCompareOnOwnDataset(t *testing.T) {
	db := sampleDB(t)
	out, err := run(t, "--db", db, "compare", "--dataset", "store", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Preset  string `json:"preset"`
		Dataset string `json:"dataset"`
		Micro   []struct {
			OddsRatio *float64                     `json:"odds_ratio"`
			CI        *struct{ Low, High float64 } `json:"odds_ratio_ci"`
			Q         *float64                     `json:"q"`
		} `json:"micro"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Preset != "store" || got[0].Dataset != "store" || len(got[0].Micro) == 0 {
		t.Fatalf("want the store preset alone on dataset store: %s", out)
	}
	for _, m := range got[0].Micro {
		if m.OddsRatio == nil || m.CI == nil || m.Q == nil || m.CI.Low > *m.OddsRatio || *m.OddsRatio > m.CI.High {
			t.Errorf("micro lacks its table figures: %s", out)
		}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "x.csv")
	if err := os.WriteFile(file, []byte("user,event,time\n1,foo,2024-01-01T00:00:00Z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "--db", db, "import", "--dataset", "other", file); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "--db", db, "compare", "--dataset", "other"); err == nil || !strings.Contains(err.Error(), "matches no business preset") {
		t.Errorf("no preset matches: %v", err)
	}
}
