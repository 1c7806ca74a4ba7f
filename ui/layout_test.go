package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

// screens puts the dashboard in each of its states; want is the screen
// the setup must reach, so a setup that silently stopped short fails.
var screens = map[string]struct {
	want  string
	setup func(h *harness)
}{
	"funnel":   {"funnel", func(h *harness) { h.keys("j", "j") }},
	"segments": {"segments", func(h *harness) { h.keys("b", "b", "tab", "j") }},
	"grouped":  {"segments", func(h *harness) { h.keys("b", "b", "tab", "space", "j", "space") }},
	"filtered": {"segments", func(h *harness) { h.keys("b", "b", "tab", "j", "enter") }},
	"grouped3": {"funnel", func(h *harness) {
		h.keys("a", "enter", "b", "b", "tab", "space", "j", "space", "j", "space", "tab", "tab", "G")
	}},
	"save-prompt": {"prompt", func(h *harness) { h.keys("s") }},
	"editor": {"editor", func(h *harness) {
		h.keys("tab", "tab", "f")
		h.typeText("device")
		h.keys("enter")
		h.typeText("mobile")
		h.keys("enter", "o", "enter")
	}},
	"settings": {"editor", func(h *harness) {
		h.keys("tab", "tab", "t")
		h.typeText("2024-03-02..2024-03-28")
		h.keys("enter", "M")
		h.typeText("2h")
		h.keys("enter", "X", "enter", "F")
		h.typeText("country")
		h.keys("enter", "enter")
	}},
	"filter-picker": {"picker", func(h *harness) { h.keys("f") }},
	"bad-filter": {"prompt", func(h *harness) {
		h.keys("F")
		h.typeText("type a")
		h.keys("enter")
		h.typeText("country=USA")
		h.keys("enter")
	}},
	"confirm": {"confirm", func(h *harness) { h.keys("d", "p", "enter") }},
	"picker":  {"picker", func(h *harness) { h.keys("a") }},
	"prompt":  {"prompt", func(h *harness) { h.keys("W") }},
	"compare": {"compare", func(h *harness) { h.keys("C") }},
	"help":    {"help", func(h *harness) { h.keys("?") }},
	"empty":   {"funnel", func(h *harness) { h.keys("d", "d", "d", "d") }},
	"error": {"funnel", func(h *harness) {
		h.keys("p")
		h.typeText("blog")
		h.keys("enter")
	}},
	"many-steps": {"funnel", func(h *harness) {
		for i := 0; i < 12; i++ {
			h.keys("a", "enter")
		}
	}},
}

func TestLayoutEverySize(t *testing.T) {
	widths := []int{20, 27, 39, 40, 55, 80, 100, 133, 149, 150, 200, 250}
	heights := []int{6, 9, 11, 12, 18, 24, 30, 45, 60, 80}
	for name, sc := range screens {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, newFakeBackend(), 100, 30)
			sc.setup(h)
			if got := h.m.screen(); got != sc.want {
				t.Fatalf("the setup reached %q, not %q (status %q)", got, sc.want, h.m.status)
			}
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
