package ui

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"microfunnel/funnel"
)

// remoteOptions computes on "the server": the fake backend's events, which
// the dashboard itself may not load (Load fails).
func remoteOptions(be *fakeBackend, calls *int, fail error) Options {
	o := testOptions(be)
	events := be.data
	be.loadErr = errors.New("Load was called on a remote backend")
	o.Compare = nil
	o.Remote = func(_ context.Context, ds string, def *funnel.Definition) (*funnel.Result, error) {
		*calls++
		if fail != nil {
			return nil, fail
		}
		return funnel.Compute(def, events[ds])
	}
	return o
}

// With a remote engine the dashboard shows the server's funnel and never
// loads events; the views that read events are off and say why.
func TestRemoteDashboard(t *testing.T) {
	local := newHarness(t, newFakeBackend(), 100, 30)
	var calls int
	be := newFakeBackend()
	m := New(context.Background(), remoteOptions(be, &calls, nil))
	m.noSpin = true
	h := &harness{t: t, m: m}
	h.send(resize(100, 30))
	h.run(m.Init())
	if calls == 0 || m.res == nil || m.resErr != nil {
		t.Fatalf("no remote result: calls %d, err %v", calls, m.resErr)
	}
	if !reflect.DeepEqual(m.res.Steps, local.m.res.Steps) {
		t.Errorf("remote steps %+v, local %+v", m.res.Steps, local.m.res.Steps)
	}
	for _, k := range []string{"N", "v", "T", "C"} {
		m.setStatus("")
		h.keys(k)
		if !strings.Contains(m.status, "needs --db FILE: on ClickHouse the events stay on the server") {
			t.Errorf("%s: status %q", k, m.status)
		}
	}
	h.keys("b") // a breakdown is one more remote query
	if m.res == nil || m.res.Breakdown == nil || m.resErr != nil {
		t.Fatalf("breakdown: %v", m.resErr)
	}
	m.took = 0
	m.setStatus("")
	m.syncPanes()
	golden.RequireEqual(t, []byte(m.View()))
}

// A setting the server refuses shows its message, and no stale numbers.
func TestRemoteRefusal(t *testing.T) {
	var calls int
	m := New(context.Background(), remoteOptions(newFakeBackend(), &calls, errors.New("--mode strict is not supported on ClickHouse: windowFunnel's strict_order lets a repeated step event pass")))
	m.noSpin = true
	h := &harness{t: t, m: m}
	h.send(resize(100, 30))
	h.run(m.Init())
	if m.res != nil || m.resErr == nil {
		t.Fatalf("result %v, error %v", m.res, m.resErr)
	}
	if v := m.View(); !strings.Contains(v, "--mode strict is not supported on ClickHouse") {
		t.Errorf("the refusal is not on screen:\n%s", v)
	}
}

// With a remote drivers function the drivers view computes there.
func TestRemoteDrivers(t *testing.T) {
	var calls, dcalls int
	be := newFakeBackend()
	events := be.data
	o := remoteOptions(be, &calls, nil)
	o.RemoteDrivers = func(_ context.Context, ds string, def *funnel.Definition, opt funnel.DriverOptions) (*funnel.DriverResult, error) {
		dcalls++
		return funnel.Drivers(def, events[ds], opt)
	}
	m := New(context.Background(), o)
	m.noSpin = true
	h := &harness{t: t, m: m}
	h.send(resize(100, 30))
	h.run(m.Init())
	h.keys("v")
	if dcalls != 1 || m.drv == nil || m.drv.err != nil || m.drv.res == nil {
		t.Fatalf("drivers: %d calls, view %+v", dcalls, m.drv)
	}
	want, err := funnel.Drivers(&m.def, events[m.dataset], funnel.DriverOptions{MinUsers: 30})
	if err != nil || !reflect.DeepEqual(m.drv.res, want) {
		t.Errorf("drivers view %+v, want %+v (%v)", m.drv.res, want, err)
	}
}
