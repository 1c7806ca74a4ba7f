package store

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxLineBytes is the longest input line accepted: anything longer is not
// an event export (or is a binary file).
const MaxLineBytes = 1 << 20

// Column names tried, in order, when the user does not name a column.
var (
	UserColumns  = []string{"user_id", "userId", "distinct_id", "anonymousId", "user", "visitorid", "user_pseudo_id"}
	EventColumns = []string{"event", "event_name", "event_type", "name"}
	TimeColumns  = []string{"time", "timestamp", "event_time", "ts", "event_timestamp"}
)

// ImportOptions control an import.
type ImportOptions struct {
	Format                     string   // "csv", "ndjson", or "" to detect from the content
	UserCol, EventCol, TimeCol string   // "" finds them by their common names
	Ignore                     []string // columns not to keep as properties
	SkipBad                    bool     // import the good rows; send bad ones to Rejects
	Rejects                    io.Writer
	Force                      bool                  // import content the ledger already has
	Progress                   func(bytesRead int64) // called now and then while reading
}

// BadRow is one rejected input row.
type BadRow struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
	Raw    string `json:"raw,omitempty"`
}

// BadInputError rejects a whole file: nothing of it was written.
type BadInputError struct {
	Source string
	First  []BadRow // the first few bad rows
	Count  int      // all bad rows
	Reason string   // set when the file as a whole is unusable
}

// ErrBadInput matches every *BadInputError.
var ErrBadInput = errors.New("bad input")

func (e *BadInputError) Is(target error) bool { return target == ErrBadInput }

func (e *BadInputError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s: %s; nothing imported", e.Source, e.Reason)
	}
	var b strings.Builder
	plural := "s"
	if e.Count == 1 {
		plural = ""
	}
	fmt.Fprintf(&b, "%s: %d bad row%s, nothing imported (use --skip-bad to import the good rows):", e.Source, e.Count, plural)
	for _, r := range e.First {
		fmt.Fprintf(&b, "\n  line %d: %s", r.Line, r.Reason)
	}
	if e.Count > len(e.First) {
		fmt.Fprintf(&b, "\n  ... and %d more", e.Count-len(e.First))
	}
	return b.String()
}

const firstBadRows = 5

// Import reads one CSV or NDJSON export (gzip-compressed or not) and adds
// its events to the dataset in one transaction. By default a file with any
// bad row is rejected whole and the store is left as it was; with SkipBad
// the good rows are imported and each bad one is written to Rejects.
// Content already imported into the dataset is refused with
// ErrAlreadyLoaded unless Force is set.
func (s *Store) Import(ctx context.Context, dataset, source string, r io.Reader, o ImportOptions) (InsertStats, error) {
	start := time.Now()
	if err := ValidDatasetName(dataset); err != nil {
		return InsertStats{}, err
	}
	p, err := newParser(source, r, o)
	if err != nil {
		return InsertStats{}, err
	}
	if err := p.run(); err != nil {
		return InsertStats{}, err
	}
	if p.bad.Count > 0 && !o.SkipBad {
		return InsertStats{}, &p.bad
	}
	if p.b.len() == 0 {
		reason := "no rows to import"
		if p.bad.Count > 0 {
			reason = fmt.Sprintf("all %d rows are bad", p.bad.Count)
		}
		return InsertStats{}, &BadInputError{Source: source, Reason: reason}
	}
	st, err := s.commit(ctx, dataset, p.b, WriteOptions{
		Force: o.Force, Hash: hex.EncodeToString(p.hash.Sum(nil)), Source: source, Rejected: int64(p.bad.Count),
	})
	st.Duration = time.Since(start)
	if err != nil {
		return st, fmt.Errorf("import %s: %w", source, err)
	}
	return st, nil
}

type parser struct {
	source string
	o      ImportOptions
	in     *bufio.Reader
	hash   hash.Hash
	read   *countingReader
	b      *batch
	bad    BadInputError
	rec    Record
	line   int
}

type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
	last     int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && c.n-c.last >= 1<<20 {
		c.last = c.n
		c.progress(c.n)
	}
	return n, err
}

func newParser(source string, r io.Reader, o ImportOptions) (*parser, error) {
	p := &parser{source: source, o: o, b: newBatch(), hash: sha256.New()}
	p.bad.Source = source
	p.read = &countingReader{r: r, progress: o.Progress}
	br := bufio.NewReaderSize(p.read, 1<<16)
	// gzip is detected by its magic bytes, whatever the file is called.
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &BadInputError{Source: source, Reason: "damaged gzip data: " + err.Error()}
		}
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	p.in = bufio.NewReaderSize(io.TeeReader(br, p.hash), 1<<16)
	head, err := p.in.Peek(8192)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("read %s: %w", source, err)
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(head)) == 0 {
		return nil, &BadInputError{Source: source, Reason: "the file is empty"}
	}
	if bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(trimPartialRune(head)) && looksBinary(head) {
		return nil, &BadInputError{Source: source, Reason: "this looks like a binary file, not CSV or NDJSON"}
	}
	first := bytes.TrimLeft(head, " \t\r\n")
	looksJSON := len(first) > 0 && first[0] == '{'
	switch strings.ToLower(o.Format) {
	case "":
		if looksJSON {
			p.o.Format = "ndjson"
		} else {
			p.o.Format = "csv"
		}
	case "csv":
		if looksJSON {
			return nil, &BadInputError{Source: source, Reason: "--format csv was given but the file looks like NDJSON (one JSON object a line); use --format ndjson"}
		}
		p.o.Format = "csv"
	case "ndjson", "jsonl", "json":
		if !looksJSON {
			return nil, &BadInputError{Source: source, Reason: "--format ndjson was given but line 1 is not a JSON object (the file looks like CSV; use --format csv)"}
		}
		p.o.Format = "ndjson"
	default:
		return nil, fmt.Errorf("unknown --format %q: want csv or ndjson", o.Format)
	}
	return p, nil
}

// trimPartialRune drops a rune cut in half at the end of a peeked buffer.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < 3 && len(b) > 0 && !utf8.FullRune(b[max(0, len(b)-4):]); i++ {
		b = b[:len(b)-1]
	}
	return b
}

// looksBinary: many control bytes that text never has.
func looksBinary(b []byte) bool {
	ctl := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			ctl++
		}
	}
	return ctl*20 > len(b) || !utf8.Valid(trimPartialRune(b))
}

func (p *parser) reject(line int, reason, raw string) {
	p.bad.Count++
	if len(p.bad.First) < firstBadRows {
		p.bad.First = append(p.bad.First, BadRow{line, reason, ""})
	}
	if p.o.SkipBad && p.o.Rejects != nil {
		fmt.Fprintf(p.o.Rejects, "%d\t%s\t%s\n", line, reason, strings.NewReplacer("\t", "\\t", "\n", "\\n", "\r", "\\r").Replace(raw))
	}
}

func (p *parser) run() error {
	var err error
	if p.o.Format == "ndjson" {
		err = p.ndjson()
	} else {
		err = p.csv()
	}
	if p.o.Progress != nil {
		p.o.Progress(p.read.n)
	}
	return err
}

// lineLimiter fails a read once a line runs past MaxLineBytes, so that a
// file without newlines cannot fill memory.
type lineLimiter struct {
	r   io.Reader
	run int
}

var errLongLine = errors.New("line too long")

func (l *lineLimiter) Read(b []byte) (int, error) {
	n, err := l.r.Read(b)
	chunk := b[:n]
	for len(chunk) > 0 {
		i := bytes.IndexByte(chunk, '\n')
		if i < 0 {
			l.run += len(chunk)
			break
		}
		l.run = 0
		chunk = chunk[i+1:]
	}
	if l.run > MaxLineBytes {
		return n, errLongLine
	}
	return n, err
}

// column finds a column by the name given or, failing that, by the common
// names: an exact (case-insensitive) match first, then a dotted path whose
// last part matches, the shortest first. It returns every match so a user
// column can fall back from userId to anonymousId row by row.
func column(given string, candidates []string, cols []string) []int {
	if given != "" {
		for i, c := range cols {
			if c == given {
				return []int{i}
			}
		}
		return nil
	}
	var out []int
	used := map[int]bool{}
	for _, cand := range candidates {
		for i, c := range cols {
			if !used[i] && strings.EqualFold(c, cand) {
				out, used[i] = append(out, i), true
			}
		}
	}
	for _, cand := range candidates {
		best := -1
		for i, c := range cols {
			if dot := strings.LastIndexByte(c, '.'); dot >= 0 && !used[i] && strings.EqualFold(c[dot+1:], cand) {
				if best < 0 || len(c) < len(cols[best]) {
					best = i
				}
			}
		}
		if best >= 0 {
			out, used[best] = append(out, best), true
		}
	}
	return out
}

func firstValue(row []string, idx []int) string {
	for _, i := range idx {
		if i < len(row) && row[i] != "" {
			return row[i]
		}
	}
	return ""
}

type roles struct {
	user, event, time []int
	props             []int
}

func (p *parser) roles(cols []string) (roles, error) {
	var r roles
	r.user = column(p.o.UserCol, UserColumns, cols)
	r.event = column(p.o.EventCol, EventColumns, cols)
	r.time = column(p.o.TimeCol, TimeColumns, cols)
	miss := func(what, flag, given string, cands []string) error {
		if given != "" {
			return fmt.Errorf("no column %q for the %s (columns: %s)", given, what, strings.Join(cols, ", "))
		}
		return fmt.Errorf("no %s column: looked for %s; name it with %s (columns: %s)", what, strings.Join(cands, ", "), flag, strings.Join(cols, ", "))
	}
	if p.o.Format == "csv" {
		switch {
		case len(r.user) == 0:
			return r, miss("user", "--user", p.o.UserCol, UserColumns)
		case len(r.event) == 0:
			return r, miss("event", "--event", p.o.EventCol, EventColumns)
		case len(r.time) == 0:
			return r, miss("time", "--time", p.o.TimeCol, TimeColumns)
		}
	}
	// Only the first of each role's columns is the role; the user's fallbacks
	// too, as they identify users and would make every event's property set
	// unique.
	skip := map[int]bool{}
	for _, i := range r.user {
		skip[i] = true
	}
	if len(r.event) > 0 {
		skip[r.event[0]] = true
		r.event = r.event[:1]
	}
	if len(r.time) > 0 {
		skip[r.time[0]] = true
		r.time = r.time[:1]
	}
	for _, ig := range p.o.Ignore {
		for i, c := range cols {
			if c == ig {
				skip[i] = true
			}
		}
	}
	for i := range cols {
		if !skip[i] {
			r.props = append(r.props, i)
		}
	}
	return r, nil
}

// row turns one row's values into a record, or says what is wrong with it.
func (p *parser) row(cols, vals []string, r roles) string {
	for _, v := range vals {
		if !utf8.ValidString(v) {
			return "invalid UTF-8"
		}
	}
	rec := &p.rec
	rec.User = firstValue(vals, r.user)
	if rec.User == "" {
		return "missing user (" + colNames(cols, r.user, p.o.UserCol, UserColumns) + " empty)"
	}
	rec.Event = firstValue(vals, r.event)
	if rec.Event == "" {
		return "missing event name (" + colNames(cols, r.event, p.o.EventCol, EventColumns) + " empty)"
	}
	ts := firstValue(vals, r.time)
	if ts == "" {
		return "missing time (" + colNames(cols, r.time, p.o.TimeCol, TimeColumns) + " empty)"
	}
	t, err := ParseTime(ts)
	if err != nil {
		if len(ts) > 40 {
			ts = ts[:40] + "..."
		}
		return fmt.Sprintf("unparseable time %q (want RFC 3339, YYYY-MM-DD HH:MM:SS or unix s/ms/us)", ts)
	}
	rec.Time = t
	rec.Props = rec.Props[:0]
	for _, i := range r.props {
		if i < len(vals) && vals[i] != "" {
			rec.Props = append(rec.Props, Prop{cols[i], vals[i]})
		}
	}
	p.b.add(rec)
	return ""
}

func colNames(cols []string, idx []int, given string, cands []string) string {
	if len(idx) == 0 {
		if given != "" {
			return given
		}
		return "none of " + strings.Join(cands, ", ")
	}
	names := make([]string, len(idx))
	for i, j := range idx {
		names[i] = cols[j]
	}
	return strings.Join(names, ", ")
}

func (p *parser) csv() error {
	lim := &lineLimiter{r: p.in}
	br := bufio.NewReaderSize(lim, 1<<16)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	head, _ := br.Peek(4096)
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.Comma = sniffComma(head)
	header, err := cr.Read()
	if errors.Is(err, errLongLine) {
		return &BadInputError{Source: p.source, Reason: fmt.Sprintf("the header line is longer than %d bytes", MaxLineBytes)}
	}
	if err != nil {
		return &BadInputError{Source: p.source, Reason: "cannot read the header line: " + err.Error()}
	}
	cols := append([]string(nil), header...)
	seen := map[string]bool{}
	for i, c := range cols {
		c = strings.TrimSpace(c)
		cols[i] = c
		if !utf8.ValidString(c) {
			return &BadInputError{Source: p.source, Reason: "the header line is not valid UTF-8"}
		}
		if c == "" {
			return &BadInputError{Source: p.source, Reason: fmt.Sprintf("header column %d has no name", i+1)}
		}
		if seen[c] {
			return &BadInputError{Source: p.source, Reason: fmt.Sprintf("header names column %q twice", c)}
		}
		seen[c] = true
	}
	r, err := p.roles(cols)
	if err != nil {
		return &BadInputError{Source: p.source, Reason: err.Error()}
	}
	cr.FieldsPerRecord = len(cols)
	rows := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		rows++
		if err != nil {
			var pe *csv.ParseError
			switch {
			case errors.Is(err, errLongLine):
				return &BadInputError{Source: p.source, Reason: fmt.Sprintf("line %d is longer than %d bytes", line, MaxLineBytes)}
			case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
				p.reject(pe.StartLine, fmt.Sprintf("wrong column count: %d, the header has %d", len(rec), len(cols)), joinCSV(rec, cr.Comma))
				continue
			case errors.As(err, &pe):
				p.reject(pe.StartLine, "malformed CSV: "+pe.Err.Error(), joinCSV(rec, cr.Comma))
				continue
			default:
				return fmt.Errorf("read %s: %w", p.source, err)
			}
		}
		if why := p.row(cols, rec, r); why != "" {
			p.reject(line, why, joinCSV(rec, cr.Comma))
		}
	}
	if rows == 0 {
		return &BadInputError{Source: p.source, Reason: "the file has a header but no rows"}
	}
	return nil
}

func joinCSV(rec []string, comma rune) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = comma
	w.Write(rec)
	w.Flush()
	return strings.TrimRight(b.String(), "\r\n")
}

// sniffComma picks the delimiter the header line uses most: comma, tab or semicolon.
func sniffComma(head []byte) rune {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	best, n := ',', bytes.Count(head, []byte(","))
	for _, c := range []rune{'\t', ';'} {
		if k := bytes.Count(head, []byte(string(c))); k > n {
			best, n = c, k
		}
	}
	return best
}

func (p *parser) ndjson() error {
	var cols, vals []string
	var flat []kv
	rows := 0
	for {
		line, err := p.readLine()
		if err == io.EOF {
			break
		}
		p.line++
		if errors.Is(err, errLongLine) {
			p.reject(p.line, fmt.Sprintf("line longer than %d bytes", MaxLineBytes), "")
			rows++
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", p.source, err)
		}
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 {
			continue
		}
		rows++
		if !utf8.Valid(trimmed) {
			p.reject(p.line, "invalid UTF-8", string(trimmed))
			continue
		}
		var obj map[string]any
		d := json.NewDecoder(bytes.NewReader(trimmed))
		d.UseNumber()
		if err := d.Decode(&obj); err != nil || obj == nil {
			why := "not a JSON object"
			if err != nil {
				why = "invalid JSON: " + err.Error()
			}
			p.reject(p.line, why, string(trimmed))
			continue
		}
		if d.More() {
			p.reject(p.line, "more than one JSON value on the line", string(trimmed))
			continue
		}
		flat = flatten(flat[:0], "", obj)
		sort.Slice(flat, func(i, j int) bool { return flat[i].k < flat[j].k })
		cols, vals = cols[:0], vals[:0]
		for _, f := range flat {
			cols = append(cols, f.k)
			vals = append(vals, f.v)
		}
		r, err := p.roles(cols)
		if err != nil {
			p.reject(p.line, err.Error(), string(trimmed))
			continue
		}
		if why := p.row(cols, vals, r); why != "" {
			p.reject(p.line, why, string(trimmed))
		}
	}
	if rows == 0 {
		return &BadInputError{Source: p.source, Reason: "the file has no JSON lines"}
	}
	return nil
}

type kv struct{ k, v string }

// flatten turns nested objects into dot paths: {"context":{"device":{"type":
// "ios"}}} becomes context.device.type=ios. Arrays stay JSON text; null is
// no value.
func flatten(out []kv, prefix string, obj map[string]any) []kv {
	for k, v := range obj {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch x := v.(type) {
		case map[string]any:
			out = flatten(out, key, x)
		case nil:
		case string:
			out = append(out, kv{key, x})
		case json.Number:
			out = append(out, kv{key, x.String()})
		case bool:
			out = append(out, kv{key, strconv.FormatBool(x)})
		default:
			b, _ := json.Marshal(x)
			out = append(out, kv{key, string(b)})
		}
	}
	return out
}

// readLine returns the next line; a line over MaxLineBytes is skipped to
// its end and reported as errLongLine.
func (p *parser) readLine() ([]byte, error) {
	var long []byte
	for {
		chunk, err := p.in.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if len(long)+len(chunk) > MaxLineBytes {
				for err == bufio.ErrBufferFull {
					_, err = p.in.ReadSlice('\n')
				}
				if err != nil && err != io.EOF {
					return nil, err
				}
				return nil, errLongLine
			}
			long = append(long, chunk...)
			continue
		}
		if long != nil {
			chunk = append(long, chunk...)
		}
		if err == io.EOF && len(chunk) > 0 {
			return chunk, nil
		}
		return chunk, err
	}
}
