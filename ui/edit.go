package ui

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"microfunnel/funnel"
)

// snapshot is a funnel as it was before an edit, for undo and redo.
type snapshot struct {
	def  funnel.Definition
	step int
	what string
}

const maxUndo = 200

// change applies an edit to a copy of the funnel and checks the copy
// against the definition's rules and the dataset's keys and values; only a
// copy that passes becomes the funnel (undoably). An edit that fails
// changes nothing and the status line says why.
func (m *Model) change(what string, fn func(d *funnel.Definition) error) tea.Cmd {
	if err := m.tryChange(what, fn); err != nil {
		m.setErr(err)
		return nil
	}
	return m.recompute()
}

// tryChange is change without the recompute, for prompts that keep their
// field open on an error.
func (m *Model) tryChange(what string, fn func(d *funnel.Definition) error) error {
	d := m.def.Clone()
	step := m.step // fn may move the focused step with the edit
	err := fn(&d)
	if err == nil {
		err = m.check(&d)
	}
	if err != nil {
		m.step = step
		return err
	}
	m.pushUndo(what, step)
	m.def = d
	return nil
}

func (m *Model) pushUndo(what string, step int) {
	m.undo = append(m.undo, snapshot{def: m.def.Clone(), step: step, what: what})
	if len(m.undo) > maxUndo {
		m.undo = m.undo[len(m.undo)-maxUndo:]
	}
	m.redo = nil
}

// check is what the engine would refuse, said before anything changes:
// the definition's rules (once it has steps enough to be a funnel) and the
// keys and values the dataset has.
func (m *Model) check(d *funnel.Definition) error {
	if len(d.Steps) >= funnel.MinSteps {
		if err := d.Validate(); err != nil {
			return err
		}
	}
	if m.ev != nil {
		if err := funnel.CheckNames(d, m.ev); err != nil {
			return err
		}
		return funnel.CheckValues(d, m.ev)
	}
	return m.checkKeys(d)
}

// checkKeys checks filter keys against the dataset's property list, before
// the first computation has brought the events in.
func (m *Model) checkKeys(d *funnel.Definition) error {
	if len(m.props) == 0 {
		return nil
	}
	have := map[string]bool{}
	var keys []string
	for _, p := range m.props {
		have[p.Key] = true
		keys = append(keys, p.Key)
	}
	fs := append([]funnel.Filter(nil), d.Where...)
	for _, s := range d.Steps {
		fs = append(fs, s.Where...)
	}
	for _, f := range fs {
		if !have[f.Key] {
			return &funnel.UnknownNameError{Kind: "property", Names: []string{f.Key},
				Suggestions: map[string][]string{f.Key: funnel.Suggest(f.Key, keys, 3)}}
		}
	}
	return nil
}

// undoEdit and redoEdit step through the history of edits.
func (m *Model) undoEdit(tea.KeyMsg) tea.Cmd {
	what := m.travel(&m.undo, &m.redo)
	m.setStatus("undid " + what + " · ctrl+r redoes")
	return m.recompute()
}

func (m *Model) redoEdit(tea.KeyMsg) tea.Cmd {
	what := m.travel(&m.redo, &m.undo)
	m.setStatus("redid " + what + " · u undoes")
	return m.recompute()
}

// travel moves the funnel to the last snapshot of from, keeping the one it
// leaves on to, and names the edit.
func (m *Model) travel(from, to *[]snapshot) string {
	s := (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	*to = append(*to, snapshot{def: m.def.Clone(), step: m.step, what: s.what})
	m.def, m.step = s.def, s.step
	return s.what
}

// changed says whether the funnel differs from the one last opened or
// saved: the header marks it, and replacing it asks first.
func (m *Model) changed() bool {
	a, _ := json.Marshal(m.def)
	b, _ := json.Marshal(m.clean)
	return string(a) != string(b)
}

// setClean makes the funnel on screen the baseline (opened, saved) and
// starts a new history.
func (m *Model) setClean() {
	m.clean = m.def.Clone()
	m.undo, m.redo = nil, nil
}

// confirmation asks before unsaved edits are replaced.
type confirmation struct {
	question string
	yes      func() tea.Cmd
}

// guard runs replace at once when nothing would be lost, else asks.
func (m *Model) guard(what string, replace func() tea.Cmd) tea.Cmd {
	if !m.changed() {
		return replace()
	}
	name := m.def.Name
	if name == "" {
		name = "the funnel"
	}
	m.confirm = &confirmation{question: fmt.Sprintf("%s has unsaved changes. Replace it with %s?", name, what), yes: replace}
	return nil
}

func (m *Model) onConfirmKey(k tea.KeyMsg) tea.Cmd {
	switch k.String() {
	case "y", "Y", "enter":
		c := m.confirm
		m.confirm = nil
		return c.yes()
	case "n", "N", "esc", "q":
		m.confirm = nil
		m.setStatus("kept the changes · s saves them")
	}
	return nil
}

// Filters: f (the focused step) and F (every step) open a picker of keys,
// then of that key's values, with typing a filter and removing one offered
// too. target is the step index, or -1 for every step.

const (
	itemType  = "\x00type"
	itemClear = "\x00clear"
	itemRm    = "\x00rm:"
)

func (m *Model) filtersOf(target int) []funnel.Filter {
	if target < 0 {
		return m.def.Where
	}
	return m.def.Steps[target].Where
}

func (m *Model) filterTitle(target int) string {
	if target < 0 {
		return "Filter every step"
	}
	return fmt.Sprintf("Filter step %d %s", target+1, m.def.Steps[target].StepName())
}

func (m *Model) openFilterKeys(target int) {
	m.filterTarget = target
	items := []item{{label: "type a filter…", value: itemType, detail: "=, !=, in (a,b), not in (a,b)"}}
	cur := m.filtersOf(target)
	for i, f := range cur {
		items = append(items, item{label: "remove " + fmtFilter(f), value: itemRm + strconv.Itoa(i)})
	}
	if len(cur) > 1 {
		items = append(items, item{label: "remove all", value: itemClear})
	}
	for _, p := range m.props {
		items = append(items, item{label: p.Key, value: p.Key, detail: fmtInt(p.Distinct) + " values"})
	}
	m.openPicker(pickFilterKey, m.filterTitle(target)+": pick a property", items)
}

func (m *Model) onFilterKey(it item) tea.Cmd {
	t := m.filterTarget
	switch {
	case it.value == itemType:
		kind := promptFilter
		if t < 0 {
			kind = promptWhere
		}
		m.openPrompt(kind, m.filterTitle(t), "e.g. device=mobile, country!=US, plan in (pro,team); join with \" and \"; empty clears",
			fmtFilters(m.filtersOf(t)))
		return nil
	case it.value == itemClear:
		return m.change("clear filters", func(d *funnel.Definition) error { return setFilters(d, t, nil) })
	case strings.HasPrefix(it.value, itemRm):
		i, _ := strconv.Atoi(strings.TrimPrefix(it.value, itemRm))
		return m.change("remove filter", func(d *funnel.Definition) error {
			fs := append([]funnel.Filter(nil), m.filtersOf(t)...)
			return setFilters(d, t, append(fs[:i], fs[i+1:]...))
		})
	}
	m.filterKey = it.value
	return valuesCmd(m.ctx, m.be, m.dataset, it.value)
}

func (m *Model) onValues(msg valuesMsg) tea.Cmd {
	if msg.err != nil {
		m.setErr(msg.err)
		return nil
	}
	if msg.key != m.filterKey {
		return nil
	}
	var items []item
	for _, v := range msg.list {
		if v.Value == funnel.NoneSegment {
			continue // a filter cannot ask for "no value"
		}
		items = append(items, item{label: v.Value, value: v.Value, detail: fmtInt(v.Users) + " users"})
	}
	m.openPicker(pickFilterValue, m.filterTitle(m.filterTarget)+": "+msg.key+" = ?", items)
	return nil
}

// onFilterValue sets key=value, replacing the filters on that key.
func (m *Model) onFilterValue(it item) tea.Cmd {
	t, k := m.filterTarget, m.filterKey
	return m.change("filter "+k+"="+it.value, func(d *funnel.Definition) error {
		var fs []funnel.Filter
		for _, f := range m.filtersOf(t) {
			if f.Key != k {
				fs = append(fs, f)
			}
		}
		return setFilters(d, t, append(fs, funnel.Filter{Key: k, Op: funnel.OpEq, Values: []string{it.value}}))
	})
}

func setFilters(d *funnel.Definition, target int, fs []funnel.Filter) error {
	if target < 0 {
		d.Where = fs
		return nil
	}
	if target >= len(d.Steps) {
		return fmt.Errorf("no step %d", target+1)
	}
	d.Steps[target].Where = fs
	return nil
}

// parseFilters reads filters joined by " and "; empty is none.
func parseFilters(text string) ([]funnel.Filter, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	var fs []funnel.Filter
	for _, part := range strings.Split(text, " and ") {
		f, err := parseFilter(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// parseDates reads "FROM..TO" with either side optional; empty clears.
func parseDates(v string) (from, to *funnel.Date, err error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil, nil
	}
	a, b, ok := strings.Cut(v, "..")
	if !ok {
		return nil, nil, fmt.Errorf("dates %q: want FROM..TO such as 2026-09-01..2026-09-30 (either side may be left out)", v)
	}
	for _, p := range []struct {
		s   string
		dst **funnel.Date
	}{{a, &from}, {b, &to}} {
		if s := strings.TrimSpace(p.s); s != "" {
			d, err := funnel.ParseDate(s)
			if err != nil {
				return nil, nil, err
			}
			*p.dst = &d
		}
	}
	return from, to, nil
}

func fmtDates(d funnel.Definition) string {
	if d.From == nil && d.To == nil {
		return ""
	}
	s := ""
	if d.From != nil {
		s = d.From.String()
	}
	s += ".."
	if d.To != nil {
		s += d.To.String()
	}
	return s
}

// exclusionSpan is the steps an exclusion picked on step i sits between
// (1-based): the focused step and the next, or the last two.
func exclusionSpan(i, n int) (int, int) {
	if i+2 <= n {
		return i + 1, i + 2
	}
	return maxInt(1, n-1), n
}

func (m *Model) openExclusionPicker() {
	from, to := exclusionSpan(m.step, len(m.def.Steps))
	items := make([]item, 0, len(m.events)+len(m.def.Exclusions))
	for i, x := range m.def.Exclusions {
		items = append(items, item{label: fmt.Sprintf("remove: %s between %d and %d", strings.Join(x.Events, "|"), x.From, x.To),
			value: itemRm + strconv.Itoa(i), detail: fmtFilters(x.Where)})
	}
	for _, e := range m.events {
		it := item{label: e.Name, value: e.Name, detail: fmtInt(e.Users) + " users"}
		if exclusionAt(m.def, e.Name, from, to) >= 0 {
			it.detail = "excluded here: choose to remove"
		}
		items = append(items, it)
	}
	m.openPicker(pickExclude, fmt.Sprintf("Exclude users who do an event between step %d and %d (again removes)", from, to), items)
}

func exclusionAt(d funnel.Definition, event string, from, to int) int {
	for i, x := range d.Exclusions {
		if x.From == from && x.To == to && len(x.Events) == 1 && x.Events[0] == event && len(x.Where) == 0 {
			return i
		}
	}
	return -1
}

func (m *Model) onExclude(it item) tea.Cmd {
	if rest, ok := strings.CutPrefix(it.value, itemRm); ok {
		i, _ := strconv.Atoi(rest)
		return m.change("remove an exclusion", func(d *funnel.Definition) error {
			d.Exclusions = append(d.Exclusions[:i], d.Exclusions[i+1:]...)
			return nil
		})
	}
	from, to := exclusionSpan(m.step, len(m.def.Steps))
	if i := exclusionAt(m.def, it.value, from, to); i >= 0 {
		return m.change(fmt.Sprintf("remove exclusion %s", it.value), func(d *funnel.Definition) error {
			d.Exclusions = append(d.Exclusions[:i], d.Exclusions[i+1:]...)
			return nil
		})
	}
	return m.change(fmt.Sprintf("exclude %s between steps %d and %d", it.value, from, to), func(d *funnel.Definition) error {
		d.Exclusions = append(d.Exclusions, funnel.Exclusion{Events: []string{it.value}, From: from, To: to})
		return nil
	})
}

func (m *Model) openRemoveAlt() {
	var items []item
	for _, e := range m.def.Steps[m.step].Events {
		items = append(items, item{label: e, value: e})
	}
	m.openPicker(pickRemoveAlt, fmt.Sprintf("Remove an alternative from step %d", m.step+1), items)
}

func (m *Model) onRemoveAlt(it item) tea.Cmd {
	i := m.step
	return m.change("remove "+it.value+" from step "+itoa(i+1), func(d *funnel.Definition) error {
		var keep []string
		for _, e := range d.Steps[i].Events {
			if e != it.value {
				keep = append(keep, e)
			}
		}
		if len(keep) == 0 {
			return fmt.Errorf("step %d needs an event: d deletes the step", i+1)
		}
		d.Steps[i].Events = keep
		d.Steps[i].Name = ""
		return nil
	})
}
