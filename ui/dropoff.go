package ui

import (
	"fmt"
	"strings"

	"microfunnel/funnel"
)

// dropLines draws what the users who stopped at step i did next, one bar
// per next event (share of those who stopped), in width cells.
func dropLines(st *Styles, d *funnel.Dropped, width int) []string {
	if d == nil || d.Users == 0 {
		return nil
	}
	nameW := 8
	for _, ne := range d.Next {
		nameW = maxInt(nameW, len([]rune(ne.Event)))
	}
	// name, bar, count and share: the bar takes what the rest leaves.
	numW := len(fmtInt(d.Users))
	nameW = minInt(nameW, maxInt(12, width/2-4))
	barW := minInt(24, width-nameW-numW-14)
	var out []string
	for _, ne := range d.Next {
		frac := float64(ne.Users) / float64(d.Users)
		row := "  " + padRight(ne.Event, nameW) + " "
		if barW >= 4 {
			row += bar(*st, st.Bar, frac, barW) + " "
		}
		row += padLeft(fmtInt(ne.Users), numW) + " " + padLeft(fmtPct(frac), 6)
		out = append(out, truncate(row, width))
	}
	return out
}

// droppedSection is the report's "what they did next" under each step that
// users left at.
func droppedSection(st *Styles, res *funnel.Result, width int) string {
	if res.DroppedNote != "" {
		return st.Faint.Render(wrapParts(strings.Fields(res.DroppedNote), " ", width)) + "\n"
	}
	unit := unitOf(res.Count)
	var b strings.Builder
	for i, s := range res.Steps {
		d := s.Dropped
		if d == nil || d.Users == 0 {
			continue
		}
		if b.Len() == 0 {
			title, legend := "What they did next", "first event after the step they stopped at, within the window"
			if len([]rune(title+" · "+legend)) <= width {
				b.WriteString(st.Bold.Render(title) + st.Faint.Render(" · "+legend) + "\n")
			} else {
				b.WriteString(st.Bold.Render(title) + "\n" + st.Faint.Render(wrapParts(strings.Fields(legend), " ", width)) + "\n")
			}
		}
		head := fmt.Sprintf("%d %s: %s %s stopped here", i+1, s.Name, fmtInt(d.Users), unit)
		b.WriteString(truncate(head, width) + "\n")
		for _, l := range dropLines(st, d, width) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// droppedMarkdown is droppedSection as Markdown tables.
func droppedMarkdown(res *funnel.Result) string {
	if res.DroppedNote != "" {
		return "\n" + mdEscape(res.DroppedNote) + "\n"
	}
	unit := unitOf(res.Count)
	var b strings.Builder
	for i, s := range res.Steps {
		d := s.Dropped
		if d == nil || d.Users == 0 {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("\n### What they did next\n\nThe first event after the step they stopped at, within the window.\n")
		}
		fmt.Fprintf(&b, "\n**%d %s**: %s %s stopped here.\n\n| Next | %s | %% |\n|------|------:|--:|\n", i+1, mdEscape(s.Name), fmtInt(d.Users), unit, strings.ToUpper(unit[:1])+unit[1:])
		for _, ne := range d.Next {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", mdEscape(ne.Event), fmtInt(ne.Users), fmtPct(float64(ne.Users)/float64(d.Users)))
		}
	}
	return b.String()
}
