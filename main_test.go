package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// run executes the CLI as a user would, returning stdout and the error
// that main would print.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(""))
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func sampleDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "t.db")
	if _, err := run(t, "--db", db, "sample", "--users", "3000"); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestReportJSONContract(t *testing.T) {
	db := sampleDB(t)
	out, err := run(t, "--db", db, "report", "--preset", "store", "--by", "device", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Steps []struct {
			Name           *string  `json:"name"`
			Users          *int64   `json:"users"`
			Conversion     *float64 `json:"conversion"`
			StepConversion *float64 `json:"step_conversion"`
		} `json:"steps"`
		Breakdown *struct {
			Property string `json:"property"`
			Segments []struct {
				Value *string `json:"value"`
				Steps []struct {
					Users *int64 `json:"users"`
				} `json:"steps"`
			} `json:"segments"`
		} `json:"breakdown"`
		Timings *struct {
			Load    *float64 `json:"load"`
			Compute *float64 `json:"compute"`
		} `json:"timings_ms"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Steps) != 4 {
		t.Fatalf("steps = %d", len(rep.Steps))
	}
	for i, s := range rep.Steps {
		if s.Name == nil || s.Users == nil || s.Conversion == nil || s.StepConversion == nil {
			t.Fatalf("step %d lacks a contract field: %s", i, out)
		}
		if *s.Conversion < 0 || *s.Conversion > 1 || *s.StepConversion < 0 || *s.StepConversion > 1 {
			t.Errorf("step %d rates out of 0..1", i)
		}
	}
	if *rep.Steps[0].Users == 0 || *rep.Steps[3].Users > *rep.Steps[0].Users {
		t.Errorf("implausible users: %d -> %d", *rep.Steps[0].Users, *rep.Steps[3].Users)
	}
	if rep.Breakdown == nil || rep.Breakdown.Property != "device" || len(rep.Breakdown.Segments) == 0 {
		t.Fatalf("breakdown = %+v", rep.Breakdown)
	}
	for i := range rep.Steps {
		var sum int64
		for _, seg := range rep.Breakdown.Segments {
			sum += *seg.Steps[i].Users
		}
		if sum != *rep.Steps[i].Users {
			t.Errorf("step %d: segments sum to %d, total %d", i+1, sum, *rep.Steps[i].Users)
		}
	}
	if rep.Timings == nil || rep.Timings.Load == nil || rep.Timings.Compute == nil {
		t.Error("no timings_ms")
	}
}

func TestReportFormats(t *testing.T) {
	db := sampleDB(t)
	out, err := run(t, "--db", db, "report", "--dataset", "store", "--steps", "view_product,add_to_cart|add_to_wishlist,purchase", "--by", "source", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "segment" || rows[1][0] != "(all)" || rows[1][2] != "view_product" || rows[2][2] != "add_to_cart|add_to_wishlist" {
		t.Errorf("csv = %v", rows[:3])
	}
	out, err = run(t, "--db", db, "report", "--preset", "service", "--format", "markdown")
	if err != nil || !strings.Contains(out, "|") {
		t.Errorf("markdown: %v\n%s", err, out)
	}
	out, err = run(t, "--db", db, "report", "--preset", "content")
	if err != nil || !strings.Contains(out, "█") {
		t.Errorf("table: %v\n%s", err, out)
	}
}

func TestErrors(t *testing.T) {
	db := sampleDB(t)
	tests := []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"report", "--dataset", "store", "--steps", "view_product,add_to_crt"}, `unknown event "add_to_crt" (did you mean "add_to_cart"?)`, false},
		{[]string{"report", "--dataset", "store", "--steps", "view_product,purchase", "--by", "devise"}, `unknown property "devise"`, false},
		{[]string{"report", "--dataset", "content", "--preset", "store"}, "preset store needs events missing from dataset content: view_product, add_to_cart, begin_checkout, purchase", false},
		{[]string{"report", "--dataset", "store"}, "give exactly one of --steps, --funnel, --preset or --saved", true},
		{[]string{"report", "--dataset", "store", "--steps", "a"}, "2 to 32 steps", true},
		{[]string{"report", "--dataset", "store", "--preset", "store", "--window", "soon"}, `--window: duration "soon"`, true},
		{[]string{"report", "--dataset", "store", "--preset", "store", "--format", "xml"}, `unknown --format "xml"`, true},
		{[]string{"report", "--dataset", "store", "--preset", "store", "--interval", "fortnight"}, `--interval: interval "fortnight": want day, week or month`, true},
		{[]string{"report", "--dataset", "store", "--preset", "store", "--versus", "2024-03-01..2024-03-07"}, "--versus 2024-03-01..2024-03-07: give the range to compare it with as --from and --to", true},
		{[]string{"report", "--dataset", "store", "--preset", "store", "--from", "2024-03-08", "--to", "2024-03-14", "--versus", "2024-03-01"}, `--versus: range "2024-03-01": want FROM..TO`, true},
		{[]string{"report", "--dataset", "store", "--preset", "store", "--from", "2024-03-08", "--to", "2024-03-14", "--versus", "2024-03-07..2024-03-01"}, "is after", true},
		{[]string{"report", "--dataset", "store", "--preset", "store", "--from", "2024-03-08", "--to", "2024-03-14", "--versus", "2024-03-01..2024-03-08"}, "--versus 2024-03-01..2024-03-08 overlaps --from 2024-03-08 --to 2024-03-14", true},
		{[]string{"report", "--dataset", "store", "--preset", "store", "--from", "2030-03-08", "--to", "2030-03-14", "--versus", "2030-03-01..2030-03-07"}, "--from 2030-03-08 --to 2030-03-14: nobody entered the funnel in this range", true},
		{[]string{"report", "--dataset", "store", "--preset", "store", "--from", "2024-03-11", "--to", "2024-03-10T12:00:00Z"}, "date range: from 2024-03-11 is after to", true},
		{[]string{"report", "--dataset", "shop", "--preset", "store"}, `dataset "shop": not found (have: content, service, store)`, false},
		{[]string{"report", "--bogus"}, "unknown flag: --bogus", true},
		{[]string{"events"}, "--dataset is required", true},
		{[]string{"drop"}, "accepts 1 arg(s), received 0", true},
		{[]string{"import", "--dataset", "x", "--skip-bad", "--rejects", "r.tsv", "a.csv", "b.csv"}, "--rejects names one file", true},
		{[]string{"sample", "--business", "bakery"}, "bakery", true},
		{[]string{"sample", "--business", "store"}, "dataset store already exists: use --replace", false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := run(t, append([]string{"--db", db}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			var ue usageError
			if tt.usage && !errors.As(err, &ue) {
				t.Errorf("want a usage error (exit 2), got %T", err)
			}
		})
	}
}

// A range within one day is valid: a date-only --to means the whole day.
func TestFromLateInTheToDay(t *testing.T) {
	db := sampleDB(t)
	if _, err := run(t, "--db", db, "report", "--preset", "store", "--from", "2024-03-10T23:00:00Z", "--to", "2024-03-10"); err != nil {
		t.Fatal(err)
	}
}

func TestReportTrendJSON(t *testing.T) {
	db := sampleDB(t)
	out, err := run(t, "--db", db, "report", "--preset", "store", "--by", "device", "--interval", "week", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Steps []struct{ Users int64 }
		Trend []struct {
			Start        string
			Users        int64
			Converted    int64
			Conversion   float64
			ConversionCI *struct{ Low, High float64 } `json:"conversion_ci"`
			Steps        []struct{ Users int64 }
		}
		Breakdown struct {
			Segments []struct {
				Trend []struct{ Users int64 }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Trend) < 2 {
		t.Fatalf("trend: %d periods", len(rep.Trend))
	}
	var entered int64
	for i, p := range rep.Trend {
		day, err := time.Parse("2006-01-02", p.Start)
		if err != nil || day.Weekday() != time.Monday || p.ConversionCI == nil || len(p.Steps) != len(rep.Steps) ||
			p.Users != p.Steps[0].Users || p.Converted != p.Steps[len(p.Steps)-1].Users {
			t.Fatalf("period %+v", p)
		}
		entered += p.Users
		var sum int64
		for _, s := range rep.Breakdown.Segments {
			sum += s.Trend[i].Users
		}
		if sum != p.Users {
			t.Errorf("period %s: segments sum to %d, want %d", p.Start, sum, p.Users)
		}
	}
	// Each user counts once in every period they entered: at least once.
	if entered < rep.Steps[0].Users {
		t.Errorf("periods hold %d entries, the funnel %d users", entered, rep.Steps[0].Users)
	}
}

func TestReportVersusJSON(t *testing.T) {
	db := sampleDB(t)
	// The sample's first two weeks of entries, whatever the generator's dates.
	out, err := run(t, "--db", db, "report", "--preset", "store", "--interval", "week", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var wk struct{ Trend []struct{ Start string } }
	if err := json.Unmarshal([]byte(out), &wk); err != nil || len(wk.Trend) < 3 {
		t.Fatalf("trend: %v %d", err, len(wk.Trend))
	}
	day := func(i, plus int) string {
		d, _ := time.Parse("2006-01-02", wk.Trend[i].Start)
		return d.AddDate(0, 0, plus).Format("2006-01-02")
	}
	out, err = run(t, "--db", db, "report", "--preset", "store", "--from", day(2, 0), "--to", day(2, 6),
		"--versus", day(1, 0)+".."+day(1, 6), "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Steps  []struct{ Users int64 }
		Versus struct {
			From, To string
			Steps    []struct{ Users int64 }
			Diffs    []struct {
				Step      int
				PAdjusted *float64 `json:"p_adjusted"`
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	v := rep.Versus
	if v.From != day(1, 0) || len(v.Steps) != len(rep.Steps) || len(v.Diffs) != len(rep.Steps)-1 || v.Steps[0].Users == 0 ||
		v.Diffs[0].Step != 2 || v.Diffs[0].PAdjusted == nil {
		t.Fatalf("versus %+v", v)
	}
	if _, err := run(t, "--db", db, "report", "--preset", "store", "--from", day(2, 0), "--to", day(2, 6),
		"--versus", "2030-01-01..2030-01-07"); err == nil || !strings.Contains(err.Error(), "--versus 2030-01-01..2030-01-07: nobody entered") {
		t.Errorf("empty versus range: %v", err)
	}
}

func TestNobodyEntered(t *testing.T) {
	db := sampleDB(t)
	out, err := run(t, "--db", db, "report", "--preset", "store", "--from", "2030-01-01", "--by", "device")
	if err != nil || strings.Count(out, "Nobody entered this funnel") != 1 {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err = run(t, "--db", db, "report", "--preset", "store", "--from", "2030-01-01", "--format", "json")
	if err != nil || !strings.Contains(out, `"conversion": 0,`) || strings.Contains(out, "NaN") {
		t.Fatalf("%v\n%s", err, out)
	}
}

func TestImportAndListing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	out, err := run(t, "--db", db, "import", "--dataset", "shop", filepath.Join("store", "testdata", "import", "good.csv"))
	if err != nil || !strings.Contains(out, "5 events, 3 users, 0 rejected") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err = run(t, "--db", db, "import", "--dataset", "shop", filepath.Join("store", "testdata", "import", "good.csv"))
	if err != nil || !strings.Contains(out, "already imported") {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	_, err = run(t, "--db", db, "import", "--dataset", "shop", filepath.Join("store", "testdata", "import", "bad_time.csv"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("bad file: %v", err)
	}
	out, err = run(t, "--db", db, "datasets", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var ds []struct {
		Name   string `json:"name"`
		Events int    `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &ds); err != nil || len(ds) != 1 || ds[0].Events != 5 {
		t.Fatalf("datasets = %s (%v)", out, err)
	}
	out, err = run(t, "--db", db, "events", "--dataset", "shop")
	if err != nil || !strings.Contains(out, "view_product  3       3") {
		t.Errorf("events: %v\n%s", err, out)
	}
	out, err = run(t, "--db", db, "props", "--dataset", "shop", "device", "--format", "csv")
	if err != nil || !strings.HasPrefix(out, "value,users,events\n") {
		t.Errorf("props: %v\n%s", err, out)
	}
}

func TestNotADatabase(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notes.db")
	os.WriteFile(p, bytes.Repeat([]byte("not a database at all "), 100), 0o644)
	_, err := run(t, "--db", p, "datasets")
	if err == nil || !strings.Contains(err.Error(), "not a SQLite database") {
		t.Fatalf("err = %v", err)
	}
}

// Not on a terminal, `microfunnel` with no command generates the samples on
// first run and prints the store's report.
func TestDefaultRunPrintsReport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	out, err := run(t, "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"View product", "Purchase", "Breakdown by device", "mobile"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// A preset printed by `presets NAME` is a definition file that --funnel
// reads back to the same report; stdin imports with "-".
func TestPresetFileAndStdin(t *testing.T) {
	db := sampleDB(t)
	def, err := run(t, "--db", db, "presets", "store-wishlist")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "f.json")
	os.WriteFile(file, []byte(def), 0o644)
	a, err := run(t, "--db", db, "report", "--dataset", "store", "--funnel", file, "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	b, err := run(t, "--db", db, "report", "--preset", "store-wishlist", "--format", "csv")
	if err != nil || a != b {
		t.Fatalf("--funnel and --preset differ (%v):\n%s\n%s", err, a, b)
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"steps":[{"events":["view_product"]},{"events":["purchase"]}],"windw":"24h"}`), 0o644)
	if _, err := run(t, "--db", db, "report", "--dataset", "store", "--funnel", bad); err == nil || !strings.Contains(err.Error(), `unknown field "windw"`) {
		t.Errorf("misspelt field: %v", err)
	}

	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	csvData, _ := os.ReadFile(filepath.Join("store", "testdata", "import", "good.csv"))
	root.SetIn(bytes.NewReader(csvData))
	root.SetArgs([]string{"--db", db, "import", "--dataset", "piped", "-"})
	if err := root.Execute(); err != nil || !strings.Contains(out.String(), "stdin: 5 events") {
		t.Fatalf("stdin import: %v\n%s", err, out.String())
	}
}
