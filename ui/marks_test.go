package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/charmbracelet/x/exp/golden"

	"microfunnel/funnel"
)

func stepsOf(users ...int64) []funnel.StepResult {
	out := make([]funnel.StepResult, len(users))
	for i, u := range users {
		out[i] = funnel.StepResult{Name: "s" + itoa(i+1), Users: u}
		if i > 0 {
			out[i].DropOff = users[i-1] - u
			out[i].DropOffShare = float64(out[i].DropOff) / float64(users[i-1])
			out[i].StepConversion = float64(u) / float64(users[i-1])
		}
	}
	return out
}

// "worst" is the step that lost the most users; the lowest rate is marked
// too when it is another step.
func TestStepMarks(t *testing.T) {
	cases := []struct {
		name  string
		users []int64
		want  []string
	}{
		{"same step", []int64{1000, 400, 300}, []string{"", "worst", ""}},
		{"most lost vs lowest rate", []int64{1000, 500, 200}, []string{"", "worst", "lowest"}},
		{"lowest rate before the most lost", []int64{1000, 100, 40, 2}, []string{"", "worst", "", "lowest"}},
		{"later step lost most", []int64{1000, 900, 100}, []string{"", "", "worst"}},
		{"nobody lost", []int64{10, 10}, []string{"", ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mark := stepMarks(stepsOf(c.users...))
			for i, w := range c.want {
				if got := mark(i); got != w {
					t.Errorf("step %d: %q, want %q", i+1, got, w)
				}
			}
		})
	}
}

// With totals the report counts attempts and shows no significance; with
// settings the header lists each of them.
func TestRenderReportTotalsAndSettings(t *testing.T) {
	def := testPresets()[0].Definition
	def.By, def.Count = "device", funnel.Totals
	def.MaxGap = funnel.Duration(3600e9)
	def.Where = []funnel.Filter{{Key: "country", Op: funnel.OpIn, Values: []string{"US", "DE"}}}
	def.Steps[1].Where = []funnel.Filter{{Key: "device", Op: funnel.OpNe, Values: []string{"tablet"}}}
	def.Exclusions = []funnel.Exclusion{{Events: []string{"search"}, From: 1, To: 2}}
	from, _ := funnel.ParseDate("2024-03-02")
	def.From = &from
	res, err := funnel.Compute(&def, seededEvents(1, 400))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := RenderReport(&b, res, ReportOptions{Width: 80, Dataset: "shop", Definition: &def}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"attempts", "where country in (US,DE)", "from 2024-03-02", "max gap 1h",
		"step 2 add_to_cart where device!=tablet", "excluding search between steps 1 and 2", "No significance is"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(out, "*") || strings.Contains(out, "p=") || strings.Contains(out, " users (") {
		t.Errorf("totals report shows significance or says users:\n%s", out)
	}
	checkWidth(t, out, 80)
	golden.RequireEqual(t, b.Bytes())
	var md bytes.Buffer
	if err := RenderMarkdown(&md, res, ReportOptions{Dataset: "shop", Definition: &def}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| Attempts |") || !strings.Contains(md.String(), "- where country in (US,DE)") || strings.Contains(md.String(), "(p") {
		t.Errorf("markdown:\n%s", md.String())
	}
}

func TestRunErrInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	wrapped := fmt.Errorf("%w: %w", tea.ErrProgramKilled, context.Canceled)
	if runErr(ctx, wrapped) == nil {
		t.Fatal("killed while ctx is live must stay an error")
	}
	cancel()
	if err := runErr(ctx, wrapped); err != nil {
		t.Fatalf("interrupted: %v, want nil (exit 0)", err)
	}
	if runErr(ctx, errors.New("boom")) == nil {
		t.Fatal("other errors must pass")
	}
}
