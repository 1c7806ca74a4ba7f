package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// fullHelp lays the binding table's groups out as titled columns, starting
// a new row of columns when the next one would not fit, so no group is ever
// cut off. A key that is off right now is marked (pressing it says why).
func fullHelp(st *Styles, groups [][]helpEntry, w int) string {
	var blocks []string
	for gi, g := range groups {
		if len(g) == 0 {
			continue
		}
		keyW := 0
		for _, e := range g {
			keyW = maxInt(keyW, lipgloss.Width(e.key))
		}
		lines := []string{st.Bold.Render(helpGroups[gi])}
		for _, e := range g {
			line := st.Key.Render(padRight(e.key, keyW)) + " " + e.desc
			if e.off != "" {
				line += st.Faint.Render(" (off)")
			}
			lines = append(lines, line)
		}
		blocks = append(blocks, strings.Join(lines, "\n"))
	}
	const gap = "    "
	var rows []string
	var row []string
	rowW := 0
	flush := func() {
		if len(row) > 0 {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
		}
		row, rowW = nil, 0
	}
	for _, b := range blocks {
		bw := lipgloss.Width(b)
		if len(row) > 0 && rowW+len(gap)+bw > w {
			flush()
		}
		if len(row) > 0 {
			row = append(row, gap)
			rowW += len(gap)
		}
		row = append(row, b)
		rowW += bw
	}
	flush()
	return strings.Join(rows, "\n\n")
}
