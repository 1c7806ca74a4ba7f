package ui

import "github.com/charmbracelet/bubbles/key"

// KeyMap holds the keys panes match themselves (moving a cursor, marking,
// choosing). What every key does, where, and why it is off is the binding
// table in bindings.go.
type KeyMap struct {
	Up, Down, Top, Bottom key.Binding
	Select, Back, Mark    key.Binding
}

// DefaultKeyMap has vim keys and arrows side by side.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:     kb([]string{"k", "up"}, "↑/k", "up"),
		Down:   kb([]string{"j", "down"}, "↓/j", "down"),
		Top:    kb([]string{"g", "home"}, "g", "top"),
		Bottom: kb([]string{"G", "end"}, "G", "bottom"),
		Select: kb([]string{"enter"}, "enter", "filter to segment"),
		Back:   kb([]string{"esc"}, "esc", "back"),
		Mark:   kb([]string{" "}, "space", "mark segment"),
	}
}

// pickerKeys are the keys of a list that filters as you type: letters type,
// so movement is arrows and ctrl+n/p only.
type pickerKeys struct {
	Up, Down, Select, Back key.Binding
}

func defaultPickerKeys() pickerKeys {
	return pickerKeys{
		Up:     key.NewBinding(key.WithKeys("up", "ctrl+p", "ctrl+k"), key.WithHelp("↑", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "ctrl+n", "ctrl+j"), key.WithHelp("↓", "down")),
		Select: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}
