package ui

import (
	"fmt"
	"strings"

	"microfunnel/funnel"
)

// sparkRunes draw a histogram in one line, one rune per bar.
var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// timeSpark is a step's time histogram as one rune per bar, scaled to the
// tallest; an empty bar is a space so that a small non-zero one still shows.
func timeSpark(bars []funnel.TimeBucket) string {
	var top int64
	for _, b := range bars {
		top = max(top, b.Users)
	}
	if top == 0 {
		return ""
	}
	var s strings.Builder
	for _, b := range bars {
		if b.Users == 0 {
			s.WriteRune(' ')
			continue
		}
		i := int((b.Users*int64(len(sparkRunes)) - 1) / top)
		s.WriteRune(sparkRunes[min(i, len(sparkRunes)-1)])
	}
	return s.String()
}

// timeRange labels a histogram's span: its first bar's bound and its last.
func timeRange(bars []funnel.TimeBucket) (lo, hi string) {
	if len(bars) == 0 {
		return "", ""
	}
	return "≤" + fmtMs(bars[0].LeMs), fmtMs(bars[len(bars)-1].LeMs)
}

// timesSection lists each step's time from the previous step as a compact
// histogram with its median and p90; empty when no step has times.
func timesSection(st *Styles, steps []funnel.StepResult, width int) string {
	var b strings.Builder
	nameW := 8
	for _, s := range steps[1:] {
		nameW = maxInt(nameW, len([]rune(s.Name))+4)
	}
	nameW = minInt(nameW, 28)
	for i, s := range steps {
		if i == 0 || len(s.TimeHistogram) == 0 {
			continue
		}
		if b.Len() == 0 {
			lo, hi := timeRange(s.TimeHistogram)
			title := "Time from the previous step"
			legend := fmt.Sprintf("bars from %s to %s, each 4x the last", lo, hi)
			if len([]rune(title+" · "+legend)) <= width {
				b.WriteString(st.Bold.Render(title) + st.Faint.Render(" · "+legend) + "\n")
			} else {
				b.WriteString(st.Bold.Render(title) + "\n" + st.Faint.Render(wrapParts(strings.Fields(legend), " ", width)) + "\n")
			}
		}
		row := padRight(fmt.Sprintf("%d %s", i+1, s.Name), nameW) + " " + timeSpark(s.TimeHistogram) +
			"  median " + fmtMs(s.MedianMs) + " · p90 " + fmtMs(s.P90Ms)
		b.WriteString(truncate(row, width) + "\n")
	}
	return b.String()
}

// timesMarkdown is timesSection as a Markdown table.
func timesMarkdown(steps []funnel.StepResult) string {
	var b strings.Builder
	for i, s := range steps {
		if i == 0 || len(s.TimeHistogram) == 0 {
			continue
		}
		if b.Len() == 0 {
			lo, hi := timeRange(s.TimeHistogram)
			fmt.Fprintf(&b, "\n### Time from the previous step\n\nBars from %s to %s, each 4x the last.\n\n", lo, hi)
			b.WriteString("| # | Step | Histogram | Median | p90 |\n|--:|------|-----------|-------:|----:|\n")
		}
		fmt.Fprintf(&b, "| %d | %s | `%s` | %s | %s |\n", i+1, mdEscape(s.Name), timeSpark(s.TimeHistogram), fmtMs(s.MedianMs), fmtMs(s.P90Ms))
	}
	return b.String()
}
