package main

import (
	"bufio"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"microfunnel/funnel"
)

// explained is what `explain --format json` prints.
type explained struct {
	User      string           `json:"user"`
	Dataset   string           `json:"dataset"`
	Reached   int              `json:"reached"`
	Steps     []string         `json:"steps"`
	Chain     []chainStep      `json:"chain"`
	Stopped   *stopped         `json:"stopped"`
	MergedIDs []string         `json:"merged_ids,omitempty"`
	Total     int              `json:"total_events"`
	Offset    int              `json:"offset"`
	Limit     int              `json:"limit"`
	Events    []explainedEvent `json:"events"`
}

type chainStep struct {
	Step  int    `json:"step"`
	Event string `json:"event"`
	Time  string `json:"time"`
}

type stopped struct {
	Reason   string `json:"reason"`
	Step     int    `json:"step"`
	StepName string `json:"step_name"`
	Event    string `json:"event,omitempty"`
	Time     string `json:"time,omitempty"`
	Detail   string `json:"detail"`
}

type explainedEvent struct {
	Time       string            `json:"time"`
	Event      string            `json:"event"`
	Step       *int              `json:"step"`              // the chain's step this event is
	Matches    []int             `json:"matches,omitempty"` // steps whose events it is one of, when not in the chain
	Properties map[string]string `json:"properties"`
}

func (a *app) explainCmd() *cobra.Command {
	var ff funnelFlags
	var dataset, format string
	var limit, offset int
	cmd := &cobra.Command{
		Use:   "explain --dataset NAME (--steps ... | --preset NAME | --funnel FILE | --saved NAME) USER [flags]",
		Short: "Show one user's events with the funnel's steps marked, the counted chain and why it stopped",
		Long: `Show one user's path through a funnel: their events in time order with the
steps of the counted chain marked (and, in brackets, events of a step that
the chain did not use), the chain itself, and why it stopped: never did
the next step; did it only after the window closed (at T); an exclusion at
T; a step filter that did not match; more than the max gap; another event
between (strict mode). Ids merged into the user by identity stitching are
listed. The user counts as one user whatever --count says; --segment and
--by are ignored.

Events are paged: --limit N (default 200, 0 for all) from --offset N
(default 0); the header says how many there are.

--format json prints {"user", "reached", "steps", "chain", "stopped",
"merged_ids", "total_events", "offset", "limit", "events": [{"time",
"event", "step", "properties"}]}.

With --db clickhouse://... the user's events are read from the server and
explained the same way; ids are stitched there within each imported file
only, and merged_ids is left out (events in one millisecond may be listed
in another order than the file's). --saved needs the embedded store.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			if limit < 0 || offset < 0 {
				return usagef("--limit and --offset: want 0 or more (got %d and %d)", limit, offset)
			}
			user := args[0]
			if ch, err := a.clickhouse(cmd.Context()); err != nil || ch != nil {
				if err != nil {
					return err
				}
				return chExplain(cmd, ch, &ff, dataset, user, format, offset, limit)
			}
			f, err := a.resolveFunnel(cmd, &ff, dataset)
			if err != nil {
				return err
			}
			u, err := f.st.FindUser(cmd.Context(), f.dataset, user)
			if err != nil {
				return err
			}
			if u < 0 {
				return unknownUser(cmd, f, user)
			}
			x, err := funnel.Explain(&f.def, f.ev, u)
			if err != nil {
				return fmt.Errorf("dataset %s: %w", f.dataset, err)
			}
			out, err := explainOut(f, user, x, offset, limit)
			if err != nil {
				return err
			}
			if out.MergedIDs, err = f.st.MergedIDs(cmd.Context(), f.dataset, user); err != nil {
				return err
			}
			return printExplained(cmd, out, format)
		},
	}
	cmd.Flags().StringVarP(&dataset, "dataset", "d", "", "dataset (default: the preset's sample dataset, or the only dataset)")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.Flags().IntVar(&limit, "limit", 200, "events shown (0: all)")
	cmd.Flags().IntVar(&offset, "offset", 0, "events skipped before those shown")
	ff.register(cmd)
	return cmd
}

// unknownUser is the usage error for a user id the dataset lacks, with the
// closest ids.
func unknownUser(cmd *cobra.Command, f *funnelOn, user string) error {
	var ids []string
	if err := f.st.EachUserID(cmd.Context(), f.dataset, func(_ int, id string) error {
		ids = append(ids, id)
		return nil
	}); err != nil {
		return err
	}
	return unknownUserError(f.dataset, user, int64(len(ids)), ids)
}

// unknownUserError names the closest of ids (the dataset has users ids in
// all).
func unknownUserError(dataset, user string, users int64, ids []string) error {
	msg := fmt.Sprintf("user %q: not in dataset %s (%s users)", user, dataset, count(users))
	if s := funnel.Suggest(user, ids, 3); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", quoteJoin(s))
	} else {
		msg += "; list some with: microfunnel users --dataset " + dataset + " ... --reached 1"
	}
	return usagef("%s", msg)
}

func quoteJoin(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}

// explainOut lays out the explanation: the page of events with their
// properties, the chain, the stop.
func explainOut(f *funnelOn, user string, x *funnel.Explanation, offset, limit int) (*explained, error) {
	ev := f.ev
	lo, hi := int(ev.UserStart[x.User]), int(ev.UserStart[x.User+1])
	out := &explained{User: user, Dataset: f.dataset, Reached: x.Reached, Total: hi - lo, Offset: offset, Limit: limit,
		Chain: []chainStep{}, Events: []explainedEvent{}}
	for _, s := range f.def.Steps {
		out.Steps = append(out.Steps, s.StepName())
	}
	stepOf := map[uint32]int{}
	for k, i := range x.Chain {
		stepOf[i] = k + 1
		out.Chain = append(out.Chain, chainStep{Step: k + 1, Event: ev.Names[ev.Name[i]], Time: stamp(ev.Time[i])})
	}
	matches := map[string][]int{}
	for k, s := range f.def.Steps {
		for _, e := range s.Events {
			matches[e] = append(matches[e], k+1)
		}
	}
	if s := x.Stopped; s != nil {
		out.Stopped = &stopped{Reason: s.Kind, Step: s.Step, StepName: out.Steps[s.Step-1], Detail: s.Detail}
		if s.Index >= 0 {
			out.Stopped.Event, out.Stopped.Time = ev.Names[ev.Name[s.Index]], stamp(ev.Time[s.Index])
		}
	}
	a, b := lo+min(offset, hi-lo), hi
	if limit > 0 {
		b = min(hi, a+limit)
	}
	props := map[string]*funnel.Property{}
	for _, k := range ev.KeyNames() {
		p, err := ev.Property(k)
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", f.dataset, err)
		}
		props[k] = p
	}
	for i := a; i < b; i++ {
		e := explainedEvent{Time: stamp(ev.Time[i]), Event: ev.Names[ev.Name[i]], Properties: map[string]string{}}
		if k, ok := stepOf[uint32(i)]; ok {
			e.Step = &k
		} else {
			e.Matches = matches[e.Event]
		}
		for k, p := range props {
			if v := p.Of[i]; v != 0 {
				e.Properties[k] = p.Values[v]
			}
		}
		out.Events = append(out.Events, e)
	}
	return out, nil
}

// printExplained prints an explanation as table or json, refusing an
// offset past the user's events.
func printExplained(cmd *cobra.Command, x *explained, format string) error {
	if x.Offset > 0 && x.Offset >= x.Total {
		return usagef("--offset %d: user %s has %d events", x.Offset, x.User, x.Total)
	}
	if format == "json" {
		return writeJSON(cmd.OutOrStdout(), x)
	}
	return writeExplained(cmd, x)
}

func writeExplained(cmd *cobra.Command, x *explained) error {
	w := bufio.NewWriter(cmd.OutOrStdout())
	width := termWidth()
	n := len(x.Steps)
	head := fmt.Sprintf("user %s · dataset %s · ", x.User, x.Dataset)
	if x.Reached == 0 {
		head += "never entered the funnel"
	} else {
		head += fmt.Sprintf("reached step %d of %d (%s)", x.Reached, n, x.Steps[x.Reached-1])
	}
	fmt.Fprintln(w, head)
	if len(x.MergedIDs) > 0 {
		fmt.Fprintf(w, "merged ids (identity stitching): %s\n", strings.Join(x.MergedIDs, ", "))
	}
	for _, c := range x.Chain {
		fmt.Fprintf(w, "  step %d %s at %s\n", c.Step, x.Steps[c.Step-1], c.Time)
	}
	if x.Stopped != nil {
		fmt.Fprintf(w, "stopped: %s\n", x.Stopped.Detail)
	} else {
		fmt.Fprintln(w, "completed the funnel")
	}
	shown := fmt.Sprintf("%d events", x.Total)
	if len(x.Events) < x.Total {
		shown = fmt.Sprintf("events %d-%d of %d (--offset %d for the next)", x.Offset+1, x.Offset+len(x.Events), x.Total, x.Offset+len(x.Events))
	}
	fmt.Fprintf(w, "\n%s; step: the chain's step, (k): an event of step k the chain did not use\n", shown)
	t := table{header: []string{"time", "event", "step", "properties"}}
	for _, e := range x.Events {
		step := ""
		if e.Step != nil {
			step = strconv.Itoa(*e.Step)
		} else if len(e.Matches) > 0 {
			var m []string
			for _, k := range e.Matches {
				m = append(m, strconv.Itoa(k))
			}
			step = "(" + strings.Join(m, ",") + ")"
		}
		var ps []string
		for _, k := range sortedProps(e.Properties) {
			ps = append(ps, k+"="+e.Properties[k])
		}
		t.rows = append(t.rows, []any{e.Time, e.Event, step, strings.Join(ps, " ")})
	}
	t.width = width
	if err := t.write(w, "table"); err != nil {
		return err
	}
	return w.Flush()
}

func sortedProps(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
