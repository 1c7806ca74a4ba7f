package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
)

// helpGroups titles the KeyMap's FullHelp columns.
var helpGroups = []string{"Move", "Edit steps", "Funnel", "Segments", "Data and views"}

// fullHelp lays the key groups out as titled columns, starting a new row of
// columns when the next one would not fit, so no group is ever cut off (the
// bubbles help view drops the columns that overflow).
func fullHelp(st *Styles, groups [][]key.Binding, w int) string {
	var blocks []string
	for gi, g := range groups {
		keyW := 0
		for _, b := range g {
			keyW = maxInt(keyW, lipgloss.Width(b.Help().Key))
		}
		var lines []string
		if gi < len(helpGroups) {
			lines = append(lines, st.Bold.Render(helpGroups[gi]))
		}
		for _, b := range g {
			if !b.Enabled() {
				continue
			}
			lines = append(lines, st.Key.Render(padRight(b.Help().Key, keyW))+" "+b.Help().Desc)
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
