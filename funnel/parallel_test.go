package funnel

import (
	"reflect"
	"testing"
	"time"
)

func genDefs() []*Definition {
	base := func() *Definition { return benchDef("") }
	var out []*Definition
	add := func(f func(d *Definition)) {
		d := base()
		f(d)
		out = append(out, d)
	}
	add(func(d *Definition) {})
	add(func(d *Definition) { d.By = "country"; d.TopN = 5 })
	add(func(d *Definition) { d.Mode = Strict; d.By = "device"; d.Attribution = "last" })
	add(func(d *Definition) { d.Count = Totals; d.By = "device"; d.Attribution = "step:3" })
	add(func(d *Definition) { d.Mode = Any; d.Window = Duration(6 * time.Hour) })
	add(func(d *Definition) {
		d.MaxGap = Duration(30 * time.Minute)
		d.Exclusions = []Exclusion{{Events: []string{"remove_from_cart"}, From: 3, To: 5}}
		d.Where = []Filter{{Key: "device", Op: "!=", Values: []string{"tablet"}}}
		d.Steps[1].Where = []Filter{{Key: "country", Op: "in", Values: []string{"C00", "C01", "C02"}}}
	})
	return out
}

// The parallel split must not change any figure.
func TestParallelMatchesSerial(t *testing.T) {
	ev := genEvents(200_000)
	for i, d := range genDefs() {
		got := mustCompute(t, d, ev)
		p, err := compile(d, ev, false)
		if err != nil {
			t.Fatal(err)
		}
		w := newWorker(p, ev, p.by != nil)
		w.run(0, ev.NumUsers())
		want := assemble(d, p, ev, []*worker{w})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("definition %d: parallel and serial results differ", i)
		}
	}
}

// The reference on generated, realistic streams (not just tiny random ones).
func TestGeneratedMatchesReference(t *testing.T) {
	ev := genEvents(20_000)
	defer func(v int) { directValues = v }(directValues)
	for _, dv := range []int{0, 64} {
		directValues = dv
		for _, d := range genDefs() {
			compareWithReference(t, d, ev)
		}
	}
}
