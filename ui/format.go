package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"microfunnel/funnel"
)

// fmtInt writes n with thousands separators: numbers are read, not parsed.
func fmtInt(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func fmtPct(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
}

// fmtMs writes a duration with two units at most: "850ms", "42s", "4m12s",
// "2h05m", "3d04h", rounded to the nearest last unit shown (so 179,990 ms is
// "3m", not "2m59s"), and a zero last unit left out ("3m", "2h", "1d").
// Funnel timings span seconds to weeks.
func fmtMs(ms int64) string {
	if ms <= 0 {
		return "-"
	}
	if ms < 1000 {
		return fmt.Sprintf("%dms", ms)
	}
	two := func(hi, lo int64, a, b string) string {
		if lo == 0 {
			return fmt.Sprintf("%d%s", hi, a)
		}
		return fmt.Sprintf("%d%s%02d%s", hi, a, lo, b)
	}
	if s := (ms + 500) / 1000; s < 60 {
		return fmt.Sprintf("%ds", s)
	} else if s < 3600 {
		return two(s/60, s%60, "m", "s")
	}
	if m := (ms + 30_000) / 60_000; m < 24*60 {
		return two(m/60, m%60, "h", "m")
	}
	h := (ms + 1_800_000) / 3_600_000
	return two(h/24, h%24, "d", "h")
}

func fmtP(p float64) string {
	switch {
	case p < 0.001:
		return "<0.001"
	case p < 0.01:
		return strconv.FormatFloat(p, 'f', 3, 64)
	}
	return strconv.FormatFloat(p, 'f', 2, 64)
}

// bar draws frac of width as solid blocks and the rest as light shade, so it
// reads without colour: the shape carries the number.
func bar(st Styles, fill lipgloss.Style, frac float64, width int) string {
	if width <= 0 {
		return ""
	}
	if math.IsNaN(frac) || frac < 0 {
		frac = 0
	}
	if frac > 1 {
		frac = 1
	}
	n := int(math.Round(frac * float64(width)))
	if n == 0 && frac > 0 {
		n = 1 // a non-zero count never looks like nothing
	}
	out := ""
	if n > 0 {
		out = fill.Render(strings.Repeat("█", n))
	}
	if width-n > 0 {
		out += st.BarRest.Render(strings.Repeat("░", width-n))
	}
	return out
}

// truncate cuts s to w cells, keeping ANSI sequences intact.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// padRight pads or cuts s to exactly w cells.
func padRight(s string, w int) string {
	s = truncate(s, w)
	if d := w - lipgloss.Width(s); d > 0 {
		s += strings.Repeat(" ", d)
	}
	return s
}

// padLeft right-aligns s in w cells.
func padLeft(s string, w int) string {
	s = truncate(s, w)
	if d := w - lipgloss.Width(s); d > 0 {
		s = strings.Repeat(" ", d) + s
	}
	return s
}

// clamp is the last line of defence for the layout promise: no line wider
// than w, no more than h lines.
func clamp(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if h >= 0 && len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return strings.Join(lines, "\n")
}

// fitLines pads or cuts a block to exactly h lines so panes keep their place.
func fitLines(s string, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// settingLines lists every setting of def that changes who is counted
// beyond window, mode and counting (shown on their own): filters on every
// step, dates, max gap, step filters, exclusions and the segment, so a
// shared report or screenshot can be read right.
func settingLines(def *funnel.Definition) []string {
	if def == nil {
		return nil
	}
	var out []string
	if def.Segment != nil {
		out = append(out, "segment "+def.Segment.String()+" (attribution "+orDefault(def.Attribution, "first")+")")
	}
	if len(def.Where) > 0 {
		out = append(out, "where "+fmtFilters(def.Where))
	}
	switch {
	case def.From != nil && def.To != nil:
		out = append(out, "dates "+def.From.String()+" to "+def.To.String())
	case def.From != nil:
		out = append(out, "from "+def.From.String())
	case def.To != nil:
		out = append(out, "until "+def.To.String())
	}
	if def.MaxGap > 0 {
		out = append(out, "max gap "+def.MaxGap.String())
	}
	for i, s := range def.Steps {
		if len(s.Where) > 0 {
			out = append(out, fmt.Sprintf("step %d %s where %s", i+1, s.StepName(), fmtFilters(s.Where)))
		}
	}
	for _, x := range def.Exclusions {
		e := strings.Join(x.Events, "|")
		if len(x.Where) > 0 {
			e += " where " + fmtFilters(x.Where)
		}
		out = append(out, fmt.Sprintf("excluding %s between steps %d and %d", e, x.From, x.To))
	}
	return out
}
