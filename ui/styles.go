package ui

import (
	"github.com/charmbracelet/lipgloss"
)

// Theme holds the semantic colours. Each is adaptive so one theme reads on
// dark and light terminals; nothing outside this file names a colour.
type Theme struct {
	Text    lipgloss.AdaptiveColor
	Faint   lipgloss.AdaptiveColor
	Border  lipgloss.AdaptiveColor
	Primary lipgloss.AdaptiveColor
	Success lipgloss.AdaptiveColor
	Warning lipgloss.AdaptiveColor
	Danger  lipgloss.AdaptiveColor
	// Series colours tell marked segments apart in grouped bars.
	Series []lipgloss.AdaptiveColor
}

// DefaultTheme is the one theme microfunnel ships.
func DefaultTheme() Theme {
	return Theme{
		Text:    lipgloss.AdaptiveColor{Light: "#1F2328", Dark: "#E6EDF3"},
		Faint:   lipgloss.AdaptiveColor{Light: "#6E7781", Dark: "#8B949E"},
		Border:  lipgloss.AdaptiveColor{Light: "#D0D7DE", Dark: "#3D444D"},
		Primary: lipgloss.AdaptiveColor{Light: "#6639BA", Dark: "#B392F0"},
		Success: lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#3FB950"},
		Warning: lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#D29922"},
		Danger:  lipgloss.AdaptiveColor{Light: "#CF222E", Dark: "#F85149"},
		Series: []lipgloss.AdaptiveColor{
			{Light: "#0969DA", Dark: "#58A6FF"},
			{Light: "#BC4C00", Dark: "#F0883E"},
			{Light: "#1A7F37", Dark: "#3FB950"},
			{Light: "#BF3989", Dark: "#F778BA"},
			{Light: "#6639BA", Dark: "#B392F0"},
			{Light: "#9A6700", Dark: "#D29922"},
		},
	}
}

// Styles is built once from a Theme and passed down to every pane and to the
// report renderers, so a colour change happens in one place.
type Styles struct {
	Color bool

	Text       lipgloss.Style
	Faint      lipgloss.Style
	Bold       lipgloss.Style
	Title      lipgloss.Style
	PaneTitle  lipgloss.Style
	PaneActive lipgloss.Style
	Selected   lipgloss.Style
	Cursor     lipgloss.Style
	Bar        lipgloss.Style
	BarRest    lipgloss.Style
	Worst      lipgloss.Style
	Good       lipgloss.Style
	Sig        lipgloss.Style
	Err        lipgloss.Style
	Info       lipgloss.Style
	Key        lipgloss.Style
	Series     []lipgloss.Style
}

// NewStyles builds Styles from a theme with renderer r (nil means the
// default renderer). Without colour every style keeps only bold/reverse, so
// structure survives NO_COLOR and piping.
func NewStyles(r *lipgloss.Renderer, t Theme, color bool) Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	ns := r.NewStyle
	fg := func(c lipgloss.AdaptiveColor) lipgloss.Style {
		if !color {
			return ns()
		}
		return ns().Foreground(c)
	}
	s := Styles{
		Color:      color,
		Text:       fg(t.Text),
		Faint:      fg(t.Faint),
		Bold:       ns().Bold(true),
		Title:      fg(t.Primary).Bold(true),
		PaneTitle:  fg(t.Faint).Bold(true),
		PaneActive: fg(t.Primary).Bold(true),
		Selected:   fg(t.Primary).Bold(true),
		Cursor:     fg(t.Primary).Bold(true),
		Bar:        fg(t.Primary),
		BarRest:    fg(t.Border),
		Worst:      fg(t.Danger).Bold(true),
		Good:       fg(t.Success),
		Sig:        fg(t.Warning).Bold(true),
		Err:        fg(t.Danger).Bold(true),
		Info:       fg(t.Faint),
		Key:        fg(t.Primary),
	}
	for _, c := range t.Series {
		s.Series = append(s.Series, fg(c))
	}
	return s
}

// series is the style of the i-th marked segment.
func (s Styles) series(i int) lipgloss.Style {
	if len(s.Series) == 0 {
		return s.Bar
	}
	return s.Series[i%len(s.Series)]
}

// paneTitle draws pane titles: the focused pane's marked with "▶ " so focus
// shows without colour too (NO_COLOR, a monochrome terminal).
func paneTitle(st *Styles, active bool) func(string) string {
	if active {
		return func(t string) string { return st.PaneActive.Render("▶ " + t) }
	}
	return func(t string) string { return st.PaneTitle.Render("  " + t) }
}
