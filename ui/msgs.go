package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"microfunnel/dataset"
	"microfunnel/funnel"
)

// Messages the commands send back. Errors from the store already name the
// dataset and the operation, so they pass through unwrapped (one prefix per
// layer). Requests that can go stale carry the
// sequence number they were issued with; Update drops any that no longer
// match.

type datasetsMsg struct {
	list []dataset.Info
	err  error
	// open asks the root to show the dataset picker once the list is in.
	open   bool
	chosen string // the dataset to open at start
}

type datasetMsg struct {
	seq    int
	name   string
	info   dataset.Info
	events []dataset.EventCount
	props  []dataset.PropInfo
	last   string // the last funnel looked at in this dataset, as JSON
	// lastClean is the funnel that one was opened or saved as (JSON).
	lastClean string
	err       error
}

type computedMsg struct {
	seq int
	res *funnel.Result
	// every and trend are the funnel's conversion per period (the
	// sparkline); trendErr is why there is none.
	every    string
	trend    []funnel.Period
	trendErr error
	ev       *funnel.Events // what it was computed on
	err      error
	dur      time.Duration
}

type savedMsg struct {
	name string
	err  error
}

type savedListMsg struct {
	list []dataset.SavedFunnel
	err  error
}

type compareMsg struct {
	list []Comparison
	err  error
}

type settingMsg struct{ err error }

// chooseDataset picks the dataset to open: the one asked for, else the
// last one used, else the first preset's, else the first.
func chooseDataset(ctx context.Context, be Backend, list []dataset.Info, want string, presets []Preset) string {
	if want != "" {
		return want
	}
	if last, err := be.Setting(ctx, settingLastDataset); err == nil && last != "" {
		for _, d := range list {
			if d.Name == last {
				return last
			}
		}
	}
	// A first start opens on the first preset's dataset (the online store
	// for the samples), not on whichever name sorts first.
	for _, p := range presets {
		for _, d := range list {
			if p.Dataset != "" && d.Name == p.Dataset {
				return d.Name
			}
		}
	}
	if len(list) > 0 {
		return list[0].Name
	}
	return ""
}

func loadDatasetCmd(ctx context.Context, be Backend, seq int, name string) tea.Cmd {
	return func() tea.Msg {
		msg := datasetMsg{seq: seq, name: name}
		info, err := be.Dataset(ctx, name)
		if err != nil {
			msg.err = err
			return msg
		}
		msg.info = info
		if msg.events, err = be.EventCounts(ctx, name); err != nil {
			msg.err = err
			return msg
		}
		sort.SliceStable(msg.events, func(i, j int) bool { return msg.events[i].Users > msg.events[j].Users })
		if msg.props, err = be.Props(ctx, name); err != nil {
			msg.err = err
			return msg
		}
		msg.last, _ = be.Setting(ctx, settingLastFunnel+name)
		msg.lastClean, _ = be.Setting(ctx, settingLastClean+name)
		return msg
	}
}

// computeCmd computes def. Filtered to a segment of the property it is
// broken down by, the engine keeps the whole breakdown, so every value stays
// listed and another can be chosen.
func computeCmd(ctx context.Context, be Backend, compute ComputeFunc, remote RemoteFunc, seq int, dataset string, def funnel.Definition) tea.Cmd {
	return func() (msg tea.Msg) {
		start := time.Now()
		// The engine is someone else's code: a panic there must become a
		// status line, not a broken terminal.
		defer func() {
			if r := recover(); r != nil {
				msg = computedMsg{seq: seq, err: fmt.Errorf("compute: internal error: %v", r)}
			}
		}()
		if remote != nil {
			res, err := remote(ctx, dataset, &def)
			if err == nil && res == nil {
				err = errors.New("compute: no result")
			}
			return computedMsg{seq: seq, res: res, err: err, dur: time.Since(start)}
		}
		ev, err := be.Load(ctx, dataset)
		if err != nil {
			return computedMsg{seq: seq, err: err}
		}
		res, err := compute(&def, ev)
		if err == nil && res == nil {
			err = errors.New("compute: no result")
		}
		out := computedMsg{seq: seq, res: res, ev: ev, err: err}
		if err == nil {
			// The sparkline's trend, in the same command so nothing waits.
			out.every, out.trend, out.trendErr = trendOf(res, def, ev, "")
		}
		out.dur = time.Since(start)
		return out
	}
}

func saveCmd(ctx context.Context, be Backend, dataset, name string, def funnel.Definition) tea.Cmd {
	return func() tea.Msg {
		if err := be.SaveFunnel(ctx, dataset, name, def); err != nil {
			return savedMsg{name: name, err: fmt.Errorf("save %q: %w", name, err)}
		}
		return savedMsg{name: name}
	}
}

func savedListCmd(ctx context.Context, be Backend, dataset string) tea.Cmd {
	return func() tea.Msg {
		list, err := be.Funnels(ctx, dataset)
		return savedListMsg{list: list, err: err}
	}
}

func datasetsCmd(ctx context.Context, be Backend) tea.Cmd {
	return func() tea.Msg {
		list, err := be.Datasets(ctx)
		return datasetsMsg{list: list, err: err, open: true}
	}
}

func compareCmd(ctx context.Context, f func(context.Context) ([]Comparison, error)) tea.Cmd {
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				msg = compareMsg{err: fmt.Errorf("compare: internal error: %v", r)}
			}
		}()
		list, err := f(ctx)
		if err != nil {
			err = fmt.Errorf("compare: %w", err)
		}
		return compareMsg{list: list, err: err}
	}
}

// rememberCmd stores what is on screen, and the funnel it was opened or
// saved as, so the next start opens with it and still knows what is unsaved.
func rememberCmd(ctx context.Context, be Backend, dataset string, def, clean funnel.Definition) tea.Cmd {
	return func() tea.Msg {
		for _, s := range []struct {
			key string
			def funnel.Definition
		}{{settingLastFunnel + dataset, def}, {settingLastClean + dataset, clean}} {
			b, err := json.Marshal(s.def)
			if err != nil {
				return settingMsg{err: err}
			}
			if err := be.SetSetting(ctx, s.key, string(b)); err != nil {
				return settingMsg{err: fmt.Errorf("remember funnel: %w", err)}
			}
		}
		if err := be.SetSetting(ctx, settingLastDataset, dataset); err != nil {
			return settingMsg{err: fmt.Errorf("remember dataset: %w", err)}
		}
		return settingMsg{}
	}
}

type valuesMsg struct {
	key  string
	list []dataset.ValueCount
	err  error
}

// valuesCmd lists a property's values by users, for the filter picker.
func valuesCmd(ctx context.Context, be Backend, dataset, key string) tea.Cmd {
	return func() tea.Msg {
		list, err := be.PropValues(ctx, dataset, key, 500)
		if err != nil {
			err = fmt.Errorf("values of %s: %w", key, err)
		}
		return valuesMsg{key: key, list: list, err: err}
	}
}

// savedChangedMsg reports a saved funnel deleted or renamed from the open
// picker; the root then lists them again.
type savedChangedMsg struct {
	note string
	err  error
}

func deleteSavedCmd(ctx context.Context, be Backend, dataset, name string) tea.Cmd {
	return func() tea.Msg {
		if err := be.DeleteFunnel(ctx, dataset, name); err != nil {
			return savedChangedMsg{err: fmt.Errorf("delete saved funnel: %w", err)}
		}
		return savedChangedMsg{note: "deleted saved funnel " + name}
	}
}

func renameSavedCmd(ctx context.Context, be Backend, dataset, old, new string) tea.Cmd {
	return func() tea.Msg {
		if err := be.RenameFunnel(ctx, dataset, old, new); err != nil {
			return savedChangedMsg{err: fmt.Errorf("rename saved funnel: %w", err)}
		}
		return savedChangedMsg{note: "renamed saved funnel " + old + " to " + new}
	}
}
