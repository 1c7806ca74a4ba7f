package ui

import (
	"bytes"
	"context"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
)

// TestGoldenScreens runs the real program loop at a fixed size on the seeded
// dataset and compares whole screens with testdata/TestGoldenScreens/*.golden.
// Regenerate with: go test ./ui -run Golden -update
func TestGoldenScreens(t *testing.T) {
	cases := []struct {
		name string
		w, h int
		keys []string
		text string // wait for this before quitting
		typ  string
		// settled: wait for text drawn without a computation in flight
		settled bool
	}{
		{name: "main_80x24", w: 80, h: 24, text: "of prev"},
		{name: "main_100x30", w: 100, h: 30, keys: []string{"j", "j"}, text: "Step 3 begin_checkout"},
		{name: "segments_100x30", w: 100, h: 30, keys: []string{"b", "b", "tab", "j"}, text: "preview device="},
		{name: "grouped_100x30", w: 100, h: 30, keys: []string{"b", "b", "tab", "space", "j", "space"}, text: "2 marked segments"},
		// The title is drawn at once, "· updating…" after it until the
		// filtered funnel lands: wait for the title without it.
		{name: "filtered_100x30", w: 100, h: 30, keys: []string{"b", "b", "tab", "j", "enter"}, text: "Funnel · segment device=mobile", settled: true},
		{name: "editor_80x24", w: 80, h: 24, keys: []string{"tab", "tab"}, text: "Editor"},
		{name: "picker_80x24", w: 80, h: 24, keys: []string{"a"}, typ: "add", text: "2 of 6"},
		{name: "compare_120x40", w: 120, h: 40, keys: []string{"C"}, text: "biggest drop"},
		{name: "drivers_80x24", w: 80, h: 24, keys: []string{"v"}, text: "bars: odds ratio"},
		{name: "drivers_120x40", w: 120, h: 40, keys: []string{"v", "down", "enter"}, text: "Break down by"},
		{name: "trend_80x24", w: 80, h: 24, keys: []string{"T"}, text: "Trend by week"},
		{name: "trend_day_120x40", w: 120, h: 40, keys: []string{"T", "d"}, text: "2024-03-15"},
		{name: "trend_versus_80x24", w: 80, h: 24, keys: []string{"T", "p"}, text: "Holm-adjusted"},
		{name: "help_100x30", w: 100, h: 30, keys: []string{"?"}, text: "add OR event"},
		{name: "wide_200x60", w: 200, h: 60, keys: []string{"b", "b"}, text: "Segments by device"},
		{name: "toosmall_30x8", w: 30, h: 8, text: "oo small"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := New(context.Background(), testOptions(newFakeBackend()))
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(c.w, c.h))
			if c.text != "oo small" && len(c.keys) > 0 {
				waitFor(t, tm, "of prev")
			}
			// Keys go one at a time with a pause: a key that recomputes must
			// land before the next one reads the new segments, as it does
			// for a person.
			for _, k := range c.keys {
				tm.Send(keyMsg(k))
				time.Sleep(40 * time.Millisecond)
			}
			for _, r := range c.typ {
				tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
			}
			if c.settled {
				waitSettled(t, tm, c.text)
			} else {
				waitFor(t, tm, c.text)
			}
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
			fm.took = 0 // timings differ from run to run
			fm.syncPanes()
			golden.RequireEqual(t, []byte(fm.View()))
		})
	}
}

// waitSettled waits until the last drawing of text is not followed on its
// line by "updating" (the pane's mark of a computation in flight).
func waitSettled(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		i := bytes.LastIndex(b, []byte(text))
		if i < 0 {
			return false
		}
		rest := b[i+len(text):]
		if j := bytes.IndexAny(rest, "\r\n"); j >= 0 {
			rest = rest[:j]
		}
		return !bytes.Contains(rest, []byte("updating"))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte(text))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}
