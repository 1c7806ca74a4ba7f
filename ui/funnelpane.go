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
	// allSteps: there is room for every step's details in a table rather
	// than the focused step's in a line or two.
	allSteps bool
	spark    sparkTrend
}

// sparkTrend is the funnel's conversion per period of entry, drawn as a
// sparkline under the steps; err is why there is none.
type sparkTrend struct {
	every   string
	periods []funnel.Period
	err     error
}

// sparkLine is the sparkline row, "" when there is nothing to draw.
func (f funnelPane) sparkLine() string {
	st := f.st
	switch {
	case f.spark.err != nil:
		return truncate(st.Faint.Render("  trend: "+f.spark.err.Error()), f.w)
	case len(f.spark.periods) < 2:
		return ""
	}
	ps := f.spark.periods
	row := st.Faint.Render("  per "+f.spark.every+" ") + st.Bar.Render(convSpark(ps)) + st.Faint.Render("  "+trendEnds(ps)+" · T trend")
	return truncate(row, f.w)
}

func (f *funnelPane) SetSize(w, h int) { f.w, f.h = w, h }

func (f *funnelPane) ShortHelp() []key.Binding { return f.keysOf(inFunnel) }

// Height is the number of lines the pane wants at its width, so the root
// can give the rest to the segments.
func (f funnelPane) Height() int {
	n := len(f.def.Steps)
	if len(f.grouped) >= 2 {
		return 1 + n*(1+len(f.grouped))
	}
	spark := 0
	if len(f.steps) > 0 && f.sparkLine() != "" {
		spark = 1
	}
	if f.allSteps && len(f.steps) > 0 {
		return 1 + 1 + n + spark + 1 + 2 + len(f.steps)
	}
	if len(f.steps) == 0 && f.waiting != "" {
		return 1 + maxInt(n, 1) + 2
	}
	return 1 + 1 + maxInt(n, 1) + spark + 1 + len(strings.Split(f.details(), "\n"))
}

// HeightWithin is Height when that fits in max; grouped bars that do not
// fit switch to their compact form, one line less per step.
func (f funnelPane) HeightWithin(max int) int {
	h := f.Height()
	if n, k := len(f.def.Steps), len(f.grouped); k >= 2 && h > max {
		h = 1 + n*k
	}
	return minInt(h, max)
}

// stepTable is every step's details at once, the focused one marked.
func (f funnelPane) stepTable() string {
	st := f.st
	nameW := 4
	for _, s := range f.steps {
		nameW = maxInt(nameW, len([]rune(s.Name)))
	}
	nameW = minInt(nameW, 24)
	head := fmt.Sprintf("     %s %10s %8s %9s %9s   %s", padRight("step", nameW), "dropped", "of prev", "median", "p90", "from step 1 (95% CI)")
	lines := []string{st.PaneTitle.Render("Step details") + st.Faint.Render(" · time is from the previous step"), st.Faint.Render(head)}
	for i, s := range f.steps {
		cur := "  "
		name := padRight(s.Name, nameW)
		if i == f.cursor {
			cur = st.Cursor.Render("▸ ")
			name = st.Selected.Render(name)
		}
		ci := fmt.Sprintf("%s (%s–%s)", fmtPct(s.Conversion), fmtPct(s.ConversionCI.Low), fmtPct(s.ConversionCI.High))
		if i == 0 {
			lines = append(lines, cur+st.Faint.Render(padRight(itoa(i+1), 3))+name+
				fmt.Sprintf(" %10s %8s %9s %9s   %s", "", "", "", "", fmtInt(s.Users)+" entered"))
			continue
		}
		lines = append(lines, cur+st.Faint.Render(padRight(itoa(i+1), 3))+name+
			fmt.Sprintf(" %10s %8s %9s %9s   %s", fmtInt(s.DropOff), fmtPct(s.DropOffShare), fmtMs(s.MedianMs), fmtMs(s.P90Ms), ci))
	}
	return strings.Join(lines, "\n")
}

func (f *funnelPane) View() string {
	st := f.st
	title := paneTitle(st, f.active)
	head := title("Funnel")
	if f.label != "" {
		head += st.Faint.Render(" · " + f.label)
	}
	var lines []string
	switch {
	case len(f.def.Steps) == 0:
		lines = []string{st.Faint.Render("  No steps. Press a to add a step, p for a preset, O for a saved funnel.")}
	case len(f.grouped) >= 2:
		var more string
		lines, more = f.viewGrouped(maxInt(1, f.h-1))
		head += st.Faint.Render(more)
	case len(f.steps) == 0:
		rows := make([]string, len(f.def.Steps))
		for i, s := range f.def.Steps {
			cur := "  "
			if i == f.cursor {
				cur = st.Cursor.Render("▸ ")
			}
			rows[i] = cur + st.Faint.Render(fmt.Sprintf("%-3d", i+1)) + s.StepName()
		}
		from, to := window(len(rows), f.cursor, maxInt(1, f.h-1))
		lines = rows[from:to]
		if f.waiting != "" {
			lines = append(lines, "", st.Faint.Render(f.waiting))
		}
		head += st.Faint.Render(moreNote(from, to, len(rows)))
	default:
		l := newStepLayout(f.steps, f.w, true)
		l.unit = unitOf(f.def.Count)
		mark := stepMarks(f.steps)
		rows := make([]string, len(f.steps))
		for i, s := range f.steps {
			rows[i] = l.row(st, i, s, i == f.cursor, mark(i), st.Bar)
		}
		// The title and the column header stay; the step rows scroll so the
		// focused one is always in sight; the details take what is left.
		spark := f.sparkLine()
		reserve := 2
		if spark != "" {
			reserve = 3
		}
		from, to := window(len(rows), f.cursor, maxInt(1, f.h-reserve))
		lines = append([]string{l.headerRow(st)}, rows[from:to]...)
		if spark != "" {
			lines = append(lines, spark)
		}
		if f.allSteps && to-from == len(rows) {
			lines = append(lines, "", f.stepTable())
		} else {
			lines = append(lines, "", f.details())
		}
		head += st.Faint.Render(moreNote(from, to, len(rows)))
	}
	return fitLines(clamp(head+"\n"+strings.Join(lines, "\n"), f.w, f.h), f.h)
}

// window is the range [from, to) of n rows that fits in h and holds cursor.
func window(n, cursor, h int) (int, int) {
	if n <= h {
		return 0, n
	}
	h = maxInt(1, h)
	from := minInt(maxInt(0, cursor-h/2), n-h)
	return from, from + h
}

// moreNote says which rows are shown when they do not all fit.
func moreNote(from, to, n int) string {
	if from == 0 && to >= n {
		return ""
	}
	return fmt.Sprintf(" · steps %d–%d of %d", from+1, to, n)
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
		return st.Selected.Render(head) + st.Faint.Render(fmt.Sprintf(": %s %s entered the funnel", fmtInt(s.Users), unitOf(f.def.Count)))
	}
	prev := f.steps[i-1]
	parts := []string{
		head,
		fmt.Sprintf("%s dropped off (%s of %s)", fmtInt(s.DropOff), fmtPct(s.DropOffShare), fmtInt(prev.Users)),
		fmt.Sprintf("time from previous: median %s, p90 %s", fmtMs(s.MedianMs), fmtMs(s.P90Ms)),
	}
	if h := timeSpark(s.TimeHistogram); h != "" {
		lo, hi := timeRange(s.TimeHistogram)
		parts = append(parts, "times "+lo+" "+h+" "+hi)
	}
	parts = append(parts, fmt.Sprintf("from step 1 %s (95%% CI %s–%s)", fmtPct(s.Conversion), fmtPct(s.ConversionCI.Low), fmtPct(s.ConversionCI.High)))
	return st.Text.Render(wrapParts(parts, " · ", f.w))
}

// viewGrouped draws each step once with one bar per marked segment, so the
// segments are read against each other at the same step. When a heading
// line per step does not fit in h, the step's name goes in a column of its
// own on its first bar; when even that does not fit, the steps scroll so the
// focused one stays in sight.
func (f funnelPane) viewGrouped(h int) ([]string, string) {
	st := f.st
	k := len(f.grouped)
	n := len(f.def.Steps)
	labelW := 4
	for _, g := range f.grouped {
		labelW = maxInt(labelW, len([]rune(g.label)))
	}
	labelW = minInt(labelW, maxInt(4, f.w/4))
	compact := n*(1+k) > h
	stepW := 0
	if compact {
		stepW = 3
		for _, s := range f.def.Steps {
			stepW = maxInt(stepW, 2+len([]rune(s.StepName())))
		}
		stepW = minInt(stepW+1, maxInt(6, f.w/4))
	}
	indent := 4
	if compact {
		indent = 2 + stepW
	}
	barW := maxInt(3, f.w-indent-labelW-1-colPct-colUsers)
	blocks := make([][]string, n)
	for i, s := range f.def.Steps {
		cur := "  "
		name := fmt.Sprintf("%d %s", i+1, s.StepName())
		if i == f.cursor {
			cur = st.Cursor.Render("▸ ")
		}
		var block []string
		if !compact {
			if i == f.cursor {
				name = st.Selected.Render(name)
			}
			block = append(block, cur+name)
		}
		for gi, g := range f.grouped {
			if i >= len(g.steps) {
				continue
			}
			r := g.steps[i]
			lead := "    "
			if compact {
				lead = "  " + strings.Repeat(" ", stepW)
				if gi == 0 {
					nm := padRight(name, stepW-1) + " "
					if i == f.cursor {
						nm = st.Selected.Render(padRight(name, stepW-1)) + " "
					}
					lead = cur + nm
				}
			}
			block = append(block, lead+st.series(gi).Render(padRight(g.label, labelW))+" "+
				bar(*st, st.series(gi), r.Conversion, barW)+padLeft(fmtPct(r.Conversion), colPct)+
				padLeft(fmtInt(r.Users), colUsers))
		}
		blocks[i] = block
	}
	per := k
	if !compact {
		per = 1 + k
	}
	from, to := window(n, f.cursor, maxInt(1, h/maxInt(1, per)))
	var out []string
	for _, b := range blocks[from:to] {
		out = append(out, b...)
	}
	return out, moreNote(from, to, n)
}
