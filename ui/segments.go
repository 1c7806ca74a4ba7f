package ui

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"microfunnel/funnel"
)

// segmentsPane lists the breakdown's values with a conversion bar each. It
// owns its cursor and the marks; the root reads them to preview a segment
// or group the marked ones.
type segmentsPane struct {
	common
	bd     *funnel.Breakdown
	step   int // focused funnel step (0-based); 0 means overall
	cursor int
	offset int
	marked map[string]bool
	active bool
	// totals: the counts are attempts, which the tests do not hold for, so
	// no significance is shown.
	totals bool
	note   string // shown when there is no breakdown
	// filtered is the value the funnel is filtered to, when it is one of
	// this breakdown's.
	filtered string
	// all is the whole funnel's steps, the reference row of the step-by-step
	// table drawn when there is room under the list.
	all []funnel.StepResult
}

func (s *segmentsPane) SetSize(w, h int) { s.w, s.h = w, h }

func (s *segmentsPane) ShortHelp() []key.Binding { return s.keysOf(inSegments) }

// segmentChosenMsg tells the root the user chose a segment to filter the
// funnel to.
type segmentChosenMsg struct{ key, value string }

// setBreakdown keeps the cursor and marks when the same property comes back
// recomputed, and resets them for a new one.
func (s *segmentsPane) setBreakdown(bd *funnel.Breakdown) {
	if bd == nil || s.bd == nil || bd.Property != s.bd.Property {
		s.cursor, s.offset = 0, 0
		s.marked = map[string]bool{}
	}
	s.bd = bd
	if s.bd != nil && s.cursor >= len(s.bd.Segments) {
		s.cursor = maxInt(0, len(s.bd.Segments)-1)
	}
}

func (s segmentsPane) segments() []funnel.Segment {
	if s.bd == nil {
		return nil
	}
	return s.bd.Segments
}

// current is the segment under the cursor.
func (s segmentsPane) current() (funnel.Segment, bool) {
	segs := s.segments()
	if s.cursor < 0 || s.cursor >= len(segs) {
		return funnel.Segment{}, false
	}
	return segs[s.cursor], true
}

// markedSeries is the marked segments in list order.
func (s segmentsPane) markedSeries() []series {
	var out []series
	for _, seg := range s.segments() {
		if s.marked[seg.Value] {
			out = append(out, series{label: seg.Value, steps: seg.Steps})
		}
	}
	return out
}

func (s segmentsPane) Update(msg tea.Msg) (segmentsPane, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return s, nil
	}
	n := len(s.segments())
	switch {
	case key.Matches(km, s.keys.Up):
		if s.cursor > 0 {
			s.cursor--
		}
	case key.Matches(km, s.keys.Down):
		if s.cursor < n-1 {
			s.cursor++
		}
	case key.Matches(km, s.keys.Top):
		s.cursor = 0
	case key.Matches(km, s.keys.Bottom):
		s.cursor = maxInt(0, n-1)
	case key.Matches(km, s.keys.Select):
		if seg, ok := s.current(); ok && s.bd != nil {
			k, v := s.bd.Property, seg.Value
			return s, func() tea.Msg { return segmentChosenMsg{key: k, value: v} }
		}
	case key.Matches(km, s.keys.Back):
		s.marked = map[string]bool{}
	case key.Matches(km, s.keys.Mark):
		if seg, ok := s.current(); ok {
			if s.marked == nil {
				s.marked = map[string]bool{}
			}
			if s.marked[seg.Value] {
				delete(s.marked, seg.Value)
			} else {
				s.marked[seg.Value] = true
			}
		}
	}
	return s, nil
}

// reach is what a segment's bar shows: conversion from step 1 to the
// focused step, or overall when step 1 is focused.
func (s segmentsPane) reach(seg funnel.Segment) (float64, int) {
	if len(seg.Steps) == 0 {
		return 0, 0
	}
	i := s.step
	if i <= 0 || i >= len(seg.Steps) {
		i = len(seg.Steps) - 1
	}
	return seg.Steps[i].Conversion, i
}

// sigMark says whether a segment differs from the rest at the focused step
// (or, for overall, at its most different step).
func (s segmentsPane) sigMark(seg funnel.Segment, step int) string {
	if s.totals {
		return ""
	}
	var best *funnel.Test
	for i := range seg.Tests {
		t := &seg.Tests[i]
		if !t.Significant {
			continue
		}
		if s.step > 0 && t.Step != step+1 {
			continue
		}
		if best == nil || t.Adjusted < best.Adjusted {
			best = t
		}
	}
	if best == nil {
		return ""
	}
	dir := "▲"
	if best.Diff < 0 {
		dir = "▼"
	}
	out := "*" + dir
	if s.step <= 0 {
		out += fmt.Sprintf(" s%d", best.Step)
	}
	return out + " p" + pEq(best.Adjusted)
}

func (s *segmentsPane) View() string {
	st := s.st
	var b strings.Builder
	title := paneTitle(st, s.active)
	segs := s.segments()
	if s.bd == nil {
		b.WriteString(title("Segments") + "\n")
		note := s.note
		if note == "" {
			note = "No breakdown: press b to cycle properties or B to pick one."
		}
		b.WriteString(st.Faint.Render("  "+note) + "\n")
		return fitLines(clamp(b.String(), s.w, s.h), s.h)
	}
	what := "overall conversion"
	if len(segs) > 0 {
		if _, i := s.reach(segs[0]); s.step > 0 && i < len(segs[0].Steps) {
			what = "conversion to step " + itoa(i+1) + " " + segs[0].Steps[i].Name
		}
	}
	b.WriteString(title("Segments by "+s.bd.Property) +
		st.Faint.Render(fmt.Sprintf(" · %s (bars: vs best) · attribution %s", what, s.bd.Attribution)) + "\n")
	if len(segs) == 0 {
		b.WriteString(st.Faint.Render("  No segments.") + "\n")
		return fitLines(clamp(b.String(), s.w, s.h), s.h)
	}
	rows := maxInt(1, s.h-2)
	if s.cursor < s.offset {
		s.offset = s.cursor
	}
	if s.cursor >= s.offset+rows {
		s.offset = s.cursor - rows + 1
	}
	nameW := 6
	for _, seg := range segs {
		nameW = maxInt(nameW, len([]rune(seg.Value)))
	}
	const sigW = 18
	nameW = minInt(nameW, maxInt(6, s.w/4))
	barW := maxInt(3, s.w-2-4-nameW-1-colPct-colUsers-2-sigW)
	// Bars are scaled to the best segment: at a 5% conversion, bars on a
	// 0-100% scale would all look empty and hide the differences.
	top := 0.0
	for _, seg := range segs {
		c, _ := s.reach(seg)
		top = math.Max(top, c)
	}
	for i := s.offset; i < len(segs) && i < s.offset+rows; i++ {
		seg := segs[i]
		cur := "  "
		if i == s.cursor {
			cur = st.Cursor.Render("▸ ")
		}
		mark := "[ ] "
		fill := st.Bar
		if s.marked[seg.Value] {
			mark = "[x] "
			fill = st.series(s.markIndex(seg.Value))
		} else if s.filtered != "" && seg.Value == s.filtered {
			mark = "[=] "
		}
		name := padRight(seg.Value, nameW)
		if i == s.cursor {
			name = st.Selected.Render(name)
		}
		conv, at := s.reach(seg)
		size := int64(0)
		if len(seg.Steps) > 0 {
			size = seg.Steps[0].Users
		}
		b.WriteString(cur + mark + name + " " + bar(*st, fill, scaled(conv, top), barW) + padLeft(fmtPct(conv), colPct) +
			padLeft(fmtInt(size), colUsers) + "  " + st.Sig.Render(s.sigMark(seg, at)))
		b.WriteString("\n")
	}
	foot := "  * differs from the rest (Holm-adjusted p < 0.05) · enter filters · space marks"
	if s.totals {
		foot = "  attempts: no significance shown (attempts of one user are not independent) · enter filters"
	}
	if s.filtered != "" {
		foot = "  [=] the funnel is filtered to it (x clears) · * differs from the rest (p < 0.05)"
	}
	b.WriteString(st.Faint.Render(foot))
	used := 2 + minInt(rows, len(segs)-s.offset)
	if t := s.stepTable(segs, nameW); len(t) > 0 && s.h-used >= len(t)+1 {
		b.WriteString("\n\n" + strings.Join(t, "\n"))
	}
	return fitLines(clamp(b.String(), s.w, s.h), s.h)
}

// stepTable is every segment's conversion from the previous step, step by
// step, under the whole funnel's: where one segment drops out shows as the
// column where its number falls behind. Drawn only when every row fits.
func (s segmentsPane) stepTable(segs []funnel.Segment, nameW int) []string {
	st := s.st
	n := len(segs[0].Steps)
	if n < 2 {
		return nil
	}
	nameW = maxInt(nameW, len("all users"))
	colW := minInt(16, (s.w-4-nameW)/(n-1))
	if colW < 9 {
		return nil
	}
	out := []string{st.PaneTitle.Render("Step by step") +
		st.Faint.Render(" · conversion from the previous step · * differs from the rest")}
	head := "    " + padRight("", nameW)
	for i := 1; i < n; i++ {
		head += padLeft(truncate(itoa(i+1)+" "+segs[0].Steps[i].Name, colW-1), colW)
	}
	out = append(out, st.Faint.Render(head))
	row := func(cur, name string, steps []funnel.StepResult, tests []funnel.Test) string {
		line := cur + padRight(name, nameW)
		worst := lowestRate(steps)
		for i := 1; i < n; i++ {
			cell := "—"
			if i < len(steps) {
				cell = fmtPct(steps[i].StepConversion)
			}
			mark := " "
			for _, t := range tests {
				if t.Step == i+1 && t.Significant && !s.totals {
					mark = "*"
				}
			}
			cell = padLeft(cell+mark, colW)
			if i == worst {
				cell = st.Worst.Render(cell)
			}
			line += cell
		}
		return line
	}
	if len(s.all) == n {
		out = append(out, row("    ", "all users", s.all, nil))
	}
	for i, seg := range segs {
		cur := "    "
		if i == s.cursor {
			cur = "  " + st.Cursor.Render("▸ ")
		}
		out = append(out, row(cur, seg.Value, seg.Steps, seg.Tests))
	}
	return out
}

func (s segmentsPane) markIndex(v string) int {
	n := 0
	for _, seg := range s.segments() {
		if seg.Value == v {
			return n
		}
		if s.marked[seg.Value] {
			n++
		}
	}
	return n
}

func scaled(v, top float64) float64 {
	if top <= 0 {
		return 0
	}
	return v / top
}
