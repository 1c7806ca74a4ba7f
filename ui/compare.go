package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"microfunnel/funnel"
)

// compareView shows the business presets side by side: the same content as
// `microfunnel compare`, scrollable.
type compareView struct {
	common
	list    []Comparison
	err     error
	loading bool
	offset  int
}

func (c *compareView) SetSize(w, h int) { c.w, c.h = w, h }

func (c compareView) ShortHelp() []key.Binding { return c.keysOf(inCompare) }

func (c compareView) Update(msg tea.Msg) (compareView, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(km, c.keys.Up):
			c.offset = maxInt(0, c.offset-1)
		case key.Matches(km, c.keys.Down):
			c.offset++
		case key.Matches(km, c.keys.Top):
			c.offset = 0
		}
	}
	return c, nil
}

func (c compareView) View(spin string) string {
	st := c.st
	title := st.PaneActive.Render("Compare business types") + st.Faint.Render(" · esc back")
	var body []string
	switch {
	case c.err != nil:
		body = []string{st.Err.Render(c.err.Error())}
	case c.loading:
		body = []string{spin + " computing the presets on their datasets…"}
	default:
		body = compareLines(c.st, c.list, c.w)
	}
	rows := maxInt(1, c.h-1)
	off := minInt(c.offset, maxInt(0, len(body)-rows))
	end := minInt(len(body), off+rows)
	return fitLines(clamp(title+"\n"+strings.Join(body[off:end], "\n"), c.w, c.h), c.h)
}

// compareLines lays the comparisons out side by side: in full columns when
// the width allows, in compact ones (short names, micro conversions on two
// lines) down to 80 columns, and one under the other below that.
func compareLines(st *Styles, list []Comparison, w int) []string {
	if len(list) == 0 {
		return []string{st.Faint.Render("No comparisons: generate the sample datasets with `microfunnel sample --business all`.")}
	}
	const gap = 2
	minCol := 24
	cols := len(list)
	for cols > 1 && cols*minCol+(cols-1)*gap > w {
		cols--
	}
	colW := (w - (cols-1)*gap) / cols
	if cols == 1 {
		colW = minInt(w, 100)
	}
	var out []string
	for start := 0; start < len(list); start += cols {
		var blocks []string
		for i := start; i < len(list) && i < start+cols; i++ {
			blocks = append(blocks, fitWidth(compareBlock(st, list[i], colW), colW))
		}
		if len(blocks) > 1 {
			spacer := strings.Repeat(" ", gap)
			parts := []string{blocks[0]}
			for _, b := range blocks[1:] {
				parts = append(parts, spacer, b)
			}
			out = append(out, strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, parts...), "\n")...)
		} else {
			out = append(out, strings.Split(blocks[0], "\n")...)
		}
		out = append(out, "")
	}
	return out[:len(out)-1]
}

// fitWidth pads every line to w so joined columns line up.
func fitWidth(s string, w int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = padRight(truncate(l, w), w)
	}
	return strings.Join(lines, "\n")
}

func compareBlock(st *Styles, c Comparison, w int) string {
	var b strings.Builder
	title := c.Business
	if title == "" {
		title = c.Preset
	}
	b.WriteString(st.Title.Render(title) + "\n")
	narrow := w < 44
	sub := fmt.Sprintf("preset %s · dataset %s", c.Preset, c.Dataset)
	if narrow {
		sub = "dataset " + c.Dataset
	}
	b.WriteString(st.Faint.Render(sub) + "\n")
	if c.Err != nil {
		b.WriteString(st.Err.Render(wrapParts(strings.Fields(c.Err.Error()), " ", w)))
		return b.String()
	}
	if c.Result == nil || len(c.Result.Steps) == 0 {
		b.WriteString(st.Faint.Render("no result"))
		return b.String()
	}
	steps := c.Result.Steps
	nameW := 6
	for _, s := range steps {
		nameW = maxInt(nameW, len([]rune(s.Name)))
	}
	nameW = minInt(nameW, maxInt(6, w*2/5))
	barW := maxInt(3, w-nameW-1-colPct)
	worst := c.BiggestDrop - 1
	if c.BiggestDrop <= 0 {
		worst = lowestRate(steps)
	}
	for i, s := range steps {
		fill := st.Bar
		if i == worst {
			fill = st.Worst
		}
		b.WriteString(padRight(s.Name, nameW) + " " + bar(*st, fill, s.Conversion, barW) + padLeft(fmtPct(s.Conversion), colPct) + "\n")
	}
	last := steps[len(steps)-1]
	if narrow {
		b.WriteString(fmt.Sprintf("overall %s\n", st.Bold.Render(fmtPct(last.Conversion))))
	} else {
		b.WriteString(fmt.Sprintf("overall %s · %s of %s\n", st.Bold.Render(fmtPct(last.Conversion)), fmtInt(last.Users), fmtInt(steps[0].Users)))
	}
	if worst > 0 && worst < len(steps) {
		b.WriteString("biggest drop: " + st.Worst.Render(fmt.Sprintf("%d %s", worst+1, steps[worst].Name)) +
			fmt.Sprintf(" -%s", fmtPct(steps[worst].DropOffShare)) + "\n")
	}
	if len(c.Micro) > 0 && narrow {
		// Two lines a micro conversion: its name and share, then the macro
		// rate with and without it.
		b.WriteString("\n" + st.Faint.Render("micro did · with/without") + "\n")
		for _, m := range c.Micro {
			b.WriteString(padRight(truncate(m.Name, w-colPct), w-colPct) + padLeft(fmtPct(m.Share), colPct) + "\n")
			b.WriteString("  " + fmtPct(m.MacroRateWith) + " / " + fmtPct(m.MacroRateWithout) + "\n")
			b.WriteString("  " + microOdds(st, m) + "\n")
		}
	} else if len(c.Micro) > 0 {
		mW := 6
		for _, m := range c.Micro {
			mW = maxInt(mW, len([]rune(m.Name)))
		}
		mW = minInt(mW, maxInt(6, w-colPct-2-15))
		// Each micro conversion: its name, share and macro rate with and
		// without it, then its odds ratio and interval under them.
		b.WriteString("\n" + st.Faint.Render(padRight("micro", mW)+padLeft("did", colPct)+"  macro with/without") + "\n")
		for _, m := range c.Micro {
			line := padRight(m.Name, mW) + padLeft(fmtPct(m.Share), colPct) + "  " +
				fmtPct(m.MacroRateWith) + " / " + fmtPct(m.MacroRateWithout)
			b.WriteString(line + "\n" + padRight("", mW+colPct+2) + microOdds(st, m) + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// microOdds is a micro conversion's odds ratio with its 95% interval, marked
// "*" when significant (Benjamini-Hochberg q < 0.05 over the preset's).
func microOdds(st *Styles, m funnel.MicroResult) string {
	t := "OR " + ratioText(m.OddsRatio) + " (" + ratioText(m.OddsRatioCI.Low) + "–" + ratioText(m.OddsRatioCI.High) + ")"
	if m.Significant {
		t += "*"
	}
	return st.Faint.Render(t)
}
