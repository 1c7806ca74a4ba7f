package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"microfunnel/funnel"
)

// series is one marked segment drawn in the grouped bars.
type series struct {
	label string
	steps []funnel.StepResult
}

// funnelPane draws the funnel: a bar per step, the worst drop-off marked,
// and the focused step's details. It shows whatever steps the root hands it:
// the whole funnel, a previewed segment, or several segments grouped.
type funnelPane struct {
	common
	def     funnel.Definition
	steps   []funnel.StepResult
	label   string // what the steps are: "all users", "preview device=mobile"
	grouped []series
	cursor  int
	active  bool
	waiting string // why there are no numbers yet
}

func (f *funnelPane) SetSize(w, h int) { f.w, f.h = w, h }

func (f funnelPane) ShortHelp() []key.Binding {
	k := f.keys
	return []key.Binding{k.Up, k.Down, k.NextPane, k.AddStep, k.DeleteStep, k.CycleWindow, k.CycleBy, k.Preset, k.Save, k.Help, k.Quit}
}

// Height is the number of lines the pane wants at its width, so the root
// can give the rest to the segments.
func (f funnelPane) Height() int {
	n := len(f.def.Steps)
	if len(f.grouped) >= 2 {
		return 1 + n*(1+len(f.grouped))
	}
	return 1 + 1 + maxInt(n, 1) + 1 + len(strings.Split(f.details(), "\n"))
}

func (f funnelPane) View() string {
	st := f.st
	var b strings.Builder
	title := st.PaneTitle
	if f.active {
		title = st.PaneActive
	}
	b.WriteString(title.Render("Funnel"))
	if f.label != "" {
		b.WriteString(st.Faint.Render(" · " + f.label))
	}
	b.WriteString("\n")
	switch {
	case len(f.def.Steps) == 0:
		b.WriteString(st.Faint.Render("  No steps. Press a to add a step, p for a preset, O for a saved funnel.") + "\n")
	case len(f.grouped) >= 2:
		f.viewGrouped(&b)
	case len(f.steps) == 0:
		for i, s := range f.def.Steps {
			cur := "  "
			if i == f.cursor {
				cur = st.Cursor.Render("▸ ")
			}
			b.WriteString(cur + st.Faint.Render(fmt.Sprintf("%-3d", i+1)) + s.StepName() + "\n")
		}
		if f.waiting != "" {
			b.WriteString("\n" + st.Faint.Render(f.waiting) + "\n")
		}
	default:
		l := newStepLayout(f.steps, f.w, true)
		b.WriteString(l.headerRow(st) + "\n")
		worst := worstStep(f.steps)
		for i, s := range f.steps {
			b.WriteString(l.row(st, i, s, i == f.cursor, i == worst, st.Bar) + "\n")
		}
		b.WriteString("\n" + f.details())
	}
	return fitLines(clamp(b.String(), f.w, f.h), f.h)
}

// details is the focused step's drop-off count, timings and interval.
func (f funnelPane) details() string {
	if f.cursor < 0 || f.cursor >= len(f.steps) {
		return ""
	}
	st := f.st
	i := f.cursor
	s := f.steps[i]
	head := fmt.Sprintf("Step %d %s", i+1, s.Name)
	if i == 0 {
		return st.Selected.Render(head) + st.Faint.Render(fmt.Sprintf(": %s users entered the funnel", fmtInt(s.Users)))
	}
	prev := f.steps[i-1]
	parts := []string{
		head,
		fmt.Sprintf("%s dropped off (%s of %s)", fmtInt(s.DropOff), fmtPct(s.DropOffShare), fmtInt(prev.Users)),
		fmt.Sprintf("time from previous: median %s, p90 %s", fmtMs(s.MedianMs), fmtMs(s.P90Ms)),
		fmt.Sprintf("from step 1 %s (95%% CI %s–%s)", fmtPct(s.Conversion), fmtPct(s.ConversionCI.Low), fmtPct(s.ConversionCI.High)),
	}
	return st.Text.Render(wrapParts(parts, " · ", f.w))
}

// viewGrouped draws each step once with one bar per marked segment, so the
// segments are read against each other at the same step.
func (f funnelPane) viewGrouped(b *strings.Builder) {
	st := f.st
	labelW := 4
	for _, g := range f.grouped {
		labelW = maxInt(labelW, len([]rune(g.label)))
	}
	labelW = minInt(labelW, maxInt(4, f.w/4))
	barW := maxInt(3, f.w-4-labelW-1-colPct-colUsers)
	for i, s := range f.def.Steps {
		cur := "  "
		name := fmt.Sprintf("%d %s", i+1, s.StepName())
		if i == f.cursor {
			cur = st.Cursor.Render("▸ ")
			name = st.Selected.Render(name)
		}
		b.WriteString(cur + name + "\n")
		for gi, g := range f.grouped {
			if i >= len(g.steps) {
				continue
			}
			r := g.steps[i]
			b.WriteString("    " + st.series(gi).Render(padRight(g.label, labelW)) + " " +
				bar(*st, st.series(gi), r.Conversion, barW) + padLeft(fmtPct(r.Conversion), colPct) +
				padLeft(fmtInt(r.Users), colUsers) + "\n")
		}
	}
}
