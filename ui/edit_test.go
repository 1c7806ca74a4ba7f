package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"microfunnel/funnel"
)

func defJSON(d funnel.Definition) string {
	b, _ := json.Marshal(d)
	return string(b)
}

// A filter the data cannot take keeps the field open with a message and
// suggestions, and the funnel does not change.
func TestInvalidFiltersChangeNothing(t *testing.T) {
	for _, c := range []struct{ key, text, want string }{
		{"f", "devce=mobile", `unknown property "devce" (did you mean "device"?)`},
		{"f", "country=USA", `unknown value of country "USA" (did you mean "US"?)`},
		{"f", "device==mobile", "one = between key and value (device=mobile)"},
		{"F", "device in (mobile,phone)", `unknown value of device "phone"`},
		{"F", "device", "want key=value"},
	} {
		t.Run(c.key+" "+c.text, func(t *testing.T) {
			h := newHarness(t, newFakeBackend(), 100, 30)
			m := h.m
			before := defJSON(m.def)
			h.keys(c.key)
			h.typeText("type a")
			h.keys("enter")
			h.typeText(c.text)
			h.keys("enter")
			if m.prompt == nil || !strings.Contains(m.prompt.err, c.want) {
				t.Fatalf("prompt %v, want the error %q", m.prompt, c.want)
			}
			if !strings.Contains(m.View(), c.want) {
				t.Errorf("the message is not on screen:\n%s", m.View())
			}
			h.keys("esc")
			if got := defJSON(m.def); got != before || len(m.undo) != 0 || m.changed() {
				t.Fatalf("the funnel changed:\n%s\n%s", before, got)
			}
		})
	}
}

// The pickers build a filter from the dataset's keys and values, on one
// step or on every step, and show it on the step label and in the header.
func TestFilterPickers(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 120, 40)
	m := h.m
	all := m.res.Steps[0].Users
	h.keys("j", "f")
	h.typeText("device")
	h.keys("enter")
	if m.picker == nil || m.picker.kind != pickFilterValue {
		t.Fatalf("no value picker: %q", m.status)
	}
	h.typeText("mobile")
	h.keys("enter")
	if w := m.def.Steps[1].Where; len(w) != 1 || w[0].String() != "device=mobile" {
		t.Fatalf("step filter %+v", w)
	}
	if !strings.Contains(m.View(), "add_to_cart [device=mobile]") {
		t.Errorf("the step label does not show its filter:\n%s", m.View())
	}
	h.keys("F")
	h.typeText("country")
	h.keys("enter")
	h.typeText("US")
	h.keys("enter")
	if len(m.def.Where) != 1 || m.def.Where[0].String() != "country=US" || m.res.Steps[0].Users >= all {
		t.Fatalf("where %+v, %d users of %d", m.def.Where, m.res.Steps[0].Users, all)
	}
	if !strings.Contains(m.hdr.View(), "where country=US") {
		t.Errorf("header lacks the filter: %s", m.hdr.View())
	}
	// Removing it through the same picker.
	h.keys("F")
	h.typeText("remove")
	h.keys("enter")
	if len(m.def.Where) != 0 || m.res.Steps[0].Users != all {
		t.Fatalf("where after remove %+v", m.def.Where)
	}
}

// Dates, max gap, exclusions, removing an alternative and naming a step.
func TestEverySettingEditable(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 120, 40)
	m := h.m
	all := m.res.Steps[0].Users
	h.keys("t")
	h.typeText("2024-03-05..2024-03-20")
	h.keys("enter")
	if m.def.From == nil || m.def.To == nil || m.def.To.String() != "2024-03-20" || m.res.Steps[0].Users >= all {
		t.Fatalf("dates %v..%v users %d", m.def.From, m.def.To, m.res.Steps[0].Users)
	}
	h.keys("t", "ctrl+u")
	h.typeText("March")
	h.keys("enter")
	if m.prompt == nil || !strings.Contains(m.prompt.err, "FROM..TO") {
		t.Fatalf("bad dates accepted: %v", m.prompt)
	}
	h.keys("esc", "M")
	h.typeText("1h")
	h.keys("enter")
	if m.def.MaxGap.String() != "1h" || !strings.Contains(m.hdr.View(), "max gap 1h") {
		t.Fatalf("max gap %s header %q", m.def.MaxGap, m.hdr.View())
	}
	h.keys("X")
	h.typeText("search")
	h.keys("enter")
	if len(m.def.Exclusions) != 1 || m.def.Exclusions[0].From != 1 || m.def.Exclusions[0].To != 2 {
		t.Fatalf("exclusions %+v", m.def.Exclusions)
	}
	h.keys("X")
	h.typeText("search")
	h.keys("enter")
	if len(m.def.Exclusions) != 0 {
		t.Fatalf("choosing it again should remove it: %+v", m.def.Exclusions)
	}
	h.keys("j", "X")
	h.typeText("search")
	h.keys("enter", "k", "X")
	h.typeText("remove")
	h.keys("enter")
	if len(m.def.Exclusions) != 0 {
		t.Fatalf("remove from the list: %+v", m.def.Exclusions)
	}
	h.keys("o")
	h.typeText("search")
	h.keys("enter", "e")
	h.typeText("search")
	h.keys("enter")
	if got := m.def.Steps[0].Events; len(got) != 1 || got[0] != "view_product" {
		t.Fatalf("remove alternative: %v", got)
	}
	h.keys("e")
	if m.picker != nil || !strings.Contains(m.status, "one event") {
		t.Fatalf("e on a one-event step: %q", m.status)
	}
	h.keys("n", "ctrl+u")
	h.typeText("Product page")
	h.keys("enter")
	if m.def.Steps[0].Name != "Product page" || !strings.Contains(m.View(), "Product page") {
		t.Fatalf("step name %q", m.def.Steps[0].Name)
	}
	h.keys("m", "m") // strict, then any would drop the max gap: skipped to sequential
	if m.def.Mode == funnel.Any {
		t.Fatal("mode any with a max gap")
	}
}

// Every edit undoes and redoes, the header marks a changed funnel, and the
// last step stays.
func TestUndoRedo(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	var states []string
	states = append(states, defJSON(m.def))
	for _, k := range [][]string{{"d"}, {"w"}, {"m"}, {"c"}, {"b"}, {"A"}, {"tab", "enter"}, {"x"}, {"tab", "tab", "j", "K"}} {
		h.keys(k...)
		if got := defJSON(m.def); got == states[len(states)-1] {
			t.Fatalf("%v changed nothing", k)
		}
		states = append(states, defJSON(m.def))
	}
	if !strings.Contains(m.hdr.View(), "(changed)") {
		t.Errorf("no changed marker: %s", m.hdr.View())
	}
	for i := len(states) - 2; i >= 0; i-- {
		h.keys("u")
		if got := defJSON(m.def); got != states[i] {
			t.Fatalf("undo %d:\n got %s\nwant %s", i, got, states[i])
		}
	}
	h.keys("u")
	if !strings.Contains(m.status, "nothing to undo") {
		t.Fatalf("status %q", m.status)
	}
	if strings.Contains(m.hdr.View(), "(changed)") {
		t.Errorf("undone to the start, still marked changed")
	}
	for i := 1; i < len(states); i++ {
		h.keys("ctrl+r")
		if got := defJSON(m.def); got != states[i] {
			t.Fatalf("redo %d:\n got %s\nwant %s", i, got, states[i])
		}
	}
	h.keys("x", "tab", "d", "d", "d")
	if len(m.def.Steps) != 1 || !strings.Contains(m.status, "last step") {
		t.Fatalf("%d steps, status %q", len(m.def.Steps), m.status)
	}
}

// p, O and D ask before unsaved edits go; n keeps them.
func TestConfirmBeforeReplacing(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	h.keys("d")
	edited := defJSON(m.def)
	h.keys("p", "enter")
	if m.confirm == nil || m.screen() != "confirm" {
		t.Fatalf("p replaced unsaved work without asking (screen %s)", m.screen())
	}
	h.keys("n")
	if defJSON(m.def) != edited || m.confirm != nil {
		t.Fatal("n did not keep the edits")
	}
	h.keys("D")
	h.typeText("blog")
	h.keys("enter")
	if m.confirm == nil {
		t.Fatal("D replaced unsaved work without asking")
	}
	h.keys("y")
	if m.dataset != "blog" {
		t.Fatalf("y did not switch: %s", m.dataset)
	}
}

// Through the real program loop: a bad filter is refused on screen, then a
// delete is undone; the funnel ends as it started.
func TestTeatestInvalidFilterAndUndo(t *testing.T) {
	m := New(context.Background(), testOptions(newFakeBackend()))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "of prev")
	send := func(keys ...string) {
		for _, k := range keys {
			tm.Send(keyMsg(k))
			time.Sleep(30 * time.Millisecond)
		}
	}
	typ := func(s string) {
		for _, r := range s {
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		}
		time.Sleep(30 * time.Millisecond)
	}
	send("f")
	typ("type a")
	send("enter")
	typ("country=USA")
	send("enter")
	waitFor(t, tm, `(did you mean "US"?)`)
	send("esc", "d")
	waitFor(t, tm, "(changed)")
	send("u")
	// The undo recomputes (funnel and trend): wait for its note and the
	// header drawn without its spinner.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		i := bytes.LastIndex(b, []byte("counting users"))
		if i < 0 || !bytes.Contains(b, []byte("undid delete step 1")) {
			return false
		}
		rest := b[i:]
		if j := bytes.IndexAny(rest, "\r\n"); j >= 0 {
			rest = rest[:j]
		}
		return !bytes.Contains(rest, []byte("computing"))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if len(fm.def.Steps) != 4 || len(fm.def.Steps[0].Where) != 0 || fm.changed() {
		t.Fatalf("the funnel did not come back: %s", defJSON(fm.def))
	}
	fm.took = 0
	fm.syncPanes()
	golden.RequireEqual(t, []byte(fm.View()))
}

// The open picker renames and deletes saved funnels (deleting asks first).
func TestOpenPickerRenamesAndDeletes(t *testing.T) {
	be := newFakeBackend()
	h := newHarness(t, be, 100, 30)
	m := h.m
	for _, n := range []string{"one", "two"} {
		h.keys("s", "ctrl+u")
		h.typeText(n)
		h.keys("enter")
	}
	h.keys("O")
	h.typeText("one")
	h.keys("ctrl+r")
	if m.prompt == nil || m.prompt.kind != promptRenameSaved {
		t.Fatalf("ctrl+r in the open picker: screen %s", m.screen())
	}
	h.keys("ctrl+u")
	h.typeText("two")
	h.keys("enter")
	if m.prompt == nil || !strings.Contains(m.prompt.err, "already exists") {
		t.Fatalf("renaming onto an existing name: %v", m.prompt)
	}
	h.keys("ctrl+u")
	h.typeText("first")
	h.keys("enter")
	if names := savedNames(be); names != "first,two" {
		t.Fatalf("after rename: %s", names)
	}
	if m.picker == nil || m.picker.kind != pickSaved || !strings.Contains(m.status, "renamed") {
		t.Fatalf("the list did not come back: %s %q", m.screen(), m.status)
	}
	h.typeText("first")
	h.keys("ctrl+d")
	if m.confirm == nil {
		t.Fatal("delete did not ask")
	}
	h.keys("n")
	if savedNames(be) != "first,two" {
		t.Fatal("n deleted anyway")
	}
	h.keys("O")
	h.typeText("first")
	h.keys("ctrl+d", "y")
	if names := savedNames(be); names != "two" {
		t.Fatalf("after delete: %s", names)
	}
}

func savedNames(be *fakeBackend) string {
	var out []string
	for _, f := range be.saved["shop"] {
		out = append(out, f.Name)
	}
	return strings.Join(out, ",")
}

// A preset whose events this dataset lacks opens on its own dataset.
func TestPresetSwitchesToItsDataset(t *testing.T) {
	be := newFakeBackend()
	blog := seededEvents(2, 150)
	blog.Names = append([]string(nil), blog.Names...)
	blog.Names[0], blog.Names[1] = "page_view", "sign_up"
	be.data["blog"] = blog
	m := New(context.Background(), testOptions(be))
	m.opts.Presets[1].Dataset = "blog"
	m.noSpin = true
	h := &harness{t: t, m: m}
	h.send(resize(100, 30))
	h.run(m.Init())
	h.keys("p")
	h.typeText("blog")
	h.keys("enter")
	if m.dataset != "blog" || m.def.Name != "Blog signup" || m.res == nil || m.res.Steps[0].Users == 0 {
		t.Fatalf("dataset %s funnel %q status %q", m.dataset, m.def.Name, m.status)
	}
	if !strings.Contains(m.status, "on its dataset blog") {
		t.Errorf("status %q does not say it switched", m.status)
	}
}

// Deleting or moving a step keeps exclusions and a step:N attribution on
// the steps they named, so the edit is not refused as invalid.
func TestStepEditsRenumber(t *testing.T) {
	mk := func() funnel.Definition {
		return funnel.Definition{
			Steps:       []funnel.Step{{Events: []string{"a"}}, {Events: []string{"b"}}, {Events: []string{"c"}}, {Events: []string{"d"}}},
			Exclusions:  []funnel.Exclusion{{Events: []string{"x"}, From: 1, To: 2}, {Events: []string{"y"}, From: 3, To: 4}},
			Attribution: "step:4",
		}
	}
	d := mk()
	deleteStep(&d, 3) // d: y's span 3-4 becomes 3-3 and goes; step:4 → step:3
	if len(d.Exclusions) != 1 || d.Exclusions[0].Events[0] != "x" || d.Attribution != "step:3" {
		t.Fatalf("after delete: %+v %s", d.Exclusions, d.Attribution)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	d = mk()
	deleteStep(&d, 0) // a: x's span goes, y's 3-4 → 2-3
	if len(d.Exclusions) != 1 || d.Exclusions[0].From != 2 || d.Exclusions[0].To != 3 {
		t.Fatalf("after delete of step 1: %+v", d.Exclusions)
	}
	d = mk()
	moveStep(&d, 0, 1) // swap a and b: x's span 1-2 → 2-1 goes; step:4 stays
	if len(d.Exclusions) != 1 || d.Exclusions[0].From != 3 || d.Attribution != "step:4" {
		t.Fatalf("after move: %+v %s", d.Exclusions, d.Attribution)
	}
	d = mk()
	moveStep(&d, 3, -1) // swap c and d: step:4 follows d to step:3, y's span 3-4 → 4-3 goes
	if d.Attribution != "step:3" || len(d.Exclusions) != 1 || d.Exclusions[0].Events[0] != "x" {
		t.Fatalf("after move down: %+v %s", d.Exclusions, d.Attribution)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
}

// Unsaved edits survive a restart as unsaved: marked, and p asks.
func TestUnsavedAcrossRestart(t *testing.T) {
	be := newFakeBackend()
	h := newHarness(t, be, 100, 30)
	h.keys("d")
	h2 := newHarness(t, be, 100, 30)
	if len(h2.m.def.Steps) != 3 || !h2.m.changed() || !strings.Contains(h2.m.hdr.View(), "(changed)") {
		t.Fatalf("restart: %d steps, changed %v", len(h2.m.def.Steps), h2.m.changed())
	}
	h2.keys("p", "enter")
	if h2.m.confirm == nil {
		t.Fatal("p replaced last session's unsaved edits without asking")
	}
	h3 := newHarness(t, be, 100, 30)
	h3.keys("s", "enter")
	h4 := newHarness(t, be, 100, 30)
	if h4.m.changed() {
		t.Fatal("saved, yet marked changed after a restart")
	}
}
