package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"microfunnel/funnel"
)

// onKey handles a key press. Text fields come first so that letters type
// there; ctrl+c always quits because a user must never be trapped.
func (m *Model) onKey(k tea.KeyMsg) tea.Cmd {
	if k.String() == "ctrl+c" {
		return tea.Quit
	}
	// Any key starts a new action: the last one's note goes (a failed
	// computation keeps its message in the funnel pane).
	if m.prompt == nil && m.picker == nil && m.confirm == nil && len(m.pending) == 0 {
		m.setStatus("")
	}
	// Keys typed faster than a frame arrive as one message ("jjk"); outside
	// a text field each is a command of its own.
	if k.Type == tea.KeyRunes && len(k.Runes) > 1 && !k.Paste && m.prompt == nil && m.picker == nil {
		var cmds []tea.Cmd
		for _, r := range k.Runes {
			cmds = append(cmds, m.onKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
		}
		return tea.Batch(cmds...)
	}
	if k.String() != "q" || m.prompt != nil || m.picker != nil {
		if len(m.pending) > 0 || m.mustWait(k) {
			m.hold(k)
			return nil
		}
	}
	if m.confirm != nil {
		return m.onConfirmKey(k)
	}
	if m.prompt != nil {
		p, res, cmd := m.prompt.Update(k)
		*m.prompt = p
		if res.done {
			kind := m.prompt.kind
			if !res.ok {
				m.prompt = nil
				return cmd
			}
			if err := m.applyPrompt(kind, res.value); err != nil {
				m.prompt.err = err.Error() // keep the field open to fix the text
				return cmd
			}
			m.prompt = nil
			return tea.Batch(cmd, m.afterPrompt(kind, res.value))
		}
		return cmd
	}
	if m.picker != nil {
		p, res, cmd := m.picker.Update(k)
		*m.picker = p
		if res.action != "" {
			return tea.Batch(cmd, m.pickerAction(m.picker.kind, res.action, *res.chosen))
		}
		if res.done {
			kind := m.picker.kind
			m.picker = nil
			if res.chosen != nil {
				return tea.Batch(cmd, m.applyPick(kind, *res.chosen))
			}
		}
		return cmd
	}
	return m.dispatch(k)
}

// openStepFilter edits the focused step's filters.
func (m *Model) openStepFilter(tea.KeyMsg) tea.Cmd {
	m.openFilterKeys(m.step)
	return nil
}

// clearSegment removes the segment filter, else the marks.
func (m *Model) clearSegment(tea.KeyMsg) tea.Cmd {
	m.seg.marked = map[string]bool{}
	if s := m.def.Segment; s != nil {
		m.setStatus("segment " + s.String() + " removed: all users · u undoes")
		return m.change("clear segment "+s.String(), func(d *funnel.Definition) error { d.Segment = nil; return nil })
	}
	m.setStatus("marks cleared")
	return nil
}

// mustWait says whether k acts on state that is still on its way: anything
// but typing while a dataset loads, and moving through segments while the
// breakdown asked for is computing (the list on screen is the old one).
func (m *Model) mustWait(k tea.KeyMsg) bool {
	if m.prompt != nil || m.picker != nil || m.confirm != nil {
		return false
	}
	if m.loading {
		return true
	}
	if m.focus != paneSegments || m.showHelp || m.cmp != nil || !m.computing || m.def.By == "" {
		return false
	}
	if m.seg.bd != nil && m.seg.bd.Property == m.def.By {
		return false
	}
	km := m.keys
	for _, b := range []key.Binding{km.Up, km.Down, km.Top, km.Bottom, km.Mark, km.Select, km.Back} {
		if key.Matches(k, b) {
			return true
		}
	}
	return false
}

// hold queues k and says so, so a key is never dropped without a word.
func (m *Model) hold(k tea.KeyMsg) {
	const maxPending = 64
	if len(m.pending) >= maxPending {
		m.setStatus(fmt.Sprintf("still busy: %d keys waiting, %s ignored", len(m.pending), k.String()))
		return
	}
	m.pending = append(m.pending, k)
	names := make([]string, len(m.pending))
	for i, p := range m.pending {
		names[i] = p.String()
	}
	what := "loading"
	if !m.loading {
		what = "breaking down by " + m.def.By
	}
	m.setStatus(what + "… then: " + strings.Join(names, " "))
}

// replay runs the held keys in order; one that must wait again re-queues
// itself and everything after it.
func (m *Model) replay() tea.Cmd {
	q := m.pending
	m.pending = nil
	if m.status != "" && !m.statusErr && strings.Contains(m.status, "… then: ") {
		m.setStatus("")
	}
	var cmds []tea.Cmd
	for _, k := range q {
		cmds = append(cmds, m.onKey(k))
	}
	return tea.Batch(cmds...)
}

func (m *Model) move(delta int) tea.Cmd {
	if j := m.step + delta; j < 0 || j >= len(m.def.Steps) {
		m.setStatus(fmt.Sprintf("step %d is already the %s", m.step+1, map[bool]string{true: "first", false: "last"}[delta < 0]))
		return nil
	}
	return m.change("move step "+itoa(m.step+1), func(d *funnel.Definition) error {
		m.step = moveStep(d, m.step, delta)
		return nil
	})
}

// filterToSegment narrows the whole funnel to the segment the pane chose.
func (m *Model) filterToSegment(msg segmentChosenMsg) tea.Cmd {
	// The segment keeps exactly the users its row counts (by the
	// breakdown's attribution), so the funnel after enter is the preview.
	sf := funnel.SegmentFilter{Key: msg.key, Value: msg.value}
	cmd := m.change("segment "+sf.String(), func(d *funnel.Definition) error { d.Segment = &sf; return nil })
	if cmd != nil {
		m.seg.marked = map[string]bool{}
		m.setStatus("funnel filtered to segment " + sf.String() + " (attribution " + attrOf(m.def) + ") · x clears it")
	}
	return cmd
}

// segmentPins says why the breakdown cannot change while the funnel is
// filtered to a segment ("" when it can): the segment is a row of it.
func (m *Model) segmentPins() string {
	if s := m.def.Segment; s != nil {
		return "the funnel is filtered to segment " + s.String() + ": x clears it before breaking down by another property"
	}
	return ""
}

// cycleBy moves the breakdown to the next property, then to none.
func (m *Model) cycleBy() tea.Cmd {
	if why := m.segmentPins(); why != "" {
		m.setStatus(why)
		return nil
	}
	if len(m.props) == 0 {
		m.setStatus("this dataset has no properties to break down by")
		return nil
	}
	next := m.props[0].Key
	for i, p := range m.props {
		if p.Key == m.def.By {
			if i+1 < len(m.props) {
				next = m.props[i+1].Key
			} else {
				next = ""
			}
		}
	}
	return m.change("breakdown "+orDefault(next, "none"), func(d *funnel.Definition) error { d.By = next; return nil })
}

func (m *Model) openPicker(kind pickerKind, title string, items []item) {
	p := newPicker(m.common(), kind, title, items)
	m.picker = &p
	m.layout()
}

func (m *Model) openPrompt(kind promptKind, title, hint, value string) {
	p := newPrompt(m.common(), kind, title, hint, value)
	m.prompt = &p
	m.layout()
}

func (m *Model) openEventPicker(kind pickerKind, title string) {
	items := make([]item, len(m.events))
	for i, e := range m.events {
		items[i] = item{label: e.Name, value: e.Name, detail: fmtInt(e.Users) + " users"}
	}
	m.openPicker(kind, title, items)
}

func (m *Model) openPresetPicker() {
	have := map[string]bool{}
	for _, e := range m.events {
		have[e.Name] = true
	}
	// Presets that fit this dataset come first; the rest say why they won't.
	var fit, rest []item
	for _, p := range m.opts.Presets {
		it := item{label: p.Name, value: p.Name, detail: p.Business}
		if presetFits(p, have) {
			fit = append(fit, it)
		} else {
			if p.Dataset != "" && p.Dataset != m.dataset && m.hasDataset(p.Dataset) {
				it.detail += " · opens on dataset " + p.Dataset
			} else {
				it.detail += " · events missing here"
			}
			rest = append(rest, it)
		}
	}
	if len(fit)+len(rest) == 0 {
		m.setStatus("no presets available")
		return
	}
	m.openPicker(pickPreset, "Preset", append(fit, rest...))
}

func (m *Model) openPropertyPicker() {
	items := []item{{label: "(no breakdown)", value: ""}}
	for _, p := range m.props {
		items = append(items, item{label: p.Key, value: p.Key, detail: fmtInt(p.Distinct) + " values"})
	}
	m.openPicker(pickProperty, "Break down by", items)
	m.picker.selectValue(m.def.By)
}

func (m *Model) openCompare() tea.Cmd {
	c := compareView{common: m.common()}
	m.cmp = &c
	m.layout()
	if m.compared != nil {
		c.list = m.compared
		*m.cmp = c
		return nil
	}
	if m.opts.Compare == nil {
		m.cmp.err = fmt.Errorf("compare is not available in this build")
		return nil
	}
	m.cmp.loading = true
	return tea.Batch(m.tick(), compareCmd(m.ctx, m.opts.Compare))
}

func (m *Model) applyPick(kind pickerKind, it item) tea.Cmd {
	switch kind {
	case pickEvent:
		return m.change("add step "+it.value, func(d *funnel.Definition) error {
			at := m.step
			if len(d.Steps) == 0 {
				at = -1
			}
			i, err := insertStep(d, at, it.value)
			m.step = i
			return err
		})
	case pickAlt:
		return m.change("add "+it.value+" to step "+itoa(m.step+1), func(d *funnel.Definition) error {
			return addAlternative(d, m.step, it.value)
		})
	case pickDataset:
		if it.value == m.dataset {
			return nil
		}
		return m.guard("the last funnel of dataset "+it.value, func() tea.Cmd { return m.openDataset(it.value) })
	case pickPreset:
		return m.pickPreset(it.value)
	case pickSaved:
		for _, f := range m.savedList {
			if f.Name == it.value {
				return m.guard("saved funnel "+f.Name, func() tea.Cmd {
					m.def = f.Definition.Clone()
					if m.def.Name == "" {
						m.def.Name = f.Name
					}
					m.step = 0
					m.setClean()
					m.setStatus("opened saved funnel " + f.Name)
					return m.recompute()
				})
			}
		}
	case pickProperty:
		if m.def.By == it.value {
			return nil
		}
		return m.change("breakdown "+orDefault(it.value, "none"), func(d *funnel.Definition) error {
			d.By = it.value
			return nil
		})
	case pickFilterKey:
		return m.onFilterKey(it)
	case pickFilterValue:
		return m.onFilterValue(it)
	case pickExclude:
		return m.onExclude(it)
	case pickRemoveAlt:
		return m.onRemoveAlt(it)
	}
	return nil
}

// applyPrompt validates and applies the text; an error keeps the field
// open with the funnel unchanged.
func (m *Model) applyPrompt(kind promptKind, v string) error {
	v = strings.TrimSpace(v)
	switch kind {
	case promptFilter, promptWhere:
		fs, err := parseFilters(v)
		if err != nil {
			return err
		}
		t := m.step
		if kind == promptWhere {
			t = -1
		}
		return m.tryChange("filters", func(d *funnel.Definition) error { return setFilters(d, t, fs) })
	case promptRename:
		return m.tryChange("rename funnel", func(d *funnel.Definition) error { d.Name = v; return nil })
	case promptStepName:
		return m.tryChange("rename step "+itoa(m.step+1), func(d *funnel.Definition) error {
			if v == strings.Join(d.Steps[m.step].Events, "|") {
				v = ""
			}
			d.Steps[m.step].Name = v
			return nil
		})
	case promptWindow:
		w, err := funnel.ParseDuration(v)
		if err != nil {
			return err
		}
		return m.tryChange("window "+w.String(), func(d *funnel.Definition) error { d.Window = w; return nil })
	case promptMaxGap:
		var g funnel.Duration
		if v != "" && v != "0" {
			var err error
			if g, err = funnel.ParseDuration(v); err != nil {
				return err
			}
		}
		return m.tryChange("max gap", func(d *funnel.Definition) error { d.MaxGap = g; return nil })
	case promptDates:
		from, to, err := parseDates(v)
		if err != nil {
			return err
		}
		return m.tryChange("dates", func(d *funnel.Definition) error { d.From, d.To = from, to; return nil })
	case promptSave:
		if v == "" {
			return fmt.Errorf("a saved funnel needs a name")
		}
		m.def.Name = v
	case promptRenameSaved:
		if v == "" {
			return fmt.Errorf("a saved funnel needs a name")
		}
		for _, f := range m.savedList {
			if f.Name == v && v != m.renaming {
				return fmt.Errorf("a saved funnel %q already exists in %s", v, m.dataset)
			}
		}
	}
	return nil
}

// pickerAction is delete or rename on a saved funnel in the open picker.
func (m *Model) pickerAction(kind pickerKind, action string, it item) tea.Cmd {
	if kind != pickSaved {
		return nil
	}
	switch action {
	case "delete":
		name, ds := it.value, m.dataset
		m.picker = nil
		m.confirm = &confirmation{question: fmt.Sprintf("Delete the saved funnel %s from %s? This cannot be undone.", name, ds),
			yes: func() tea.Cmd { return deleteSavedCmd(m.ctx, m.be, ds, name) }}
	case "rename":
		m.renaming = it.value
		m.picker = nil
		m.openPrompt(promptRenameSaved, "Rename saved funnel "+it.value, "its new name in "+m.dataset, it.value)
	}
	return nil
}

func (m *Model) afterPrompt(kind promptKind, v string) tea.Cmd {
	switch kind {
	case promptRenameSaved:
		old := m.renaming
		if m.def.Name == old {
			m.def.Name = v // the funnel on screen is that one: keep its name in step
			m.clean.Name = v
		}
		if m.def.Name == v {
			return tea.Batch(renameSavedCmd(m.ctx, m.be, m.dataset, old, v), m.remember())
		}
		return renameSavedCmd(m.ctx, m.be, m.dataset, old, v)
	case promptRename, promptStepName:
		// A name changes no number; remember it without a recompute.
		return m.remember()
	case promptSave:
		// The name is part of the funnel now: reopening shows it.
		m.setClean()
		return tea.Batch(saveCmd(m.ctx, m.be, m.dataset, strings.TrimSpace(v), m.def.Clone()),
			m.remember())
	}
	return m.recompute()
}

// pickPreset opens a preset, on its own dataset when it has one and this
// dataset lacks its events.
func (m *Model) pickPreset(name string) tea.Cmd {
	for _, p := range m.opts.Presets {
		if p.Name != name {
			continue
		}
		have := map[string]bool{}
		for _, e := range m.events {
			have[e.Name] = true
		}
		if !presetFits(p, have) {
			if p.Dataset == "" || !m.hasDataset(p.Dataset) || p.Dataset == m.dataset {
				var missing []string
				for _, s := range p.Definition.Steps {
					for _, e := range s.Events {
						if !have[e] {
							missing = append(missing, e)
						}
					}
				}
				why := ""
				if p.Dataset != "" && p.Dataset != m.dataset {
					why = fmt.Sprintf("; its dataset %s is not in this database (microfunnel sample makes it)", p.Dataset)
				}
				m.setErr(fmt.Errorf("preset %s needs events missing from dataset %s: %s%s", p.Name, m.dataset, strings.Join(missing, ", "), why))
				return nil
			}
			return m.guard("preset "+p.Name+" on dataset "+p.Dataset, func() tea.Cmd {
				m.wantPreset = p.Name
				return m.openDataset(p.Dataset)
			})
		}
		return m.guard("preset "+p.Name, func() tea.Cmd {
			m.def = p.Definition.Clone()
			m.step = 0
			m.setClean()
			m.setStatus("preset " + p.Name)
			return m.recompute()
		})
	}
	return nil
}

func (m *Model) hasDataset(name string) bool {
	for _, d := range m.datasets {
		if d.Name == name {
			return true
		}
	}
	return false
}
