package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

type jsonReport struct {
	Steps []struct {
		Users int64 `json:"users"`
	} `json:"steps"`
	Breakdown *struct {
		Segments []struct {
			Value string `json:"value"`
			Steps []struct {
				Users int64 `json:"users"`
			} `json:"steps"`
		} `json:"segments"`
	} `json:"breakdown"`
	Definition struct {
		Segment *struct{ Key, Value string } `json:"segment"`
	} `json:"definition"`
}

func reportJSON(t *testing.T, args ...string) jsonReport {
	t.Helper()
	out, err := run(t, append(args, "--format", "json")...)
	if err != nil {
		t.Fatal(err)
	}
	var r jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// `report --segment K=V` is the V row of `report --by K`, for each
// attribution; category varies from event to event, so attribution matters.
func TestReportSegmentEqualsBreakdownRow(t *testing.T) {
	db := sampleDB(t)
	base := []string{"--db", db, "report", "--preset", "store"}
	for _, attr := range []string{"first", "last", "step:2"} {
		by := reportJSON(t, append(base, "--by", "category", "--attribution", attr, "--top", "3")...)
		if by.Breakdown == nil || len(by.Breakdown.Segments) < 3 {
			t.Fatalf("%s: breakdown %+v", attr, by.Breakdown)
		}
		for _, seg := range by.Breakdown.Segments {
			got := reportJSON(t, append(base, "--segment", "category="+seg.Value, "--attribution", attr, "--top", "3")...)
			if got.Definition.Segment == nil || got.Definition.Segment.Value != seg.Value {
				t.Fatalf("definition lost the segment: %+v", got.Definition)
			}
			for k := range seg.Steps {
				if got.Steps[k].Users != seg.Steps[k].Users {
					t.Fatalf("%s %s step %d: --segment %d, --by row %d", attr, seg.Value, k+1, got.Steps[k].Users, seg.Steps[k].Users)
				}
			}
		}
	}
	table, err := run(t, append(base, "--segment", "category=home", "--where", "device=mobile", "--max-gap", "1d")...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"segment category=home (attribution first)", "where device=mobile", "max gap 1d"} {
		if !strings.Contains(table, want) {
			t.Errorf("table header lacks %q:\n%s", want, table)
		}
	}
}

func TestReportSegmentErrors(t *testing.T) {
	db := sampleDB(t)
	tests := []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"--segment", "category==home"}, "--segment: segment \"category==home\": one = between key and value (category=home)", true},
		{[]string{"--segment", "category"}, "want KEY=VALUE", true},
		{[]string{"--segment", "category=home", "--by", "device"}, "must be by the same property", true},
		{[]string{"--segment", "categry=home"}, `unknown property "categry" (did you mean "category"?)`, false},
		{[]string{"--segment", "category=hom"}, `unknown value of category "hom" (did you mean "home"?)`, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := run(t, append([]string{"--db", db, "report", "--preset", "store"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			var ue usageError
			if tt.usage != errors.As(err, &ue) {
				t.Errorf("usage error = %v, want %v", !tt.usage, tt.usage)
			}
		})
	}
}
