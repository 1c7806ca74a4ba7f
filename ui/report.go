package ui

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"microfunnel/funnel"
)

// ReportOptions shape the printed report. The caller decides Color (stdout
// is a terminal and NO_COLOR is unset); drawing decisions stay here.
type ReportOptions struct {
	Color bool
	Width int    // 80 when 0
	Title string // the result's name when empty
	// Dataset is named under the title when set.
	Dataset string
	// Definition, when set, has its active settings (filters, dates, max
	// gap, step filters, exclusions, segment) listed under the title.
	Definition *funnel.Definition
}

func (o ReportOptions) styles(w io.Writer) *Styles {
	r := lipgloss.NewRenderer(w)
	if o.Color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	st := NewStyles(r, DefaultTheme(), o.Color)
	return &st
}

func (o ReportOptions) width() int {
	if o.Width <= 0 {
		return 80
	}
	return maxInt(o.Width, 40)
}

// RenderReport writes the table report: the funnel as drop-off bars, then
// the breakdown with significant segments marked.
func RenderReport(w io.Writer, res *funnel.Result, opts ReportOptions) error {
	if res == nil {
		return errors.New("render report: no result")
	}
	st := opts.styles(w)
	width := opts.width()
	var b strings.Builder
	title := opts.Title
	if title == "" {
		title = res.Name
	}
	if title == "" {
		title = "Funnel"
	}
	b.WriteString(st.Title.Render(title) + "\n")
	sub := []string{}
	if opts.Dataset != "" {
		sub = append(sub, "dataset "+opts.Dataset)
	}
	window := res.Window
	if window == 0 {
		window = funnel.DefaultWindow
	}
	sub = append(sub, fmtInt(int64(res.Users))+" users", "window "+window.String(), "mode "+string(orDefault(string(res.Mode), "sequential")),
		"counting "+orDefault(string(res.Count), "users"))
	b.WriteString(st.Faint.Render(wrapParts(sub, " · ", width)) + "\n")
	for _, l := range settingLines(opts.Definition) {
		b.WriteString(st.Faint.Render(wrapParts(strings.Fields(l), " ", width)) + "\n")
	}
	b.WriteString("\n")

	if len(res.Steps) == 0 || res.Steps[0].Users == 0 {
		b.WriteString("Nobody entered this funnel: no user matched step 1")
		if len(res.Steps) > 0 {
			b.WriteString(" (" + res.Steps[0].Name + ")")
		}
		b.WriteString(".\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	l := newStepLayout(res.Steps, width, false)
	l.unit = unitOf(res.Count)
	b.WriteString(l.headerRow(st) + "\n")
	mark := stepMarks(res.Steps)
	for i, s := range res.Steps {
		b.WriteString(strings.TrimRight(l.row(st, i, s, false, mark(i), st.Bar), " ") + "\n")
	}
	if worst := worstStep(res.Steps); worst > 0 {
		s := res.Steps[worst]
		text := fmt.Sprintf("Biggest drop-off: step %d %s, where %s of %s %s (%s) did not continue from %s.",
			worst+1, s.Name, fmtInt(s.DropOff), fmtInt(res.Steps[worst-1].Users), l.unit, fmtPct(s.DropOffShare), res.Steps[worst-1].Name)
		if low := lowestRate(res.Steps); low > 0 && low != worst {
			text += fmt.Sprintf(" Lowest step conversion: step %d %s, %s of %s from %s.",
				low+1, res.Steps[low].Name, fmtPct(res.Steps[low].StepConversion), l.unit, res.Steps[low-1].Name)
		}
		b.WriteString("\n" + wrapParts(strings.Fields(text), " ", width) + "\n")
	}
	if t := timesSection(st, res.Steps, width); t != "" {
		b.WriteString("\n" + t)
	}
	if t := droppedSection(st, res, width); t != "" {
		b.WriteString("\n" + t)
	}
	if t := versusSection(st, res, width); t != "" {
		b.WriteString("\n" + t)
	}
	if t := trendSection(st, res, width); t != "" {
		b.WriteString("\n" + t)
	}
	if bd := res.Breakdown; bd != nil {
		b.WriteString("\n" + breakdownTable(st, res, bd, width))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// breakdownTable has a row per segment and a column per step from step 2
// (conversion from the previous step, p-value, marker). Columns that do not
// fit the width continue in a second table below.
func breakdownTable(st *Styles, res *funnel.Result, bd *funnel.Breakdown, width int) string {
	var b strings.Builder
	b.WriteString(st.Bold.Render("Breakdown by "+bd.Property) + st.Faint.Render(" · attribution "+orDefault(bd.Attribution, "first")) + "\n")
	if len(bd.Segments) == 0 {
		b.WriteString("No segments.\n")
		return b.String()
	}
	segW := 7
	for _, s := range bd.Segments {
		segW = maxInt(segW, len([]rune(s.Value))+1)
	}
	segW = minInt(segW, 24)
	const cellW = 17
	fixed := segW + colUsers + colPct + 2
	perTable := maxInt(1, (width-fixed)/cellW)
	n := len(res.Steps)
	anySig := false
	for from := 1; from < n; from += perTable {
		to := minInt(n, from+perTable)
		head := padRight("segment", segW) + padLeft(unitOf(res.Count), colUsers)
		for i := from; i < to; i++ {
			head += "  " + padRight(fmt.Sprintf("→%d %s", i+1, res.Steps[i].Name), cellW-2)
		}
		if to == n {
			head += padLeft("overall", colPct+2)
		}
		b.WriteString(st.Faint.Render(strings.TrimRight(head, " ")) + "\n")
		for _, seg := range bd.Segments {
			row := padRight(seg.Value, segW)
			if len(seg.Steps) > 0 {
				row += padLeft(fmtInt(seg.Steps[0].Users), colUsers)
			} else {
				row += padLeft("0", colUsers)
			}
			for i := from; i < to; i++ {
				cell := "-"
				if i < len(seg.Steps) {
					cell = fmtPct(seg.Steps[i].StepConversion)
					if t, ok := testAt(seg, i+1); ok && res.Count != funnel.Totals {
						mark := " "
						if t.Significant {
							mark = "*"
							anySig = true
						}
						cell = padLeft(cell, 6) + st.Sig.Render(mark) + " p" + pEq(t.Adjusted)
					}
				}
				row += "  " + padRight(cell, cellW-2)
			}
			if to == n && len(seg.Steps) == n {
				row += padLeft(fmtPct(seg.Steps[n-1].Conversion), colPct+2)
			}
			b.WriteString(strings.TrimRight(row, " ") + "\n")
		}
		if to < n {
			b.WriteString("\n")
		}
	}
	legend := "Columns: conversion from the previous step; p is the Holm-adjusted p-value of the segment against all other users."
	if res.Count == funnel.Totals {
		legend = "Columns: conversion from the previous step, in attempts. No significance is shown: attempts of one user are not independent trials (count users for tests)."
	}
	b.WriteString(legendLine(st, anySig, "* differs significantly from the rest of users (adjusted p < 0.05).", legend, width))
	return b.String()
}

func pEq(p float64) string {
	s := fmtP(p)
	if strings.HasPrefix(s, "<") {
		return s
	}
	return "=" + s
}

func testAt(seg funnel.Segment, step int) (funnel.Test, bool) {
	for _, t := range seg.Tests {
		if t.Step == step {
			return t, true
		}
	}
	return funnel.Test{}, false
}

// RenderMarkdown writes the result as Markdown tables, for pasting into
// issues and docs.
func RenderMarkdown(w io.Writer, res *funnel.Result, opts ReportOptions) error {
	if res == nil {
		return errors.New("render markdown: no result")
	}
	var b strings.Builder
	title := res.Name
	if title == "" {
		title = "Funnel"
	}
	window := res.Window
	if window == 0 {
		window = funnel.DefaultWindow
	}
	fmt.Fprintf(&b, "## %s\n\n", mdEscape(title))
	sub := []string{}
	if opts.Dataset != "" {
		sub = append(sub, "dataset "+mdEscape(opts.Dataset))
	}
	sub = append(sub, fmt.Sprintf("%s users · window %s · mode %s · counting %s", fmtInt(int64(res.Users)), window,
		orDefault(string(res.Mode), "sequential"), orDefault(string(res.Count), "users")))
	b.WriteString(strings.Join(sub, " · ") + "\n\n")
	if set := settingLines(opts.Definition); len(set) > 0 {
		for _, l := range set {
			b.WriteString("- " + mdEscape(l) + "\n")
		}
		b.WriteString("\n")
	}
	if res.Count == funnel.Totals {
		b.WriteString("Counts are attempts (totals counting), not users.\n\n")
	}
	b.WriteString("| # | Step | " + map[bool]string{true: "Attempts", false: "Users"}[res.Count == funnel.Totals] + " | % of step 1 | % of previous | Drop-off | Drop-off % | 95% CI | Median time | p90 time |\n")
	b.WriteString("|--:|------|------:|------------:|--------------:|---------:|-----------:|-------:|------------:|---------:|\n")
	worst, low := worstStep(res.Steps), lowestRate(res.Steps)
	for i, s := range res.Steps {
		name := mdEscape(s.Name)
		switch i {
		case worst:
			name = "**" + name + "** (biggest drop-off)"
		case low:
			name = "**" + name + "** (lowest step conversion)"
		}
		prev, drop, dropPct, med, p90 := "", "", "", "", ""
		if i > 0 {
			prev, drop, dropPct = fmtPct(s.StepConversion), fmtInt(s.DropOff), fmtPct(s.DropOffShare)
			med, p90 = fmtMs(s.MedianMs), fmtMs(s.P90Ms)
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %s–%s | %s | %s |\n", i+1, name, fmtInt(s.Users),
			fmtPct(s.Conversion), prev, drop, dropPct, fmtPct(s.ConversionCI.Low), fmtPct(s.ConversionCI.High), med, p90)
	}
	b.WriteString(timesMarkdown(res.Steps))
	b.WriteString(droppedMarkdown(res))
	b.WriteString(versusMarkdown(res))
	b.WriteString(trendMarkdown(res))
	if bd := res.Breakdown; bd != nil && len(bd.Segments) > 0 {
		fmt.Fprintf(&b, "\n### Breakdown by %s (attribution %s)\n\n", mdEscape(bd.Property), orDefault(bd.Attribution, "first"))
		b.WriteString("| Segment | Users |")
		sep := "|---------|------:|"
		for i := 1; i < len(res.Steps); i++ {
			fmt.Fprintf(&b, " → %d %s |", i+1, mdEscape(res.Steps[i].Name))
			sep += "------:|"
		}
		b.WriteString(" Overall |\n" + sep + "------:|\n")
		for _, seg := range bd.Segments {
			users := int64(0)
			if len(seg.Steps) > 0 {
				users = seg.Steps[0].Users
			}
			fmt.Fprintf(&b, "| %s | %s |", mdEscape(seg.Value), fmtInt(users))
			for i := 1; i < len(res.Steps); i++ {
				cell := "-"
				if i < len(seg.Steps) {
					cell = fmtPct(seg.Steps[i].StepConversion)
					if t, ok := testAt(seg, i+1); ok && res.Count != funnel.Totals {
						if t.Significant {
							cell = "**" + cell + "**\\*"
						}
						cell += " (p" + pEq(t.Adjusted) + ")"
					}
				}
				b.WriteString(" " + cell + " |")
			}
			overall := "-"
			if len(seg.Steps) > 0 {
				overall = fmtPct(seg.Steps[len(seg.Steps)-1].Conversion)
			}
			b.WriteString(" " + overall + " |\n")
		}
		if res.Count == funnel.Totals {
			b.WriteString("\nStep columns: conversion from the previous step, in attempts. No significance is shown: attempts of one user are not independent trials.\n")
		} else {
			b.WriteString("\nStep columns: conversion from the previous step. \\* differs significantly from the rest of users (Holm-adjusted p < 0.05).\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "*", "\\*").Replace(s)
}

// RenderCompare writes the business presets side by side (or one under the
// other on a narrow width): the same content as the dashboard's compare view.
func RenderCompare(w io.Writer, list []Comparison, opts ReportOptions) error {
	st := opts.styles(w)
	title := opts.Title
	if title == "" {
		title = "Business types compared"
	}
	lines := compareLines(st, list, opts.width())
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, st.Title.Render(title)+"\n"+
		st.Faint.Render(wrapParts(strings.Fields("Macro funnels normalised to 100% at step 1. Micro conversions: the share of users who did each, the macro conversion of those who did vs those who did not, and the odds ratio (OR) with its 95% interval; * marks Benjamini-Hochberg q < 0.05. Correlation, not cause."), " ", opts.width()))+"\n\n"+
		strings.Join(lines, "\n")+"\n")
	return err
}
