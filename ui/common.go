package ui

// common is what every pane shares: its size, the styles and the key map,
// handed down by the root rather than read from globals.
type common struct {
	st   *Styles
	keys *KeyMap
	w, h int
}
