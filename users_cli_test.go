package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
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

func TestExplainCLI(t *testing.T) {
	db := sampleDB(t)
	out, err := run(t, "--db", db, "users", "--preset", "store", "--dropped-at", "2")
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	if len(rows) < 2 {
		t.Fatalf("no dropped users:\n%s", out)
	}
	user, lastAt := rows[1][0], rows[1][1]
	j, err := run(t, "--db", db, "explain", "--preset", "store", user, "--format", "json", "--limit", "2")
	if err != nil {
		t.Fatal(err)
	}
	var x struct {
		User    string `json:"user"`
		Reached int    `json:"reached"`
		Chain   []struct {
			Step int    `json:"step"`
			Time string `json:"time"`
		} `json:"chain"`
		Stopped *struct {
			Reason string `json:"reason"`
			Step   int    `json:"step"`
		} `json:"stopped"`
		Total  int `json:"total_events"`
		Events []struct {
			Time       string            `json:"time"`
			Event      string            `json:"event"`
			Step       *int              `json:"step"`
			Properties map[string]string `json:"properties"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(j), &x); err != nil {
		t.Fatalf("%v\n%s", err, j)
	}
	if x.User != user || x.Reached != 2 || len(x.Chain) != 2 || x.Chain[1].Time != lastAt || x.Stopped == nil || x.Stopped.Step != 3 {
		t.Fatalf("explain disagrees with users (%s at %s):\n%s", user, lastAt, j)
	}
	if len(x.Events) != min(2, x.Total) || x.Events[0].Properties == nil {
		t.Fatalf("paging: %d events of %d", len(x.Events), x.Total)
	}
	for _, c := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{user[:len(user)-1]}, "not in dataset store", true},
		{[]string{user[:len(user)-1]}, "did you mean", true},
		{[]string{user, "--offset", "100000"}, "--offset 100000: user " + user + " has", true},
		{[]string{user, "--limit", "-1"}, "--limit and --offset: want 0 or more", true},
		{[]string{}, "accepts 1 arg(s), received 0", true},
	} {
		_, err := run(t, append([]string{"--db", db, "explain", "--preset", "store"}, c.args...)...)
		var ue usageError
		if err == nil || !strings.Contains(err.Error(), c.want) || c.usage != errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want %q (usage %v)", c.args, err, c.want, c.usage)
		}
	}
}

// A user with 100,000 events: explain pages them (200 by default).
func TestExplainManyEvents(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("user_id,event,time\n")
	for i := 0; i < 100_000; i++ {
		name := "browse"
		switch i {
		case 10:
			name = "view"
		case 99_990:
			name = "buy" // long after the 7-day window: 10 s apart
		}
		b.WriteString("heavy," + name + "," + strconv.Itoa(1_700_000_000+i*10) + "\n")
	}
	file := dir + "/many.csv"
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db := dir + "/t.db"
	if _, err := run(t, "--db", db, "import", "--dataset", "many", file); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "--db", db, "explain", "--dataset", "many", "--steps", "view,buy", "heavy")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "events 1-200 of 100000 (--offset 200 for the next)") || strings.Count(out, "\n") > 220 {
		t.Fatalf("not paged:\n%.600s", out)
	}
	if !strings.Contains(out, "stopped: did step 2 buy only after the window closed") {
		t.Fatalf("reason:\n%.600s", out)
	}
}

// explain lists the ids identity stitching merged into the user.
func TestExplainMergedIDs(t *testing.T) {
	dir := t.TempDir()
	lines := `{"type":"track","event":"view","anonymousId":"anon-1","timestamp":"2026-09-01T10:00:00Z"}
{"type":"identify","userId":"alice","anonymousId":"anon-1","timestamp":"2026-09-01T10:01:00Z"}
{"type":"track","event":"buy","userId":"alice","timestamp":"2026-09-01T10:02:00Z"}
{"type":"track","event":"view","userId":"bob","timestamp":"2026-09-01T10:00:00Z"}
`
	file := dir + "/segment.ndjson"
	if err := os.WriteFile(file, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	db := dir + "/t.db"
	if _, err := run(t, "--db", db, "import", "--dataset", "seg", file); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "--db", db, "explain", "--dataset", "seg", "--steps", "view,buy", "alice", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var x struct {
		Reached int      `json:"reached"`
		Merged  []string `json:"merged_ids"`
	}
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		t.Fatal(err)
	}
	if x.Reached != 2 || strings.Join(x.Merged, ",") != "anon-1" {
		t.Fatalf("got %+v\n%s", x, out)
	}
	out, err = run(t, "--db", db, "explain", "--dataset", "seg", "--steps", "view,buy", "bob")
	if err != nil || strings.Contains(out, "merged ids") || !strings.Contains(out, "never did step 2 buy") {
		t.Fatalf("bob: %v\n%s", err, out)
	}
}
