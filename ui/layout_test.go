package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

// screens puts the dashboard in each of its states.
var screens = map[string]func(h *harness){
	"funnel":   func(h *harness) { h.keys("j", "j") },
	"segments": func(h *harness) { h.keys("b", "b", "tab", "j") },
	"grouped":  func(h *harness) { h.keys("b", "b", "tab", "space", "j", "space") },
	"filtered": func(h *harness) { h.keys("b", "b", "tab", "j", "enter") },
	"grouped3": func(h *harness) {
		h.keys("a", "enter", "b", "b", "tab", "space", "j", "space", "j", "space", "tab", "tab", "G")
	},
	"save-prompt": func(h *harness) { h.keys("s") },
	"editor": func(h *harness) {
		h.keys("tab", "tab", "f")
		h.typeText("device=mobile")
		h.keys("enter", "o", "enter")
	},
	"picker":  func(h *harness) { h.keys("a") },
	"prompt":  func(h *harness) { h.keys("W") },
	"compare": func(h *harness) { h.keys("C") },
	"help":    func(h *harness) { h.keys("?") },
	"empty":   func(h *harness) { h.keys("d", "d", "d", "d") },
	"error": func(h *harness) {
		h.keys("p")
		h.typeText("blog")
		h.keys("enter")
	},
	"many-steps": func(h *harness) {
		for i := 0; i < 12; i++ {
			h.keys("a", "enter")
		}
	},
}

func TestLayoutEverySize(t *testing.T) {
	widths := []int{20, 27, 39, 40, 55, 80, 100, 133, 149, 150, 200, 250}
	heights := []int{6, 9, 11, 12, 18, 24, 30, 45, 60, 80}
	for name, setup := range screens {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, newFakeBackend(), 100, 30)
			setup(h)
			for _, w := range widths {
				for _, ht := range heights {
					h.send(resize(w, ht))
					v := h.m.View()
					lines := strings.Split(v, "\n")
					if len(lines) > ht {
						t.Errorf("%dx%d: %d lines", w, ht, len(lines))
					}
					for i, l := range lines {
						if lw := lipgloss.Width(l); lw > w {
							t.Errorf("%dx%d: line %d is %d wide: %q", w, ht, i, lw, l)
						}
					}
				}
			}
		})
	}
}
