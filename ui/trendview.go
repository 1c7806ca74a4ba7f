package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"microfunnel/funnel"
)

// trendView is the funnel's conversion per period of entry, full screen: a
// bar per period with its 95% interval, by day, week or month.
type trendView struct {
	common
	every   string
	loading bool
	err     error
	periods []funnel.Period
	last    string // the last step's name: conversion is to it
	off     int
	seq     int            // the request the view waits for
	vs      *funnel.Result // this period vs the one before (p), nil when not shown
}

type trendMsg struct {
	seq     int
	every   string
	periods []funnel.Period
	err     error
}

func (v *trendView) SetSize(w, h int) { v.w, v.h = w, h }

func (v *trendView) ShortHelp() []key.Binding { return v.keysOf(inTrend) }

// trendCmd computes def's trend by every on the events res was computed on.
func trendCmd(seq int, res *funnel.Result, def funnel.Definition, ev *funnel.Events, every string) tea.Cmd {
	return func() tea.Msg {
		every, ps, err := trendOf(res, def, ev, every)
		return trendMsg{seq: seq, every: every, periods: ps, err: err}
	}
}

// openTrend opens the trend view on the sparkline's periods.
func (m *Model) openTrend() tea.Cmd {
	m.trv = &trendView{common: m.common(), every: m.spark.every, periods: m.spark.periods, err: m.spark.err,
		last: m.res.Steps[len(m.res.Steps)-1].Name}
	m.layout()
	return nil
}

// setEvery recomputes the open trend view by every.
func (m *Model) setEvery(every string) tea.Cmd {
	v := m.trv
	if v.every == every && !v.loading && v.err == nil {
		return nil
	}
	v.seq++
	v.every, v.loading, v.err, v.off, v.vs = every, true, nil, 0, nil
	return tea.Batch(m.tick(), trendCmd(v.seq, m.res, m.def.Clone(), m.ev, every))
}

// openVersus compares the trend's last period with the one before.
func (m *Model) openVersus() tea.Cmd {
	v := m.trv
	v.seq++
	v.loading, v.err = true, nil
	return tea.Batch(m.tick(), versusCmd(v.seq, m.compute, m.def.Clone(), m.ev, v.periods, v.every))
}

func (m *Model) onVersus(msg versusMsg) {
	if v := m.trv; v != nil && msg.seq == v.seq {
		v.loading, v.vs, v.err = false, msg.res, msg.err
	}
}

func (m *Model) onTrend(msg trendMsg) {
	if v := m.trv; v != nil && msg.seq == v.seq {
		v.loading, v.every, v.periods, v.err = false, msg.every, msg.periods, msg.err
	}
}

// noTrend is why there is no trend view now ("" when there is).
func noTrend(m *Model) string {
	if why := needLocal("the trend")(m); why != "" {
		return why
	}
	if m.res == nil || m.ev == nil {
		return "no funnel computed yet"
	}
	return ""
}

// trendRows is how many periods the view shows at once.
func (v *trendView) trendRows() int { return maxInt(1, v.h-1-2) }

func (v *trendView) move(delta int) {
	v.off = minInt(maxInt(0, v.off+delta), maxInt(0, len(v.periods)-v.trendRows()))
}

func (v *trendView) View(spin string) string {
	st := v.st
	title := st.PaneActive.Render("Trend by "+v.every+" of entry") +
		st.Faint.Render(" · to "+v.last+" · d/w/m day/week/month · p vs before")
	var body []string
	switch {
	case v.err != nil:
		body = []string{st.Err.Render(v.err.Error())}
	case v.loading:
		body = []string{spin + " computing…"}
	case v.vs != nil:
		title = st.PaneActive.Render("This "+v.every+" vs the one before") + st.Faint.Render(" · esc back to the trend")
		body = strings.Split(strings.TrimRight(versusSection(st, v.vs, v.w), "\n"), "\n")
	case len(v.periods) == 0:
		body = []string{"Nobody entered the funnel in the date range."}
	default:
		body = trendBars(st, v.periods, v.every, v.w)
		rows := v.trendRows()
		head, rest := body[:1], body[1:]
		off := minInt(v.off, maxInt(0, len(rest)-rows))
		end := minInt(len(rest), off+rows)
		body = append(head, rest[off:end]...)
		if off > 0 || end < len(rest) {
			body = append(body, st.Faint.Render(fmt.Sprintf("periods %d–%d of %d · j/k scroll", off+1, end, len(rest))))
		}
		body = append(body, st.Faint.Render("█ to the 95% CI's low · ▓ to the conversion · ─ to the CI's high (› past the end)"))
	}
	return fitLines(clamp(title+"\n"+strings.Join(body, "\n"), v.w, v.h), v.h)
}

// trendBars is a header, then a row per period: its start, entered,
// converted, conversion and interval, and a bar on one scale for all: 1.5x
// the highest conversion fills it, so that the wide interval of a small
// period does not flatten the others (an interval past the end shows ›).
func trendBars(st *Styles, ps []funnel.Period, every string, width int) []string {
	head := padRight(every, 11) + padLeft("entered", 9) + padLeft("conv.", 8) + padLeft("conv. %", 9) + "  " + padRight("95% CI", 13)
	barW := maxInt(0, width-len([]rune(head))-2)
	var top, high float64
	for _, p := range ps {
		if p.Users > 0 {
			top, high = max(top, 1.5*p.Conversion), max(high, p.ConversionCI.High)
		}
	}
	if top == 0 {
		top = high
	}
	out := []string{st.Faint.Render(strings.TrimRight(head, " "))}
	for _, p := range ps {
		row := padRight(p.Start, 11) + padLeft(fmtInt(p.Users), 9) + padLeft(fmtInt(p.Converted), 8) +
			padLeft(fmtPct(p.Conversion), 9) + "  " + padRight(ciText(p), 13)
		if barW > 0 && top > 0 && p.Users > 0 {
			row += "  " + st.Bar.Render(ciBar(p, top, barW))
		}
		out = append(out, strings.TrimRight(row, " "))
	}
	return out
}

// ciBar draws conversion and interval on a scale of top in w cells: solid
// to the interval's low, shaded to the conversion, a line to the high.
func ciBar(p funnel.Period, top float64, w int) string {
	var b strings.Builder
	for c := 0; c < w; c++ {
		x := (float64(c) + 0.5) / float64(w) * top
		switch {
		case x <= p.ConversionCI.Low:
			b.WriteRune('█')
		case x <= p.Conversion:
			b.WriteRune('▓')
		case x <= p.ConversionCI.High:
			b.WriteRune('─')
		default:
			b.WriteRune(' ')
		}
	}
	if p.ConversionCI.High > top && w > 0 {
		r := []rune(b.String())
		r[w-1] = '›'
		return string(r)
	}
	return strings.TrimRight(b.String(), " ")
}
