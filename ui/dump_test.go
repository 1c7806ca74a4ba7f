package ui

import (
	"fmt"
	"os"
	"testing"
)

// TestDump prints screens for a person to look at: UI_DUMP=1 go test -run Dump.
func TestDump(t *testing.T) {
	if os.Getenv("UI_DUMP") == "" {
		t.Skip("set UI_DUMP=1 to print screens")
	}
	for _, sz := range [][2]int{{80, 24}, {100, 30}, {200, 50}} {
		h := newHarness(t, newFakeBackend(), sz[0], sz[1])
		h.m.took = 0
		h.keys("b", "b", "j", "j")
		fmt.Printf("==== %dx%d\n%s\n", sz[0], sz[1], h.m.View())
		h.keys("tab", "j")
		fmt.Printf("==== segments\n%s\n", h.m.View())
		h.keys("tab")
		fmt.Printf("==== editor\n%s\n", h.m.View())
	}
}
