package ui

import (
	"errors"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"microfunnel/funnel"
)

// versusMsg is the last period's funnel against the one before it.
type versusMsg struct {
	seq int
	res *funnel.Result // with Versus set
	err error
}

// lastTwo are the date ranges of the last period of ps and the one before,
// each within def's own range.
func lastTwo(def funnel.Definition, ps []funnel.Period, every string) (this, prev [2]funnel.Date, err error) {
	if len(ps) < 2 {
		return this, prev, errors.New("comparing periods needs two of them: d switches to days")
	}
	day := func(s string) (time.Time, error) { return time.Parse("2006-01-02", s) }
	a, err := day(ps[len(ps)-2].Start)
	if err != nil {
		return this, prev, err
	}
	b, err := day(ps[len(ps)-1].Start)
	if err != nil {
		return this, prev, err
	}
	end := b.AddDate(0, 0, 7)
	switch every {
	case funnel.Day:
		end = b.AddDate(0, 0, 1)
	case funnel.Month:
		end = b.AddDate(0, 1, 0)
	}
	clip := func(lo, hi time.Time) [2]funnel.Date {
		if def.From != nil && def.From.After(lo) {
			lo = def.From.Time
		}
		hi = hi.AddDate(0, 0, -1) // the last day, inclusive
		if def.To != nil && def.To.Before(hi) {
			hi = def.To.Time
		}
		return [2]funnel.Date{{Time: lo}, {Time: hi}}
	}
	return clip(b, end), clip(a, b), nil
}

// versusCmd computes the last period of ps against the one before it.
func versusCmd(seq int, compute ComputeFunc, def funnel.Definition, ev *funnel.Events, ps []funnel.Period, every string) tea.Cmd {
	return func() tea.Msg {
		this, prev, err := lastTwo(def, ps, every)
		if err != nil {
			return versusMsg{seq: seq, err: err}
		}
		def.From, def.To = &this[0], &this[1]
		res, err := compute(&def, ev)
		if err == nil {
			err = addVersus(res, &def, ev, prev[0], prev[1])
		}
		if err != nil {
			return versusMsg{seq: seq, err: fmt.Errorf("this %s vs the one before: %w", every, err)}
		}
		return versusMsg{seq: seq, res: res}
	}
}
