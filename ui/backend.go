// Package ui draws funnels: the Bubble Tea dashboard and the report renderers
// the CLI prints with. It reaches the store and the engine only through
// tea.Cmds that return typed messages.
package ui

import (
	"context"

	"microfunnel/dataset"
	"microfunnel/funnel"
)

// Backend is the part of *store.Store the dashboard uses. Tests pass a fake
// built on in-memory events.
type Backend interface {
	Path() string
	Datasets(ctx context.Context) ([]dataset.Info, error)
	Dataset(ctx context.Context, name string) (dataset.Info, error)
	EventCounts(ctx context.Context, dataset string) ([]dataset.EventCount, error)
	Props(ctx context.Context, dataset string) ([]dataset.PropInfo, error)
	PropValues(ctx context.Context, dataset, key string, limit int) ([]dataset.ValueCount, error)
	Load(ctx context.Context, dataset string) (*funnel.Events, error)
	SaveFunnel(ctx context.Context, dataset, name string, def funnel.Definition) error
	Funnels(ctx context.Context, dataset string) ([]dataset.SavedFunnel, error)
	DeleteFunnel(ctx context.Context, dataset, name string) error
	RenameFunnel(ctx context.Context, dataset, old, new string) error
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}

// Preset is a business-type funnel the dashboard offers (sample.Preset
// converts field by field; ui does not import sample so it can be tested
// with presets of its own).
type Preset struct {
	Name     string
	Business string
	// Dataset is the sample dataset the preset is meant for (optional).
	Dataset    string
	Definition funnel.Definition
}

// Comparison is one business preset computed on its dataset, as
// `microfunnel compare` and the dashboard's compare view show it.
type Comparison struct {
	Business string
	Dataset  string
	Preset   string
	Result   *funnel.Result
	Micro    []funnel.MicroResult
	// BiggestDrop is the 1-based step with the largest drop-off share
	// (0 when unknown; the renderer then works it out).
	BiggestDrop int
	Err         error
}

// RemoteFunc computes a funnel on a dataset where its events live.
type RemoteFunc func(ctx context.Context, dataset string, def *funnel.Definition) (*funnel.Result, error)

// RemoteDriversFunc computes a funnel's drivers where its events live.
type RemoteDriversFunc func(ctx context.Context, dataset string, def *funnel.Definition, opt funnel.DriverOptions) (*funnel.DriverResult, error)

// ComputeFunc computes a funnel; funnel.Compute by default.
type ComputeFunc func(def *funnel.Definition, ev *funnel.Events) (*funnel.Result, error)

// Options configure the dashboard.
type Options struct {
	Backend Backend
	// DBPath is shown in the header; Backend.Path() when empty.
	DBPath string
	// Dataset to open; the last one used, else the first, when empty.
	Dataset string
	// Preset to open by name; else the last funnel looked at in the
	// dataset, else the first preset whose events the dataset has.
	Preset  string
	Presets []Preset
	// Compare computes the business comparison for the compare view
	// (wraps sample.Compare). The view says so when it is nil.
	Compare func(ctx context.Context) ([]Comparison, error)
	// Compute overrides the engine (tests); funnel.Compute when nil.
	Compute ComputeFunc
	// Remote, when set, computes each funnel where the events live (a
	// ClickHouse server) instead of loading them: Backend.Load is never
	// called, and the views that read events (drop-off, trend, the
	// sparkline; drivers unless RemoteDrivers, compare unless Compare) say
	// they need the embedded store.
	Remote RemoteFunc
	// RemoteDrivers computes the drivers view where the events live; with
	// Remote set and no RemoteDrivers, the view says it needs the
	// embedded store.
	RemoteDrivers RemoteDriversFunc
	NoColor       bool
}

// Setting keys. The last funnel is per dataset so switching datasets back
// and forth returns to what was on screen.
const (
	settingLastDataset = "last_dataset"
	settingLastFunnel  = "last_funnel:"
	settingLastClean   = "last_funnel_clean:"
)
