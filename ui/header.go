package ui

import (
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"microfunnel/dataset"
	"microfunnel/funnel"
)

// header is two lines: where the data comes from, and how the funnel is
// counted, so a screenshot of the dashboard explains its own numbers.
type header struct {
	common
	dbPath  string
	info    dataset.Info
	def     funnel.Definition
	changed bool   // the funnel differs from the one opened or saved
	busy    string // spinner frame and what is running
	took    time.Duration
}

func (h *header) SetSize(w, _ int) { h.w = w }

// Height is 2, and 3 when settings beyond window, mode and counting are
// active (filters, dates, max gap, exclusions): they get a line of their own.
func (h header) Height() int {
	if len(h.extra()) > 0 {
		return 3
	}
	return 2
}

// extra is the active settings of the third line: every one of
// settingLines but the segment (on line 2) and step filters (on the steps).
func (h header) extra() []string {
	d := h.def
	d.Segment = nil
	d.Steps = nil
	return settingLines(&d)
}

// ShortHelp is empty: the header has no keys of its own.
func (h *header) ShortHelp() []key.Binding { return nil }

func (h *header) View() string {
	st := h.st
	sep := st.Faint.Render(" · ")
	l1 := []string{st.Title.Render("microfunnel")}
	if h.dbPath != "" {
		l1 = append(l1, st.Faint.Render(h.dbPath))
	}
	dbAt := len(l1) - 1
	if h.info.Name != "" {
		l1 = append(l1, st.Bold.Render(h.info.Name),
			fmtInt(h.info.Users)+" users", fmtInt(h.info.Events)+" events")
		if !h.info.First.IsZero() {
			l1 = append(l1, h.info.First.UTC().Format("2006-01-02")+" → "+h.info.Last.UTC().Format("2006-01-02"))
		}
	}
	name := h.def.Name
	if name == "" {
		name = "(unnamed funnel)"
	}
	// What would change the numbers most (a segment filter, a computation
	// under way) comes first, so a narrow terminal cuts the least of it.
	if h.changed {
		name += " (changed)"
	}
	l2 := []string{st.Bold.Render(name)}
	if s := h.def.Segment; s != nil {
		l2 = append(l2, st.Sig.Render("segment "+s.String())+st.Faint.Render(" (x clears)"))
	}
	l2 = append(l2, "window "+windowOf(h.def).String(), modeOf(h.def), "counting "+countOf(h.def))
	if h.def.By != "" {
		l2 = append(l2, "by "+h.def.By)
	}
	// The spinner or the timing keeps its place at the end of the line,
	// whatever the width: it says whether the numbers are current.
	right := ""
	switch {
	case h.busy != "":
		right = st.Info.Render(h.busy)
	case h.took > 0:
		right = st.Faint.Render("computed in " + h.took.Round(100*time.Microsecond).String())
	}
	line2 := strings.Join(l2, sep)
	if right != "" {
		if room := h.w - lipgloss.Width(right) - 3; lipgloss.Width(line2) > room && room >= 20 {
			line2 = truncate(line2, room)
		}
		line2 += sep + right
	}
	line1 := strings.Join(l1, sep)
	if lipgloss.Width(line1) > h.w && dbAt > 0 {
		// The file's name says which database; its directory can go.
		l1[dbAt] = st.Faint.Render(filepath.Base(h.dbPath))
		line1 = strings.Join(l1, sep)
	}
	if ex := h.extra(); len(ex) > 0 {
		return clamp(line1+"\n"+line2+"\n"+st.Info.Render(strings.Join(ex, " · ")), h.w, 3)
	}
	return clamp(line1+"\n"+line2, h.w, 2)
}
