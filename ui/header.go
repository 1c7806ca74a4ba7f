package ui

import (
	"strings"
	"time"

	"microfunnel/funnel"
	"microfunnel/store"
)

// header is two lines: where the data comes from, and how the funnel is
// counted, so a screenshot of the dashboard explains its own numbers.
type header struct {
	common
	dbPath    string
	info      store.DatasetInfo
	def       funnel.Definition
	segFilter *funnel.Filter
	busy      string // spinner frame and what is running
	took      time.Duration
}

func (h *header) SetSize(w, _ int) { h.w = w }

func (h header) Height() int { return 2 }

func (h header) View() string {
	st := h.st
	sep := st.Faint.Render(" · ")
	l1 := []string{st.Title.Render("microfunnel")}
	if h.dbPath != "" {
		l1 = append(l1, st.Faint.Render(h.dbPath))
	}
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
	l2 := []string{st.Bold.Render(name), "window " + windowOf(h.def).String(), modeOf(h.def), "counting " + countOf(h.def)}
	if h.def.By != "" {
		l2 = append(l2, "by "+h.def.By)
	}
	if h.segFilter != nil {
		l2 = append(l2, st.Sig.Render("segment "+fmtFilter(*h.segFilter))+st.Faint.Render(" (x clears)"))
	}
	switch {
	case h.busy != "":
		l2 = append(l2, st.Info.Render(h.busy))
	case h.took > 0:
		l2 = append(l2, st.Faint.Render("computed in "+h.took.Round(100*time.Microsecond).String()))
	}
	return clamp(strings.Join(l1, sep)+"\n"+strings.Join(l2, sep), h.w, 2)
}
