package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// users lists exactly the users the report counts: --dropped-at K has the
// next step's drop-off rows, --reached K the step's users; CSV and JSON
// agree; the segment keeps its row.
func TestUsersMatchReport(t *testing.T) {
	db := sampleDB(t)
	out, err := run(t, "--db", db, "report", "--preset", "store", "--segment", "device=mobile", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Steps []struct {
			Users   int64 `json:"users"`
			DropOff int64 `json:"drop_off"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	n := len(rep.Steps)
	for k := 1; k <= n; k++ {
		for _, flag := range []string{"--reached", "--dropped-at"} {
			if flag == "--dropped-at" && k == n {
				continue
			}
			args := []string{"--db", db, "users", "--preset", "store", "--segment", "device=mobile", flag, strconv.Itoa(k)}
			c, err := run(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(strings.NewReader(c)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], ",") != "user,last_step_at,last_step" {
				t.Fatalf("header %v", rows[0])
			}
			want := rep.Steps[k-1].Users
			if flag == "--dropped-at" {
				want = rep.Steps[k].DropOff
			}
			if int64(len(rows)-1) != want {
				t.Errorf("%s %d: %d users, report says %d", flag, k, len(rows)-1, want)
			}
			j, err := run(t, append(args, "--format", "json")...)
			if err != nil {
				t.Fatal(err)
			}
			var list []struct {
				User     string `json:"user"`
				LastAt   string `json:"last_step_at"`
				LastStep int    `json:"last_step"`
			}
			if err := json.Unmarshal([]byte(j), &list); err != nil {
				t.Fatalf("json: %v\n%s", err, j)
			}
			if len(list) != len(rows)-1 {
				t.Fatalf("json %d rows, csv %d", len(list), len(rows)-1)
			}
			seen := map[string]bool{}
			for i, u := range list {
				r := rows[i+1]
				if u.User != r[0] || u.LastAt != r[1] || strconv.Itoa(u.LastStep) != r[2] || seen[u.User] {
					t.Fatalf("row %d: json %+v csv %v", i, u, r)
				}
				if flag == "--dropped-at" && u.LastStep != k || u.LastStep < k {
					t.Fatalf("%s %d: user %s at step %d", flag, k, u.User, u.LastStep)
				}
				seen[u.User] = true
			}
		}
	}
}

func TestUsersErrors(t *testing.T) {
	db := sampleDB(t)
	for _, c := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"--preset", "store", "--dropped-at", "4"}, "--dropped-at 4: step 4 is the funnel's last (of 4)", true},
		{[]string{"--preset", "store", "--dropped-at", "9"}, "--dropped-at 9: step 9 is the funnel's last", true},
		{[]string{"--preset", "store", "--reached", "0"}, "--reached 0: steps are numbered from 1", true},
		{[]string{"--preset", "store", "--reached", "5"}, "--reached 5: the funnel has 4 steps", true},
		{[]string{"--preset", "store"}, "give exactly one of --reached K", true},
		{[]string{"--preset", "store", "--reached", "1", "--dropped-at", "1"}, "give exactly one of --reached K", true},
		{[]string{"--preset", "store", "--reached", "1", "--format", "xml"}, `unknown --format "xml"`, true},
		{[]string{"--preset", "store", "--reached", "1", "--segment", "device=tv"}, `unknown value of device "tv"`, false},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			_, err := run(t, append([]string{"--db", db, "users"}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			var ue usageError
			if c.usage != errors.As(err, &ue) {
				t.Errorf("usage error %v, want %v (%T)", !c.usage, c.usage, err)
			}
		})
	}
}

func TestReportNextErrors(t *testing.T) {
	db := sampleDB(t)
	for _, c := range []struct{ args, want string }{
		{"--next-top 0", "--next-top 0: want at least 1"},
		{"--next-depth 4", "--next-depth 4: want 1, 2 or 3"},
		{"--next-depth 0", "--next-depth 0: want 1, 2 or 3"},
	} {
		_, err := run(t, append([]string{"--db", db, "report", "--preset", "store"}, strings.Fields(c.args)...)...)
		var ue usageError
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &ue) {
			t.Errorf("%s: err = %v, want usage error %q", c.args, err, c.want)
		}
	}
	out, err := run(t, "--db", db, "report", "--preset", "store", "--mode", "any", "--format", "json")
	if err != nil || !strings.Contains(out, `"dropped_note": "What they did next does not apply in any mode`) || strings.Contains(out, `"dropped": {`) {
		t.Errorf("any mode: err %v, no note or a dropped:\n%.400s", err, out)
	}
}
