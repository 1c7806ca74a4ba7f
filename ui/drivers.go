package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"microfunnel/funnel"
)

// driversView shows what goes with converting in the current funnel: a lift
// bar per event (log odds ratio, positive right of the axis, negative left)
// with its 95% interval as whiskers, significant ones marked. enter on one
// offers to add it as a step.
type driversView struct {
	common
	res     *funnel.DriverResult
	steps   []string
	err     error
	loading bool
	cursor  int
	offset  int
	offer   bool // enter was pressed: the offer for the driver at the cursor
}

func (v *driversView) SetSize(w, h int) { v.w, v.h = w, h }

func (v driversView) ShortHelp() []key.Binding { return v.footer(inDrivers) }

// current is the driver at the cursor.
func (v *driversView) current() (funnel.Driver, bool) {
	if v.res == nil || v.cursor < 0 || v.cursor >= len(v.res.Drivers) {
		return funnel.Driver{}, false
	}
	return v.res.Drivers[v.cursor], true
}

func (v *driversView) move(delta int) {
	if v.res == nil {
		return
	}
	v.offer = false
	v.cursor = maxInt(0, minInt(len(v.res.Drivers)-1, v.cursor+delta))
}

// driversMsg is a drivers computation's outcome.
type driversMsg struct {
	res   *funnel.DriverResult
	steps []string
	err   error
}

// driversCmd computes the drivers of def on the dataset.
func driversCmd(ctx context.Context, be Backend, remote RemoteDriversFunc, dataset string, def funnel.Definition) tea.Cmd {
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				msg = driversMsg{err: fmt.Errorf("drivers: internal error: %v", r)}
			}
		}()
		var steps []string
		for _, s := range def.Steps {
			steps = append(steps, s.StepName())
		}
		opt := funnel.DriverOptions{MinUsers: 30}
		var res *funnel.DriverResult
		var err error
		if remote != nil {
			res, err = remote(ctx, dataset, &def, opt)
		} else {
			var ev *funnel.Events
			if ev, err = be.Load(ctx, dataset); err != nil {
				return driversMsg{err: err}
			}
			res, err = computeDrivers(&def, ev, opt)
		}
		switch {
		case errors.Is(err, funnel.ErrNoContrast):
			err = fmt.Errorf("no contrast: %d of the %d users who entered converted, so nothing can go with converting more or less", res.Converted, res.Entered)
		case err == nil && res.Entered == 0:
			err = errors.New("nobody entered the funnel: nothing to compare")
		case err != nil:
			err = fmt.Errorf("drivers: %w", err)
		}
		return driversMsg{res: res, steps: steps, err: err}
	}
}

// openDrivers opens the view and computes it.
func (m *Model) openDrivers() tea.Cmd {
	v := driversView{common: m.common(), loading: true}
	m.drv = &v
	m.layout()
	return tea.Batch(m.tick(), driversCmd(m.ctx, m.be, m.opts.RemoteDrivers, m.dataset, m.def.Clone()))
}

func (m *Model) onDrivers(msg driversMsg) {
	if m.drv == nil {
		return
	}
	m.drv.loading, m.drv.res, m.drv.steps, m.drv.err = false, msg.res, msg.steps, msg.err
	if msg.err != nil {
		m.drv.res = nil
	}
}

// addDriverStep puts the driver's event as a step just before the step it
// converts to, and goes back to the funnel.
func (m *Model) addDriverStep() tea.Cmd {
	d, ok := m.drv.current()
	if !ok || d.Event == "" {
		return nil
	}
	at := m.drv.res.To - 2 // after the step before the converting one
	m.drv = nil
	return m.change("add step "+d.Event, func(def *funnel.Definition) error {
		i, err := insertStep(def, at, d.Event)
		m.step = i
		return err
	})
}

// noDidItBreakdown is why "break down by did it / did not" is not offered.
const noDidItBreakdown = "a breakdown by did it / did not needs a per-user cohort breakdown the engine lacks (breakdowns are by an event property)"

func (v driversView) View(spin string) string {
	st := v.st
	title := st.PaneActive.Render("Drivers") + st.Faint.Render(" · esc back")
	var body []string
	switch {
	case v.err != nil:
		body = []string{st.Err.Render(wrapParts(strings.Fields(v.err.Error()), " ", v.w))}
	case v.loading || v.res == nil:
		body = []string{spin + " computing what goes with converting…"}
	default:
		body = v.lines()
	}
	head := []string{title}
	if v.res != nil && v.err == nil && !v.loading {
		head = append(head, truncate(driversCaption(v.res, v.steps), v.w), st.Faint.Render(truncate(DriversNote, v.w)))
	}
	var foot []string
	if d, ok := v.current(); ok && v.offer && !v.loading {
		foot = append(foot, "", st.Bold.Render(truncate(fmt.Sprintf("%s: %s of %s users who did it converted, %s of the others (q %s)",
			d.Label(), fmtPct(d.Conversion), fmtInt(d.Users), fmtPct(d.ConversionWithout), fmtP(d.Q)), v.w)))
		if d.Event != "" {
			foot = append(foot, truncate(fmt.Sprintf("a adds %s as a step before %s · esc keeps looking", d.Event, v.stepName(v.res.To)), v.w))
		}
		foot = append(foot, st.Faint.Render(wrapParts(strings.Fields("Break down by did it / did not: not available, "+noDidItBreakdown+"."), " ", v.w)))
	}
	rows := maxInt(1, v.h-len(head)-len(foot))
	off := v.offset
	if v.cursor < off {
		off = v.cursor
	}
	if v.cursor >= off+rows-1 && len(body) > rows {
		off = v.cursor - rows + 2
	}
	off = maxInt(0, minInt(off, maxInt(0, len(body)-rows)))
	end := minInt(len(body), off+rows)
	out := append(head, body[off:end]...)
	out = append(out, foot...)
	return fitLines(clamp(strings.Join(out, "\n"), v.w, v.h), v.h)
}

func (v driversView) stepName(k int) string {
	if k >= 1 && k <= len(v.steps) {
		return v.steps[k-1]
	}
	return fmt.Sprintf("step %d", k)
}

// lines draws the axis legend and one line per driver: name, lift bar with
// whiskers, odds ratio, marks.
func (v driversView) lines() []string {
	st := v.st
	ds := v.res.Drivers
	if len(ds) == 0 {
		return []string{st.Faint.Render("No other event happened in any user's span.")}
	}
	nameW := 8
	for _, d := range ds {
		nameW = maxInt(nameW, len([]rune(d.Label())))
	}
	const tailW = 16 // " ×12.3 (0.5–99)" is cut to fit; marks after
	nameW = minInt(nameW, maxInt(8, v.w/4))
	barW := maxInt(11, v.w-nameW-2-tailW-6)
	if barW%2 == 0 {
		barW--
	}
	half := barW / 2
	// The scale: the largest |log| of any interval end, at most log 100.
	span := math.Log(2)
	for _, d := range ds {
		span = math.Max(span, math.Max(math.Abs(math.Log(d.CI.Low)), math.Abs(math.Log(d.CI.High))))
	}
	span = math.Min(span, math.Log(100))
	pos := func(x float64) int {
		l := math.Max(-span, math.Min(span, math.Log(x)))
		return half + int(math.Round(l/span*float64(half)))
	}
	legend := padRight("", nameW+3) + padLeft("less likely ←", half) + "│" + "→ more likely"
	out := []string{st.Faint.Render(truncate(legend, v.w))}
	for i, d := range ds {
		cells := []rune(strings.Repeat(" ", barW))
		cells[half] = '│'
		lo, hi, at := pos(d.CI.Low), pos(d.CI.High), pos(d.OddsRatio)
		for x := lo; x <= hi; x++ {
			cells[x] = '─'
		}
		cells[lo], cells[hi] = '├', '┤'
		if lo == hi {
			cells[lo] = '┼'
		}
		a, b := minInt(at, half), maxInt(at, half)
		for x := a; x <= b; x++ {
			if x != half || a == b {
				cells[x] = '█'
			}
		}
		cells[half] = '│'
		if at != half {
			cells[at] = '█'
		}
		// The interval's ends stay visible over the bar.
		for _, e := range [][2]int{{lo, '├'}, {hi, '┤'}} {
			if e[0] != half && lo != hi {
				cells[e[0]] = rune(e[1])
			}
		}
		fill := st.Faint
		if d.Significant {
			fill = st.Bar
			if d.OddsRatio < 1 {
				fill = st.Worst
			}
		}
		mark := ""
		if d.Significant {
			mark = st.Sig.Render(" *")
		}
		if d.Few {
			mark += st.Faint.Render(" few")
		}
		cur := "  "
		if i == v.cursor {
			cur = st.Cursor.Render("> ")
		}
		name := padRight(truncate(d.Label(), nameW), nameW)
		if i == v.cursor {
			name = st.Selected.Render(name)
		}
		tail := fmt.Sprintf(" ×%s (%s–%s)", ratioText(d.OddsRatio), ratioText(d.CI.Low), ratioText(d.CI.High))
		out = append(out, cur+name+" "+fill.Render(string(cells))+tail+mark)
	}
	out = append(out, st.Faint.Render(truncate(fmt.Sprintf("bars: odds ratio on a log scale (edge ×%s), whiskers its 95%% interval; * Benjamini-Hochberg q < 0.05; few: under 30 users", ratioText(math.Exp(span))), v.w)))
	return out
}
