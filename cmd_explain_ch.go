package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"microfunnel/chstore"
	"microfunnel/funnel"
)

// chExplain explains one user on ClickHouse: the funnel's names and values
// are checked against the dataset's dictionaries, the user's events are
// read into memory and explained as on the embedded store.
func chExplain(cmd *cobra.Command, ch *chstore.Store, ff *funnelFlags, dataset, user, format string, offset, limit int) error {
	ctx := cmd.Context()
	def, dataset, err := chFunnel(cmd, ch, ff, dataset)
	if err != nil {
		return err
	}
	cat, err := ch.Catalog(ctx, dataset, filterKeys(&def))
	if err != nil {
		return err
	}
	if err := checkDefinition(&def, cat, dataset, ff.preset); err != nil {
		return err
	}
	ev, err := ch.UserEvents(ctx, dataset, user)
	if err != nil {
		return err
	}
	if ev == nil {
		ids, err := ch.CloseUsers(ctx, dataset, user)
		if err != nil {
			return err
		}
		d, err := ch.Dataset(ctx, dataset)
		if err != nil {
			return err
		}
		return unknownUserError(dataset, user, d.Users, ids)
	}
	x, err := funnel.Explain(&def, ev, 0)
	if err != nil {
		return fmt.Errorf("dataset %s: %w", dataset, err)
	}
	out, err := explainOut(&funnelOn{dataset: dataset, def: def, ev: ev}, user, x, offset, limit)
	if err != nil {
		return err
	}
	return printExplained(cmd, out, format)
}

// filterKeys are the property keys whose values a funnel's names check
// compares with: those of filters and of the segment.
func filterKeys(d *funnel.Definition) []string {
	var keys []string
	add := func(fs []funnel.Filter) {
		for _, f := range fs {
			keys = append(keys, f.Key)
		}
	}
	add(d.Where)
	for _, s := range d.Steps {
		add(s.Where)
	}
	for _, x := range d.Exclusions {
		add(x.Where)
	}
	for _, s := range d.Micro {
		add(s.Where)
	}
	if d.Segment != nil {
		keys = append(keys, d.Segment.Key)
	}
	return keys
}

// checkDefinition checks a funnel's names and filter values against a
// dataset, naming what a preset needs when its events are missing (as
// loadChecked does on the embedded store).
func checkDefinition(def *funnel.Definition, ev *funnel.Events, dataset, preset string) error {
	if err := funnel.CheckNames(def, ev); err != nil {
		var un *funnel.UnknownNameError
		if preset != "" && errors.As(err, &un) && un.Kind == "event" {
			return fmt.Errorf("preset %s needs %ss missing from dataset %s: %s", preset, un.Kind, dataset, strings.Join(un.Names, ", "))
		}
		return fmt.Errorf("dataset %s: %w", dataset, err)
	}
	if err := funnel.CheckValues(def, ev); err != nil {
		return fmt.Errorf("dataset %s: %w", dataset, err)
	}
	return nil
}
