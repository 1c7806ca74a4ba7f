package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"microfunnel/funnel"
)

// person is one person of a generated vendor export: anonymous first, then
// maybe logged in, walking part of view -> cart -> purchase.
type person struct {
	anon, known string
	loginAt     int // step index at which they log in (len(steps): never)
	steps       int // steps done: 1..3
}

var shapeSteps = []string{"view_product", "add_to_cart", "purchase"}

// genShape writes a vendor export of people, with identity calls at login,
// events before login under the anonymous id and after it under the known
// one, and about one event in ten delivered twice. It returns the lines,
// in time order, and how many identity calls and duplicates it wrote.
func genShape(r *rand.Rand, shape string, people []person) (lines []string, identities, dups int) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	type out struct {
		t    time.Time
		line string
	}
	var all []out
	id := 0
	for pi, p := range people {
		t := t0.Add(time.Duration(pi) * time.Minute)
		for s := 0; s < p.steps; s++ {
			t = t.Add(time.Duration(1+r.IntN(30)) * time.Minute)
			if s == p.loginAt {
				identities++
				var l map[string]any
				switch shape {
				case "segment":
					l = map[string]any{"type": "identify", "userId": p.known, "anonymousId": p.anon, "messageId": fmt.Sprint("m", id), "timestamp": t.Format(time.RFC3339Nano), "traits": map[string]any{"plan": "pro"}}
				case "mixpanel":
					l = map[string]any{"event": "$identify", "properties": map[string]any{"distinct_id": p.known, "$identified_id": p.known, "$anon_id": p.anon, "time": t.Unix(), "$insert_id": fmt.Sprint("m", id)}}
				case "posthog":
					l = map[string]any{"event": "$identify", "distinct_id": p.known, "uuid": fmt.Sprint("m", id), "timestamp": t.Format(time.RFC3339Nano), "properties": map[string]any{"$anon_distinct_id": p.anon}}
				default:
					identities-- // amplitude and GA4 link through events that carry both ids
				}
				if l != nil {
					b, _ := json.Marshal(l)
					all = append(all, out{t, string(b)})
					id++
				}
			}
			user, anon := p.anon, ""
			if s >= p.loginAt {
				user, anon = p.known, p.anon
			}
			var l map[string]any
			ins := fmt.Sprint("e", id)
			id++
			price := fmt.Sprintf("%d.%02d", 5+r.IntN(200), r.IntN(100))
			switch shape {
			case "segment":
				l = map[string]any{"type": "track", "event": shapeSteps[s], "anonymousId": p.anon, "messageId": ins, "timestamp": t.Format(time.RFC3339Nano), "properties": map[string]any{"price": price}, "context": map[string]any{"os": "iOS"}}
				if anon != "" {
					l["userId"] = user
				} else {
					l["userId"] = nil
				}
			case "mixpanel":
				l = map[string]any{"event": shapeSteps[s], "properties": map[string]any{"distinct_id": user, "time": t.UnixMilli(), "$insert_id": ins, "$os": "iOS", "price": price}}
			case "posthog":
				l = map[string]any{"event": shapeSteps[s], "distinct_id": user, "uuid": ins, "timestamp": t.Format(time.RFC3339Nano), "properties": map[string]any{"$os": "iOS", "price": price}}
			case "amplitude":
				l = map[string]any{"event_type": shapeSteps[s], "device_id": p.anon, "user_id": nil, "insert_id": ins, "event_time": t.Format("2006-01-02 15:04:05.000000"), "event_properties": map[string]any{"price": price}, "user_properties": map[string]any{"plan": "pro"}}
				if anon != "" {
					l["user_id"] = user
				}
			case "ga4":
				l = map[string]any{"event_name": shapeSteps[s], "event_timestamp": t.UnixMicro(), "user_pseudo_id": p.anon, "user_id": nil,
					"event_params": []any{map[string]any{"key": "price", "value": map[string]any{"string_value": price, "int_value": nil}}}}
				if anon != "" {
					l["user_id"] = user
				}
			}
			b, _ := json.Marshal(l)
			all = append(all, out{t, string(b)})
			if shape != "ga4" && r.IntN(10) == 0 {
				all = append(all, out{t.Add(time.Second), string(b)}) // a retried delivery
				dups++
			}
		}
	}
	// Exports come in time order, people interleaved.
	slices.SortStableFunc(all, func(a, b out) int { return a.t.Compare(b.t) })
	for _, o := range all {
		lines = append(lines, o.line)
	}
	return lines, identities, dups
}

func genPeople(r *rand.Rand, n int) []person {
	ps := make([]person, n)
	for i := range ps {
		ps[i] = person{anon: fmt.Sprintf("anon-%d", i), known: fmt.Sprintf("user-%d", i), steps: 1 + r.IntN(3), loginAt: 99}
		if r.IntN(10) < 6 {
			ps[i].loginAt = r.IntN(ps[i].steps)
		}
	}
	return ps
}

// Each vendor shape, with identity calls, anonymous-then-known people and
// retried duplicates, imports to one user a person and one event a
// delivery, and its funnel counts people, as counted here from the people
// themselves; split across two files, the second's identity calls merge
// the first's anonymous events.
func TestImportVendorShapes(t *testing.T) {
	ctx := context.Background()
	labels := map[string]string{"segment": "a Segment export", "mixpanel": "a Mixpanel export", "posthog": "a PostHog export", "amplitude": "an Amplitude export", "ga4": "a GA4 BigQuery export"}
	for _, shape := range ShapeNames {
		t.Run(shape, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			people := genPeople(r, 300)
			lines, identities, dups := genShape(r, shape, people)
			var events int
			reach := make([]int64, 3)
			for _, p := range people {
				events += p.steps
				for s := 0; s < p.steps; s++ {
					reach[s]++
				}
			}
			def := &funnel.Definition{Steps: []funnel.Step{{Events: []string{shapeSteps[0]}}, {Events: []string{shapeSteps[1]}}, {Events: []string{shapeSteps[2]}}}}
			check := func(t *testing.T, s *Store, ds string) {
				info, err := s.Dataset(ctx, ds)
				if err != nil {
					t.Fatal(err)
				}
				if info.Users != int64(len(people)) || info.Events != int64(events) {
					t.Fatalf("%d users and %d events, want %d people and %d events", info.Users, info.Events, len(people), events)
				}
				ev, err := s.Load(ctx, ds)
				if err != nil {
					t.Fatal(err)
				}
				res, err := funnel.Compute(def, ev)
				if err != nil {
					t.Fatal(err)
				}
				for k, st := range res.Steps {
					if st.Users != reach[k] {
						t.Fatalf("step %d: %d users, want %d", k+1, st.Users, reach[k])
					}
				}
				if price := map[bool]string{true: "event_params.price", false: "price"}[shape == "ga4"]; !ev.HasKey(price) {
					t.Fatalf("no top-level price property: %v", ev.KeyNames())
				}
			}
			s, _ := openTemp(t)
			st, err := s.Import(ctx, "one", shape+".ndjson", strings.NewReader(strings.Join(lines, "\n")+"\n"), ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if st.Shape != labels[shape] || st.IdentityCalls != int64(identities) || st.Duplicates != int64(dups) {
				t.Fatalf("stats %+v: want shape %q, %d identity calls, %d duplicates", st, labels[shape], identities, dups)
			}
			check(t, s, "one")
			// Two files: the anonymous first half, then the rest.
			half := len(lines) / 2
			for i, part := range []string{strings.Join(lines[:half], "\n"), strings.Join(lines[half:], "\n")} {
				if _, err := s.Import(ctx, "two", fmt.Sprintf("%s-%d.ndjson", shape, i), strings.NewReader(part+"\n"), ImportOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			check(t, s, "two")
			// The same file again with --force adds nothing: every event is a duplicate.
			st, err = s.Import(ctx, "one", shape+".ndjson", strings.NewReader(strings.Join(lines, "\n")+"\n"), ImportOptions{Force: true})
			if shape != "ga4" {
				if err != nil || st.Events != 0 {
					t.Fatalf("re-import: %+v, %v", st, err)
				}
				check(t, s, "one")
			}
			// --no-stitch keeps every id a user of its own.
			if _, err := s.Import(ctx, "apart", shape+".ndjson", strings.NewReader(strings.Join(lines, "\n")+"\n"), ImportOptions{NoStitch: true}); err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for _, p := range people {
				if p.loginAt > 0 {
					ids[p.anon] = true
				}
				if p.loginAt < p.steps {
					ids[p.known] = true
				}
			}
			if info, _ := s.Dataset(ctx, "apart"); info.Users != int64(len(ids)) {
				t.Fatalf("--no-stitch: %d users, want %d ids", info.Users, len(ids))
			}
		})
	}
}

func TestImportIdentityAndDedupConflicts(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	lines := []string{
		`{"type":"identify","userId":"u1","anonymousId":"a1","messageId":"m1","timestamp":"2026-03-02T08:00:00Z"}`,
		`{"type":"identify","userId":"u2","anonymousId":"a1","messageId":"m2","timestamp":"2026-03-02T08:01:00Z"}`,
		`{"type":"track","event":"view","anonymousId":"a1","messageId":"m3","timestamp":"2026-03-02T08:02:00Z"}`,
		`{"type":"track","event":"view","userId":"u2","messageId":"m4","timestamp":"2026-03-02T08:03:00Z"}`,
		`{"type":"track","event":"buy","userId":"u2","messageId":"m4","timestamp":"2026-03-02T08:04:00Z"}`,
		`{"type":"group","userId":"u2","groupId":"g1","messageId":"m5","timestamp":"2026-03-02T08:05:00Z"}`,
		`{"type":"page","name":"Pricing","anonymousId":"a9","messageId":"m6","timestamp":"2026-03-02T08:06:00Z"}`,
		`{"type":"page","anonymousId":"a9","messageId":"m7","timestamp":"2026-03-02T08:07:00Z"}`,
	}
	st, err := s.Import(ctx, "d", "s.ndjson", strings.NewReader(strings.Join(lines, "\n")), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 4 || st.Duplicates != 1 || st.IdentityCalls != 2 || st.Skipped["group calls"] != 1 || len(st.Warnings) != 2 ||
		!strings.Contains(st.Warnings[0], "1 identity links tie an id already joined") || !strings.Contains(st.Warnings[1], "1 events reuse the messageId") {
		t.Fatalf("stats %+v", st)
	}
	var b strings.Builder
	if _, err := s.Export(ctx, "d", "csv", &b); err != nil {
		t.Fatal(err)
	}
	// a1 stays with u1 (the first identify); m4's second use is dropped.
	if !strings.Contains(b.String(), "u1,view,2026-03-02T08:02:00.000Z") || !strings.Contains(b.String(), "u2,view,2026-03-02T08:03:00.000Z") || strings.Contains(b.String(), "buy") ||
		!strings.Contains(b.String(), "a9,Pricing,2026-03-02T08:06:00.000Z") || !strings.Contains(b.String(), "a9,page,2026-03-02T08:07:00.000Z") {
		t.Fatalf("export:\n%s", b.String())
	}
}

func TestImportHeaderlessAndAccessLog(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	taobao := "1,2268318,2520377,pv,1511544070\n1,2333346,2520771,cart,1511561733\n2,2576651,149192,buy,1511572885\n"
	st, err := s.Import(ctx, "taobao", "UserBehavior.csv", strings.NewReader(taobao), ImportOptions{Columns: []string{"user_id", "item_id", "category_id", "behavior", "timestamp"}, EventCol: "behavior"})
	if err != nil || st.Events != 3 || st.Users != 2 {
		t.Fatalf("headerless: %+v, %v", st, err)
	}
	_, err = s.Import(ctx, "taobao2", "UserBehavior.csv", strings.NewReader(taobao+"3,1,2,pv\n"), ImportOptions{Columns: []string{"user_id", "item_id", "category_id", "behavior", "timestamp"}, EventCol: "behavior"})
	if err == nil || !strings.Contains(err.Error(), "line 4: wrong column count: 4, --columns names 5") {
		t.Fatalf("short row: %v", err)
	}
	log := `203.0.113.7 - - [10/Mar/2026:13:55:36 +0000] "GET /pricing?utm=x HTTP/1.1" 200 2326 "https://search.example/" "Mozilla/5.0 (X11)"
203.0.113.7 - - [10/Mar/2026:13:55:37 +0000] "GET /static/app.css HTTP/1.1" 200 120 "https://site/" "Mozilla/5.0 (X11)"
198.51.100.2 - - [10/Mar/2026:13:56:00 +0000] "GET /downloads/guide.pdf HTTP/1.1" 200 9000 "-" "Googlebot/2.1"
203.0.113.7 - - [10/Mar/2026:13:57:10 +0000] "GET /downloads/guide.pdf HTTP/1.1" 200 9000 "https://site/pricing" "Mozilla/5.0 (X11)"
203.0.113.7 - - [10/Mar/2026:13:58:00 +0100] "POST /webinar/register HTTP/1.1" 302 0 "https://site/" "Mozilla/5.0 (X11)"
198.51.100.9 - - [10/Mar/2026:14:00:00 +0000] "GET / HTTP/1.0" 404 0
`
	m, err := ParseEventMap(strings.NewReader("# content site\n/downloads/* download_material\n/webinar/register register_webinar\n"))
	if err != nil {
		t.Fatal(err)
	}
	st, err = s.Import(ctx, "logs", "access.log", strings.NewReader(log), ImportOptions{EventMap: m})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 4 || st.Users != 2 || st.Skipped["static files"] != 1 || st.Skipped["bots"] != 1 {
		t.Fatalf("access log: %+v", st)
	}
	ec, _ := s.EventCounts(ctx, "logs")
	got := map[string]int64{}
	for _, e := range ec {
		got[e.Name] = e.Events
	}
	if got["/pricing"] != 1 || got["download_material"] != 1 || got["register_webinar"] != 1 || got["/"] != 1 {
		t.Fatalf("events: %+v", got)
	}
	_, err = s.Import(ctx, "bad", "access.log", strings.NewReader(log+"203.0.113.7 - - [bad time] \"GET / HTTP/1.1\" 200 1\n"), ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), `line 7: malformed access log line: unparseable time "bad time"`) {
		t.Fatalf("malformed line: %v", err)
	}
}

// BenchmarkImportShape imports the same Segment export (identify calls,
// anonymous-then-known people, one delivery in ten retried) with its shape,
// which stitches ids and de-duplicates, and with --shape none, which reads
// it as plain NDJSON: the difference is what stitching and
// de-duplication cost.
//
//	go test ./store -run '^$' -bench ImportShape -benchtime 3x
func BenchmarkImportShape(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	lines, _, _ := genShape(r, "segment", genPeople(r, 250_000))
	data := strings.Join(lines, "\n") + "\n"
	for _, sh := range []string{"segment", "none"} {
		b.Run(sh, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s, _ := openTemp(b)
				if _, err := s.Import(context.Background(), "d", "s.ndjson", strings.NewReader(data), ImportOptions{Shape: sh, SkipBad: sh == "none"}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// FuzzParseLogLine: any line is parsed or refused, never a panic, and a
// parsed line has a client, a method and a 3-digit status.
func FuzzParseLogLine(f *testing.F) {
	f.Add(`203.0.113.7 - - [10/Mar/2026:13:55:36 +0000] "GET /pricing?utm=x HTTP/1.1" 200 2326 "https://search.example/" "Mozilla/5.0 (X11)"`)
	f.Add(`::1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a\"b HTTP/1.0" 404 -`)
	f.Add(`1.2.3.4 - - [x] "" 200 1`)
	f.Fuzz(func(t *testing.T, line string) {
		l, err := parseLogLine(line)
		if err == nil && (l.host == "" || l.method == "" || len(l.status) != 3) {
			t.Fatalf("accepted %q as %+v", line, l)
		}
	})
}
