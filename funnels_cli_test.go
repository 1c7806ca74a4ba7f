package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// report --save, funnels (table, json, csv), report --saved, rename and
// delete, as a user runs them.
func TestSavedFunnelsCLI(t *testing.T) {
	db := sampleDB(t)
	do := func(args ...string) string {
		t.Helper()
		out, err := run(t, append([]string{"--db", db}, args...)...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out
	}
	out, err := run(t, "--db", db, "funnels")
	if err != nil || !strings.Contains(out, "no saved funnels") {
		t.Fatalf("empty listing: %q %v", out, err)
	}
	want := reportJSON(t, "--db", db, "report", "--preset", "store", "--segment", "device=mobile", "--window", "1d", "--save", "mob")
	do("report", "--dataset", "service", "--preset", "service", "--save", "svc", "--format", "json")
	var list []struct {
		Name, Dataset string
		Definition    struct {
			Name    string
			Window  string
			Segment *struct{ Key, Value string }
		}
	}
	if err := json.Unmarshal([]byte(do("funnels", "--format", "json")), &list); err != nil || len(list) != 2 {
		t.Fatalf("json listing %+v %v", list, err)
	}
	if list[1].Name != "mob" || list[1].Dataset != "store" || list[1].Definition.Window != "1d" || list[1].Definition.Segment == nil {
		t.Fatalf("saved definition lost a setting: %+v", list[1])
	}
	rows, err := csv.NewReader(strings.NewReader(do("funnels", "--dataset", "store", "--format", "csv"))).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][1] != "mob" {
		t.Fatalf("csv %v %v", rows, err)
	}
	got := reportJSON(t, "--db", db, "report", "--saved", "mob")
	for k := range want.Steps {
		if got.Steps[k].Users != want.Steps[k].Users {
			t.Fatalf("--saved step %d: %d users, saved run had %d", k+1, got.Steps[k].Users, want.Steps[k].Users)
		}
	}
	if !strings.Contains(do("funnels", "rename", "mob", "mobile-1d"), "renamed") {
		t.Fatal("rename said nothing")
	}
	if out := do("funnels", "--dataset", "store"); !strings.Contains(out, "mobile-1d") || strings.Contains(out, "mob ") {
		t.Fatalf("after rename: %s", out)
	}
	do("funnels", "delete", "mobile-1d", "--dataset", "store")
	if out := do("funnels"); strings.Contains(out, "mobile-1d") || !strings.Contains(out, "svc") {
		t.Fatalf("after delete: %s", out)
	}
	// The same name in two datasets needs --dataset.
	do("report", "--preset", "store", "--save", "svc")
	tests := []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"report", "--saved", "svc"}, `saved funnel "svc" is in several datasets (service, store): give --dataset`, true},
		{[]string{"report", "--saved", "nope"}, `--saved: no saved funnel "nope" in any dataset: not found (have: svc in service, svc in store)`, false},
		{[]string{"report", "--saved", "svc", "--preset", "store"}, "give exactly one of", true},
		{[]string{"funnels", "rename", "svc", "svc", "--dataset", "nope"}, `dataset "nope": not found`, false},
		{[]string{"funnels", "delete"}, "accepts 1 arg(s)", true},
		{[]string{"funnels", "rename", "svc"}, "accepts 2 arg(s)", true},
		{[]string{"funnels", "--format", "xml"}, `unknown --format "xml"`, true},
		{[]string{"report", "--preset", "store", "--save", " "}, "--save: the name is empty", true},
	}
	for _, tt := range tests {
		_, err := run(t, append([]string{"--db", db}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.args, err, tt.want)
			continue
		}
		var ue usageError
		if tt.usage != errors.As(err, &ue) {
			t.Errorf("%v: usage error %v, want %v", tt.args, !tt.usage, tt.usage)
		}
	}
	if err := func() error {
		_, err := run(t, "--db", db, "funnels", "rename", "svc", "svc2", "--dataset", "store")
		return err
	}(); err != nil {
		t.Fatal(err)
	}
	_, err = run(t, "--db", db, "funnels", "rename", "svc2", "svc", "--dataset", "store")
	if err != nil {
		t.Fatal(err)
	}
	do("report", "--preset", "store", "--save", "other")
	_, err = run(t, "--db", db, "funnels", "rename", "other", "svc", "--dataset", "store")
	var ue usageError
	if err == nil || !strings.Contains(err.Error(), "already exists") || !errors.As(err, &ue) {
		t.Fatalf("rename onto an existing name: %v", err)
	}
}

// CSV listings print plain numbers; tables keep separators.
func TestListingCSVPlainNumbers(t *testing.T) {
	db := sampleDB(t)
	out, err := run(t, "--db", db, "events", "--dataset", "store", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		for _, c := range r[1:] {
			if strings.Contains(c, ",") || c == "" {
				t.Fatalf("csv cell %q is not a plain number: %v", c, r)
			}
		}
	}
	table, _ := run(t, "--db", db, "datasets")
	if !strings.Contains(table, "3,000") {
		t.Errorf("table lost its separators:\n%s", table)
	}
}
