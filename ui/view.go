package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"microfunnel/funnel"
)

// syncPanes hands the panes the state they draw. Called after every update
// so a pane never shows a definition the root no longer has.
func (m *Model) syncPanes() {
	if n := len(m.def.Steps); m.step >= n {
		m.step = maxInt(0, n-1)
	}
	m.hdr.info, m.hdr.def, m.hdr.took, m.hdr.changed = m.info, m.def, m.took, m.changed()
	m.hdr.busy = ""
	switch {
	case m.computing:
		m.hdr.busy = m.spin.View() + " computing"
	case m.loading:
		m.hdr.busy = m.spin.View() + " loading"
	}

	m.seg.all = nil
	if m.res != nil {
		if m.def.Segment == nil {
			m.seg.all = m.res.Steps // "all users" is a lie once filtered
		}
		m.seg.setBreakdown(m.res.Breakdown)
	} else if !m.computing {
		m.seg.setBreakdown(nil)
	}
	m.seg.step = m.step
	m.seg.filtered = ""
	if s := m.def.Segment; s != nil && m.seg.bd != nil && s.Key == m.seg.bd.Property {
		m.seg.filtered = s.Value
	}
	m.seg.active = m.focus == paneSegments
	m.seg.totals = m.def.Count == funnel.Totals
	m.seg.note = ""
	if m.def.By != "" && m.seg.bd == nil {
		m.seg.note = "breaking down by " + m.def.By + "…"
	}

	f := &m.fun
	f.def, f.cursor, f.active = m.def, m.step, m.focus == paneFunnel
	f.steps, f.grouped, f.label, f.waiting, f.spark = nil, nil, "", "", sparkTrend{}
	switch {
	case m.res != nil:
		f.steps = m.res.Steps
		f.spark = m.spark
		f.label = "all users"
		if s := m.def.Segment; s != nil {
			f.label = "segment " + s.String()
		}
		if g := m.seg.markedSeries(); len(g) >= 2 {
			f.grouped, f.spark = g, sparkTrend{}
			f.label = fmt.Sprintf("%d marked segments of %s", len(g), m.seg.bd.Property)
		} else if seg, ok := m.seg.current(); ok && m.focus == paneSegments && len(seg.Steps) == len(m.res.Steps) && seg.Value != m.seg.filtered {
			f.steps, f.spark = seg.Steps, sparkTrend{} // the trend is the whole funnel's
			f.label = "preview " + m.seg.bd.Property + "=" + seg.Value + " · enter filters"
		}
	case m.computing:
		f.waiting = "computing…"
	case len(m.def.Steps) > 0 && len(m.def.Steps) < 2:
		f.waiting = "A funnel needs at least 2 steps: press a to add one."
	case m.resErr != nil:
		f.waiting = "No result: " + m.resErr.Error()
	}
	if m.computing && m.res != nil {
		f.label += " · updating…"
	}
	f.steps = labelSteps(m.def, f.steps)

	m.ed.def, m.ed.cursor, m.ed.active = m.def, m.step, m.focus == paneEditor
}

// layout gives each pane its size: header and footer first, then the
// funnel takes what its steps need and the segments or editor the rest.
// Wide terminals get the segments in a column of their own.
func (m *Model) layout() {
	w, h := m.w, m.h
	m.help.Width = w
	m.hdr.SetSize(w, 2)
	bodyH := maxInt(0, h-m.hdr.Height()-2)
	if m.picker != nil {
		m.picker.SetSize(w, bodyH)
	}
	if m.prompt != nil {
		m.prompt.SetSize(w, bodyH)
	}
	if m.cmp != nil {
		m.cmp.SetSize(w, bodyH)
	}
	if m.drv != nil {
		m.drv.SetSize(w, bodyH)
	}
	if m.drop != nil {
		m.drop.SetSize(w, bodyH)
	}
	if m.trv != nil {
		m.trv.SetSize(w, bodyH)
	}
	m.fun.allSteps = m.wide()
	if m.wide() {
		left := w * 55 / 100
		right := w - left - 2
		funH := m.fun.HeightWithin(bodyH * 2 / 3)
		m.fun.SetSize(left, funH)
		m.ed.SetSize(left, maxInt(0, bodyH-funH-1))
		m.seg.SetSize(right, bodyH)
		return
	}
	funH := m.fun.HeightWithin(maxInt(bodyH/2, bodyH-8))
	m.fun.SetSize(w, funH)
	rest := maxInt(0, bodyH-funH-1)
	m.seg.SetSize(w, rest)
	m.ed.SetSize(w, rest)
}

func (m *Model) wide() bool { return m.w >= wideWidth && m.h >= 30 }

// View draws the screen; every line is cut to the terminal's width.
func (m *Model) View() string {
	if m.w < minWidth || m.h < minHeight {
		note := fmt.Sprintf("Terminal too small: %dx%d.\nmicrofunnel needs at least %dx%d.\nq quits.", m.w, m.h, minWidth, minHeight)
		if m.w < 36 {
			note = fmt.Sprintf("Too small: %dx%d\nneeds %dx%d\nq quits", m.w, m.h, minWidth, minHeight)
		}
		return clamp(note, m.w, m.h)
	}
	bodyH := maxInt(0, m.h-m.hdr.Height()-2)
	var body string
	switch {
	case m.confirm != nil:
		body = m.st.PaneActive.Render("Replace the funnel?") + "\n" + wrapParts(strings.Fields(m.confirm.question), " ", m.w) +
			"\n" + m.st.Faint.Render("y or enter replaces it · n or esc keeps editing (s saves)")
	case m.showHelp:
		body = m.helpView(bodyH)
	case m.prompt != nil:
		body = m.prompt.View()
	case m.picker != nil:
		body = m.picker.View()
	case m.cmp != nil:
		body = m.cmp.View(m.spin.View())
	case m.drv != nil:
		body = m.drv.View(m.spin.View())
	case m.drop != nil:
		body = m.drop.View(m.spin.View())
	case m.trv != nil:
		body = m.trv.View(m.spin.View())
	case m.wide():
		left := lipgloss.NewStyle().Width(m.fun.w).Render(m.fun.View() + "\n\n" + m.ed.View())
		right := m.seg.View()
		left = fitWidth(fitLines(left, bodyH), m.fun.w)
		body = lipgloss.JoinHorizontal(lipgloss.Top, left, "  ", fitLines(right, bodyH))
	default:
		bottom := m.seg.View()
		if m.focus == paneEditor {
			bottom = m.ed.View()
		}
		body = m.fun.View() + "\n\n" + bottom
	}
	body = fitLines(body, bodyH)
	return clamp(m.hdr.View()+"\n"+body+"\n"+m.footer(), m.w, m.h)
}

// footer is the status line and the keys that matter where the user is.
func (m *Model) footer() string {
	status := m.status
	if status == "" {
		status = " "
	}
	if m.statusErr {
		status = m.st.Err.Render("error: " + status)
	} else {
		status = m.st.Info.Render(status)
	}
	var keys []key.Binding
	switch {
	case m.confirm != nil:
		return truncate(status, m.w) + "\n" + m.help.ShortHelpView([]key.Binding{
			kb([]string{"y"}, "y", "replace"), kb([]string{"n"}, "n/esc", "keep editing")})
	case m.prompt != nil:
		keys = m.prompt.ShortHelp()
	case m.picker != nil:
		keys = m.picker.ShortHelp()
	default:
		keys = m.focused().ShortHelp()
	}
	return truncate(status, m.w) + "\n" + m.fitHelp(keys, m.prompt == nil && m.picker == nil)
}

// focused is the component the keys go to.
func (m *Model) focused() interface{ ShortHelp() []key.Binding } {
	switch {
	case m.showHelp:
		return helpKeys{m}
	case m.cmp != nil:
		return m.cmp
	case m.drv != nil:
		return m.drv
	case m.drop != nil:
		return m.drop
	case m.trv != nil:
		return m.trv
	case m.focus == paneSegments:
		return &m.seg
	case m.focus == paneEditor:
		return &m.ed
	}
	return &m.fun
}

// helpKeys is the footer of the `?` screen.
type helpKeys struct{ m *Model }

func (h helpKeys) ShortHelp() []key.Binding { return h.m.footerKeys(inHelp) }

var (
	helpKey = kb([]string{"?"}, "?", "help")
	quitKey = kb([]string{"q"}, "q", "quit")
)

// fitHelp draws the footer keys, dropping the least useful (the last) until
// they fit, so `? help` and `q quit` are always on screen outside a field.
func (m *Model) fitHelp(keys []key.Binding, always bool) string {
	var tail []key.Binding
	if always {
		tail = []key.Binding{helpKey, quitKey}
		if m.showHelp {
			tail = tail[1:]
		}
		var rest []key.Binding
		for _, k := range keys {
			if k.Help() != helpKey.Help() && k.Help() != quitKey.Help() {
				rest = append(rest, k)
			}
		}
		keys = rest
	}
	hm := m.help
	hm.Width = 0
	for len(keys) > 0 && lipgloss.Width(hm.ShortHelpView(append(append([]key.Binding(nil), keys...), tail...))) > m.w {
		keys = keys[:len(keys)-1]
	}
	return m.help.ShortHelpView(append(keys, tail...))
}

// screen names what is on screen, for tests and the layout check.
func (m *Model) screen() string {
	switch {
	case m.confirm != nil:
		return "confirm"
	case m.showHelp:
		return "help"
	case m.prompt != nil:
		return "prompt"
	case m.picker != nil:
		return "picker"
	case m.cmp != nil:
		return "compare"
	case m.drv != nil:
		return "drivers"
	case m.drop != nil:
		return "drop-off"
	case m.trv != nil:
		return "trend"
	}
	return [...]string{"funnel", "segments", "editor"}[m.focus]
}

// labelSteps puts each step's filters and the exclusions after it on its
// label, so the bars say what they count.
func labelSteps(d funnel.Definition, steps []funnel.StepResult) []funnel.StepResult {
	if len(steps) != len(d.Steps) {
		return steps
	}
	out := append([]funnel.StepResult(nil), steps...)
	for i, s := range d.Steps {
		out[i].Name = s.StepName() // a rename shows before any recompute
		if len(s.Where) > 0 {
			out[i].Name += " [" + fmtFilters(s.Where) + "]"
		}
	}
	for _, x := range d.Exclusions {
		if x.To-1 < len(out) && x.To >= 1 {
			out[x.To-1].Name += " (not " + strings.Join(x.Events, "|") + " after " + itoa(x.From) + ")"
		}
	}
	return out
}

// helpView is the `?` screen, scrolled by j/k when it is taller than the
// body.
func (m *Model) helpView(h int) string {
	lines := strings.Split(fullHelp(m.st, m.helpColumns(), m.w), "\n")
	title := m.st.PaneActive.Render("Keys") + m.st.Faint.Render(" · ? or esc closes · (off): not now, pressing it says why")
	rows := maxInt(1, h-2)
	m.helpOff = minInt(m.helpOff, maxInt(0, len(lines)-rows))
	if len(lines) > rows {
		title += m.st.Faint.Render(fmt.Sprintf(" · j/k scroll (%d–%d of %d)", m.helpOff+1, minInt(len(lines), m.helpOff+rows), len(lines)))
		lines = lines[m.helpOff:minInt(len(lines), m.helpOff+rows)]
	}
	return title + "\n\n" + strings.Join(lines, "\n")
}
