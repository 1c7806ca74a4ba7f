package ui

import "github.com/charmbracelet/bubbles/key"

// common is what every pane shares: its size, the styles, the keys it
// matches itself and the footer the binding table gives its scope, handed
// down by the root rather than read from globals.
type common struct {
	st     *Styles
	keys   *KeyMap
	footer func(scope) []key.Binding
	w, h   int
}

// component is what the root asks of every pane (soft-serve's
// common.Component): draw at the size given, and name the keys that act
// here. Panes tell the root about a choice with typed messages
// (segmentChosenMsg) rather than the root reading their fields.
type component interface {
	SetSize(w, h int)
	View() string
	ShortHelp() []key.Binding
}

var (
	_ component = (*funnelPane)(nil)
	_ component = (*segmentsPane)(nil)
	_ component = (*editorPane)(nil)
	_ component = (*header)(nil)
)

func (c common) keysOf(s scope) []key.Binding {
	if c.footer == nil {
		return nil
	}
	return c.footer(s)
}
