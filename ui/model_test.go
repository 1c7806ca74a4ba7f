package ui

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"microfunnel/funnel"
)

func init() {
	lipgloss.SetColorProfile(termenv.Ascii)
}

func testPresets() []Preset {
	step := func(e ...string) funnel.Step { return funnel.Step{Events: e} }
	return []Preset{
		{Name: "shop-purchase", Business: "Online store", Dataset: "shop", Definition: funnel.Definition{
			Name:  "Shop purchase",
			Steps: []funnel.Step{step("view_product"), step("add_to_cart"), step("begin_checkout"), step("purchase")},
		}},
		{Name: "blog-signup", Business: "Content project", Definition: funnel.Definition{
			Name:  "Blog signup",
			Steps: []funnel.Step{step("page_view"), step("sign_up")},
		}},
	}
}

func testOptions(be *fakeBackend) Options {
	return Options{Backend: be, Presets: testPresets(), NoColor: true,
		Compare: func(ctx context.Context) ([]Comparison, error) { return testComparisons(), nil }}
}

// harness drives the root model the way the runtime would, running each
// command to completion synchronously so a test reads keys in, state out.
type harness struct {
	t    *testing.T
	m    *Model
	quit bool
}

func newHarness(t *testing.T, be *fakeBackend, w, h int) *harness {
	t.Helper()
	m := New(context.Background(), testOptions(be))
	m.noSpin = true
	hs := &harness{t: t, m: m}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.run(m.Init())
	return hs
}

func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	if cmd == nil {
		return
	}
	msg := cmd()
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case tea.QuitMsg:
		h.quit = true
	default:
		h.send(msg)
	}
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

// keys sends each space-separated key name ("a", "enter", "shift+tab").
func (h *harness) keys(names ...string) {
	h.t.Helper()
	for _, n := range names {
		h.send(keyMsg(n))
	}
}

// typeText sends each rune as a key press.
func (h *harness) typeText(s string) {
	for _, r := range s {
		if r == ' ' {
			h.send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
			continue
		}
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func keyMsg(n string) tea.KeyMsg {
	switch n {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEscape}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "space", " ":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "ctrl+u":
		return tea.KeyMsg{Type: tea.KeyCtrlU}
	case "ctrl+r":
		return tea.KeyMsg{Type: tea.KeyCtrlR}
	case "ctrl+d":
		return tea.KeyMsg{Type: tea.KeyCtrlD}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(n)}
}

func stepNames(d funnel.Definition) []string {
	var out []string
	for _, s := range d.Steps {
		out = append(out, s.StepName())
	}
	return out
}

func TestOpenComputesFirstPreset(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	if m.dataset != "shop" {
		t.Fatalf("dataset = %q, want shop", m.dataset)
	}
	if m.def.Name != "Shop purchase" || m.res == nil {
		t.Fatalf("def %q res %v status %q", m.def.Name, m.res, m.status)
	}
	if m.computing || m.res.Steps[0].Users == 0 {
		t.Fatalf("computing=%v steps=%+v", m.computing, m.res.Steps)
	}
	v := m.View()
	for _, want := range []string{"view_product", "◀ worst", "shop", "/tmp/test.db"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
}

func TestRemembersLastFunnel(t *testing.T) {
	be := newFakeBackend()
	h := newHarness(t, be, 100, 30)
	h.keys("r", "ctrl+u")
	h.typeText("Mine")
	h.keys("enter", "w") // a window change recomputes and remembers
	raw := be.settings[settingLastFunnel+"shop"]
	var d funnel.Definition
	if err := json.Unmarshal([]byte(raw), &d); err != nil || d.Name != "Mine" {
		t.Fatalf("remembered %q (%v)", raw, err)
	}
	h2 := newHarness(t, be, 100, 30)
	if h2.m.def.Name != "Mine" || h2.m.def.Window != d.Window {
		t.Fatalf("reopened with %q %v, want Mine %v", h2.m.def.Name, h2.m.def.Window, d.Window)
	}
}

func TestPresetOptionWins(t *testing.T) {
	be := newFakeBackend()
	be.settings[settingLastFunnel+"shop"] = `{"name":"old","steps":[{"events":["search"]},{"events":["purchase"]}]}`
	m := New(context.Background(), Options{Backend: be, Presets: testPresets(), Preset: "shop-purchase"})
	m.noSpin = true
	h := &harness{t: t, m: m}
	h.run(m.Init())
	if m.def.Name != "Shop purchase" {
		t.Fatalf("def = %q, want the preset asked for", m.def.Name)
	}
}

func TestEditor(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	h.keys("tab", "tab") // editor
	if m.focus != paneEditor {
		t.Fatalf("focus = %v", m.focus)
	}
	// Add add_to_wishlist after step 1 through the picker, filtering by typing.
	h.keys("a")
	if m.picker == nil || m.picker.kind != pickEvent {
		t.Fatal("a did not open the event picker")
	}
	h.typeText("wish")
	if got := len(m.picker.filtered); got != 1 {
		t.Fatalf("filter 'wish' left %d events", got)
	}
	if !strings.Contains(m.View(), "users") {
		t.Errorf("picker shows no user counts:\n%s", m.View())
	}
	h.keys("enter")
	want := []string{"view_product", "add_to_wishlist", "add_to_cart", "begin_checkout", "purchase"}
	if got := stepNames(m.def); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("steps = %v, want %v", got, want)
	}
	if m.step != 1 || m.res == nil || len(m.res.Steps) != 5 {
		t.Fatalf("step %d res %v", m.step, m.res)
	}
	// Move it down, then up twice (the second stops at the top... no, at 0).
	h.keys("J")
	if m.def.Steps[2].Events[0] != "add_to_wishlist" || m.step != 2 {
		t.Fatalf("J: %v step %d", stepNames(m.def), m.step)
	}
	h.keys("K", "K", "K")
	if m.def.Steps[0].Events[0] != "add_to_wishlist" || m.step != 0 {
		t.Fatalf("K: %v step %d", stepNames(m.def), m.step)
	}
	// OR alternative on step 1.
	h.keys("o")
	h.typeText("search")
	h.keys("enter")
	if got := m.def.Steps[0].StepName(); got != "add_to_wishlist|search" {
		t.Fatalf("alternative: %q", got)
	}
	// Delete it.
	h.keys("d")
	if got := strings.Join(stepNames(m.def), ","); got != "view_product,add_to_cart,begin_checkout,purchase" {
		t.Fatalf("after delete: %s", got)
	}
	// Property filter; q types while the field is open.
	h.keys("j", "f")
	h.typeText("type a")
	h.keys("enter")
	h.typeText("device=mobile")
	h.keys("enter")
	if w := m.def.Steps[1].Where; len(w) != 1 || w[0].Key != "device" || w[0].Values[0] != "mobile" {
		t.Fatalf("filter = %+v", w)
	}
	h.keys("f")
	h.typeText("type a")
	h.keys("enter", "ctrl+u")
	h.typeText("device=")
	h.keys("enter")
	if m.prompt == nil || m.prompt.err == "" {
		t.Fatal("a bad filter should keep the field open with an error")
	}
	h.keys("esc")
	if m.prompt != nil || len(m.def.Steps[1].Where) != 1 {
		t.Fatal("esc should leave the field and keep the old filter")
	}
	// Rename, window typed and cycled, mode, counting.
	h.keys("r", "ctrl+u")
	h.typeText("quick buy")
	h.keys("enter", "W", "ctrl+u")
	h.typeText("2w")
	h.keys("enter")
	if m.def.Name != "quick buy" || m.def.Window.String() != "2w" {
		t.Fatalf("name %q window %s", m.def.Name, m.def.Window)
	}
	h.keys("w")
	if m.def.Window.String() != "30d" {
		t.Fatalf("cycle after 2w = %s", m.def.Window)
	}
	h.keys("w")
	if m.def.Window.String() != "30m" {
		t.Fatalf("cycle wraps to %s", m.def.Window)
	}
	h.keys("m", "c")
	if m.def.Mode != funnel.Strict || m.def.Count != funnel.Totals {
		t.Fatalf("mode %s count %s", m.def.Mode, m.def.Count)
	}
}

func TestQuitKeys(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	// q types inside a field.
	h.keys("r", "q")
	if m.prompt == nil || !strings.HasSuffix(m.prompt.input.Value(), "q") {
		t.Fatal("q should type in the rename field")
	}
	if _, cmd := m.Update(keyMsg("q")); cmd != nil {
		if _, ok := cmd().(tea.QuitMsg); ok {
			t.Fatal("q quit while typing")
		}
	}
	h.keys("esc")
	_, cmd := m.Update(keyMsg("q"))
	if cmd == nil {
		t.Fatal("q did nothing")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q did not quit")
	}
	h.keys("a")
	_, cmd = m.Update(keyMsg("ctrl+c"))
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("ctrl+c did not quit from the picker")
	}
}

func TestSegmentBrowser(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	h.keys("b") // first property: country
	if m.def.By != "country" || m.res.Breakdown == nil {
		t.Fatalf("by %q bd %v", m.def.By, m.res.Breakdown)
	}
	h.keys("b")
	if m.def.By != "device" {
		t.Fatalf("b cycled to %q", m.def.By)
	}
	h.keys("tab")
	if m.focus != paneSegments {
		t.Fatal("tab did not focus the segments")
	}
	segs := m.res.Breakdown.Segments
	h.keys("j")
	if m.seg.cursor != 1 {
		t.Fatalf("cursor %d", m.seg.cursor)
	}
	// Moving previews that segment's funnel.
	if !strings.HasPrefix(m.fun.label, "preview device="+segs[1].Value) {
		t.Fatalf("label %q", m.fun.label)
	}
	if m.fun.steps[0].Users != segs[1].Steps[0].Users {
		t.Fatal("the funnel pane does not show the previewed segment")
	}
	// Find mobile, whose checkout is planted to be worse.
	mobile := -1
	for i, s := range segs {
		if s.Value == "mobile" {
			mobile = i
		}
	}
	h.keys("g")
	for i := 0; i < mobile; i++ {
		h.keys("down")
	}
	h.keys("k", "j") // vim and arrows both move
	if seg, _ := m.seg.current(); seg.Value != "mobile" {
		t.Fatalf("at %q", seg.Value)
	}
	// Step 3 focused: the segment bar is conversion to begin_checkout and
	// mobile is marked as different.
	m.step = 2
	m.syncPanes()
	if mark := m.seg.sigMark(segs[mobile], 2); !strings.HasPrefix(mark, "*▼") {
		t.Fatalf("mobile checkout mark = %q", mark)
	}
	// Mark two segments: grouped bars.
	h.keys("space", "k", "space")
	if len(m.fun.grouped) != 2 || !strings.Contains(m.View(), "2 marked segments") {
		t.Fatalf("grouped %d\n%s", len(m.fun.grouped), m.View())
	}
	h.keys("esc")
	if len(m.seg.marked) != 0 {
		t.Fatal("esc should clear the marks")
	}
	// Enter filters the funnel to the segment; x removes it.
	all := m.res.Steps[0].Users
	h.keys("j", "enter")
	if m.def.Segment == nil || m.def.Segment.Value != "mobile" {
		t.Fatalf("segFilter %+v", m.def.Segment)
	}
	if m.res.Steps[0].Users >= all || !strings.Contains(m.hdr.View(), "segment device=mobile") {
		t.Fatalf("filtered users %d of %d; header %q", m.res.Steps[0].Users, all, m.hdr.View())
	}
	h.keys("x")
	if m.def.Segment != nil || m.res.Steps[0].Users != all {
		t.Fatal("x did not remove the segment filter")
	}
	// Pick a property from the list; "(no breakdown)" clears.
	h.keys("B")
	h.typeText("no b")
	h.keys("enter")
	if m.def.By != "" || m.res.Breakdown != nil {
		t.Fatalf("by %q", m.def.By)
	}
}

func TestStaleResultDropped(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	old := m.res
	seq := m.seq
	// A change is issued; its command has not come back yet.
	m.Update(keyMsg("w"))
	if !m.computing {
		t.Fatal("a change should start a compute")
	}
	m.Update(computedMsg{seq: seq, res: &funnel.Result{Name: "stale"}})
	if m.res != old || !m.computing {
		t.Fatal("a stale result replaced the current one")
	}
	m.Update(computedMsg{seq: m.seq, err: errors.New("boom")})
	if m.computing || !m.statusErr || !strings.Contains(m.View(), "error: boom") {
		t.Fatalf("error not shown: %q", m.status)
	}
}

func TestErrorsGoToStatus(t *testing.T) {
	be := newFakeBackend()
	be.loadErr = errors.New("disk on fire")
	h := newHarness(t, be, 100, 30)
	if !h.m.statusErr || !strings.Contains(h.m.status, "disk on fire") {
		t.Fatalf("status %q", h.m.status)
	}
	// The next key clears the status line; the funnel pane keeps the reason.
	h.keys("j")
	if h.m.status != "" || !strings.Contains(h.m.View(), "No result: disk on fire") {
		t.Fatalf("status %q\n%s", h.m.status, h.m.View())
	}
	// Unknown event from a preset that does not fit.
	be.loadErr = nil
	h.keys("p")
	h.typeText("blog")
	h.keys("enter")
	if !h.m.statusErr || !strings.Contains(h.m.status, "page_view") {
		t.Fatalf("status %q", h.m.status)
	}
}

func TestSaveAndOpen(t *testing.T) {
	be := newFakeBackend()
	h := newHarness(t, be, 100, 30)
	m := h.m
	h.keys("s", "ctrl+u")
	h.typeText("my funnel")
	h.keys("enter")
	if len(be.saved["shop"]) != 1 || be.saved["shop"][0].Name != "my funnel" {
		t.Fatalf("saved %+v", be.saved)
	}
	h.keys("d", "d")
	if len(m.def.Steps) != 2 {
		t.Fatalf("steps %d", len(m.def.Steps))
	}
	h.keys("O")
	if m.picker == nil || m.picker.kind != pickSaved {
		t.Fatalf("O: %q", m.status)
	}
	h.keys("enter")
	if m.confirm == nil {
		t.Fatal("O replaced unsaved edits without asking")
	}
	h.keys("y")
	if len(m.def.Steps) != 4 || m.def.Name != "my funnel" {
		t.Fatalf("opened %v %q", stepNames(m.def), m.def.Name)
	}
}

func TestDatasetAndCompare(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 120, 40)
	m := h.m
	h.keys("D")
	if m.picker == nil || m.picker.kind != pickDataset {
		t.Fatal("D did not open the dataset picker")
	}
	h.typeText("blog")
	h.keys("enter")
	if m.dataset != "blog" || m.res == nil {
		t.Fatalf("dataset %q res %v status %q", m.dataset, m.res, m.status)
	}
	h.keys("C")
	if m.cmp == nil || len(m.cmp.list) != 3 || m.screen() != "compare" {
		t.Fatalf("compare %+v", m.cmp)
	}
	if v := m.View(); !strings.Contains(v, "biggest drop") {
		t.Fatalf("compare view:\n%s", v)
	}
	h.keys("esc", "?")
	if !m.showHelp || !strings.Contains(m.View(), "add OR event") {
		t.Fatal("? did not show full help")
	}
	h.keys("esc")
	if m.showHelp {
		t.Fatal("esc did not close help")
	}
}

func TestEditFunctions(t *testing.T) {
	d := funnel.Definition{}
	i, _ := insertStep(&d, -1, "a")
	if i, _ = insertStep(&d, i, "c"); i != 1 {
		t.Fatalf("c inserted at %d, want 1", i)
	}
	i, _ = insertStep(&d, 0, "b")
	if got := strings.Join(stepNames(d), ","); got != "a,b,c" || i != 1 {
		t.Fatalf("%s %d", got, i)
	}
	if j := moveStep(&d, 0, -1); j != 0 {
		t.Fatal("moved past the top")
	}
	if j := deleteStep(&d, 2); j != 1 || len(d.Steps) != 2 {
		t.Fatal("delete last")
	}
	if err := addAlternative(&d, 0, "a"); err == nil {
		t.Fatal("duplicate alternative accepted")
	}
	if err := setStepFilter(&d, 0, "device=mobile and country!=US"); err != nil || len(d.Steps[0].Where) != 2 {
		t.Fatalf("%v %+v", err, d.Steps[0].Where)
	}
	if nextAttribution("first", 3) != "last" || nextAttribution("last", 3) != "step:2" || nextAttribution("step:3", 3) != "first" {
		t.Fatal("attribution cycle")
	}
	if got := nextWindow(funnel.Duration(7 * 24 * time.Hour)).String(); got != "2w" {
		t.Fatalf("after 7d: %s", got)
	}
}

func resize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

func TestFastKeysSplit(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj")})
	if h.m.step != 3 {
		t.Fatalf("step %d after jjj", h.m.step)
	}
}

// Keys pressed before the dataset has loaded wait for it instead of being
// lost: two b's right after start-up land on the second property.
func TestKeysBeforeLoadAreQueued(t *testing.T) {
	m := New(context.Background(), testOptions(newFakeBackend()))
	m.noSpin = true
	h := &harness{t: t, m: m}
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	init := m.Init()
	h.keys("b", "b")
	if len(m.pending) != 2 || !strings.Contains(m.status, "b b") {
		t.Fatalf("pending %d, status %q", len(m.pending), m.status)
	}
	h.run(init)
	if len(m.pending) != 0 {
		t.Fatalf("%d keys still pending", len(m.pending))
	}
	if want := m.props[1].Key; m.def.By != want {
		t.Fatalf("by = %q, want %q (the second property)", m.def.By, want)
	}
	if m.res == nil || m.res.Breakdown == nil || m.res.Breakdown.Property != m.def.By {
		t.Fatalf("no breakdown by %s computed", m.def.By)
	}
}

// Moving through segments while the breakdown asked for is still computing
// waits for it, rather than moving through the old list.
func TestSegmentKeysWaitForBreakdown(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	h.keys("tab")
	cmd := m.onKey(keyMsg("b")) // the compute is in flight, not run
	m.syncPanes()
	h.keys("j", "space")
	if len(m.pending) != 2 {
		t.Fatalf("pending = %d, want 2; status %q", len(m.pending), m.status)
	}
	h.run(cmd)
	if len(m.pending) != 0 || m.seg.cursor != 1 || len(m.seg.marked) != 1 {
		t.Fatalf("pending %d cursor %d marked %v", len(m.pending), m.seg.cursor, m.seg.marked)
	}
}

// A key that does nothing says why.
func TestNoSilentNoOps(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	h.keys("tab", "space")
	if !strings.Contains(m.status, "no segments") {
		t.Fatalf("space with no breakdown: status %q", m.status)
	}
	h.keys("x")
	if !strings.Contains(m.status, "nothing") && !strings.Contains(m.status, "no segment filter") {
		t.Fatalf("x with nothing to clear: status %q", m.status)
	}
	h.keys("b", "enter", "x")
	if m.def.Segment != nil || !strings.Contains(m.status, "removed") {
		t.Fatalf("x after a filter: filter %v status %q", m.def.Segment, m.status)
	}
}

// Filtered to one value of the breakdown's property, the segments still list
// every value, so another one is a move and an enter away.
func TestFilterKeepsSegmentsListed(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	h.keys("b", "b", "tab")
	n := len(m.seg.segments())
	if n < 2 {
		t.Fatalf("%d segments", n)
	}
	h.keys("enter")
	if m.def.Segment == nil || len(m.seg.segments()) != n {
		t.Fatalf("filter %v, %d segments listed, want %d", m.def.Segment, len(m.seg.segments()), n)
	}
	first := m.def.Segment.Value
	if !strings.Contains(m.View(), "[=] "+first) {
		t.Errorf("the filtered value is not marked:\n%s", m.View())
	}
	h.keys("j", "enter")
	if m.def.Segment == nil || m.def.Segment.Value == first {
		t.Fatalf("enter on the next value left the filter at %v", m.def.Segment)
	}
	if got := m.res.Steps[0].Users; got != m.seg.segments()[m.seg.cursor].Steps[0].Users {
		t.Fatalf("funnel has %d users, the segment %d", got, m.seg.segments()[m.seg.cursor].Steps[0].Users)
	}
}

// At 80x24 marked segments fit: every step of a 5-step funnel is on screen
// with two marked, and the focused step stays in sight with three.
func TestGroupedFitsSmallScreen(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 80, 24)
	m := h.m
	h.keys("tab", "tab", "a")
	h.typeText("wish")
	h.keys("enter", "tab") // 5 steps, back to the funnel
	h.keys("b", "b", "tab", "space", "j", "space")
	if len(m.fun.grouped) != 2 {
		t.Fatalf("grouped %d", len(m.fun.grouped))
	}
	v := m.View()
	for _, s := range m.def.Steps {
		if !strings.Contains(v, s.StepName()) {
			t.Errorf("step %s missing at 80x24:\n%s", s.StepName(), v)
		}
	}
	h.keys("j", "space", "tab", "tab") // three marked; focus the funnel
	h.keys("G")
	v = m.View()
	last := m.def.Steps[len(m.def.Steps)-1].StepName()
	if !strings.Contains(v, "▸ 5 "+last) || !strings.Contains(v, "of 5") {
		t.Errorf("focused last step not in sight:\n%s", v)
	}
}
