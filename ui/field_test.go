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
