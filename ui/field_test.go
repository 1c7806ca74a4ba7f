package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func TestFieldPrefilledTextIsSelected(t *testing.T) {
	runes := func(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	tests := []struct {
		name string
		keys []tea.KeyMsg
		want string
	}{
		{"typing replaces", []tea.KeyMsg{runes("w"), runes("ish")}, "wish"},
		{"backspace clears", []tea.KeyMsg{{Type: tea.KeyBackspace}}, ""},
		{"moving keeps it for editing", []tea.KeyMsg{{Type: tea.KeyEnd}, runes(" v2")}, "store v2"},
		{"left then type inserts", []tea.KeyMsg{{Type: tea.KeyLeft}, runes("X")}, "storXe"},
		{"enter leaves it", []tea.KeyMsg{{Type: tea.KeyEnter}}, "store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newField("> ", "store")
			for _, k := range tt.keys {
				f.Update(k)
			}
			if f.Value() != tt.want {
				t.Errorf("value = %q, want %q", f.Value(), tt.want)
			}
		})
	}
	if f := newField("> ", ""); f.selected {
		t.Error("an empty field has nothing selected")
	}
}

func TestFmtMsRoundsToTheUnitShown(t *testing.T) {
	for _, c := range []struct {
		ms   int64
		want string
	}{
		{0, "-"}, {850, "850ms"}, {999, "999ms"}, {1499, "1s"}, {1500, "2s"},
		{59_600, "1m"}, {180_000, "3m"}, {179_990, "3m"}, {180_064, "3m"}, {179_400, "2m59s"},
		{252_000, "4m12s"}, {3_599_700, "1h"}, {7_500_000, "2h05m"}, {86_390_000, "1d"},
		{277_200_000, "3d05h"},
	} {
		if got := fmtMs(c.ms); got != c.want {
			t.Errorf("fmtMs(%d) = %q, want %q", c.ms, got, c.want)
		}
	}
}
