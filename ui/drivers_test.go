package ui

import (
	"strings"
	"testing"

	"microfunnel/funnel"
)

func TestDriversView(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	before := len(m.def.Steps)
	h.keys("v")
	if m.screen() != "drivers" || m.drv == nil || m.drv.loading {
		t.Fatalf("v: screen %s, view %+v", m.screen(), m.drv)
	}
	if m.drv.err != nil || m.drv.res == nil || len(m.drv.res.Drivers) == 0 {
		t.Fatalf("drivers: %v %+v", m.drv.err, m.drv.res)
	}
	view := m.View()
	for _, want := range []string{"Correlation, not cause", "│", "×"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	// The view's rows are the engine's, in its order.
	ev, _ := h.m.be.Load(h.m.ctx, m.dataset)
	want, _ := funnel.Drivers(&m.def, ev, funnel.DriverOptions{MinUsers: 30})
	if len(want.Drivers) != len(m.drv.res.Drivers) || want.Drivers[0].Label() != m.drv.res.Drivers[0].Label() {
		t.Fatalf("view %+v, engine %+v", m.drv.res.Drivers, want.Drivers)
	}
	var target string
	for i, d := range m.drv.res.Drivers {
		if d.Event != "" {
			for j := 0; j < i; j++ {
				h.keys("down")
			}
			target = d.Event
			break
		}
	}
	h.keys("enter")
	if !m.drv.offer || !strings.Contains(m.View(), "did it / did not") {
		t.Fatalf("enter: no offer:\n%s", m.View())
	}
	h.keys("esc")
	if m.drv == nil || m.drv.offer {
		t.Fatal("esc closes the offer first")
	}
	h.keys("enter", "a")
	if m.drv != nil || len(m.def.Steps) != before+1 || m.def.Steps[before-1].Events[0] != target {
		t.Fatalf("a: steps %v, want %s before the last", stepNames(m.def), target)
	}
	h.keys("u")
	if len(m.def.Steps) != before {
		t.Fatalf("undo: %v", stepNames(m.def))
	}
	h.keys("v", "esc")
	if m.drv != nil || m.screen() != "funnel" {
		t.Fatalf("esc: screen %s", m.screen())
	}
}

func TestDriversViewRefusals(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	h.keys("m", "m") // sequential -> strict -> any
	if m.def.Mode != funnel.Any {
		t.Fatalf("mode %s", m.def.Mode)
	}
	h.keys("v")
	if m.drv != nil || !strings.Contains(m.status, "ordered steps") {
		t.Fatalf("v in mode any: view %v status %q", m.drv != nil, m.status)
	}
}
