package sample

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"microfunnel/funnel"
)

// Comparison is one business type's macro preset computed on its dataset.
type Comparison struct {
	Business Business
	Dataset  string
	Preset   string
	Result   *funnel.Result
	Micro    []funnel.MicroResult
	// BiggestDrop is the 1-based step with the largest drop-off share
	// (0 when no one entered the funnel).
	BiggestDrop int
	// Err says why this business could not be computed (a missing
	// dataset, events the dataset lacks); the others still are.
	Err error
}

// Funnels computes a preset's funnel and its micro conversions on a
// dataset. Events the dataset lacks are a *funnel.UnknownNameError (as
// funnel.CheckNames gives it).
type Funnels func(ctx context.Context, dataset string, def *funnel.Definition) (*funnel.Result, []funnel.MicroResult, error)

// Loaded is Funnels over events in memory: load returns a dataset's events
// (the store's Load).
func Loaded(load func(ctx context.Context, dataset string) (*funnel.Events, error)) Funnels {
	return func(ctx context.Context, dataset string, def *funnel.Definition) (*funnel.Result, []funnel.MicroResult, error) {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		ev, err := load(ctx, dataset)
		if err != nil {
			return nil, nil, err
		}
		if err := funnel.CheckNames(def, ev); err != nil {
			return nil, nil, fmt.Errorf("dataset %s: %w", dataset, err)
		}
		res, err := funnel.Compute(def, ev)
		if err != nil {
			return nil, nil, fmt.Errorf("dataset %s: %w", dataset, err)
		}
		micro, err := funnel.Micro(def, ev)
		if err != nil {
			return nil, nil, fmt.Errorf("dataset %s: %w", dataset, err)
		}
		return res, micro, nil
	}
}

// Compare computes each business type's macro preset, with its micro
// conversions, on that business's sample dataset. load returns a dataset's
// events (the store's Load).
func Compare(ctx context.Context, load func(ctx context.Context, dataset string) (*funnel.Events, error)) ([]Comparison, error) {
	return CompareWith(ctx, Loaded(load), "")
}

// CompareOn is Compare on one dataset (every business's on its own sample
// when dataset is ""): each business's macro preset, with its micro
// conversions, whose events the dataset has. A business whose events it
// lacks is left out; when none match, the error names what each needs.
func CompareOn(ctx context.Context, load func(ctx context.Context, dataset string) (*funnel.Events, error), dataset string) ([]Comparison, error) {
	return CompareWith(ctx, Loaded(load), dataset)
}

// CompareWith is CompareOn computing through f (for a store that computes
// where its events live: ClickHouse).
func CompareWith(ctx context.Context, f Funnels, dataset string) ([]Comparison, error) {
	var out []Comparison
	var missing []string
	for _, b := range Businesses() {
		p, err := MacroPreset(b)
		if err != nil {
			return nil, err
		}
		c := Comparison{Business: b, Dataset: DefaultDataset(b), Preset: p.Name}
		if dataset != "" {
			c.Dataset = dataset
		}
		def := p.Definition
		c.Result, c.Micro, c.Err = f(ctx, c.Dataset, &def)
		var un *funnel.UnknownNameError
		if dataset != "" && errors.As(c.Err, &un) {
			if un.Kind != "event" {
				return nil, fmt.Errorf("preset %s: %w", p.Name, c.Err)
			}
			missing = append(missing, fmt.Sprintf("%s needs %s", p.Name, strings.Join(un.Names, ", ")))
			continue
		}
		if c.Result != nil {
			c.BiggestDrop = BiggestDrop(c.Result)
		}
		out = append(out, c)
	}
	if dataset != "" && len(out) == 0 {
		return nil, fmt.Errorf("dataset %s matches no business preset's events (%s)", dataset, strings.Join(missing, "; "))
	}
	return out, nil
}

// BiggestDrop is the 1-based step (from 2) with the largest drop-off share
// from the previous step, or 0 when nobody entered the funnel.
func BiggestDrop(r *funnel.Result) int {
	best, share := 0, -1.0
	for i := 1; i < len(r.Steps); i++ {
		if r.Steps[i-1].Users > 0 && r.Steps[i].DropOffShare > share {
			best, share = i+1, r.Steps[i].DropOffShare
		}
	}
	return best
}
