package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"microfunnel/funnel"
)

// scope is where a binding acts: one of the panes, or a full-screen view.
type scope uint8

const (
	inFunnel scope = 1 << iota
	inSegments
	inEditor
	inHelp
	inCompare
	inDrivers
	inDrop  // the drop-off panel (droppanel.go)
	inTrend // the trend view (trendview.go)

	inPanes  = inFunnel | inSegments | inEditor
	inViews  = inHelp | inCompare | inDrivers | inDrop | inTrend
	anywhere = inPanes | inViews
)

// footerRank orders a binding in each pane's footer (1 first, 0 absent);
// the footer drops from the end to fit.
type footerRank struct{ funnel, segments, editor int8 }

func (r footerRank) of(s scope) int8 {
	switch s {
	case inFunnel:
		return r.funnel
	case inSegments:
		return r.segments
	case inEditor:
		return r.editor
	}
	return 0
}

// binding is one dashboard key, as lazygit keeps them: the key with its
// help text, where it acts, what it does and why it does nothing right
// now. This one table drives dispatch, the footer and the `?` screen, so a
// new key is one row.
type binding struct {
	key   key.Binding
	group string // the `?` screen's column
	scope scope
	foot  footerRank
	run   func(m *Model, k tea.KeyMsg) tea.Cmd
	// hidden keeps an alias off the `?` screen (its main key is listed).
	hidden bool
	// disabled is why the key cannot act now ("" when it can); pressing it
	// then shows the reason instead of doing nothing silently.
	disabled func(m *Model) string
}

// Groups of the `?` screen, in order.
const (
	grpMove     = "Move"
	grpSteps    = "Edit steps"
	grpFunnel   = "Funnel settings"
	grpSegments = "Segments"
	grpHistory  = "Undo"
	grpViews    = "Data and views"
)

var helpGroups = []string{grpMove, grpSteps, grpFunnel, grpSegments, grpHistory, grpViews}

func kb(keys []string, help, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// needSteps and friends are the common reasons a key is off.
func needStep(m *Model) string {
	if len(m.def.Steps) == 0 {
		return "add a step first (a)"
	}
	return ""
}

func needSegment(m *Model) string {
	if _, ok := m.seg.current(); ok {
		return ""
	}
	if m.def.By == "" {
		return "no segments: b breaks the funnel down by a property, B picks one"
	}
	return "no segments of " + m.def.By + " yet"
}

func needDataset(m *Model) string {
	if m.dataset == "" {
		return "no dataset open: D picks one"
	}
	return ""
}

// bindingTable is every key of the dashboard.
func bindingTable(km *KeyMap) []binding {
	step := func(delta int) func(m *Model, _ tea.KeyMsg) tea.Cmd {
		return func(m *Model, _ tea.KeyMsg) tea.Cmd {
			n := len(m.def.Steps)
			switch delta {
			case -2:
				m.step = 0
			case 2:
				m.step = maxInt(0, n-1)
			default:
				m.step = minInt(maxInt(0, n-1), maxInt(0, m.step+delta))
			}
			return nil
		}
	}
	toPane := func(m *Model, k tea.KeyMsg) tea.Cmd {
		var cmd tea.Cmd
		m.seg, cmd = m.seg.Update(k)
		return cmd
	}
	return []binding{
		// Moving. The segments pane and the compare view move their own
		// cursor; the funnel and the editor move the focused step.
		{key: km.Up, group: grpMove, scope: inSegments, foot: footerRank{segments: 7}, run: toPane},
		{key: km.Down, group: grpMove, scope: inSegments, foot: footerRank{segments: 8}, run: toPane},
		{key: km.Top, group: grpMove, scope: inSegments, run: toPane},
		{key: km.Bottom, group: grpMove, scope: inSegments, run: toPane},
		{key: km.Up, group: grpMove, scope: inCompare, run: func(m *Model, k tea.KeyMsg) tea.Cmd { *m.cmp, _ = m.cmp.Update(k); return nil }},
		{key: km.Down, group: grpMove, scope: inCompare, run: func(m *Model, k tea.KeyMsg) tea.Cmd { *m.cmp, _ = m.cmp.Update(k); return nil }},
		{key: km.Top, group: grpMove, scope: inCompare, run: func(m *Model, k tea.KeyMsg) tea.Cmd { *m.cmp, _ = m.cmp.Update(k); return nil }},
		{key: km.Up, group: grpMove, scope: inFunnel | inEditor, foot: footerRank{funnel: 10}, run: step(-1), disabled: needStep},
		{key: km.Down, group: grpMove, scope: inFunnel | inEditor, foot: footerRank{funnel: 11}, run: step(+1), disabled: needStep},
		{key: km.Top, group: grpMove, scope: inFunnel | inEditor, run: step(-2), disabled: needStep},
		{key: km.Bottom, group: grpMove, scope: inFunnel | inEditor, run: step(2), disabled: needStep},
		{key: kb([]string{"tab"}, "tab", "next pane"), group: grpMove, scope: inPanes, foot: footerRank{funnel: 1, segments: 6, editor: 11},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.focus = (m.focus + 1) % numPanes; return nil }},
		{key: kb([]string{"shift+tab"}, "shift+tab", "prev pane"), group: grpMove, scope: inPanes,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.focus = (m.focus + numPanes - 1) % numPanes; return nil }},
		{key: kb([]string{"?"}, "?", "help"), group: grpMove, scope: inPanes | inCompare,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.showHelp, m.helpOff = true, 0; return nil }},
		{key: km.Up, group: grpMove, scope: inHelp, run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.helpOff = maxInt(0, m.helpOff-1); return nil }},
		{key: km.Down, group: grpMove, scope: inHelp, run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.helpOff++; return nil }},
		{key: kb([]string{"?", "esc"}, "?/esc", "close help"), group: grpMove, scope: inHelp, hidden: true,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.showHelp = false; return nil }},
		{key: kb([]string{"esc", "C"}, "esc", "close compare"), group: grpMove, scope: inCompare,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.cmp = nil; return nil }},
		{key: kb([]string{"q"}, "q", "quit"), group: grpMove, scope: anywhere,
			run: func(*Model, tea.KeyMsg) tea.Cmd { return tea.Quit }},

		// Steps.
		{key: kb([]string{"a"}, "a", "add step"), group: grpSteps, scope: inPanes, foot: footerRank{funnel: 3, editor: 1},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				m.openEventPicker(pickEvent, "Add a step after step "+itoa(m.step+1))
				return nil
			}, disabled: needDataset},
		{key: kb([]string{"o"}, "o", "add OR event"), group: grpSteps, scope: inPanes, foot: footerRank{editor: 5},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				m.openEventPicker(pickAlt, fmt.Sprintf("Alternative event for step %d (matches either)", m.step+1))
				return nil
			}, disabled: needStep},
		{key: kb([]string{"f"}, "f/enter", "step filter"), group: grpSteps, scope: inPanes, foot: footerRank{editor: 6},
			run: (*Model).openStepFilter, disabled: needStep},
		{key: kb([]string{"enter"}, "enter", "step filter"), group: grpSteps, scope: inEditor, hidden: true,
			run: (*Model).openStepFilter, disabled: needStep},
		{key: kb([]string{"d", "delete"}, "d", "delete step"), group: grpSteps, scope: inPanes, foot: footerRank{funnel: 8, editor: 2},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				return m.change("delete step "+itoa(m.step+1), func(d *funnel.Definition) error {
					m.step = deleteStep(d, m.step)
					return nil
				})
			}, disabled: func(m *Model) string {
				if len(m.def.Steps) == 1 {
					return "the funnel's last step stays: a adds another, p picks a preset"
				}
				return needStep(m)
			}},
		{key: kb([]string{"e"}, "e", "remove OR event"), group: grpSteps, scope: inPanes,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.openRemoveAlt(); return nil },
			disabled: func(m *Model) string {
				if why := needStep(m); why != "" {
					return why
				}
				if len(m.def.Steps[m.step].Events) < 2 {
					return fmt.Sprintf("step %d has one event: o adds an alternative, d deletes the step", m.step+1)
				}
				return ""
			}},
		{key: kb([]string{"n"}, "n", "rename step"), group: grpSteps, scope: inPanes, foot: footerRank{editor: 12},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				s := m.def.Steps[m.step]
				m.openPrompt(promptStepName, fmt.Sprintf("Name of step %d (%s)", m.step+1, strings.Join(s.Events, "|")),
					"shown on the step and in reports; empty shows its events", s.StepName())
				return nil
			}, disabled: needStep},
		{key: kb([]string{"K", "shift+up"}, "K", "move step up"), group: grpSteps, scope: inPanes, foot: footerRank{editor: 3},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.move(-1) }, disabled: needStep},
		{key: kb([]string{"J", "shift+down"}, "J", "move step down"), group: grpSteps, scope: inPanes, foot: footerRank{editor: 4},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.move(+1) }, disabled: needStep},
		{key: kb([]string{"r"}, "r", "rename funnel"), group: grpFunnel, scope: inPanes, foot: footerRank{editor: 7},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				m.openPrompt(promptRename, "Rename funnel", "the funnel's name, shown in the header and used to save", m.def.Name)
				return nil
			}},

		// Funnel settings.
		{key: kb([]string{"w"}, "w", "cycle window"), group: grpFunnel, scope: inPanes, foot: footerRank{funnel: 9, editor: 8},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				w := nextWindow(windowOf(m.def))
				return m.change("window "+w.String(), func(d *funnel.Definition) error { d.Window = w; return nil })
			}},
		{key: kb([]string{"W"}, "W", "type window"), group: grpFunnel, scope: inPanes,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				m.openPrompt(promptWindow, "Conversion window", "from step 1 to every later step: 30m, 24h, 7d, 2w", windowOf(m.def).String())
				return nil
			}},
		{key: kb([]string{"m"}, "m", "order mode"), group: grpFunnel, scope: inPanes, foot: footerRank{editor: 9},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				mode := nextMode(m.def.Mode)
				if mode == funnel.Any && (m.def.MaxGap > 0 || len(m.def.Exclusions) > 0) {
					mode = nextMode(mode) // any has no order for a max gap or exclusions
				}
				return m.change("mode "+string(mode), func(d *funnel.Definition) error { d.Mode = mode; return nil })
			}},
		{key: kb([]string{"c"}, "c", "counting"), group: grpFunnel, scope: inPanes, foot: footerRank{editor: 10},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				c := nextCount(m.def.Count)
				return m.change("counting "+string(c), func(d *funnel.Definition) error { d.Count = c; return nil })
			}},
		{key: kb([]string{"F"}, "F", "filter every step"), group: grpFunnel, scope: inPanes, foot: footerRank{editor: 13},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.openFilterKeys(-1); return nil }, disabled: needDataset},
		{key: kb([]string{"t"}, "t", "date range"), group: grpFunnel, scope: inPanes, foot: footerRank{editor: 14},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				hint := "FROM..TO as YYYY-MM-DD, either side may be left out; empty clears"
				if !m.info.First.IsZero() {
					hint += " · data: " + m.info.First.UTC().Format("2006-01-02") + ".." + m.info.Last.UTC().Format("2006-01-02")
				}
				m.openPrompt(promptDates, "Date range (UTC, inclusive)", hint, fmtDates(m.def))
				return nil
			}},
		{key: kb([]string{"M"}, "M", "max gap"), group: grpFunnel, scope: inPanes, foot: footerRank{editor: 15},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				cur := ""
				if m.def.MaxGap > 0 {
					cur = m.def.MaxGap.String()
				}
				m.openPrompt(promptMaxGap, "Max gap between consecutive steps", "30m, 1h, 1d; empty removes the limit", cur)
				return nil
			}, disabled: func(m *Model) string {
				if m.def.Mode == funnel.Any {
					return "a max gap needs an order between steps: m switches mode"
				}
				return ""
			}},
		{key: kb([]string{"X"}, "X", "exclude event"), group: grpFunnel, scope: inPanes, foot: footerRank{editor: 16},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.openExclusionPicker(); return nil },
			disabled: func(m *Model) string {
				switch {
				case len(m.def.Steps) < funnel.MinSteps:
					return "exclusions sit between two steps: add steps first (a)"
				case m.def.Mode == funnel.Any:
					return "exclusions need an order between steps: m switches mode"
				}
				return ""
			}},
		{key: kb([]string{"R"}, "R", "recompute"), group: grpFunnel, scope: inPanes,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.recompute() }, disabled: needDataset},

		// Segments.
		{key: kb([]string{"b"}, "b", "breakdown"), group: grpSegments, scope: inPanes, foot: footerRank{funnel: 2, segments: 4},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.cycleBy() }, disabled: (*Model).segmentPins},
		{key: kb([]string{"B"}, "B", "pick breakdown"), group: grpSegments, scope: inPanes, foot: footerRank{segments: 5},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.openPropertyPicker(); return nil }, disabled: (*Model).segmentPins},
		{key: kb([]string{"A"}, "A", "attribution"), group: grpSegments, scope: inPanes, foot: footerRank{segments: 9},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				a := nextAttribution(m.def.Attribution, len(m.def.Steps))
				cmd := m.change("attribution "+a, func(d *funnel.Definition) error { d.Attribution = a; return nil })
				if m.def.By == "" && m.def.Segment == nil {
					m.setStatus("attribution " + a + " applies once a breakdown is set (b)")
				}
				return cmd
			}},
		{key: km.Select, group: grpSegments, scope: inSegments, foot: footerRank{segments: 1}, run: toPane, disabled: needSegment},
		{key: km.Mark, group: grpSegments, scope: inSegments, foot: footerRank{segments: 2}, run: toPane, disabled: needSegment},
		{key: kb([]string{"esc"}, "esc", "clear marks"), group: grpSegments, scope: inSegments, run: toPane},
		{key: kb([]string{"x"}, "x", "clear segment"), group: grpSegments, scope: inPanes, foot: footerRank{segments: 3},
			run: (*Model).clearSegment, disabled: func(m *Model) string {
				if m.def.Segment == nil && len(m.seg.marked) == 0 {
					return "no segment filter or marks to clear"
				}
				return ""
			}},

		// Undo.
		{key: kb([]string{"u"}, "u", "undo"), group: grpHistory, scope: inPanes, foot: footerRank{editor: 17},
			run: (*Model).undoEdit, disabled: func(m *Model) string {
				if len(m.undo) == 0 {
					return "nothing to undo"
				}
				return ""
			}},
		{key: kb([]string{"ctrl+r"}, "ctrl+r", "redo"), group: grpHistory, scope: inPanes,
			run: (*Model).redoEdit, disabled: func(m *Model) string {
				if len(m.redo) == 0 {
					return "nothing to redo"
				}
				return ""
			}},

		// Data and views.
		{key: kb([]string{"s", "ctrl+s"}, "s", "save"), group: grpViews, scope: inPanes, foot: footerRank{funnel: 4},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				m.openPrompt(promptSave, "Save funnel as", "a name; saving under an existing name replaces it", m.def.Name)
				return nil
			}, disabled: func(m *Model) string {
				if len(m.def.Steps) < funnel.MinSteps {
					return fmt.Sprintf("a funnel needs at least %d steps to be saved", funnel.MinSteps)
				}
				return needDataset(m)
			}},
		{key: kb([]string{"O"}, "O", "open saved"), group: grpViews, scope: inPanes,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return savedListCmd(m.ctx, m.be, m.dataset) }, disabled: needDataset},
		{key: kb([]string{"D"}, "D", "dataset"), group: grpViews, scope: inPanes, foot: footerRank{funnel: 5},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return datasetsCmd(m.ctx, m.be) }},
		{key: kb([]string{"p"}, "p", "preset"), group: grpViews, scope: inPanes, foot: footerRank{funnel: 7},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.openPresetPicker(); return nil }},
		{key: kb([]string{"C"}, "C", "compare"), group: grpViews, scope: inPanes, foot: footerRank{funnel: 6},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.openCompare() }, disabled: func(m *Model) string {
				if m.opts.Compare != nil {
					return "" // computed where the events live
				}
				return needLocal("compare")(m)
			}},
		{key: kb([]string{"v"}, "v", "drivers"), group: grpViews, scope: inPanes, foot: footerRank{funnel: 12},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.openDrivers() }, disabled: func(m *Model) string {
				switch {
				case needDataset(m) != "":
					return needDataset(m)
				case m.opts.RemoteDrivers == nil && needLocal("drivers")(m) != "":
					return needLocal("drivers")(m)
				case len(m.def.Steps) < funnel.MinSteps:
					return fmt.Sprintf("drivers compare reaching the last step: the funnel needs at least %d steps", funnel.MinSteps)
				case m.def.Mode == funnel.Any:
					return "drivers need ordered steps: m switches mode"
				case m.def.Segment != nil:
					return "drivers compare all users: x clears the segment filter first"
				}
				return ""
			}},
		{key: km.Up, group: grpMove, scope: inDrivers, run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.drv.move(-1); return nil }},
		{key: km.Down, group: grpMove, scope: inDrivers, run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.drv.move(+1); return nil }},
		{key: km.Top, group: grpMove, scope: inDrivers, run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.drv.move(-1 << 20); return nil }},
		{key: kb([]string{"enter"}, "enter", "options"), group: grpViews, scope: inDrivers,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.drv.offer = true; return nil }, disabled: func(m *Model) string {
				if _, ok := m.drv.current(); !ok {
					return "no driver to act on"
				}
				return ""
			}},
		{key: kb([]string{"a"}, "a", "add as step"), group: grpViews, scope: inDrivers,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.addDriverStep() }, disabled: func(m *Model) string {
				if d, ok := m.drv.current(); !ok || d.Event == "" {
					return "no event driver at the cursor"
				}
				if len(m.def.Steps) >= funnel.MaxSteps {
					return fmt.Sprintf("a funnel has at most %d steps", funnel.MaxSteps)
				}
				return ""
			}},
		{key: kb([]string{"esc", "v"}, "esc", "close drivers"), group: grpMove, scope: inDrivers,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				if m.drv.offer {
					m.drv.offer = false
					return nil
				}
				m.drv = nil
				return nil
			}},

		// The trend view (trendview.go).
		{key: kb([]string{"T"}, "T", "trend"), group: grpViews, scope: inPanes, foot: footerRank{funnel: 13},
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.openTrend() }, disabled: noTrend},
		{key: kb([]string{"esc", "T"}, "esc", "back"), group: grpMove, scope: inTrend,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				if v := m.trv; v.vs != nil || (v.err != nil && len(v.periods) > 0) {
					v.vs, v.err = nil, nil // back to the bars
					return nil
				}
				m.trv = nil
				return nil
			}},
		{key: kb([]string{"p"}, "p", "vs period before"), group: grpViews, scope: inTrend,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.openVersus() }, disabled: func(m *Model) string {
				if m.trv.loading {
					return "wait for the trend to be computed"
				}
				if len(m.trv.periods) == 0 {
					return "nobody entered the funnel in the date range"
				}
				if len(m.trv.periods) < 2 {
					return "comparing periods needs two of them: d switches to days"
				}
				return ""
			}},
		{key: km.Up, group: grpMove, scope: inTrend, run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.trv.move(-1); return nil }},
		{key: km.Down, group: grpMove, scope: inTrend, run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.trv.move(+1); return nil }},
		{key: kb([]string{"d"}, "d", "by day"), group: grpViews, scope: inTrend,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.setEvery(funnel.Day) }},
		{key: kb([]string{"w"}, "w", "by week"), group: grpViews, scope: inTrend,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.setEvery(funnel.Week) }},
		{key: kb([]string{"m"}, "m", "by month"), group: grpViews, scope: inTrend,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.setEvery(funnel.Month) }},

		// The drop-off panel of a step (droppanel.go).
		{key: kb([]string{"N"}, "N", "who left, what next"), group: grpViews, scope: inFunnel,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.openDrop() }, disabled: noDrop},
		{key: kb([]string{"esc"}, "esc", "back"), group: grpMove, scope: inDrop,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				d := m.drop
				switch {
				case d.path != nil:
					d.path, d.off = nil, 0
				case d.listing:
					d.listing = false
				case d.offer != "":
					d.offer = ""
				default:
					m.drop = nil
				}
				return nil
			}},
		{key: km.Up, group: grpMove, scope: inDrop, run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.drop.move(-1); return nil }},
		{key: km.Down, group: grpMove, scope: inDrop, run: func(m *Model, _ tea.KeyMsg) tea.Cmd { m.drop.move(+1); return nil }},
		{key: kb([]string{"enter"}, "enter", "choose"), group: grpViews, scope: inDrop,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				d := m.drop
				switch {
				case d.path != nil || d.loading:
				case d.listing && len(d.users) > 0:
					d.loading = true
					return tea.Batch(m.tick(), explainCmd(m.def, m.ev, d.users[d.ucur]))
				case !d.listing:
					if d.offer = d.chosen(); d.offer == "" {
						m.setStatus("(none) and (other) are not events: pick a named one")
					}
				}
				return nil
			}},
		{key: kb([]string{"L"}, "L", "list users"), group: grpViews, scope: inDrop,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				d := m.drop
				d.listing, d.offer, d.loading = true, "", true
				return tea.Batch(m.tick(), dropUsersCmd(m.ctx, m.be, m.dataset, m.def, m.ev, d.step))
			}, disabled: func(m *Model) string {
				if m.drop.d == nil || m.drop.d.Users == 0 {
					return "nobody stopped at this step"
				}
				return ""
			}},
		{key: kb([]string{"s"}, "s", "add as step"), group: grpViews, scope: inDrop,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				d := m.drop
				e, at := d.offer, d.step
				m.drop = nil
				return m.change("add step "+e, func(def *funnel.Definition) error {
					i, err := insertStep(def, at, e)
					m.step = i
					return err
				})
			}, disabled: needOffer},
		{key: kb([]string{"x"}, "x", "add as exclusion"), group: grpViews, scope: inDrop,
			run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
				d := m.drop
				e, at := d.offer, d.step
				m.drop = nil
				return m.change(fmt.Sprintf("exclude %s between steps %d and %d", e, at+1, at+2), func(def *funnel.Definition) error {
					def.Exclusions = append(def.Exclusions, funnel.Exclusion{Events: []string{e}, From: at + 1, To: at + 2})
					return nil
				})
			}, disabled: needOffer},
	}
}

// scopeNow is where the user is.
func (m *Model) scopeNow() scope {
	switch {
	case m.showHelp:
		return inHelp
	case m.cmp != nil:
		return inCompare
	case m.drv != nil:
		return inDrivers
	case m.drop != nil:
		return inDrop
	case m.trv != nil:
		return inTrend
	}
	return [...]scope{inFunnel, inSegments, inEditor}[m.focus]
}

// dispatch runs the first binding of the table that matches k where the
// user is; a disabled one says why instead.
func (m *Model) dispatch(k tea.KeyMsg) tea.Cmd {
	sc := m.scopeNow()
	for _, b := range m.table {
		if b.scope&sc == 0 || !key.Matches(k, b.key) {
			continue
		}
		if b.disabled != nil {
			if why := b.disabled(m); why != "" {
				m.setStatus(why)
				return nil
			}
		}
		return b.run(m, k)
	}
	return nil
}

// footerKeys is the footer of scope s: its bindings by rank, without those
// disabled now; a full-screen view lists all of its own.
func (m *Model) footerKeys(s scope) []key.Binding {
	var ranked [128][]key.Binding
	for _, b := range m.table {
		if s&inViews != 0 && b.scope&s != 0 && b.scope&inPanes == 0 {
			ranked[1] = append(ranked[1], b.key)
			continue
		}
		r := b.foot.of(s)
		if r == 0 || b.scope&s == 0 || (b.disabled != nil && b.disabled(m) != "") {
			continue
		}
		ranked[r] = append(ranked[r], b.key)
	}
	var out []key.Binding
	for _, bs := range ranked {
		out = append(out, bs...)
	}
	return out
}

// helpEntry is one line of the `?` screen.
type helpEntry struct {
	key, desc, off string
}

// helpColumns groups the table for the `?` screen, each key and meaning
// once, with the reason a key is off now.
func (m *Model) helpColumns() [][]helpEntry {
	cols := make([][]helpEntry, len(helpGroups))
	seen := map[string]bool{}
	for _, b := range m.table {
		h := b.key.Help()
		id := b.group + h.Key + "\x00" + h.Desc
		if seen[id] || b.hidden || b.scope&inPanes == 0 {
			continue
		}
		seen[id] = true
		e := helpEntry{key: h.Key, desc: h.Desc}
		if b.disabled != nil {
			e.off = b.disabled(m)
		}
		for i, g := range helpGroups {
			if g == b.group {
				cols[i] = append(cols[i], e)
			}
		}
	}
	return cols
}
