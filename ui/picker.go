package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

type pickerKind int

const (
	pickEvent pickerKind = iota // add a step
	pickAlt                     // add an OR alternative to the focused step
	pickDataset
	pickPreset
	pickSaved
	pickProperty
	pickFilterKey   // a property to filter on (or type, or remove one)
	pickFilterValue // a value of that property
	pickExclude     // an event to exclude between two steps
	pickRemoveAlt   // an alternative event to remove from a step
)

// item is one choice in a picker; value is what the root acts on.
type item struct {
	label  string
	detail string
	value  string
}

// picker is a list that filters as you type (events with user counts,
// datasets, presets, saved funnels, properties).
type picker struct {
	common
	kind     pickerKind
	title    string
	items    []item
	filtered []int
	cursor   int
	input    field
	pk       pickerKeys
	actions  []pickerAction
}

// pickedMsg and the cancel are returned synchronously by Update so the root
// acts on them in the same frame.
type pickResult struct {
	done   bool
	chosen *item
	// action is an extra key's name ("delete", "rename") pressed on chosen;
	// the picker stays open until the root acts.
	action string
}

// pickerAction is an extra key a picker offers on its items.
type pickerAction struct {
	key  key.Binding
	name string
}

func newPicker(c common, kind pickerKind, title string, items []item) picker {
	ti := newField("filter: ", "")
	ti.placeholder = " type to filter"
	p := picker{common: c, kind: kind, title: title, items: items, input: ti, pk: defaultPickerKeys()}
	p.refilter()
	return p
}

func (p *picker) SetSize(w, h int) { p.w, p.h = w, h }

// selectValue puts the cursor on the item with value v, if listed, so a
// picker opens on the current choice.
func (p *picker) selectValue(v string) {
	for i, idx := range p.filtered {
		if p.items[idx].value == v {
			p.cursor = i
			return
		}
	}
}

func (p picker) ShortHelp() []key.Binding {
	out := []key.Binding{p.pk.Up, p.pk.Down, p.pk.Select, p.pk.Back}
	for _, a := range p.actions {
		out = append(out, a.key)
	}
	return out
}

func (p *picker) refilter() {
	q := strings.ToLower(strings.TrimSpace(p.input.Value()))
	p.filtered = p.filtered[:0]
	for i, it := range p.items {
		if q == "" || strings.Contains(strings.ToLower(it.label), q) {
			p.filtered = append(p.filtered, i)
		}
	}
	if p.cursor >= len(p.filtered) {
		p.cursor = maxInt(0, len(p.filtered)-1)
	}
}

func (p picker) Update(msg tea.Msg) (picker, pickResult, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return p, pickResult{}, nil
	}
	switch {
	case key.Matches(km, p.pk.Back):
		return p, pickResult{done: true}, nil
	case key.Matches(km, p.pk.Select):
		if p.cursor < len(p.filtered) {
			it := p.items[p.filtered[p.cursor]]
			return p, pickResult{done: true, chosen: &it}, nil
		}
		return p, pickResult{}, nil
	case p.actionOf(km) != "":
		if p.cursor < len(p.filtered) {
			it := p.items[p.filtered[p.cursor]]
			return p, pickResult{chosen: &it, action: p.actionOf(km)}, nil
		}
		return p, pickResult{}, nil
	case key.Matches(km, p.pk.Up):
		if p.cursor > 0 {
			p.cursor--
		}
		return p, pickResult{}, nil
	case key.Matches(km, p.pk.Down):
		if p.cursor < len(p.filtered)-1 {
			p.cursor++
		}
		return p, pickResult{}, nil
	}
	if p.input.Update(km) {
		p.cursor = 0 // the best match is the first
		p.refilter()
	}
	return p, pickResult{}, nil
}

func (p picker) actionOf(k tea.KeyMsg) string {
	for _, a := range p.actions {
		if key.Matches(k, a.key) {
			return a.name
		}
	}
	return ""
}

func (p picker) View() string {
	st := p.st
	var b strings.Builder
	b.WriteString(st.PaneActive.Render(p.title) + "\n")
	b.WriteString(p.input.View(st, p.w) + "\n")
	rows := maxInt(1, p.h-3)
	off := 0
	if p.cursor >= rows {
		off = p.cursor - rows + 1
	}
	labelW := 8
	for _, it := range p.items {
		labelW = maxInt(labelW, len([]rune(it.label)))
	}
	labelW = minInt(labelW, maxInt(8, p.w*3/5))
	if len(p.filtered) == 0 {
		b.WriteString(st.Faint.Render("  nothing matches") + "\n")
	}
	for i := off; i < len(p.filtered) && i < off+rows; i++ {
		it := p.items[p.filtered[i]]
		cur := "  "
		label := padRight(it.label, labelW)
		if i == p.cursor {
			cur = st.Cursor.Render("▸ ")
			label = st.Selected.Render(label)
		}
		b.WriteString(cur + label + "  " + st.Faint.Render(it.detail) + "\n")
	}
	foot := itoa(len(p.filtered)) + " of " + itoa(len(p.items)) + " · ↑/↓ move · enter choose · esc cancel"
	for _, a := range p.actions {
		foot += " · " + a.key.Help().Key + " " + a.key.Help().Desc
	}
	b.WriteString(st.Faint.Render(foot))
	return fitLines(clamp(b.String(), p.w, p.h), p.h)
}

type promptKind int

const (
	promptFilter promptKind = iota
	promptRename
	promptWindow
	promptSave
	promptWhere    // filters on every step
	promptStepName // the focused step's display name
	promptMaxGap
	promptDates
	promptRenameSaved // a saved funnel's new name
)

// prompt is a one-line text field (step filter, funnel name, window, save
// name). While it is open keys type; esc leaves it.
type prompt struct {
	common
	kind  promptKind
	title string
	hint  string
	input field
	err   string
}

type promptResult struct {
	done  bool
	ok    bool
	value string
}

func newPrompt(c common, kind promptKind, title, hint, value string) prompt {
	return prompt{common: c, kind: kind, title: title, hint: hint, input: newField("> ", value)}
}

func (p *prompt) SetSize(w, h int) { p.w, p.h = w, h }

func (p prompt) ShortHelp() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

func (p prompt) Update(msg tea.Msg) (prompt, promptResult, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return p, promptResult{}, nil
	}
	switch km.String() {
	case "esc":
		return p, promptResult{done: true}, nil
	case "enter":
		return p, promptResult{done: true, ok: true, value: p.input.Value()}, nil
	}
	p.input.Update(km)
	p.err = ""
	return p, promptResult{}, nil
}

func (p prompt) View() string {
	st := p.st
	hint := p.hint
	if p.input.selected {
		// Without colour the selection does not show; say what typing does.
		hint = "typing replaces the text, ← or → edits it · " + hint
	}
	s := st.PaneActive.Render(p.title) + "\n" + p.input.View(st, p.w) + "\n" + st.Faint.Render(wrapParts(strings.Split(hint, " · "), " · ", p.w))
	if p.err != "" {
		s += "\n" + st.Err.Render(p.err)
	}
	return fitLines(clamp(s, p.w, p.h), p.h)
}
