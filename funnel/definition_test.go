package funnel

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestDefinitionRoundTripsThroughJSON(t *testing.T) {
	from, _ := ParseDate("2026-09-01")
	to, _ := ParseDate("2026-10-01T12:30:00Z")
	defs := []Definition{
		{Steps: []Step{{Events: []string{"a"}}, {Events: []string{"b"}}}},
		{
			Name: "full", Description: "every field",
			Steps: []Step{
				{Name: "View", Events: []string{"view_product"}, Where: []Filter{{Key: "device", Op: OpEq, Values: []string{"mobile"}}}},
				{Events: []string{"add_to_cart", "add_to_wishlist"}},
				{Events: []string{"purchase"}, Where: []Filter{{Key: "plan", Op: OpIn, Values: []string{"pro", "team"}}}},
			},
			Window: Duration(30 * time.Minute), MaxGap: Duration(90 * time.Second),
			Mode: Strict, Count: Totals,
			Exclusions:  []Exclusion{{Events: []string{"refund"}, From: 1, To: 3}},
			Where:       []Filter{{Key: "country", Op: OpNe, Values: []string{"US"}}},
			From:        &from,
			To:          &to,
			By:          "source",
			Attribution: "step:2",
			TopN:        5,
			Micro:       []Step{{Name: "Wishlist", Events: []string{"add_to_wishlist"}}},
		},
	}
	for _, d := range defs {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back Definition
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(back, d) {
			t.Errorf("round trip changed the definition:\n%s\n%+v", b, back)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		str  string
	}{
		{"30m", 30 * time.Minute, "30m"},
		{"24h", 24 * time.Hour, "1d"},
		{"7d", 7 * 24 * time.Hour, "7d"},
		{"2w", 14 * 24 * time.Hour, "2w"},
		{"1.5d", 36 * time.Hour, "36h"},
		{"90s", 90 * time.Second, "1m30s"},
	}
	for _, tt := range tests {
		d, err := ParseDuration(tt.in)
		if err != nil || time.Duration(d) != tt.want || d.String() != tt.str {
			t.Errorf("ParseDuration(%q) = %v (%q), %v; want %v (%q)", tt.in, time.Duration(d), d.String(), err, tt.want, tt.str)
		}
	}
	for _, bad := range []string{"", "soon", "-1d", "0h", "d", "7x", "1us", "999us"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q): want an error", bad)
		}
	}
}
