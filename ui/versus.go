package ui

import (
	"fmt"
	"strconv"
	"strings"

	"microfunnel/funnel"
)

// versusSection puts the funnel beside the same funnel over another range:
// per step each side's users and conversion from step 1, the difference in
// step conversion (percentage points) and its Holm-adjusted p-value. Empty
// without a comparison.
func versusSection(st *Styles, res *funnel.Result, width int) string {
	v := res.Versus
	if v == nil {
		return ""
	}
	var b strings.Builder
	title := "This range vs the other"
	ranges := fmt.Sprintf("%s..%s vs %s..%s", v.ThisFrom, v.ThisTo, v.From, v.To)
	if len([]rune(title+" · "+ranges)) <= width {
		b.WriteString(st.Bold.Render(title) + st.Faint.Render(" · "+ranges) + "\n")
	} else {
		b.WriteString(st.Bold.Render(title) + "\n" + st.Faint.Render(ranges) + "\n")
	}
	nameW := 8
	for _, s := range res.Steps {
		nameW = maxInt(nameW, len([]rune(s.Name))+4)
	}
	nameW = minInt(nameW, 24)
	// Narrow: users only, no conversion from step 1.
	wide := nameW+62 <= width
	col := func(users int64, conv float64) string {
		if wide {
			return padLeft(fmtInt(users), 10) + padLeft(fmtPct(conv), 8)
		}
		return padLeft(fmtInt(users), 9)
	}
	head := padRight("   step", nameW) + padLeft("this", 10) + padLeft("of 1st", 8) + padLeft("other", 10) + padLeft("of 1st", 8)
	if !wide {
		head = padRight("   step", nameW) + padLeft("this", 9) + padLeft("other", 9)
	}
	head += padLeft("Δ of prev", 11) + "  p"
	b.WriteString(st.Faint.Render(head) + "\n")
	anySig := false
	for k, s := range res.Steps {
		row := padRight(truncate(fmt.Sprintf("%-2d %s", k+1, s.Name), nameW-1), nameW) + col(s.Users, s.Conversion)
		if k < len(v.Steps) {
			row += col(v.Steps[k].Users, v.Steps[k].Conversion)
		}
		if k > 0 && k-1 < len(v.Diffs) {
			d := v.Diffs[k-1]
			mark := " "
			if d.Significant {
				mark = "*"
				anySig = true
			}
			row += padLeft(fmtPts(d.StepConversion), 10) + st.Sig.Render(mark) + "  p" + pEq(d.Adjusted)
		}
		b.WriteString(truncate(strings.TrimRight(row, " "), width) + "\n")
	}
	b.WriteString(legendLine(st, anySig, "* differs significantly (adjusted p < 0.05).",
		"Δ of prev: this range's conversion from the previous step minus the other's, in percentage points; p: two-proportion test (Fisher's when small), Holm-adjusted across steps.", width))
	return b.String()
}

// fmtPts writes a difference of two rates in percentage points, signed.
func fmtPts(d float64) string {
	s := strconv.FormatFloat(d*100, 'f', 1, 64)
	if d > 0 && s != "0.0" {
		s = "+" + s
	}
	return s + " pt"
}

// versusMarkdown is versusSection as a Markdown table.
func versusMarkdown(res *funnel.Result) string {
	v := res.Versus
	if v == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n### %s..%s vs %s..%s\n\n", v.ThisFrom, v.ThisTo, v.From, v.To)
	b.WriteString("| # | Step | This | % of step 1 | Other | % of step 1 | Δ % of previous | p (Holm) |\n|--:|------|------:|------:|------:|------:|------:|------:|\n")
	for k, s := range res.Steps {
		other, otherPct, diff, p := "", "", "", ""
		if k < len(v.Steps) {
			other, otherPct = fmtInt(v.Steps[k].Users), fmtPct(v.Steps[k].Conversion)
		}
		if k > 0 && k-1 < len(v.Diffs) {
			d := v.Diffs[k-1]
			diff, p = fmtPts(d.StepConversion), fmtP(d.Adjusted)
			if d.Significant {
				diff = "**" + diff + "**\\*"
			}
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %s |\n", k+1, mdEscape(s.Name), fmtInt(s.Users), fmtPct(s.Conversion), other, otherPct, diff, p)
	}
	return b.String()
}

// legendLine is a table's faint legend, wrapped, led by sigText when a row
// is marked significant.
func legendLine(st *Styles, sig bool, sigText, text string, width int) string {
	if sig {
		text = sigText + " " + text
	}
	return st.Faint.Render(wrapParts(strings.Fields(text), " ", width)) + "\n"
}
