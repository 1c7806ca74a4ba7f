package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"microfunnel/funnel"
)

// dropView is the drop-off panel of a step: who stopped there, what they did
// next as bars (enter offers a next event as a step or an exclusion), the
// list of those users (L) and one user's explained path (enter on a user).
type dropView struct {
	common
	step    int // 0-based step the users stopped at
	name    string
	loading bool
	err     error
	d       *funnel.Dropped
	cur     int
	offer   string // the next event offered as a step or exclusion

	users   []droppedUser // nil until listed
	more    bool          // more users than listed
	listing bool
	ucur    int
	path    []string // the explained path of a user, nil when not shown
	off     int
}

type droppedUser struct {
	index int
	id    string
	last  int64
}

// dropUsersShown bounds the list: the CLI's `users` lists them all.
const dropUsersShown = 500

type dropMsg struct {
	step int
	d    *funnel.Dropped
	err  error
}

type dropUsersMsg struct {
	users []droppedUser
	more  bool
	err   error
}

type explainMsg struct {
	lines []string
	err   error
}

// userIDs is what a Backend may offer to name users (store.Store does).
type userIDs interface {
	EachUserID(ctx context.Context, dataset string, fn func(u int, id string) error) error
}

func (v *dropView) SetSize(w, h int) { v.w, v.h = w, h }

func (v *dropView) ShortHelp() []key.Binding { return v.keysOf(inDrop) }

// dropCmd computes what the users who stopped at step did next.
func dropCmd(def funnel.Definition, ev *funnel.Events, step int) tea.Cmd {
	return func() tea.Msg {
		res, err := funnel.ComputeDropped(&def, ev, funnel.DropOptions{Top: 10, Depth: 1})
		if err != nil {
			return dropMsg{step: step, err: err}
		}
		if res.DroppedNote != "" {
			return dropMsg{step: step, err: errors.New(res.DroppedNote)}
		}
		return dropMsg{step: step, d: res.Steps[step].Dropped}
	}
}

var errEnough = errors.New("enough")

// dropUsersCmd lists up to dropUsersShown users who stopped at step, named
// by the backend when it can.
func dropUsersCmd(ctx context.Context, be Backend, dataset string, def funnel.Definition, ev *funnel.Events, step int) tea.Cmd {
	return func() tea.Msg {
		scan, err := funnel.NewUserScan(&def, ev)
		if err != nil {
			return dropUsersMsg{err: err}
		}
		var out []droppedUser
		more := false
		for {
			u, ok := scan.Next()
			if !ok {
				break
			}
			if u.Level != step+1 {
				continue
			}
			if len(out) == dropUsersShown {
				more = true
				break
			}
			out = append(out, droppedUser{index: u.User, id: fmt.Sprintf("#%d", u.User), last: u.Last})
		}
		if ids, ok := be.(userIDs); ok && len(out) > 0 {
			j := 0
			err := ids.EachUserID(ctx, dataset, func(u int, id string) error {
				for j < len(out) && out[j].index == u {
					out[j].id = id
					j++
				}
				if j == len(out) {
					return errEnough
				}
				return nil
			})
			if err != nil && !errors.Is(err, errEnough) {
				return dropUsersMsg{err: err}
			}
		}
		return dropUsersMsg{users: out, more: more}
	}
}

// explainCmd explains one user's path as lines.
func explainCmd(def funnel.Definition, ev *funnel.Events, u droppedUser) tea.Cmd {
	return func() tea.Msg {
		x, err := funnel.Explain(&def, ev, u.index)
		if err != nil {
			return explainMsg{err: err}
		}
		return explainMsg{lines: explainLines(def, ev, u.id, x)}
	}
}

func hhmm(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05") }

// explainLines is the user's path: the chain, why it stopped, then the
// events (at most 200, from a few before the chain) with the steps marked.
func explainLines(def funnel.Definition, ev *funnel.Events, id string, x *funnel.Explanation) []string {
	out := []string{fmt.Sprintf("user %s · reached step %d of %d", id, x.Reached, len(def.Steps))}
	stepOf := map[uint32]int{}
	for k, i := range x.Chain {
		stepOf[i] = k + 1
		out = append(out, fmt.Sprintf("  step %d %s at %s", k+1, def.Steps[k].StepName(), hhmm(ev.Time[i])))
	}
	if x.Stopped != nil {
		out = append(out, "stopped: "+x.Stopped.Detail)
	}
	lo, hi := int(ev.UserStart[x.User]), int(ev.UserStart[x.User+1])
	from := lo
	if len(x.Chain) > 0 {
		from = maxInt(lo, int(x.Chain[0])-3)
	}
	to := minInt(hi, from+200)
	out = append(out, "", fmt.Sprintf("events %d-%d of %d", from-lo+1, to-lo, hi-lo))
	for i := from; i < to; i++ {
		mark := "  "
		if k, ok := stepOf[uint32(i)]; ok {
			mark = fmt.Sprintf("%d ", k)
		}
		out = append(out, fmt.Sprintf("%s %s %s", mark, hhmm(ev.Time[i]), ev.Names[ev.Name[i]]))
	}
	return out
}

func (v *dropView) move(delta int) {
	switch {
	case v.path != nil:
		v.off = maxInt(0, v.off+delta)
	case v.listing:
		v.ucur = minInt(maxInt(0, v.ucur+delta), maxInt(0, len(v.users)-1))
	case v.d != nil:
		v.cur = minInt(maxInt(0, v.cur+delta), maxInt(0, len(v.d.Next)-1))
	}
}

// chosen is the next event under the cursor, "" when it cannot be a step
// ((none), (other)).
func (v *dropView) chosen() string {
	if v.d == nil || v.cur >= len(v.d.Next) {
		return ""
	}
	e := v.d.Next[v.cur].Event
	if e == funnel.NextNone || e == funnel.NextOther {
		return ""
	}
	return e
}

func (v *dropView) View(spin string) string {
	st := v.st
	title := st.PaneActive.Render(fmt.Sprintf("Drop-off after step %d %s", v.step+1, v.name)) + st.Faint.Render(" · esc back")
	var body []string
	switch {
	case v.err != nil:
		body = []string{st.Err.Render(v.err.Error())}
	case v.loading:
		body = []string{spin + " computing…"}
	case v.path != nil:
		for _, l := range v.path[minInt(v.off, maxInt(0, len(v.path)-1)):] {
			if len([]rune(l)) > v.w {
				l = wrapParts(strings.Fields(l), " ", v.w)
			}
			body = append(body, strings.Split(l, "\n")...)
		}
	case v.listing:
		n := fmt.Sprintf("%d", len(v.users))
		if v.more {
			n = fmt.Sprintf("the first %d", len(v.users))
		}
		body = strings.Split(wrapParts(strings.Fields(fmt.Sprintf("%s users who stopped here · enter explains one · microfunnel users --dropped-at %d lists all", n, v.step+1)), " ", v.w), "\n")
		rows := maxInt(1, v.h-1-len(body))
		off := maxInt(0, v.ucur-rows+1)
		for i := off; i < len(v.users) && i < off+rows; i++ {
			u := v.users[i]
			line := fmt.Sprintf("%s  last step at %s", u.id, hhmm(u.last))
			if i == v.ucur {
				line = st.Selected.Render("▸ " + line)
			} else {
				line = "  " + line
			}
			body = append(body, line)
		}
	case v.d == nil || v.d.Users == 0:
		body = []string{"Nobody stopped at this step."}
	default:
		body = append(body, strings.Split(wrapParts(strings.Fields(fmt.Sprintf("%s users stopped here. What they did next (the first event after step %d, within the window):", fmtInt(v.d.Users), v.step+1)), " ", v.w), "\n")...)
		for i, l := range dropLines(st, v.d, v.w-2) {
			if i == v.cur {
				body = append(body, st.Selected.Render("▸")+l[1:])
			} else {
				body = append(body, l)
			}
		}
		if v.offer != "" {
			offer := fmt.Sprintf("Add %s: s as a step after step %d · x as an exclusion between steps %d and %d · esc cancels", v.offer, v.step+1, v.step+1, v.step+2)
			body = append(body, "", st.Bold.Render(wrapParts(strings.Fields(offer), " ", v.w)))
		} else {
			body = append(body, "", st.Faint.Render("enter: add the event as a step or an exclusion · L: list these users"))
		}
	}
	return fitLines(clamp(title+"\n"+strings.Join(body, "\n"), v.w, v.h), v.h)
}

// openDrop opens the drop-off panel of the focused step.
func (m *Model) openDrop() tea.Cmd {
	v := &dropView{common: m.common(), step: m.step, name: m.def.Steps[m.step].StepName(), loading: true}
	m.drop = v
	m.layout()
	return tea.Batch(m.tick(), dropCmd(m.def, m.ev, m.step))
}

// noDrop is why the focused step has no drop-off panel ("" when it has).
func noDrop(m *Model) string {
	switch {
	case needLocal("the drop-off panel")(m) != "":
		return needLocal("the drop-off panel")(m)
	case m.res == nil || m.ev == nil:
		return "no funnel computed yet"
	case m.def.Mode == funnel.Any:
		return "what users did next needs an order between steps: m switches mode"
	case m.step >= len(m.def.Steps)-1:
		return "nobody drops out after the last step: focus an earlier one"
	}
	return ""
}

func needOffer(m *Model) string {
	if m.drop.offer == "" {
		return "enter on a next event first"
	}
	return ""
}

// onDropMsg files a drop-off panel's results.
func (m *Model) onDropMsg(msg tea.Msg) {
	d := m.drop
	if d == nil {
		return
	}
	switch msg := msg.(type) {
	case dropMsg:
		if msg.step == d.step {
			d.loading, d.d, d.err = false, msg.d, msg.err
		}
	case dropUsersMsg:
		d.loading, d.users, d.more, d.err = false, msg.users, msg.more, msg.err
	case explainMsg:
		d.loading, d.path, d.err = false, msg.lines, msg.err
	}
}

// needLocal says why a view is off when the funnel is computed where the
// events live (Options.Remote): it reads the events, which are not loaded.
func needLocal(what string) func(m *Model) string {
	return func(m *Model) string {
		if m.opts.Remote == nil {
			return ""
		}
		return what + " needs --db FILE: on ClickHouse the events stay on the server"
	}
}
