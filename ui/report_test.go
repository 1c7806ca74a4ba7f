package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"

	"microfunnel/funnel"
)

func reportResult(t *testing.T, by string) *funnel.Result {
	t.Helper()
	return reportResultOver(t, by, "")
}

// reportResultOver adds a trend per interval (none when empty).
func reportResultOver(t *testing.T, by, every string) *funnel.Result {
	t.Helper()
	def := testPresets()[0].Definition
	def.By = by
	ev := seededEvents(1, 400)
	res, err := funnel.Compute(&def, ev)
	if err != nil {
		t.Fatal(err)
	}
	if every != "" {
		if err := funnel.AddTrend(res, &def, ev, every); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

// versusResult compares the second half of March 2024 with the first.
func versusResult(t *testing.T) *funnel.Result {
	t.Helper()
	def := testPresets()[0].Definition
	ev := seededEvents(1, 400)
	from, to, _ := funnel.ParseRange("2024-03-15..2024-03-31")
	of, ot, _ := funnel.ParseRange("2024-03-01..2024-03-14")
	def.From, def.To = &from, &to
	res, err := funnel.Compute(&def, ev)
	if err != nil {
		t.Fatal(err)
	}
	if err := funnel.AddVersus(res, &def, ev, of, ot); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRenderVersus(t *testing.T) {
	for _, w := range []int{60, 100} {
		t.Run(itoa(w), func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderReport(&b, versusResult(t), ReportOptions{Width: w, Dataset: "shop"}); err != nil {
				t.Fatal(err)
			}
			checkWidth(t, b.String(), w)
			golden.RequireEqual(t, b.Bytes())
		})
	}
	var b bytes.Buffer
	if err := RenderMarkdown(&b, versusResult(t), ReportOptions{}); err != nil || !strings.Contains(b.String(), "### 2024-03-15..2024-03-31 vs 2024-03-01..2024-03-14") {
		t.Errorf("markdown: %v\n%s", err, b.String())
	}
}

func TestRenderReport(t *testing.T) {
	for _, c := range []struct {
		name  string
		by    string
		every string
		width int
	}{
		{"plain_80", "", "", 80},
		{"device_80", "device", "", 80},
		{"device_60", "device", "", 60},
		{"device_140", "device", "", 140},
		{"trend_week_80", "", funnel.Week, 80},
		{"trend_day_device_60", "device", funnel.Day, 60},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderReport(&b, reportResultOver(t, c.by, c.every), ReportOptions{Width: c.width, Dataset: "shop"}); err != nil {
				t.Fatal(err)
			}
			checkWidth(t, b.String(), c.width)
			golden.RequireEqual(t, b.Bytes())
		})
	}
}

func TestRenderReportColor(t *testing.T) {
	var plain, color bytes.Buffer
	res := reportResult(t, "device")
	RenderReport(&plain, res, ReportOptions{})
	RenderReport(&color, res, ReportOptions{Color: true})
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("escape codes without Color")
	}
	if !strings.Contains(color.String(), "\x1b[") {
		t.Error("no escape codes with Color")
	}
}

func TestRenderReportEmpty(t *testing.T) {
	var b bytes.Buffer
	res := &funnel.Result{Name: "nobody", Steps: []funnel.StepResult{{Name: "a"}, {Name: "b"}}}
	if err := RenderReport(&b, res, ReportOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Nobody entered this funnel") {
		t.Fatalf("got %q", b.String())
	}
	if RenderReport(&b, nil, ReportOptions{}) == nil {
		t.Fatal("nil result should be an error")
	}
}

func TestRenderMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := RenderMarkdown(&b, reportResultOver(t, "device", funnel.Week), ReportOptions{}); err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, b.Bytes())
}

func TestRenderCompare(t *testing.T) {
	for _, w := range []int{80, 160} {
		t.Run(itoa(w), func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderCompare(&b, testComparisons(), ReportOptions{Width: w}); err != nil {
				t.Fatal(err)
			}
			checkWidth(t, b.String(), w)
			golden.RequireEqual(t, b.Bytes())
		})
	}
}

func checkWidth(t *testing.T, s string, w int) {
	t.Helper()
	for i, l := range strings.Split(s, "\n") {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("line %d is %d wide (max %d): %q", i, lw, w, l)
		}
	}
}
