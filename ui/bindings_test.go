package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
)

// Every documented key is in the one table, and no key means two things
// in one place.
func TestBindingTable(t *testing.T) {
	km := DefaultKeyMap()
	table := bindingTable(&km)
	documented := []string{"b", "B", "tab", "enter", " ", "x", "a", "o", "f", "d", "K", "J", "w", "W", "m", "c", "A",
		"s", "O", "D", "p", "C", "?", "q", "r", "R", "j", "k", "g", "G", "shift+tab", "esc"}
	for _, k := range documented {
		found := false
		for _, b := range table {
			for _, bk := range b.key.Keys() {
				found = found || bk == k
			}
		}
		if !found {
			t.Errorf("documented key %q is not in the binding table", k)
		}
	}
	for _, sc := range []scope{inFunnel, inSegments, inEditor, inHelp, inCompare} {
		seen := map[string]string{}
		for _, b := range table {
			if b.scope&sc == 0 {
				continue
			}
			for _, k := range b.key.Keys() {
				if prev, ok := seen[k]; ok {
					t.Errorf("scope %d: key %q is both %q and %q", sc, k, prev, b.key.Help().Desc)
				}
				seen[k] = b.key.Help().Desc
			}
		}
	}
	for _, b := range table {
		if b.run == nil || b.group == "" || b.key.Help().Key == "" {
			t.Errorf("binding %v lacks a handler, group or help", b.key.Keys())
		}
	}
}

// A key that cannot act says why, and the footer leaves it out.
func TestDisabledKeysSayWhy(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	h.keys("tab") // segments, no breakdown
	for _, k := range []string{"enter", "space", "x"} {
		m.setStatus("")
		h.keys(k)
		if m.status == "" {
			t.Errorf("%s with no segments: no reason given", k)
		}
	}
	for _, b := range m.footerKeys(inSegments) {
		if key.Matches(keyMsg("enter"), b) {
			t.Error("the footer offers enter with no segment to choose")
		}
	}
	h.keys("?")
	if v := m.View(); !strings.Contains(v, "filter to segment (off)") {
		t.Errorf("the ? screen does not say why enter is off:\n%s", v)
	}
}

// Without colour the focused pane is still marked, and the status line
// goes with the next key.
func TestFocusVisibleAndStatusClears(t *testing.T) {
	h := newHarness(t, newFakeBackend(), 100, 30)
	m := h.m
	if v := m.View(); !strings.Contains(v, "▶ Funnel") || strings.Contains(v, "▶ Segments") {
		t.Fatalf("funnel focus not marked:\n%s", v)
	}
	h.keys("tab")
	if v := m.View(); strings.Contains(v, "▶ Funnel") || !strings.Contains(v, "▶ Segments") {
		t.Fatalf("segments focus not marked:\n%s", v)
	}
	h.keys("x")
	if m.status == "" {
		t.Fatal("x said nothing")
	}
	h.keys("j")
	if m.status != "" {
		t.Fatalf("stale status after the next key: %q", m.status)
	}
}
