package ui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key the dashboard knows, declared once. Panes match with
// key.Matches against the map they are given and list the bindings that
// make sense where they are in their ShortHelp.
type KeyMap struct {
	Up, Down, Top, Bottom key.Binding
	NextPane, PrevPane    key.Binding
	Select, Back          key.Binding
	Quit, Help            key.Binding

	// Segments.
	Mark, ClearSegment, CycleBy, PickBy, Attribution key.Binding

	// Editor.
	AddStep, DeleteStep, MoveUp, MoveDown, AddAlt, StepFilter, Rename key.Binding
	Window, CycleWindow, Mode, Counting                               key.Binding

	// Pickers and views.
	Dataset, Preset, Save, Open, Compare, Reload key.Binding
}

// DefaultKeyMap has vim keys and arrows side by side.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:       b([]string{"k", "up"}, "↑/k", "up"),
		Down:     b([]string{"j", "down"}, "↓/j", "down"),
		Top:      b([]string{"g", "home"}, "g", "top"),
		Bottom:   b([]string{"G", "end"}, "G", "bottom"),
		NextPane: b([]string{"tab"}, "tab", "next pane"),
		PrevPane: b([]string{"shift+tab"}, "shift+tab", "prev pane"),
		Select:   b([]string{"enter"}, "enter", "select/filter"),
		Back:     b([]string{"esc"}, "esc", "back"),
		Quit:     b([]string{"q", "ctrl+c"}, "q", "quit"),
		Help:     b([]string{"?"}, "?", "help"),

		Mark:         b([]string{" "}, "space", "mark segment"),
		ClearSegment: b([]string{"x"}, "x", "clear segment filter"),
		CycleBy:      b([]string{"b"}, "b", "breakdown"),
		PickBy:       b([]string{"B"}, "B", "pick breakdown"),
		Attribution:  b([]string{"A"}, "A", "attribution"),

		AddStep:     b([]string{"a"}, "a", "add step"),
		DeleteStep:  b([]string{"d", "delete"}, "d", "delete step"),
		MoveUp:      b([]string{"K", "shift+up"}, "K", "move step up"),
		MoveDown:    b([]string{"J", "shift+down"}, "J", "move step down"),
		AddAlt:      b([]string{"o"}, "o", "add OR event"),
		StepFilter:  b([]string{"f"}, "f", "step filter"),
		Rename:      b([]string{"r"}, "r", "rename"),
		Window:      b([]string{"W"}, "W", "type window"),
		CycleWindow: b([]string{"w"}, "w", "cycle window"),
		Mode:        b([]string{"m"}, "m", "order mode"),
		Counting:    b([]string{"c"}, "c", "counting"),

		Dataset: b([]string{"D"}, "D", "dataset"),
		Preset:  b([]string{"p"}, "p", "preset"),
		Save:    b([]string{"s", "ctrl+s"}, "s", "save"),
		Open:    b([]string{"O"}, "O", "open saved"),
		Compare: b([]string{"C"}, "C", "compare"),
		Reload:  b([]string{"R", "ctrl+r"}, "R", "recompute"),
	}
}

// FullHelp groups every binding by what it acts on, for the `?` screen.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.NextPane, k.PrevPane, k.Select, k.Back, k.Help, k.Quit},
		{k.AddStep, k.DeleteStep, k.MoveUp, k.MoveDown, k.AddAlt, k.StepFilter, k.Rename},
		{k.CycleWindow, k.Window, k.Mode, k.Counting, k.Attribution, k.Reload},
		{k.CycleBy, k.PickBy, k.Mark, k.Select, k.ClearSegment},
		{k.Dataset, k.Preset, k.Save, k.Open, k.Compare},
	}
}

// ShortHelp is the footer when no pane asks for something more specific.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.NextPane, k.AddStep, k.CycleBy, k.Preset, k.Dataset, k.Save, k.Compare, k.Help, k.Quit}
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
