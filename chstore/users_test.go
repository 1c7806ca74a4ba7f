package chstore

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"microfunnel/funnel"
)

// EachUser lists the users, levels and chain times the embedded store's
// `users` lists, in its order, on one file and on appended files (whose
// users span more than windowFunnel's 24 days too).
func TestEachUserMatchesEmbedded(t *testing.T) {
	head := "user,event,time,device,plan\n"
	extra := []byte(head + "u0003,a,2026-09-01T00:00:00.000Z,mobile,pro\nu0003,b,2026-11-20T00:00:00.000Z,mobile,pro\nzz,a,2026-09-02T00:00:00.000Z,,\n")
	fixtures := map[string]fixture{
		"one file": newFixture(t, genCSV(11, 900, false)),
		"appended": newFixture(t, genCSV(11, 900, false), genCSV(12, 1000, false), extra),
	}
	defs := []struct {
		steps string
		mod   func(*funnel.Definition)
	}{
		{"a,b,c", nil},
		{"a,b|c", func(d *funnel.Definition) { d.Window = funnel.Duration(time.Hour) }},
		{"a[device=mobile],b", func(d *funnel.Definition) { d.Window = funnel.Duration(90 * 24 * time.Hour) }},
		{"a,b,c", func(d *funnel.Definition) { d.From, d.To = date("2026-09-05"), date("2026-09-15") }},
	}
	for name, f := range fixtures {
		users := embeddedUsers(t, f)
		for _, c := range defs {
			d := def(t, c.steps, c.mod)
			n := len(d.Steps)
			for _, r := range [][2]int{{1, n}, {2, n}, {n, n}, {1, 1}, {n - 1, n - 1}} {
				t.Run(fmt.Sprintf("%s %s %v", name, c.steps, r), func(t *testing.T) {
					var got []string
					err := f.ch.EachUser(f.ctx, "d", &d, r[0], r[1], func(id string, last int64, level int) error {
						got = append(got, fmt.Sprintf("%s %d %d", id, level, last))
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					scan, err := funnel.NewUserScan(&d, f.ev)
					if err != nil {
						t.Fatal(err)
					}
					var want []string
					for {
						u, ok := scan.Next()
						if !ok {
							break
						}
						if u.Level >= r[0] && u.Level <= r[1] {
							want = append(want, fmt.Sprintf("%s %d %d", users[u.User], u.Level, u.Last))
						}
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("ClickHouse lists %d users, the embedded store %d:\n%.5q\n%.5q", len(got), len(want), got, want)
					}
				})
			}
		}
	}
}

func embeddedUsers(t *testing.T, f fixture) []string {
	var out []string
	if err := f.st.EachUserID(f.ctx, "d", func(_ int, id string) error {
		out = append(out, id)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
