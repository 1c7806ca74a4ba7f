package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"microfunnel/funnel"
)

// stepLayout decides the columns of a step table for a width, shared by the
// dashboard and the table report so both read the same way.
type stepLayout struct {
	name, bar          int
	showPrev, showDrop bool
	cursor             bool
	unit               string // "users", or "attempts" with totals counting
}

const (
	colUsers = 9
	colPct   = 8
	colDrop  = 10
	colWorst = 9 // " ◀ lowest"
)

func newStepLayout(steps []funnel.StepResult, w int, cursor bool) stepLayout {
	l := stepLayout{showPrev: true, showDrop: true, cursor: cursor, unit: "users"}
	longest := 4
	for _, s := range steps {
		longest = maxInt(longest, lipgloss.Width(s.Name))
	}
	fixed := func() int {
		n := 4 + 1 + colUsers + colPct + colWorst // "1 " index, gaps, users, of-1st, marker
		if l.cursor {
			n += 2
		}
		if l.showPrev {
			n += colPct
		}
		if l.showDrop {
			n += colDrop
		}
		return n
	}
	if w-fixed() < 20 {
		l.showDrop = false
	}
	if w-fixed() < 16 {
		l.showPrev = false
	}
	rest := w - fixed()
	l.name = minInt(longest, maxInt(6, rest-maxInt(8, rest/3)))
	l.bar = maxInt(3, rest-l.name)
	return l
}

func (l stepLayout) headerRow(st *Styles) string {
	var b strings.Builder
	if l.cursor {
		b.WriteString("  ")
	}
	b.WriteString(padRight("", 3) + padRight("step", l.name) + " " + padRight("", l.bar))
	b.WriteString(padLeft(l.unit, colUsers) + padLeft("of 1st", colPct))
	if l.showPrev {
		b.WriteString(padLeft("of prev", colPct))
	}
	if l.showDrop {
		b.WriteString(padLeft("drop-off", colDrop))
	}
	return st.Faint.Render(b.String())
}

// row draws one step. mark is stepMarks' note for it ("worst", "lowest");
// fill colours the bar (one series colour per segment in grouped bars).
func (l stepLayout) row(st *Styles, i int, s funnel.StepResult, focused bool, mark string, fill lipgloss.Style) string {
	var b strings.Builder
	if l.cursor {
		if focused {
			b.WriteString(st.Cursor.Render("▸ "))
		} else {
			b.WriteString("  ")
		}
	}
	idx := padRight(itoa(i+1), 3)
	name := padRight(s.Name, l.name)
	if focused {
		name = st.Selected.Render(name)
	}
	b.WriteString(st.Faint.Render(idx) + name + " " + bar(*st, fill, s.Conversion, l.bar))
	b.WriteString(padLeft(fmtInt(s.Users), colUsers) + padLeft(fmtPct(s.Conversion), colPct))
	if l.showPrev {
		if i == 0 {
			b.WriteString(padLeft("", colPct))
		} else {
			b.WriteString(padLeft(fmtPct(s.StepConversion), colPct))
		}
	}
	if l.showDrop {
		if i == 0 {
			b.WriteString(padLeft("", colDrop))
		} else {
			b.WriteString(padLeft("-"+fmtInt(s.DropOff), colDrop))
		}
	}
	if mark != "" {
		b.WriteString(st.Worst.Render(" ◀ " + mark))
	}
	return b.String()
}

// worstStep is the index of the step that lost the most users (attempts)
// from the previous one (ties: the larger share), or -1 when none lost any.
func worstStep(steps []funnel.StepResult) int {
	w := -1
	for i := 1; i < len(steps); i++ {
		s := steps[i]
		if s.DropOff > 0 && (w < 0 || s.DropOff > steps[w].DropOff || s.DropOff == steps[w].DropOff && s.DropOffShare > steps[w].DropOffShare) {
			w = i
		}
	}
	return w
}

// lowestRate is the index of the step with the lowest conversion from the
// previous step (the largest drop-off share), or -1.
func lowestRate(steps []funnel.StepResult) int {
	w, best := -1, 0.0
	for i := 1; i < len(steps); i++ {
		if steps[i].DropOffShare > best {
			w, best = i, steps[i].DropOffShare
		}
	}
	return w
}

// stepMarks says which rows to mark: "worst" on the step that lost the
// most, and "lowest" on the lowest step conversion when that is another.
func stepMarks(steps []funnel.StepResult) func(i int) string {
	worst, low := worstStep(steps), lowestRate(steps)
	return func(i int) string {
		switch {
		case i == worst:
			return "worst"
		case i == low:
			return "lowest"
		}
		return ""
	}
}

// unitOf names what a count counts.
func unitOf(c funnel.Counting) string {
	if c == funnel.Totals {
		return "attempts"
	}
	return "users"
}

func itoa(i int) string { return fmtInt(int64(i)) }
