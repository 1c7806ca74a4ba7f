package funnel

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseFilter(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Filter
		str  string
	}{
		{"device=mobile", Filter{"device", "=", []string{"mobile"}}, "device=mobile"},
		{" country != US ", Filter{"country", "!=", []string{"US"}}, "country!=US"},
		{"plan in (pro, team)", Filter{"plan", "in", []string{"pro", "team"}}, "plan in (pro,team)"},
		{"plan NOT IN (a,b)", Filter{"plan", "not in", []string{"a", "b"}}, "plan not in (a,b)"},
		{`city="New York"`, Filter{"city", "=", []string{"New York"}}, "city=New York"},
	} {
		got, err := ParseFilter(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) || got.String() != c.str {
			t.Errorf("ParseFilter(%q) = %+v, %v; String %q", c.in, got, err, got.String())
		}
	}
	for _, bad := range []string{"", "device", "=x", "device=", "plan in pro,team", "plan in ()"} {
		if _, err := ParseFilter(bad); err == nil {
			t.Errorf("ParseFilter(%q): want error", bad)
		}
	}
}

func TestParseSteps(t *testing.T) {
	got, err := ParseSteps("view, add_to_cart|add_to_wishlist ,purchase[plan in (pro,team), country!=US]")
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Events: []string{"view"}},
		{Events: []string{"add_to_cart", "add_to_wishlist"}},
		{Events: []string{"purchase"}, Where: []Filter{{"plan", "in", []string{"pro", "team"}}, {"country", "!=", []string{"US"}}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	for _, c := range []struct{ in, msg string }{
		{"a", "2 to 32 steps"},
		{"a,,b", "step 2: \"\": empty event name"},
		{"a,b[x=1", "unbalanced"},
		{"a,b|", "empty event name"},
	} {
		if _, err := ParseSteps(c.in); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParseSteps(%q) err = %v, want %q", c.in, err, c.msg)
		}
	}
}

func TestParseAttribution(t *testing.T) {
	for in, want := range map[string]string{"": "first", "First": "first", "last": "last", "step:3": "step:3", "step3": "step:3", "step 2": "step:2"} {
		a, err := ParseAttribution(in)
		if err != nil || a.String() != want {
			t.Errorf("ParseAttribution(%q) = %v, %v", in, a, err)
		}
	}
	for _, bad := range []string{"middle", "step:0", "step:x"} {
		if _, err := ParseAttribution(bad); err == nil {
			t.Errorf("ParseAttribution(%q): want error", bad)
		}
	}
}
