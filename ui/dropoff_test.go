package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"microfunnel/funnel"
)

// droppedResult is the test preset's funnel with what the dropped users did
// next, in the given mode.
func droppedResult(t *testing.T, mode funnel.Mode, depth int) *funnel.Result {
	t.Helper()
	def := testPresets()[0].Definition
	def.Mode = mode
	res, err := funnel.ComputeDropped(&def, seededEvents(1, 400), funnel.DropOptions{Top: 3, Depth: depth})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRenderDropped(t *testing.T) {
	for _, c := range []struct {
		name  string
		mode  funnel.Mode
		depth int
		width int
	}{
		{"next_80", funnel.Sequential, 1, 80},
		{"paths_60", funnel.Strict, 2, 60},
		{"any_80", funnel.Any, 1, 80},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderReport(&b, droppedResult(t, c.mode, c.depth), ReportOptions{Width: c.width, Dataset: "shop"}); err != nil {
				t.Fatal(err)
			}
			checkWidth(t, b.String(), c.width)
			want := "What they did next"
			if !strings.Contains(b.String(), want) {
				t.Errorf("no %q in\n%s", want, b.String())
			}
			golden.RequireEqual(t, b.Bytes())
		})
	}
	var b bytes.Buffer
	res := droppedResult(t, funnel.Sequential, 1)
	if err := RenderMarkdown(&b, res, ReportOptions{}); err != nil {
		t.Fatal(err)
	}
	d := res.Steps[0].Dropped
	if d == nil || len(d.Next) == 0 {
		t.Fatalf("step 1 dropped: %+v", d)
	}
	row := "| " + mdEscape(d.Next[0].Event) + " | " + fmtInt(d.Next[0].Users) + " |"
	if !strings.Contains(b.String(), "### What they did next") || !strings.Contains(b.String(), row) {
		t.Errorf("markdown lacks the section or %q:\n%s", row, b.String())
	}
}
