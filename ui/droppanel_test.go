package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"microfunnel/funnel"
)

// EachUserID names the fake's users u000, u001, ...
func (f *fakeBackend) EachUserID(_ context.Context, name string, fn func(u int, id string) error) error {
	for u := 0; u < f.data[name].NumUsers(); u++ {
		if err := fn(u, fmt.Sprintf("u%03d", u)); err != nil {
			return err
		}
	}
	return nil
}

// runDrop opens the dashboard, sends keys one at a time and returns the
// final model once text is on screen. A key written "K>text" waits for text
// after it (the result of a computation the next key needs).
func runDrop(t *testing.T, w, h int, keys []string, text string) *Model {
	t.Helper()
	m := New(context.Background(), testOptions(newFakeBackend()))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	waitFor(t, tm, "of prev")
	for _, k := range keys {
		k, after, wait := strings.Cut(k, ">")
		tm.Send(keyMsg(k))
		if wait {
			waitFor(t, tm, after)
		}
		time.Sleep(40 * time.Millisecond)
	}
	waitFor(t, tm, text)
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	fm.took = 0
	fm.syncPanes()
	return fm
}

func TestDropPanelGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		w, h int
		keys []string
		text string
	}{
		{"next_80x24", 80, 24, []string{"N"}, "L: list these users"},
		{"next_120x40", 120, 40, []string{"j", "N"}, "L: list these users"},
		{"offer_80x24", 80, 24, []string{"N>list these users", "j", "enter"}, "esc cancels"},
		{"users_80x24", 80, 24, []string{"N>list these users", "L"}, "enter explains one"},
		{"path_80x24", 80, 24, []string{"N>list these users", "L>enter explains one", "enter"}, "stopped:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fm := runDrop(t, c.w, c.h, c.keys, c.text)
			if fm.screen() != "drop-off" {
				t.Fatalf("screen %s", fm.screen())
			}
			golden.RequireEqual(t, []byte(fm.View()))
		})
	}
}

// The panel's numbers are the engine's, and enter then s or x changes the
// funnel.
func TestDropPanelActs(t *testing.T) {
	fm := runDrop(t, 80, 24, []string{"N"}, "L: list these users")
	def := fm.def
	res, err := funnel.ComputeDropped(&def, fm.ev, funnel.DropOptions{Top: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fm.drop.d, res.Steps[0].Dropped; got == nil || got.Users != want.Users || len(got.Next) != len(want.Next) {
		t.Fatalf("panel %+v, engine %+v", got, want)
	}
	n := len(fm.def.Steps)
	var ev string
	for i, ne := range fm.drop.d.Next {
		if ne.Event != funnel.NextNone && ne.Event != funnel.NextOther {
			ev = ne.Event
			keys := []string{"N>list these users"}
			for j := 0; j < i; j++ {
				keys = append(keys, "j")
			}
			step := runDrop(t, 80, 24, append(keys, "enter", "s"), "of prev")
			if len(step.def.Steps) != n+1 || step.def.Steps[1].Events[0] != ev || step.drop != nil {
				t.Errorf("s: steps %+v, want %s as step 2", step.def.Steps, ev)
			}
			ex := runDrop(t, 80, 24, append(keys, "enter", "x"), "of prev")
			if len(ex.def.Exclusions) != 1 || ex.def.Exclusions[0].Events[0] != ev || ex.def.Exclusions[0].From != 1 || ex.def.Exclusions[0].To != 2 {
				t.Errorf("x: exclusions %+v, want %s between 1 and 2", ex.def.Exclusions, ev)
			}
			break
		}
	}
	if ev == "" {
		t.Fatal("no named next event to act on")
	}
	// The last step has no panel: the key says why.
	last := runDrop(t, 80, 24, []string{"G", "N"}, "nobody drops out after the last step")
	if last.drop != nil {
		t.Error("a panel on the last step")
	}
}
