package ui

import (
	"fmt"
	"strings"

	"microfunnel/funnel"
)

// trendSection is the report's trend: a row per period (entered,
// converted, conversion with its interval, a bar), then with a breakdown a
// line per segment with its conversion per period as a sparkline. Empty
// without a trend.
func trendSection(st *Styles, res *funnel.Result, width int) string {
	if len(res.Trend) == 0 {
		return ""
	}
	every := res.Interval
	var b strings.Builder
	last := res.Steps[len(res.Steps)-1].Name
	b.WriteString(st.Bold.Render("Trend by "+orDefault(every, "period")+" of entry") +
		st.Faint.Render(" · conversion to "+last) + "\n")
	head := padRight(orDefault(every, "period"), 11) + padLeft("entered", 10) + padLeft("converted", 11) +
		padLeft("conv.", 8) + "  " + padRight("95% CI", 13)
	b.WriteString(st.Faint.Render(strings.TrimRight(head, " ")) + "\n")
	barW := maxInt(0, minInt(30, width-len([]rune(head))-2))
	var top float64
	for _, p := range res.Trend {
		top = max(top, p.Conversion)
	}
	for _, p := range res.Trend {
		row := padRight(p.Start, 11) + padLeft(fmtInt(p.Users), 10) + padLeft(fmtInt(p.Converted), 11) +
			padLeft(fmtPct(p.Conversion), 8) + "  " + padRight(ciText(p), 13)
		if barW > 0 && top > 0 && p.Users > 0 {
			row += "  " + bar(*st, st.Bar, p.Conversion/top, barW)
		}
		b.WriteString(strings.TrimRight(row, " ") + "\n")
	}
	if bd := res.Breakdown; bd != nil && len(bd.Segments) > 0 && len(bd.Segments[0].Trend) > 0 {
		b.WriteString("\n" + st.Bold.Render("Trend by "+bd.Property) + st.Faint.Render(" · conversion per "+orDefault(every, "period")+", oldest first") + "\n")
		segW := 8
		for _, s := range bd.Segments {
			segW = maxInt(segW, len([]rune(s.Value))+1)
		}
		segW = minInt(segW, 24)
		for _, s := range bd.Segments {
			row := padRight(truncate(s.Value, segW-1), segW) + convSpark(s.Trend) + "  " + trendEnds(s.Trend)
			b.WriteString(truncate(row, width) + "\n")
		}
	}
	return b.String()
}

func ciText(p funnel.Period) string {
	if p.Users == 0 {
		return "-"
	}
	return fmtPct(p.ConversionCI.Low) + "–" + fmtPct(p.ConversionCI.High)
}

// convSpark is conversion per period as one rune each, scaled to the
// highest; a period nobody entered is a dot.
func convSpark(ps []funnel.Period) string {
	var top float64
	for _, p := range ps {
		top = max(top, p.Conversion)
	}
	var s strings.Builder
	for _, p := range ps {
		switch {
		case p.Users == 0:
			s.WriteRune('·')
		case top == 0 || p.Conversion == 0:
			s.WriteRune(' ')
		default:
			i := int(p.Conversion / top * float64(len(sparkRunes)))
			s.WriteRune(sparkRunes[minInt(maxInt(i-1, 0), len(sparkRunes)-1)])
		}
	}
	return s.String()
}

// trendEnds is "first → last" conversion over the periods someone entered.
func trendEnds(ps []funnel.Period) string {
	var in []funnel.Period
	for _, p := range ps {
		if p.Users > 0 {
			in = append(in, p)
		}
	}
	if len(in) == 0 {
		return "nobody entered"
	}
	a, z := in[0], in[len(in)-1]
	return fmt.Sprintf("%s (%s) → %s (%s)", fmtPct(a.Conversion), a.Start, fmtPct(z.Conversion), z.Start)
}

// trendMarkdown is trendSection as Markdown tables.
func trendMarkdown(res *funnel.Result) string {
	if len(res.Trend) == 0 {
		return ""
	}
	every := res.Interval
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Trend by %s of entry\n\nConversion to %s.\n\n", orDefault(every, "period"), mdEscape(res.Steps[len(res.Steps)-1].Name))
	fmt.Fprintf(&b, "| %s | Entered | Converted | Conversion | 95%% CI |\n|---|------:|------:|------:|------:|\n", strings.ToUpper(orDefault(every, "period")[:1])+orDefault(every, "period")[1:])
	for _, p := range res.Trend {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", p.Start, fmtInt(p.Users), fmtInt(p.Converted), fmtPct(p.Conversion), ciText(p))
	}
	if bd := res.Breakdown; bd != nil && len(bd.Segments) > 0 && len(bd.Segments[0].Trend) > 0 {
		fmt.Fprintf(&b, "\n| Segment | Conversion per %s | First → last |\n|---------|---|---|\n", orDefault(every, "period"))
		for _, s := range bd.Segments {
			fmt.Fprintf(&b, "| %s | `%s` | %s |\n", mdEscape(s.Value), convSpark(s.Trend), trendEnds(s.Trend))
		}
	}
	return b.String()
}
