package funnel

import (
	"strings"
	"testing"
)

func TestParseNumericFilter(t *testing.T) {
	cases := []struct {
		in   string
		want Filter
		err  string
	}{
		{in: "price>=100", want: Filter{Key: "price", Op: OpGe, Values: []string{"100"}}},
		{in: " price < 49.5 ", want: Filter{Key: "price", Op: OpLt, Values: []string{"49.5"}}},
		{in: "qty>0", want: Filter{Key: "qty", Op: OpGt, Values: []string{"0"}}},
		{in: "t<=-1e3", want: Filter{Key: "t", Op: OpLe, Values: []string{"-1e3"}}},
		{in: "price>abc", err: `">" compares numbers, and "abc" is not one`},
		{in: "price>", err: `missing value after ">"`},
		{in: ">5", err: `missing property name before ">"`},
		{in: "url=https://x/?a>b", want: Filter{Key: "url", Op: OpEq, Values: []string{"https://x/?a>b"}}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			f, err := ParseFilter(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Key != c.want.Key || f.Op != c.want.Op || len(f.Values) != 1 || f.Values[0] != c.want.Values[0] {
				t.Fatalf("got %+v, want %+v", f, c.want)
			}
			if again, err := ParseFilter(f.String()); err != nil || again.String() != f.String() {
				t.Fatalf("String() %q does not parse back: %+v, %v", f.String(), again, err)
			}
		})
	}
}

// The SEMANTICS.md rules for filters on number properties, as examples.
func TestNumericFilterExamples(t *testing.T) {
	evs := []tev{
		{user: 1, t: 0, name: "view"}, {user: 1, t: 1, name: "buy", props: map[string]string{"price": "5", "size": "M"}},
		{user: 2, t: 0, name: "view"}, {user: 2, t: 1, name: "buy", props: map[string]string{"price": "5.0", "size": "L"}},
		{user: 3, t: 0, name: "view"}, {user: 3, t: 1, name: "buy", props: map[string]string{"price": "120", "size": "XL"}},
		{user: 4, t: 0, name: "view"}, {user: 4, t: 1, name: "buy"},
	}
	ev := buildEvents(evs)
	cases := []struct {
		where string
		buy   int64
	}{
		{"price>=5", 3},  // 5, 5.0 and 120
		{"price<=5", 2},  // 5 and 5.0, numerically equal
		{"price=5", 1},   // text as imported: not 5.0
		{"price>1e2", 1}, // 120
		{"price<0", 0},   // a missing value matches no comparison
		{"price!=5", 3},  // 5.0, 120 and the buy without a price
	}
	for _, c := range cases {
		t.Run(c.where, func(t *testing.T) {
			f, err := ParseFilter(c.where)
			if err != nil {
				t.Fatal(err)
			}
			d := &Definition{Steps: []Step{{Events: []string{"view"}}, {Events: []string{"buy"}, Where: []Filter{f}}}}
			if got := stepUsers(mustCompute(t, d, ev)); got[1] != c.buy {
				t.Fatalf("buy[%s] = %d users, want %d", c.where, got[1], c.buy)
			}
		})
	}
	d := &Definition{Steps: []Step{{Events: []string{"view"}}, {Events: []string{"buy"}, Where: []Filter{{Key: "size", Op: OpGt, Values: []string{"1"}}}}}}
	if _, err := Compute(d, ev); err == nil || !strings.Contains(err.Error(), `property "size" is text, not a number`) {
		t.Fatalf("comparison on a text property: %v", err)
	}
}
