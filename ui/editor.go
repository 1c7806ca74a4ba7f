package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"

	"microfunnel/funnel"
)

// editorPane shows the definition being shaped: each step's events,
// alternatives and filters, and the funnel's settings. The edits themselves
// are pure functions on a Definition below, so they are tested without a
// terminal.
type editorPane struct {
	common
	def    funnel.Definition
	cursor int
	active bool
}

func (e *editorPane) SetSize(w, h int) { e.w, e.h = w, h }

func (e *editorPane) ShortHelp() []key.Binding { return e.keysOf(inEditor) }

func (e *editorPane) View() string {
	st := e.st
	var b strings.Builder
	title := paneTitle(st, e.active)
	name := e.def.Name
	if name == "" {
		name = "(unnamed)"
	}
	b.WriteString(title("Editor") + st.Faint.Render(" · "+name) + "\n")
	if len(e.def.Steps) == 0 {
		b.WriteString(st.Faint.Render("  No steps yet: press a to add one from the dataset's events.") + "\n")
	}
	for i, s := range e.def.Steps {
		cur := "  "
		if i == e.cursor {
			cur = st.Cursor.Render("▸ ")
		}
		line := fmt.Sprintf("%d. %s", i+1, strings.Join(s.Events, " | "))
		if i == e.cursor {
			line = st.Selected.Render(line)
		}
		if s.Name != "" && s.Name != strings.Join(s.Events, "|") {
			line += st.Faint.Render(" (" + s.Name + ")")
		}
		if len(s.Where) > 0 {
			line += st.Faint.Render(" where ") + fmtFilters(s.Where)
		}
		b.WriteString(cur + line + "\n")
	}
	b.WriteString(st.Faint.Render(wrapParts(settingParts(e.def), " · ", e.w)))
	return fitLines(clamp(b.String(), e.w, e.h), e.h)
}

func settingParts(d funnel.Definition) []string {
	parts := []string{
		"window " + windowOf(d).String() + " (w/W)",
		"mode " + modeOf(d) + " (m)",
		"counting " + countOf(d) + " (c)",
	}
	by := d.By
	if by == "" {
		by = "none"
	}
	parts = append(parts, "breakdown "+by+" (b/B)", "attribution "+attrOf(d)+" (A)")
	where, dates, gap := "none", "all", "none"
	if len(d.Where) > 0 {
		where = fmtFilters(d.Where)
	}
	if s := fmtDates(d); s != "" {
		dates = s
	}
	if d.MaxGap > 0 {
		gap = d.MaxGap.String()
	}
	parts = append(parts, "every step where "+where+" (F)", "dates "+dates+" (t)", "max gap "+gap+" (M)")
	for _, x := range d.Exclusions {
		parts = append(parts, fmt.Sprintf("excluding %s between %d and %d (X)", strings.Join(x.Events, "|"), x.From, x.To))
	}
	if d.Segment != nil {
		parts = append(parts, "segment "+d.Segment.String()+" (x)")
	}
	return parts
}

// wrapParts joins parts with sep, breaking lines before a part that would
// overflow w.
func wrapParts(parts []string, sep string, w int) string {
	var lines []string
	cur := ""
	for _, p := range parts {
		switch {
		case cur == "":
			cur = p
		case len([]rune(cur))+len([]rune(sep))+len([]rune(p)) <= w:
			cur += sep + p
		default:
			lines = append(lines, cur)
			cur = p
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return strings.Join(lines, "\n")
}

func windowOf(d funnel.Definition) funnel.Duration {
	if d.Window == 0 {
		return funnel.DefaultWindow
	}
	return d.Window
}

func modeOf(d funnel.Definition) string {
	if d.Mode == "" {
		return string(funnel.Sequential)
	}
	return string(d.Mode)
}

func countOf(d funnel.Definition) string {
	if d.Count == "" {
		return string(funnel.Users)
	}
	return string(d.Count)
}

func attrOf(d funnel.Definition) string {
	if d.Attribution == "" {
		return "first"
	}
	return d.Attribution
}

// fmtFilter writes a filter the way the filter prompt reads it.
func fmtFilter(f funnel.Filter) string { return f.String() }

func fmtFilters(fs []funnel.Filter) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = fmtFilter(f)
	}
	return strings.Join(s, " and ")
}

// cloneSteps deep-copies steps, so an edit never shows in a definition a
// command is still reading.
func cloneSteps(in []funnel.Step) []funnel.Step {
	return funnel.Definition{Steps: in}.Clone().Steps
}

// insertStep puts a one-event step after index at (at -1 prepends) and
// returns the new step's index.
func insertStep(d *funnel.Definition, at int, event string) (int, error) {
	if len(d.Steps) >= funnel.MaxSteps {
		return at, fmt.Errorf("a funnel has at most %d steps", funnel.MaxSteps)
	}
	pos := at + 1
	if pos < 0 {
		pos = 0
	}
	if pos > len(d.Steps) {
		pos = len(d.Steps)
	}
	steps := cloneSteps(d.Steps)
	steps = append(steps, funnel.Step{})
	copy(steps[pos+1:], steps[pos:])
	steps[pos] = funnel.Step{Events: []string{event}}
	d.Steps = steps
	return pos, nil
}

// deleteStep removes step i and returns where the cursor should go.
func deleteStep(d *funnel.Definition, i int) int {
	if i < 0 || i >= len(d.Steps) {
		return i
	}
	steps := cloneSteps(d.Steps)
	d.Steps = append(steps[:i], steps[i+1:]...)
	renumber(d, func(k int, isTo bool) int {
		switch {
		case k > i+1:
			return k - 1
		case k == i+1 && isTo:
			return k - 1 // the span ends at the step before the deleted one
		}
		return k // a span from the deleted step starts at the one that took its place
	})
	if i >= len(d.Steps) {
		i = len(d.Steps) - 1
	}
	return maxInt(i, 0)
}

// moveStep swaps step i with its neighbour by delta and returns its new index.
func moveStep(d *funnel.Definition, i, delta int) int {
	j := i + delta
	if i < 0 || i >= len(d.Steps) || j < 0 || j >= len(d.Steps) {
		return i
	}
	steps := cloneSteps(d.Steps)
	steps[i], steps[j] = steps[j], steps[i]
	d.Steps = steps
	renumber(d, func(k int, _ bool) int {
		switch k {
		case i + 1:
			return j + 1
		case j + 1:
			return i + 1
		}
		return k
	})
	return j
}

// renumber keeps what refers to steps by number pointing at the same steps
// after a delete or a move: exclusion spans (dropped when they no longer
// span two steps) and a step:N attribution (kept within the steps).
func renumber(d *funnel.Definition, to func(k int, isTo bool) int) {
	var keep []funnel.Exclusion
	for _, x := range d.Exclusions {
		x.From, x.To = to(x.From, false), to(x.To, true)
		if x.From >= 1 && x.From < x.To && x.To <= len(d.Steps) {
			keep = append(keep, x)
		}
	}
	d.Exclusions = keep
	if a, err := funnel.ParseAttribution(d.Attribution); err == nil && a.Kind == "step" {
		n := minInt(to(a.Step, false), len(d.Steps))
		d.Attribution = "step:" + itoa(maxInt(1, n))
	}
}

// addAlternative lets step i match event too (OR).
func addAlternative(d *funnel.Definition, i int, event string) error {
	if i < 0 || i >= len(d.Steps) {
		return fmt.Errorf("no step to add %s to: add a step first", event)
	}
	for _, e := range d.Steps[i].Events {
		if e == event {
			return fmt.Errorf("step %d already matches %s", i+1, event)
		}
	}
	steps := cloneSteps(d.Steps)
	steps[i].Events = append(steps[i].Events, event)
	steps[i].Name = "" // a custom name would now hide the new alternative
	d.Steps = steps
	return nil
}

// setStepFilter replaces step i's filters with the one in text; empty text
// clears them.
func setStepFilter(d *funnel.Definition, i int, text string) error {
	if i < 0 || i >= len(d.Steps) {
		return fmt.Errorf("no step selected")
	}
	steps := cloneSteps(d.Steps)
	text = strings.TrimSpace(text)
	if text == "" {
		steps[i].Where = nil
		d.Steps = steps
		return nil
	}
	var fs []funnel.Filter
	// "a=b and c!=d" sets several at once, the way the editor shows them.
	for _, part := range strings.Split(text, " and ") {
		f, err := parseFilter(strings.TrimSpace(part))
		if err != nil {
			return err
		}
		fs = append(fs, f)
	}
	steps[i].Where = fs
	d.Steps = steps
	return nil
}

var windowCycle = []time.Duration{30 * time.Minute, time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 30 * 24 * time.Hour}

// nextWindow is the next common window after the current one.
func nextWindow(cur funnel.Duration) funnel.Duration {
	for _, w := range windowCycle {
		if time.Duration(cur) < w {
			return funnel.Duration(w)
		}
	}
	return funnel.Duration(windowCycle[0])
}

func nextMode(m funnel.Mode) funnel.Mode {
	switch m {
	case "", funnel.Sequential:
		return funnel.Strict
	case funnel.Strict:
		return funnel.Any
	}
	return funnel.Sequential
}

func nextCount(c funnel.Counting) funnel.Counting {
	if c == funnel.Totals {
		return funnel.Users
	}
	return funnel.Totals
}

// nextAttribution cycles first, last, then each step from 2 ("step:2"),
// the forms funnel.ParseAttribution reads.
func nextAttribution(a string, steps int) string {
	opts := []string{"first", "last"}
	for i := 2; i <= steps; i++ {
		opts = append(opts, fmt.Sprintf("step:%d", i))
	}
	if a == "" {
		a = "first"
	}
	for i, o := range opts {
		if o == a {
			return opts[(i+1)%len(opts)]
		}
	}
	return "first"
}
