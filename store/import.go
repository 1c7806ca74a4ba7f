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
	"unsafe"
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
	st, err := s.write(ctx, dataset, WriteOptions{}, func(b *batch, flush func() error) (WriteOptions, error) {
		p.b, p.flush, p.ctx = b, flush, ctx
		if err := p.run(); err != nil {
			return WriteOptions{}, err
		}
		if p.bad.Count > 0 && !o.SkipBad {
			return WriteOptions{}, &p.bad
		}
		if b.len() == 0 {
			reason := "no rows to import"
			if p.bad.Count > 0 {
				reason = fmt.Sprintf("all %d rows are bad", p.bad.Count)
			}
			return WriteOptions{}, &BadInputError{Source: source, Reason: reason, Count: p.bad.Count, First: p.bad.First}
		}
		return WriteOptions{Force: o.Force, Hash: hex.EncodeToString(p.hash.Sum(nil)), Source: source, Rejected: int64(p.bad.Count)}, nil
	})
	st.Duration = time.Since(start)
	if err != nil {
		var bad *BadInputError
		if errors.As(err, &bad) {
			return st, err
		}
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
	multi  []byte // a record spanning lines
	comma  byte
	// flush hands the rows parsed so far to the writer; nil in tests that
	// only parse.
	flush   func() error
	flushed int
	rows    int
	ctx     context.Context // checked now and then so an interrupt stops parsing
}

// rowDone flushes every chunkRows rows, unless a bad row already dooms the
// file (then parsing goes on only to count and report bad rows).
func (p *parser) rowDone() error {
	p.rows++
	if p.rows%chunkRows == 0 && p.ctx != nil {
		if err := p.ctx.Err(); err != nil {
			return err
		}
	}
	if p.flush == nil || p.b.len()-p.flushed < chunkRows || p.doomed() {
		return nil
	}
	p.flushed = p.b.len()
	return p.flush()
}

// doomed: a bad row rejects the whole file, so good rows after it are
// checked (to report the bad ones) but no longer kept.
func (p *parser) doomed() bool { return p.bad.Count > 0 && !p.o.SkipBad }

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
	if looksBinary(head) {
		return nil, &BadInputError{Source: source, Reason: "this looks like a binary file, not CSV or NDJSON"}
	}
	first := bytes.TrimLeft(head, " \t\r\n")
	looksJSON := len(first) > 0 && first[0] == '{'
	if len(first) > 0 && first[0] == '[' {
		return nil, &BadInputError{Source: source, Reason: "this looks like a JSON array; microfunnel reads NDJSON, one JSON object a line (jq -c '.[]' converts it)"}
	}
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

// looksBinary: a NUL byte, or many control bytes, which text never has.
// (Invalid UTF-8 alone is a bad row, reported with its line.)
func looksBinary(b []byte) bool {
	ctl := 0
	for _, c := range b {
		if c == 0 {
			return true
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			ctl++
		}
	}
	return ctl*20 > len(b)
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
		return missing("user", cols, r.user, p.o.UserCol, UserColumns)
	}
	rec.Event = firstValue(vals, r.event)
	if rec.Event == "" {
		return missing("event name", cols, r.event, p.o.EventCol, EventColumns)
	}
	ts := firstValue(vals, r.time)
	if ts == "" {
		return missing("time", cols, r.time, p.o.TimeCol, TimeColumns)
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
	if !p.doomed() {
		p.b.add(rec)
	}
	return ""
}

// missing says which column a row lacks a value in.
func missing(what string, cols []string, idx []int, given string, cands []string) string {
	if len(idx) == 0 {
		if given != "" {
			return fmt.Sprintf("missing %s (no column %s)", what, given)
		}
		return fmt.Sprintf("missing %s (no column named %s)", what, strings.Join(cands, ", "))
	}
	names := make([]string, len(idx))
	for i, j := range idx {
		names[i] = cols[j]
	}
	return fmt.Sprintf("missing %s (%s empty)", what, strings.Join(names, ", "))
}

var errLongLine = errors.New("line too long")

// readError: the input could not be read to its end (a truncated or
// damaged gzip stream, an I/O error), so the file is rejected whole.
func (p *parser) readError(err error) error {
	return &BadInputError{Source: p.source, Reason: fmt.Sprintf("reading failed after line %d: %v", p.line, err)}
}

// readRecord reads one CSV record: a line, or several when a quoted field
// holds newlines. The bytes are valid until the next read.
func (p *parser) readRecord() (rec []byte, start int, err error) {
	line, err := p.readLine()
	if err != nil {
		if errors.Is(err, errLongLine) {
			p.line++
		}
		return nil, p.line, err
	}
	p.line++
	start = p.line
	open := inQuotes(line, p.comma, false)
	if !open {
		return trimEOL(line), start, nil
	}
	p.multi = append(p.multi[:0], line...)
	for open {
		line, err := p.readLine()
		if err == io.EOF {
			break // an unclosed quote: the record's parse says so
		}
		if err != nil {
			if errors.Is(err, errLongLine) {
				p.line++
			}
			return nil, start, err
		}
		p.line++
		if len(p.multi)+len(line) > MaxLineBytes {
			return nil, start, errLongLine
		}
		p.multi = append(p.multi, line...)
		open = inQuotes(line, p.comma, true)
	}
	return trimEOL(p.multi), start, nil
}

// inQuotes reports whether a CSV line ends inside a quoted field, given
// whether it starts inside one. A quote opens a field only at the field's
// start, so a stray quote in the middle of a value (5" screen) does not
// swallow the lines after it.
func inQuotes(line []byte, comma byte, open bool) bool {
	fieldStart := !open
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case open:
			if c == '"' {
				if i+1 < len(line) && line[i+1] == '"' {
					i++ // an escaped quote
					continue
				}
				open = false
			}
		case c == '"' && fieldStart:
			open = true
			fieldStart = false
		case c == comma:
			fieldStart = true
		default:
			fieldStart = false
		}
	}
	return open
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// splitCSV splits a record into fields. The common record, without quotes,
// is split in place: its fields alias rec, so they are valid only until the
// next read (intern clones what it keeps). A quoted record goes through
// encoding/csv.
func splitCSV(rec []byte, comma byte, fields []string) ([]string, error) {
	fields = fields[:0]
	if bytes.IndexByte(rec, '"') < 0 {
		for {
			i := bytes.IndexByte(rec, comma)
			if i < 0 {
				return append(fields, unsafeString(rec)), nil
			}
			fields = append(fields, unsafeString(rec[:i]))
			rec = rec[i+1:]
		}
	}
	cr := csv.NewReader(bytes.NewReader(rec))
	cr.Comma = rune(comma)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true // a quote inside an unquoted value is that character
	out, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, err
	}
	return out, nil
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (p *parser) csv() error {
	rec, _, err := p.readRecord()
	if errors.Is(err, errLongLine) {
		return &BadInputError{Source: p.source, Reason: fmt.Sprintf("the header line is longer than %d bytes", MaxLineBytes)}
	}
	if err != nil && err != io.EOF {
		return p.readError(err)
	}
	rec = bytes.TrimPrefix(rec, []byte("\xef\xbb\xbf"))
	comma := sniffComma(rec)
	p.comma = comma
	header, err := splitCSV(rec, comma, nil)
	if err != nil {
		return &BadInputError{Source: p.source, Reason: "cannot read the header line: " + err.Error()}
	}
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, c := range header {
		c = strings.Clone(strings.TrimSpace(c))
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
	rows := 0
	var fields []string
	for {
		rec, line, err := p.readRecord()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errLongLine) {
			rows++
			p.reject(line, fmt.Sprintf("line longer than %d bytes", MaxLineBytes), "")
			continue
		}
		if err != nil {
			return p.readError(err)
		}
		if len(rec) == 0 {
			continue // a blank line
		}
		rows++
		fields, err = splitCSV(rec, comma, fields)
		switch {
		case err != nil:
			p.reject(line, "malformed CSV: "+err.Error(), string(rec))
		case len(fields) != len(cols):
			p.reject(line, fmt.Sprintf("wrong column count: %d, the header has %d", len(fields), len(cols)), string(rec))
		default:
			if why := p.row(cols, fields, r); why != "" {
				p.reject(line, why, string(rec))
			}
		}
		if err := p.rowDone(); err != nil {
			return err
		}
	}
	if rows == 0 {
		return &BadInputError{Source: p.source, Reason: "the file has a header but no rows"}
	}
	return nil
}

// sniffComma picks the delimiter the header line uses most: comma, tab or semicolon.
func sniffComma(head []byte) byte {
	best, n := byte(','), bytes.Count(head, []byte{','})
	for _, c := range []byte{'\t', ';'} {
		if k := bytes.Count(head, []byte{c}); k > n {
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
			return p.readError(err)
		}
		trimmed := bytes.TrimSpace(line)
		if p.line == 1 {
			trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf"))
		}
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
		if err := p.rowDone(); err != nil {
			return err
		}
	}
	if rows == 0 {
		return &BadInputError{Source: p.source, Reason: "the file has no JSON lines"}
	}
	return nil
}

type kv struct{ k, v string }

// flatten turns nested objects into dot paths: {"context":{"device":{"type":
// "ios"}}} becomes context.device.type=ios. A GA4-style list of key/value
// records ("event_params": [{"key": "page", "value": {"string_value": "/"}}])
// becomes one property per key (event_params.page=/). Other arrays stay
// JSON text; null is no value.
func flatten(out []kv, prefix string, obj map[string]any) []kv {
	for k, v := range obj {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		out = flattenValue(out, key, v)
	}
	return out
}

func flattenValue(out []kv, key string, v any) []kv {
	switch x := v.(type) {
	case map[string]any:
		return flatten(out, key, x)
	case nil:
		return out
	case string:
		return append(out, kv{key, x})
	case json.Number:
		return append(out, kv{key, x.String()})
	case bool:
		return append(out, kv{key, strconv.FormatBool(x)})
	case []any:
		if params, ok := keyValueList(x); ok {
			for _, p := range params {
				out = flattenValue(out, key+"."+p.k, p.v)
			}
			return out
		}
	}
	b, _ := json.Marshal(v)
	return append(out, kv{key, string(b)})
}

type keyed struct {
	k string
	v any
}

// keyValueList reads [{"key": K, "value": V}, ...]; a V that is an object
// of typed fields ({"string_value": null, "int_value": 3}) gives its one
// non-null field.
func keyValueList(list []any) ([]keyed, bool) {
	if len(list) == 0 {
		return nil, false
	}
	out := make([]keyed, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok || len(m) != 2 {
			return nil, false
		}
		k, ok := m["key"].(string)
		v, has := m["value"]
		if !ok || !has || k == "" {
			return nil, false
		}
		if typed, ok := v.(map[string]any); ok {
			var one any
			for _, f := range typed {
				if f != nil {
					one = f
				}
			}
			v = one
		}
		out = append(out, keyed{k, v})
	}
	return out, true
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
			if len(chunk) > MaxLineBytes {
				return nil, errLongLine
			}
		}
		if err == io.EOF && len(chunk) > 0 {
			return chunk, nil
		}
		return chunk, err
	}
}
