package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func importFile(t testing.TB, s *Store, ds, name string, o ImportOptions) (InsertStats, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "import", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return s.Import(context.Background(), ds, name, f, o)
}

// dump is the store's whole content, table by table, in a stable order.
func dump(t testing.TB, s *Store) string {
	t.Helper()
	rows, err := s.db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, tb := range tables {
		rows, err := s.db.Query(`SELECT * FROM ` + tb + ` ORDER BY 1, 2`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(&b, "== %s\n", tb)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

func TestImportGood(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		file           string
		events, users  int64
		names          []string
		props          map[string][]string // key -> values (sorted as stored)
		o              ImportOptions
		firstUserTimes []int64
	}{
		{file: "good.csv", events: 5, users: 3, names: []string{"view_product", "add_to_cart", "purchase"},
			props:          map[string][]string{"device": {"mobile", "desktop", "tablet"}, "country": {"US", "DE", "FR"}, "plan": {"pro", "team"}},
			firstUserTimes: []int64{1709287200000, 1709287500000}},
		{file: "good_copy.csv.gz", events: 5, users: 3, names: []string{"view_product", "add_to_cart", "purchase"}},
		{file: "crlf_quoted.csv", events: 2, users: 1, names: []string{"a", "b"},
			props: map[string][]string{"device": {"mobile", `with "quotes", and comma`}}},
		{file: "semicolon.csv", events: 2, users: 2, names: []string{"view"}},
		{file: "segment.ndjson", events: 3, users: 2, names: []string{"view_product", "add_to_cart", "purchase"},
			props: map[string][]string{"context.device.type": {"ios", "android"}, "tags": {`["x","y"]`}, "gift": {"true"}, "price": {"49.5"}}}, // a Segment export: properties.* are top-level
		{file: "ga4.ndjson", events: 2, users: 1, names: []string{"page_view", "add_to_cart"},
			props: map[string][]string{
				"event_params.page_location":     {"https://shop.example/", "https://shop.example/p/1"},
				"event_params.ga_session_number": {"3"},
				"device.category":                {"mobile"},
				"geo.country":                    {"Germany"},
				"items":                          {`[{"item_id":"SKU1","price":9.5}]`},
			},
			firstUserTimes: []int64{1793491200123, 1793491260000}},
		{file: "mixpanel.ndjson", events: 2, users: 2, names: []string{"Signed Up", "Viewed Page"},
			props: map[string][]string{"$browser": {"Chrome", "Safari"}}}, // a Mixpanel export
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, _ := openTemp(t)
			st, err := importFile(t, s, "d", tt.file, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if st.Events != tt.events || st.Users != tt.users {
				t.Fatalf("stats = %+v, want %d events, %d users", st, tt.events, tt.users)
			}
			ev, err := s.Load(ctx, "d")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ev.Names, tt.names) {
				t.Errorf("names = %q, want %q", ev.Names, tt.names)
			}
			for k, want := range tt.props {
				p := ev.Props[k]
				if p == nil {
					t.Errorf("no property %q (have %v)", k, keysOf(ev.Props))
					continue
				}
				if !reflect.DeepEqual(p.Values[1:], want) {
					t.Errorf("property %s = %q, want %q", k, p.Values[1:], want)
				}
			}
			for _, role := range []string{"user_id", "userId", "anonymousId", "event", "time", "timestamp", "properties.time", "properties.distinct_id"} {
				if ev.Props[role] != nil {
					t.Errorf("role column %s kept as a property", role)
				}
			}
			if tt.firstUserTimes != nil && !reflect.DeepEqual(ev.Time[:ev.UserStart[1]], tt.firstUserTimes) {
				t.Errorf("user 1 times = %v, want %v", ev.Time[:ev.UserStart[1]], tt.firstUserTimes)
			}
		})
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestImportRejectsWholeFile(t *testing.T) {
	tests := []struct {
		file string
		want []string // in the message
	}{
		{"missing_user.csv", []string{"missing_user.csv", "1 bad row", "line 3: missing user"}},
		{"bad_time.csv", []string{"2 bad rows", `line 3: unparseable time "yesterday"`, "line 4: unparseable time"}},
		{"column_count.csv", []string{"line 3: wrong column count: 3, the header has 4", "line 4: wrong column count: 5"}},
		{"bad_utf8.csv", []string{"line 3: invalid UTF-8"}},
		{"bad.ndjson", []string{"line 2: invalid JSON", "line 3: not a JSON object", "line 4: missing user"}},
		{"empty.csv", []string{"empty.csv: the file is empty"}},
		{"header_only.csv", []string{"has a header but no rows"}},
		{"binary.bin", []string{"binary file"}},
		{"no_user_column.csv", []string{"no user column: looked for user_id", "--user", "columns: who, event, time"}},
	}
	s, _ := openTemp(t)
	if _, err := importFile(t, s, "d", "good.csv", ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := importFile(t, s, "d", tt.file, ImportOptions{})
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("err = %v, want ErrBadInput", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
			if after := dump(t, s); after != before {
				t.Fatalf("store changed by a rejected file")
			}
		})
	}
}

func TestImportWrongFormat(t *testing.T) {
	s, _ := openTemp(t)
	_, err := importFile(t, s, "d", "segment.ndjson", ImportOptions{Format: "csv"})
	if err == nil || !strings.Contains(err.Error(), "looks like NDJSON") {
		t.Errorf("csv on ndjson: %v", err)
	}
	_, err = importFile(t, s, "d", "good.csv", ImportOptions{Format: "ndjson"})
	if err == nil || !strings.Contains(err.Error(), "looks like CSV") {
		t.Errorf("ndjson on csv: %v", err)
	}
	_, err = importFile(t, s, "d", "good.csv", ImportOptions{Format: "xml"})
	if err == nil || !strings.Contains(err.Error(), `unknown --format "xml"`) {
		t.Errorf("xml: %v", err)
	}
}

func TestImportSkipBad(t *testing.T) {
	s, _ := openTemp(t)
	var rej bytes.Buffer
	st, err := importFile(t, s, "d", "bad_time.csv", ImportOptions{SkipBad: true, Rejects: &rej})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 1 || st.Rejected != 2 {
		t.Fatalf("stats = %+v", st)
	}
	want := "3\tunparseable time \"yesterday\" (want RFC 3339, YYYY-MM-DD HH:MM:SS or unix s/ms/us)\tu2,view,yesterday\n" +
		"4\tunparseable time \"2024-13-01T10:00:00Z\" (want RFC 3339, YYYY-MM-DD HH:MM:SS or unix s/ms/us)\tu3,view,2024-13-01T10:00:00Z\n"
	if rej.String() != want {
		t.Errorf("rejects =\n%s\nwant\n%s", rej.String(), want)
	}
}

func TestImportTwiceAddsNothing(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	if _, err := importFile(t, s, "d", "good.csv", ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	// The gzip copy has the same content: the ledger hashes what is inside.
	_, err := importFile(t, s, "d", "good_copy.csv.gz", ImportOptions{})
	if !errors.Is(err, ErrAlreadyLoaded) {
		t.Fatalf("second import: err = %v", err)
	}
	if dump(t, s) != before {
		t.Fatal("store changed by a duplicate import")
	}
	// Another dataset takes it.
	if _, err := importFile(t, s, "other", "good.csv", ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := importFile(t, s, "d", "good.csv", ImportOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	info, _ := s.Dataset(ctx, "d")
	if info.Events != 10 || info.Users != 3 {
		t.Fatalf("after --force: %+v", info)
	}
}

func TestImportLongLine(t *testing.T) {
	defer func(n int) { maxRecordBytes = n }(maxRecordBytes)
	maxRecordBytes = 3 * blockBytes // spans blocks
	s, _ := openTemp(t)
	long := "user_id,event,time\nu1,view,2024-03-01T10:00:00Z\nu2," + strings.Repeat("x", maxRecordBytes+10) + ",2024-03-01T10:00:00Z\n"
	_, err := s.Import(context.Background(), "d", "long.csv", strings.NewReader(long), ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "line 3: line longer than") {
		t.Fatalf("csv: %v", err)
	}
	nd := `{"user_id":"u1","event":"view","time":1709287200}` + "\n" + `{"user_id":"` + strings.Repeat("y", maxRecordBytes+10) + `"}` + "\n"
	_, err = s.Import(context.Background(), "d", "long.ndjson", strings.NewReader(nd), ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "line 2: line longer than") {
		t.Fatalf("ndjson: %v", err)
	}
}

// FuzzImportCSV feeds arbitrary bytes to the row parser: it must never
// panic, and what it accepts must be no more rows than the input has lines.
func FuzzImportCSV(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "import", "*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("user_id,event,time\n\"u1,view,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, skip := range []bool{false, true} {
			in, err := openInput("fuzz", bytes.NewReader(data), ImportOptions{SkipBad: skip})
			if err != nil {
				continue
			}
			bld := newBuilder()
			if _, err := in.parseAll(context.Background(), bld); err != nil {
				continue
			}
			if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) && bld.len() > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("%d events from %d lines", bld.len(), bytes.Count(data, []byte("\n"))+1)
			}
			for i := 0; i < bld.len(); i++ {
				if bld.users[bld.user[i]] == "" || bld.names.vals[bld.name[i]] == "" {
					t.Fatal("accepted a row without user or event")
				}
			}
		}
	})
}

// cancelAfter yields a CSV of many rows and cancels the import's context
// part-way, as a killed process would stop it: the transaction never
// commits, so the store must be as it was.
type cancelAfter struct {
	rows, cancelAt int
	cancel         func()
	buf            []byte
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	for len(c.buf) < len(p) {
		if c.rows == 0 {
			c.buf = append(c.buf, "user_id,event,time,device\n"...)
		}
		c.rows++
		if c.rows > 5_000_000 {
			return 0, io.EOF
		}
		if c.rows == c.cancelAt {
			c.cancel()
		}
		c.buf = fmt.Appendf(c.buf, "u%d,view,%d,mobile\n", c.rows%5000, 1709287200000+c.rows)
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

func TestInterruptedImportLeavesStoreAsItWas(t *testing.T) {
	s, _ := openTemp(t)
	if _, err := importFile(t, s, "d", "good.csv", ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := s.Import(ctx, "d", "endless.csv", &cancelAfter{cancelAt: 300_000, cancel: cancel}, ImportOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if dump(t, s) != before {
		t.Fatal("an interrupted import changed the store")
	}
	// And the same import can simply be run again.
	if _, err := importFile(t, s, "d", "semicolon.csv", ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

// A file much larger than the read buffer and than one chunk, with new
// users, events and property values appearing all along: what is loaded
// must be exactly what the file says. (Fields alias the read buffer while a
// row is parsed; anything kept must be a copy.)
func TestImportLargeFileMatchesReference(t *testing.T) {
	var b strings.Builder
	b.WriteString("user_id,event,time,plan,country\n")
	var want []Record
	for i := 0; i < 200_123; i++ { // several blocks
		r := Record{
			User:  fmt.Sprintf("user-%d", (i*7919)%20011),
			Event: fmt.Sprintf("event_%d", i%17+i/50000),
			Time:  1709287200000 + int64(i%1000)*1000,
			Props: []Prop{{Key: "plan", Value: fmt.Sprintf("plan-%d", i/997)}, {Key: "country", Value: fmt.Sprintf("C%d", i%23)}},
		}
		want = append(want, r)
		fmt.Fprintf(&b, "%s,%s,%d,%s,%s\n", r.User, r.Event, r.Time, r.Props[0].Value, r.Props[1].Value)
	}
	s, _ := openTemp(t)
	if _, err := s.Import(context.Background(), "d", "big.csv", strings.NewReader(b.String()), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	ev, err := s.Load(context.Background(), "d")
	if err != nil {
		t.Fatal(err)
	}
	got := flattenEvents(ev, "plan", "country")
	ref := reference(want)
	if len(got) != len(ref) {
		t.Fatalf("%d events loaded, want %d", len(got), len(ref))
	}
	for i := range ref {
		if got[i] != ref[i] {
			t.Fatalf("event %d = %+v, want %+v", i, got[i], ref[i])
		}
	}
}

// A quote inside an unquoted value is that character, and never swallows
// the lines after it.
func TestImportStrayQuote(t *testing.T) {
	s, _ := openTemp(t)
	in := "user_id,event,time,screen\n" +
		"u1,view,1709287200,5\" screen\n" +
		"u2,view,1709287201,\"quoted, with comma\"\n" +
		"u3,view,1709287202,\"two\nlines\"\n" +
		"u4,view,1709287203,plain\n"
	st, err := s.Import(context.Background(), "d", "q.csv", strings.NewReader(in), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 4 {
		t.Fatalf("%d events, want 4", st.Events)
	}
	ev, _ := s.Load(context.Background(), "d")
	want := []string{"", `5" screen`, "quoted, with comma", "two\nlines", "plain"}
	if got := ev.Props["screen"].Values; !reflect.DeepEqual(got, want) {
		t.Errorf("values = %q, want %q", got, want)
	}
	// An unclosed quote at a field's start is one bad row; its line number
	// is right and the rows before it are not lost with --skip-bad.
	in = "user_id,event,time\nu1,view,1709287200\nu2,\"view,1709287201\n"
	var rej bytes.Buffer
	st, err = s.Import(context.Background(), "e", "open.csv", strings.NewReader(in), ImportOptions{SkipBad: true, Rejects: &rej})
	if err != nil || st.Events != 1 || st.Rejected != 1 || !strings.HasPrefix(rej.String(), "3\t") {
		t.Fatalf("unclosed quote: %+v, %v, rejects %q", st, err, rej.String())
	}
}

func TestImportCancelledBeforeStart(t *testing.T) {
	s, _ := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := runtime.NumGoroutine()
	_, err := s.Import(ctx, "d", "endless.csv", &cancelAfter{cancelAt: -1, cancel: func() {}}, ImportOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	// The parser goroutine ends with the import.
	for i := 0; i < 100 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after the import, %d before", n, before)
	}
}

func TestConcurrentOpenOfANewFile(t *testing.T) {
	for round := 0; round < 10; round++ {
		path := filepath.Join(t.TempDir(), "new.db")
		errs := make(chan error, 4)
		for i := 0; i < 4; i++ {
			go func() {
				s, err := Open(path)
				if err == nil {
					s.Close()
				}
				errs <- err
			}()
		}
		for i := 0; i < 4; i++ {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}

// One process keeps a dataset loaded while another drops and re-creates it
// under the same name: the first must see the new data.
func TestCacheSeesARecreatedDataset(t *testing.T) {
	ctx := context.Background()
	a, path := openTemp(t)
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	insertAll(t, a, "shop", []Record{{User: "u1", Time: 1, Event: "old"}})
	if ev, _ := b.Load(ctx, "shop"); ev.Names[0] != "old" {
		t.Fatal("setup")
	}
	if err := a.DeleteDataset(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	insertAll(t, a, "shop", []Record{{User: "u1", Time: 1, Event: "new", Props: []Prop{{Key: "secret", Value: "x"}}}, {User: "u2", Time: 2, Event: "new"}})
	ev, err := b.Load(ctx, "shop")
	if err != nil || ev.Names[0] != "new" || ev.Len() != 2 {
		t.Fatalf("loaded %v (%v), want the re-created dataset", ev.Names, err)
	}
	// Dropping it takes its property values out of the file too.
	if err := a.DeleteDataset(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	var n int
	a.db.QueryRow(`SELECT count(*) FROM prop_values`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d property values left after the drop", n)
	}
}

// FuzzImportLoad runs whole imports: whatever is accepted must load back
// with as many events as the import reported.
func FuzzImportLoad(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "import", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, true)
		}
	}
	s, _ := openTemp(f)
	n := 0
	f.Fuzz(func(t *testing.T, data []byte, skip bool) {
		n++
		ds := fmt.Sprintf("d%d", n)
		st, err := s.Import(context.Background(), ds, "fuzz", bytes.NewReader(data), ImportOptions{SkipBad: skip, Force: true})
		if err != nil {
			if _, derr := s.Dataset(context.Background(), ds); derr == nil {
				t.Fatalf("a failed import left dataset %s behind: %v", ds, err)
			}
			return
		}
		ev, err := s.Load(context.Background(), ds)
		if err != nil {
			t.Fatal(err)
		}
		if int64(ev.Len()) != st.Events {
			t.Fatalf("imported %d events, loaded %d", st.Events, ev.Len())
		}
	})
}

// Nearly unique properties are columns like any other: no warning, and
// every value is kept. A number column with one text value stays text and
// says so.
func TestImportWarnsOfMostlyNumericText(t *testing.T) {
	var b strings.Builder
	b.WriteString("user_id,event,time,message_id,price\n")
	for i := 0; i < 2000; i++ {
		price := fmt.Sprintf("%d.%02d", i, i%100)
		if i == 1500 {
			price = "n/a"
		}
		fmt.Fprintf(&b, "u%d,view,%d,msg-%d,%s\n", i%50, 1709287200000+int64(i), i, price)
	}
	s, _ := openTemp(t)
	st, err := s.Import(context.Background(), "d", "w.csv", strings.NewReader(b.String()), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], `property price: 1999 of its 2000 values are numbers but "n/a" is not`) {
		t.Fatalf("warnings = %q", st.Warnings)
	}
	ps, err := s.Props(context.Background(), "d")
	if err != nil {
		t.Fatal(err)
	}
	want := []PropInfo{{Key: "message_id", Distinct: 2000, Events: 2000, Type: "text"}, {Key: "price", Distinct: 2000, Events: 2000, Type: "text"}}
	if !reflect.DeepEqual(ps, want) {
		t.Fatalf("props = %+v, want %+v", ps, want)
	}
}
