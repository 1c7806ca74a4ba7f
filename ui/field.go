package ui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// field is a one-line text input. bubbles/textinput would pull a clipboard
// module the build does not carry; a filter box needs only this much, and a
// cursor that never blinks keeps golden screens stable.
type field struct {
	prompt      string
	placeholder string
	value       []rune
	pos         int
	// selected: the text was filled in for the user (the funnel's name, the
	// window): typing replaces it, backspace clears it, and moving the
	// cursor keeps it for editing, as in a dialog with its text selected.
	selected bool
}

func newField(prompt, value string) field {
	f := field{prompt: prompt, value: []rune(value), selected: value != ""}
	f.pos = len(f.value)
	return f
}

func (f field) Value() string { return string(f.value) }

// Update edits the text; it reports whether the key was a text key, so the
// caller can leave other keys (arrows up/down, enter, esc) to itself.
func (f *field) Update(k tea.KeyMsg) bool {
	if f.selected {
		f.selected = false
		switch k.Type {
		case tea.KeyRunes, tea.KeySpace, tea.KeyBackspace, tea.KeyDelete:
			f.value, f.pos = nil, 0
			if k.Type == tea.KeyBackspace || k.Type == tea.KeyDelete {
				return true
			}
		}
	}
	switch k.Type {
	case tea.KeyRunes, tea.KeySpace:
		r := k.Runes
		if k.Type == tea.KeySpace {
			r = []rune{' '}
		}
		v := append([]rune{}, f.value[:f.pos]...)
		v = append(v, r...)
		f.value = append(v, f.value[f.pos:]...)
		f.pos += len(r)
	case tea.KeyBackspace:
		if f.pos > 0 {
			f.value = append(f.value[:f.pos-1], f.value[f.pos:]...)
			f.pos--
		}
	case tea.KeyDelete:
		if f.pos < len(f.value) {
			f.value = append(f.value[:f.pos], f.value[f.pos+1:]...)
		}
	case tea.KeyLeft, tea.KeyCtrlB:
		f.pos = maxInt(0, f.pos-1)
	case tea.KeyRight, tea.KeyCtrlF:
		f.pos = minInt(len(f.value), f.pos+1)
	case tea.KeyHome, tea.KeyCtrlA:
		f.pos = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		f.pos = len(f.value)
	case tea.KeyCtrlU:
		f.value = append([]rune{}, f.value[f.pos:]...)
		f.pos = 0
	case tea.KeyCtrlK:
		f.value = f.value[:f.pos]
	case tea.KeyCtrlW:
		i := f.pos
		for i > 0 && f.value[i-1] == ' ' {
			i--
		}
		for i > 0 && f.value[i-1] != ' ' {
			i--
		}
		f.value = append(f.value[:i], f.value[f.pos:]...)
		f.pos = i
	default:
		return false
	}
	return true
}

// View draws the prompt, the text and a block cursor, keeping the cursor in
// sight when the text is wider than w.
func (f field) View(st *Styles, w int) string {
	cur := "█"
	before := string(f.value[:f.pos])
	after := ""
	if f.pos < len(f.value) {
		cur = string(f.value[f.pos])
		after = string(f.value[f.pos+1:])
		cur = st.Cursor.Reverse(true).Render(cur)
	} else {
		cur = st.Cursor.Render(cur)
	}
	room := w - len([]rune(f.prompt)) - 1
	if r := []rune(before); room > 0 && len(r) > room {
		before = "…" + string(r[len(r)-room+1:])
	}
	text := before + cur + after
	if f.selected {
		text = st.Cursor.Reverse(true).Render(before) + cur
	}
	if len(f.value) == 0 && f.placeholder != "" {
		text = cur + st.Faint.Render(f.placeholder)
	}
	return truncate(st.Faint.Render(f.prompt)+text, w)
}
