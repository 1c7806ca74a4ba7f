package ui

import (
	"context"
	"math/rand"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"microfunnel/funnel"
)

// mixedBackend's shop has a device per event, not per user, so a segment
// (by the breakdown's attribution) and an event filter on every step count
// different users: the test below can tell them apart.
func mixedBackend() *fakeBackend {
	be := newFakeBackend()
	ev := seededEvents(5, 400)
	r := rand.New(rand.NewSource(9))
	for i := range ev.Time {
		s := uint32(r.Intn(16)) // device s/4, country s%4, as seededEvents numbers them
		ev.Props["device"].Of[i], ev.Props["country"].Of[i] = s/4, s%4
	}
	be.data["shop"] = ev
	return be
}

func users(steps []funnel.StepResult) []int64 {
	out := make([]int64, len(steps))
	for i, s := range steps {
		out[i] = s.Users
	}
	return out
}

func equalUsers(a, b []funnel.StepResult) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Users != b[i].Users || a[i].MedianMs != b[i].MedianMs {
			return false
		}
	}
	return len(a) > 0
}

// For every segment, attribution first and last: enter keeps exactly the
// users the preview showed, and that is not what an event filter on every
// step would give.
func TestSegmentEnterEqualsPreview(t *testing.T) {
	for _, attr := range []string{"first", "last"} {
		t.Run(attr, func(t *testing.T) {
			h := newHarness(t, mixedBackend(), 100, 30)
			m := h.m
			h.keys("b", "b")
			if attr == "last" {
				h.keys("A")
			}
			h.keys("tab")
			if m.def.By != "device" || m.seg.bd == nil || m.seg.bd.Attribution != attr {
				t.Fatalf("by %q attribution %v", m.def.By, m.seg.bd)
			}
			differs := false
			for i := 0; i < len(m.seg.segments()); i++ {
				h.keys("x") // back to all users, so the preview is the plain breakdown row
				m.seg.cursor = i
				h.send(resize(100, 30))
				seg, _ := m.seg.current()
				preview := append([]funnel.StepResult(nil), m.fun.steps...)
				if !equalUsers(preview, seg.Steps) {
					t.Fatalf("%s: preview %v is not the row %v", seg.Value, users(preview), users(seg.Steps))
				}
				h.keys("enter")
				if m.def.Segment == nil || m.def.Segment.Value != seg.Value || m.res == nil {
					t.Fatalf("%s: enter set segment %v", seg.Value, m.def.Segment)
				}
				if !equalUsers(m.res.Steps, preview) {
					t.Fatalf("%s: after enter %v, preview %v", seg.Value, users(m.res.Steps), users(preview))
				}
				if m.focus != paneSegments {
					t.Fatalf("%s: enter moved the focus to %v", seg.Value, m.focus)
				}
				if seg.Value == funnel.OtherSegment || seg.Value == funnel.NoneSegment {
					continue
				}
				ef := m.def.Clone()
				ef.Segment, ef.By = nil, ""
				ef.Where = append(ef.Where, funnel.Filter{Key: "device", Op: funnel.OpEq, Values: []string{seg.Value}})
				byFilter, err := funnel.Compute(&ef, m.be.(*fakeBackend).data["shop"])
				if err != nil {
					t.Fatal(err)
				}
				if !equalUsers(byFilter.Steps, preview) {
					differs = true
				}
			}
			if !differs {
				t.Fatal("the data cannot tell a segment from an event filter: the test proves nothing")
			}
		})
	}
}

// The same through the real program loop: the funnel pane after enter
// shows the numbers the preview showed.
func TestSegmentPreviewEqualsFilteredTeatest(t *testing.T) {
	final := func(wait string, settled bool, keys ...string) *Model {
		m := New(context.Background(), testOptions(mixedBackend()))
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
		waitFor(t, tm, "of prev")
		for _, k := range keys {
			tm.Send(keyMsg(k))
			time.Sleep(40 * time.Millisecond)
		}
		// The filtered funnel's title is drawn before its recompute lands:
		// wait for the pane without its "updating" mark.
		if settled {
			waitSettled(t, tm, wait)
		} else {
			waitFor(t, tm, wait)
		}
		time.Sleep(100 * time.Millisecond)
		if err := tm.Quit(); err != nil {
			t.Fatal(err)
		}
		return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	}
	pre := final("preview device=", false, "b", "b", "tab", "j")
	seg, _ := pre.seg.current()
	post := final("Funnel · segment device="+seg.Value, true, "b", "b", "tab", "j", "enter")
	if post.def.Segment == nil || post.def.Segment.Value != seg.Value || post.res == nil || !equalUsers(post.res.Steps, pre.fun.steps) {
		t.Fatalf("filtered %v, preview %v", post.res, users(pre.fun.steps))
	}
}
