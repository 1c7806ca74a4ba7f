package ui

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"microfunnel/funnel"
)

// DriversNote is the one line every drivers listing carries.
const DriversNote = "Correlation, not cause: users who do more tend to do more of everything."

// DriversOptions shape the printed drivers.
type DriversOptions struct {
	Dataset  string
	Funnel   []string // the steps' names
	MinUsers int64
}

// driversCaption is what was compared, in one line.
func driversCaption(r *funnel.DriverResult, steps []string) string {
	name := func(k int) string {
		if k >= 1 && k <= len(steps) {
			return fmt.Sprintf("%s (step %d)", steps[k-1], k)
		}
		return fmt.Sprintf("step %d", k)
	}
	who := "entered"
	if r.From > 1 {
		who = "reached " + name(r.From)
	}
	return fmt.Sprintf("%s users %s; %s converted, reaching %s: %s", fmtInt(r.Entered), who,
		fmtInt(r.Converted), name(r.To), fmtPct(float64(r.Converted)/float64(max(r.Entered, 1))))
}

// DriverRow is one driver's printed cells: driver, users, conversion with,
// without, odds ratio, 95% interval, p, q, marks.
func DriverRow(d funnel.Driver) []string {
	mark := ""
	if d.Significant {
		mark = "*"
	}
	if d.Few {
		mark += " few"
	}
	return []string{d.Label(), fmtInt(d.Users), fmtPct(d.Conversion), fmtPct(d.ConversionWithout),
		ratioText(d.OddsRatio), ratioText(d.CI.Low) + "–" + ratioText(d.CI.High),
		fmtP(d.P), fmtP(d.Q), strings.TrimSpace(mark)}
}

var driverHeader = []string{"driver", "users", "conv with", "conv without", "odds ratio", "95% CI", "p", "q", "marks"}

// RenderDrivers prints the drivers as a text table.
func RenderDrivers(w io.Writer, r *funnel.DriverResult, o DriversOptions) error {
	fmt.Fprintf(w, "Drivers of %s", strings.Join(o.Funnel, " → "))
	if o.Dataset != "" {
		fmt.Fprintf(w, " · dataset %s", o.Dataset)
	}
	fmt.Fprintf(w, "\n%s\n%s\n\n", driversCaption(r, o.Funnel), DriversNote)
	if len(r.Drivers) == 0 {
		fmt.Fprintln(w, "No other event happened within any user's span, and no property value was asked for.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(driverHeader, "\t"))
	for _, d := range r.Drivers {
		fmt.Fprintln(tw, strings.Join(DriverRow(d), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n* significant: Benjamini-Hochberg q < %g. few: under %d users did it. Odds ratio above 1: goes with converting.\n", funnel.Alpha, o.MinUsers)
	return err
}

// RenderDriversMarkdown prints the drivers as a Markdown table.
func RenderDriversMarkdown(w io.Writer, r *funnel.DriverResult, o DriversOptions) error {
	fmt.Fprintf(w, "## Drivers of %s\n\n", strings.Join(o.Funnel, " → "))
	if o.Dataset != "" {
		fmt.Fprintf(w, "Dataset %s. ", o.Dataset)
	}
	fmt.Fprintf(w, "%s\n\n%s\n\n", driversCaption(r, o.Funnel), DriversNote)
	h := driverHeader
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(h, " | "), strings.Repeat("---|", len(h)))
	for _, d := range r.Drivers {
		cells := DriverRow(d)
		for i, c := range cells {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	_, err := fmt.Fprintf(w, "\n\\* significant: Benjamini-Hochberg q < %g. few: under %d users did it.\n", funnel.Alpha, o.MinUsers)
	return err
}

func ratioText(x float64) string {
	switch {
	case x < 0.001:
		return "<0.001"
	case x < 0.01:
		return strconv.FormatFloat(x, 'f', 3, 64)
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	default:
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
}
