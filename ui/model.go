package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"microfunnel/dataset"
	"microfunnel/funnel"
)

type pane int

const (
	paneFunnel pane = iota
	paneSegments
	paneEditor
	numPanes
)

// Below this the dashboard shows a note instead of a squeezed layout.
const (
	minWidth  = 40
	minHeight = 12
	// At this width the segments get their own column.
	wideWidth = 150
)

// Model is the root of the dashboard. It owns the definition and the
// result, routes keys to the focused pane or the open overlay, and is the
// only place commands are issued.
type Model struct {
	ctx     context.Context
	opts    Options
	be      Backend
	compute ComputeFunc
	st      *Styles
	keys    *KeyMap
	table   []binding
	help    help.Model
	spin    spinner.Model
	w, h    int

	datasets []dataset.Info
	dataset  string
	info     dataset.Info
	events   []dataset.EventCount
	props    []dataset.PropInfo
	loadSeq  int
	loading  bool
	opened   bool // the first dataset has been opened (the Preset option is spent)

	def     funnel.Definition
	clean   funnel.Definition // as last opened or saved: changed() compares
	undo    []snapshot
	redo    []snapshot
	confirm *confirmation
	ev      *funnel.Events // the last computation's events, to check filters against
	seq     int

	// The filter being built by f or F: its step (-1 every step) and key.
	filterTarget int
	filterKey    string
	// wantPreset opens this preset once its dataset is open (p on a preset
	// of another dataset).
	wantPreset string
	// renaming is the saved funnel the rename prompt is for.
	renaming  string
	computing bool
	res       *funnel.Result
	resErr    error      // why the last computation gave no result
	spark     sparkTrend // res's conversion per period, under the funnel
	took      time.Duration

	focus pane
	step  int

	hdr header
	fun funnelPane
	seg segmentsPane
	ed  editorPane

	picker    *picker
	prompt    *prompt
	cmp       *compareView
	drv       *driversView // the drivers view when open
	drop      *dropView    // the drop-off panel of a step (droppanel.go)
	trv       *trendView   // the trend view (trendview.go)
	compared  []Comparison
	savedList []dataset.SavedFunnel
	showHelp  bool
	helpOff   int // first line of the ? screen shown
	noSpin    bool

	status    string
	statusErr bool

	// pending holds keys pressed before the state they act on exists (a
	// dataset still loading, a breakdown still computing); they replay in
	// order once it arrives, so fast typing is never lost.
	pending []tea.KeyMsg
}

// New builds the root model; Run wraps it in a program.
func New(ctx context.Context, opts Options) *Model {
	color := !opts.NoColor
	st := NewStyles(nil, DefaultTheme(), color)
	km := DefaultKeyMap()
	m := &Model{ctx: ctx, opts: opts, be: opts.Backend, compute: opts.Compute, st: &st, keys: &km}
	if m.compute == nil {
		m.compute = defaultCompute
	}
	m.help = help.New()
	if color {
		m.help.Styles.ShortKey = st.Key
		m.help.Styles.FullKey = st.Key
	} else {
		m.help.Styles = help.Styles{}
	}
	m.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Info))
	m.table = bindingTable(m.keys)
	c := m.common()
	m.hdr = header{common: c}
	m.fun = funnelPane{common: c}
	m.seg = segmentsPane{common: c, marked: map[string]bool{}}
	m.ed = editorPane{common: c}
	m.hdr.dbPath = opts.DBPath
	if m.hdr.dbPath == "" && m.be != nil {
		m.hdr.dbPath = m.be.Path()
	}
	m.w, m.h = 80, 24
	return m
}

// Run opens the dashboard in the alternate screen and returns when the user
// quits or ctx ends. Bubble Tea restores the terminal on every way out,
// panics in Update included.
func Run(ctx context.Context, opts Options) error {
	if opts.Backend == nil {
		return fmt.Errorf("ui: no backend")
	}
	if opts.NoColor {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	m := New(ctx, opts)
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx))
	_, err := p.Run()
	return runErr(ctx, err)
}

// runErr is nil when the program was killed because ctx ended (an
// interrupt is a normal way out); Bubble Tea wraps ErrProgramKilled.
func runErr(ctx context.Context, err error) error {
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// common is what each pane is handed: styles, keys, and its footer from
// the binding table.
func (m *Model) common() common {
	return common{st: m.st, keys: m.keys, footer: m.footerKeys}
}

// Init lists the datasets; everything else follows from the messages.
func (m *Model) Init() tea.Cmd {
	if m.be == nil {
		return nil
	}
	ctx, be, want, presets := m.ctx, m.be, m.opts.Dataset, m.opts.Presets
	m.loading = true
	return tea.Batch(m.tick(), func() tea.Msg {
		list, err := be.Datasets(ctx)
		if err != nil {
			return datasetsMsg{err: err} // the store names what failed
		}
		return datasetsMsg{list: list, chosen: chooseDataset(ctx, be, list, want, presets)}
	})
}

func (m *Model) setStatus(s string) { m.status, m.statusErr = s, false }

func (m *Model) setErr(err error) {
	if err != nil {
		m.status, m.statusErr = err.Error(), true
	}
}

// Update routes a message. Results of commands come back here; keys go to
// the open overlay first, then to the dashboard.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := m.update(msg)
	if _, isKey := msg.(tea.KeyMsg); !isKey && len(m.pending) > 0 && !m.mustWait(m.pending[0]) {
		cmd = tea.Batch(cmd, m.replay())
	}
	m.syncPanes()
	m.layout()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		return m, nil
	case spinner.TickMsg:
		if !m.computing && !m.loading && (m.cmp == nil || !m.cmp.loading) && (m.drv == nil || !m.drv.loading) && (m.drop == nil || !m.drop.loading) && (m.trv == nil || !m.trv.loading) {
			return m, nil // let the spinner stop between jobs
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case datasetsMsg:
		return m, m.onDatasets(msg)
	case datasetMsg:
		return m, m.onDataset(msg)
	case computedMsg:
		return m, m.onComputed(msg)
	case savedMsg:
		if msg.err != nil {
			m.setErr(msg.err)
		} else {
			m.setStatus(fmt.Sprintf("saved %q in %s · O lists saved funnels", msg.name, m.dataset))
		}
		return m, nil
	case savedListMsg:
		return m, m.onSavedList(msg)
	case savedChangedMsg:
		if msg.err != nil {
			m.setErr(msg.err)
			return m, nil
		}
		m.setStatus(msg.note)
		return m, savedListCmd(m.ctx, m.be, m.dataset)
	case compareMsg:
		m.compared = msg.list
		if m.cmp != nil {
			m.cmp.loading, m.cmp.list, m.cmp.err = false, msg.list, msg.err
		}
		return m, nil
	case driversMsg:
		m.onDrivers(msg)
		return m, nil
	case settingMsg:
		m.setErr(msg.err)
		return m, nil
	case trendMsg:
		m.onTrend(msg)
		return m, nil
	case versusMsg:
		m.onVersus(msg)
		return m, nil
	case dropMsg, dropUsersMsg, explainMsg:
		m.onDropMsg(msg)
		return m, nil
	case valuesMsg:
		return m, m.onValues(msg)
	case segmentChosenMsg:
		return m, m.filterToSegment(msg)
	case tea.KeyMsg:
		return m, m.onKey(msg)
	}
	// Anything else (cursor blinks) belongs to an open text field.
	return m, m.forwardToField(msg)
}

func (m *Model) forwardToField(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch {
	case m.prompt != nil:
		*m.prompt, _, cmd = m.prompt.Update(msg)
	case m.picker != nil:
		*m.picker, _, cmd = m.picker.Update(msg)
	}
	return cmd
}

func (m *Model) onDatasets(msg datasetsMsg) tea.Cmd {
	if msg.err != nil {
		m.loading = false
		m.setErr(msg.err)
		return nil
	}
	m.datasets = msg.list
	if msg.open {
		items := make([]item, len(msg.list))
		for i, d := range msg.list {
			items[i] = item{label: d.Name, value: d.Name,
				detail: fmt.Sprintf("%s users · %s events", fmtInt(d.Users), fmtInt(d.Events))}
		}
		m.openPicker(pickDataset, "Dataset", items)
		m.picker.selectValue(m.dataset)
		return nil
	}
	if msg.chosen == "" {
		m.loading = false
		m.setStatus("The database has no datasets: run `microfunnel sample` or `microfunnel import`.")
		return nil
	}
	return m.openDataset(msg.chosen)
}

func (m *Model) openDataset(name string) tea.Cmd {
	m.loadSeq++
	m.loading = true
	m.setStatus("opening " + name + "…")
	return tea.Batch(m.tick(), loadDatasetCmd(m.ctx, m.be, m.loadSeq, name))
}

func (m *Model) onDataset(msg datasetMsg) tea.Cmd {
	if msg.seq != m.loadSeq {
		return nil
	}
	m.loading = false
	if msg.err != nil {
		m.setErr(msg.err)
		return nil
	}
	m.setStatus("")
	m.dataset, m.info, m.events, m.props = msg.name, msg.info, msg.events, msg.props
	m.res, m.ev, m.resErr = nil, nil, nil

	def, src, fromLast := m.startingFunnel(msg)
	m.opened = true
	m.def = def
	m.step = 0
	m.setClean()
	if c, err := funnel.Decode([]byte(msg.lastClean)); fromLast && err == nil {
		m.clean = c // unsaved edits of the last session stay marked
	}
	m.syncPanes()
	if src != "" {
		m.setStatus(src)
	}
	return m.recompute()
}

// startingFunnel picks what to show on opening a dataset: the preset asked
// for on the command line, else the last funnel looked at here, else the
// first preset this dataset has the events for.
func (m *Model) startingFunnel(msg datasetMsg) (def funnel.Definition, note string, fromLast bool) {
	if want := m.wantPreset; want != "" {
		m.wantPreset = ""
		for _, p := range m.opts.Presets {
			if p.Name == want {
				return p.Definition.Clone(), "preset " + want + " on its dataset " + msg.name, false
			}
		}
	}
	if !m.opened && m.opts.Preset != "" {
		for _, p := range m.opts.Presets {
			if p.Name == m.opts.Preset {
				return p.Definition.Clone(), "", false
			}
		}
		return funnel.Definition{}, fmt.Sprintf("no preset %q: press p to pick one", m.opts.Preset), false
	}
	if msg.last != "" {
		if d, err := funnel.Decode([]byte(msg.last)); err == nil && len(d.Steps) > 0 {
			return d, "", true
		}
	}
	have := map[string]bool{}
	for _, e := range msg.events {
		have[e.Name] = true
	}
	for _, p := range m.opts.Presets {
		if p.Dataset == msg.name {
			return p.Definition.Clone(), "", false
		}
	}
	for _, p := range m.opts.Presets {
		if presetFits(p, have) {
			return p.Definition.Clone(), "", false
		}
	}
	return funnel.Definition{}, "", false
}

func presetFits(p Preset, have map[string]bool) bool {
	for _, s := range p.Definition.Steps {
		for _, e := range s.Events {
			if !have[e] {
				return false
			}
		}
	}
	return len(p.Definition.Steps) > 0
}

// recompute issues a compute for the current definition. Every change bumps
// the sequence so a slower, older result cannot overwrite a newer one.
func (m *Model) recompute() tea.Cmd {
	m.seq++
	m.syncPanes()
	if m.dataset == "" {
		return nil
	}
	if len(m.def.Steps) < funnel.MinSteps {
		m.computing = false
		m.res, m.resErr = nil, nil
		m.syncPanes()
		return nil
	}
	m.computing = true
	m.syncPanes()
	return tea.Batch(m.tick(), computeCmd(m.ctx, m.be, m.compute, m.opts.Remote, m.seq, m.dataset, m.def.Clone()))
}

func (m *Model) onComputed(msg computedMsg) tea.Cmd {
	if msg.seq != m.seq {
		return nil // the funnel changed while this ran
	}
	m.computing = false
	m.resErr = msg.err
	if msg.err != nil {
		m.res = nil
		m.setErr(msg.err)
		m.syncPanes()
		return nil
	}
	if m.statusErr {
		m.setStatus("")
	}
	m.res, m.took = msg.res, msg.dur
	m.spark = sparkTrend{every: msg.every, periods: msg.trend, err: msg.trendErr}
	if msg.ev != nil {
		m.ev = msg.ev
	}
	m.syncPanes()
	return m.remember()
}

func (m *Model) onSavedList(msg savedListMsg) tea.Cmd {
	if msg.err != nil {
		m.setErr(msg.err)
		return nil
	}
	if len(msg.list) == 0 {
		m.setStatus("no saved funnels in " + m.dataset + " yet: s saves the one on screen")
		return nil
	}
	items := make([]item, len(msg.list))
	for i, f := range msg.list {
		names := make([]string, len(f.Definition.Steps))
		for j, s := range f.Definition.Steps {
			names[j] = s.StepName()
		}
		items[i] = item{label: f.Name, value: f.Name, detail: strings.Join(names, " → ")}
	}
	m.openPicker(pickSaved, "Saved funnels in "+m.dataset, items)
	m.picker.actions = []pickerAction{
		{kb([]string{"ctrl+d"}, "ctrl+d", "delete"), "delete"},
		{kb([]string{"ctrl+r"}, "ctrl+r", "rename"), "rename"},
	}
	m.savedList = msg.list
	return nil
}

// remember stores the funnel on screen for the next start.
func (m *Model) remember() tea.Cmd {
	return rememberCmd(m.ctx, m.be, m.dataset, m.def.Clone(), m.clean.Clone())
}

// tick starts the spinner; Update-level tests switch it off because its
// command sleeps.
func (m *Model) tick() tea.Cmd {
	if m.noSpin {
		return nil
	}
	return m.spin.Tick
}
