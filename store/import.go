package store

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"runtime"
	"strings"
	"time"
)

// maxRecordBytes is the longest input record accepted: anything longer is
// not an event export (or is a binary file). A variable so tests can lower
// it.
var maxRecordBytes = 64 << 20

// blockBytes of input are parsed at a time, each block by one core.
const blockBytes = 4 << 20

// Column names tried, in order, when the user does not name a column.
var (
	UserColumns  = []string{"user_id", "userId", "distinct_id", "anonymousId", "user", "visitorid", "user_pseudo_id"}
	EventColumns = []string{"event", "event_name", "event_type", "name"}
	TimeColumns  = []string{"time", "timestamp", "event_time", "ts", "event_timestamp"}
)

// ImportOptions control an import.
type ImportOptions struct {
	Format                     string   // "csv", "ndjson", "accesslog", or "" to detect from the content
	UserCol, EventCol, TimeCol string   // "" finds them by their common names
	Ignore                     []string // columns not to keep as properties
	SkipBad                    bool     // import the good rows; send bad ones to Rejects
	Rejects                    io.Writer
	Force                      bool                  // import content the ledger already has
	Progress                   func(bytesRead int64) // called now and then while reading
	// Shape forces a vendor shape ("segment", "mixpanel", "posthog",
	// "amplitude", "ga4"); "" recognises one by content, "none" reads the
	// file as plain NDJSON.
	Shape string
	// NoStitch keeps ids that identity calls or events link as separate
	// users.
	NoStitch bool
	// Columns names the columns of a CSV file that has no header line.
	Columns []string
	// EventMap names the events of an access log by URL path pattern.
	EventMap EventMap
	// SizeHint is the input's size in bytes as read (compressed or not),
	// 0 when unknown: the dictionaries of nearly unique columns are sized
	// from it once the first block is parsed.
	SizeHint int64
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
//
// The input is cut into blocks at record boundaries and the blocks are
// parsed on every core; the rows are merged in input order, so the result
// does not depend on the number of cores.
func (s *Store) Import(ctx context.Context, dataset, source string, r io.Reader, o ImportOptions) (InsertStats, error) {
	start := time.Now()
	in, b, res, err := parseInput(ctx, dataset, source, r, o)
	var st InsertStats
	if err == nil {
		st, err = s.commit(ctx, dataset, WriteOptions{Force: o.Force, Hash: hex.EncodeToString(in.hash.Sum(nil)), Source: source, Rejected: int64(res.bad.Count)}, b)
		st.Shape = in.shapeLabel()
	}
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

// parseInput reads and parses one file into a builder: the part of an
// import that writes nothing. A bad row rejects the file unless SkipBad.
func parseInput(ctx context.Context, dataset, source string, r io.Reader, o ImportOptions) (*input, *builder, parsed, error) {
	if err := ValidDatasetName(dataset); err != nil {
		return nil, nil, parsed{}, err
	}
	in, err := openInput(source, r, o)
	if err != nil {
		return nil, nil, parsed{}, err
	}
	b := newBuilder()
	b.noStitch = o.NoStitch
	if in.shape != nil {
		b.dedupKey = in.shape.dedup
	}
	res, err := in.parseAll(ctx, b)
	if err == nil && res.bad.Count > 0 && !o.SkipBad {
		err = &res.bad
	}
	if err == nil && b.len() == 0 && b.identity == 0 {
		reason := "no rows to import"
		if res.bad.Count > 0 {
			reason = fmt.Sprintf("all %d rows are bad", res.bad.Count)
		}
		err = &BadInputError{Source: source, Reason: reason, Count: res.bad.Count, First: res.bad.First}
	}
	return in, b, res, err
}

// shapeLabel names the vendor shape or the access log format, for the
// import summary ("" for plain CSV or NDJSON).
func (in *input) shapeLabel() string {
	switch {
	case in.shape != nil:
		return in.shape.label
	case in.o.Format == "accesslog":
		return "a web server access log"
	}
	return ""
}

// input is one file being imported.
type input struct {
	source string
	o      ImportOptions
	in     *bufio.Reader // decompressed, hashed
	hash   hash.Hash
	read   *countingReader
	comma  byte
	shape  *shape // the vendor shape, nil for plain CSV or NDJSON
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

func openInput(source string, r io.Reader, o ImportOptions) (*input, error) {
	in := &input{source: source, o: o, hash: sha256.New()}
	in.read = &countingReader{r: r, progress: o.Progress}
	br := bufio.NewReaderSize(in.read, 1<<16)
	// gzip is detected by its magic bytes, whatever the file is called.
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &BadInputError{Source: source, Reason: "damaged gzip data: " + err.Error()}
		}
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	in.in = bufio.NewReaderSize(io.TeeReader(br, in.hash), 1<<16)
	head, err := in.in.Peek(8192)
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
		switch {
		case looksJSON:
			in.o.Format = "ndjson"
		case len(o.Columns) == 0 && looksLikeAccessLog(first):
			in.o.Format = "accesslog"
		default:
			in.o.Format = "csv"
		}
	case "accesslog":
		if !looksLikeAccessLog(first) {
			line, _, _ := bytes.Cut(first, []byte{'\n'})
			_, err := parseLogLine(string(trimEOL(line)))
			return nil, &BadInputError{Source: source, Reason: fmt.Sprintf("--format accesslog was given but line 1 is not a common or combined log line (%v)", err)}
		}
		in.o.Format = "accesslog"
	case "csv":
		if looksJSON {
			return nil, &BadInputError{Source: source, Reason: "--format csv was given but the file looks like NDJSON (one JSON object a line); use --format ndjson"}
		}
		in.o.Format = "csv"
	case "ndjson", "jsonl", "json":
		if !looksJSON {
			return nil, &BadInputError{Source: source, Reason: "--format ndjson was given but line 1 is not a JSON object (the file looks like CSV; use --format csv)"}
		}
		in.o.Format = "ndjson"
	default:
		return nil, fmt.Errorf("unknown --format %q: want csv, ndjson or accesslog", o.Format)
	}
	if len(o.Columns) > 0 && in.o.Format != "csv" {
		return nil, &BadInputError{Source: source, Reason: "--columns names the columns of a CSV file without a header, and this file is " + in.o.Format}
	}
	switch sh := strings.ToLower(o.Shape); {
	case sh == "none":
	case sh != "":
		s, err := shapeByName(sh)
		if err != nil {
			return nil, err
		}
		if in.o.Format != "ndjson" {
			return nil, &BadInputError{Source: source, Reason: fmt.Sprintf("--shape %s reads NDJSON, and this file is CSV", sh)}
		}
		in.shape = s
	case in.o.Format == "ndjson":
		in.shape = detectShape(head)
	}
	return in, nil
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

// block is a run of whole records of the input.
type block struct {
	seq  int
	data []byte
	line int // line number of its first line
	// long marks a record longer than maxRecordBytes, skipped: data is empty.
	long bool
	read int64 // input bytes read (before decompression) once the block was cut
}

// parsed is what parseAll found besides the rows.
type parsed struct {
	bad  BadInputError
	rows int
}

// blockParser parses blocks into parts; each worker has its own.
type blockParser interface {
	parse(blk block) *part
}

// parseAll reads the input to its end: one goroutine cuts blocks, one
// parser per core parses them, and this goroutine merges the parts into b
// in input order (and writes rejects in that order).
func (in *input) parseAll(ctx context.Context, b *builder) (parsed, error) {
	res := parsed{bad: BadInputError{Source: in.source}}
	var newParser func() blockParser
	line := 0
	switch in.o.Format {
	case "ndjson":
		newParser = func() blockParser { return newJSONParser(in) }
	case "accesslog":
		newParser = func() blockParser { return newAccessParser(in) }
	default:
		hdr, err := in.csvHeader()
		if err != nil {
			return res, err
		}
		line = hdr.lines
		newParser = func() blockParser { return newCSVParser(in, hdr) }
	}
	blocks := make(chan block, 2)
	parts := make(chan *part, 4)
	stop := make(chan struct{})
	var readErr error
	go func() {
		defer close(blocks)
		readErr = in.cut(ctx, line+1, blocks, stop)
	}()
	workers := runtime.GOMAXPROCS(0)
	done := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			p := newParser()
			for blk := range blocks {
				pt := parseBlock(p, blk)
				select {
				case parts <- pt:
				case <-stop:
				}
			}
		}()
	}
	go func() {
		for w := 0; w < workers; w++ {
			<-done
		}
		close(parts)
	}()
	stopped := false
	halt := func() {
		if !stopped {
			stopped = true
			close(stop)
		}
	}
	defer func() {
		halt()
		for range parts {
		}
	}()
	pending := map[int]*part{}
	next := 0
	for pt := range parts {
		pending[pt.seq] = pt
		for {
			p, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := ctx.Err(); err != nil {
				return res, err
			}
			if p.err != nil {
				return res, p.err
			}
			res.rows += p.rows
			for _, bad := range p.bad {
				in.reject(&res.bad, bad)
			}
			// A bad row rejects the whole file: rows after it are checked (to
			// report the bad ones) but no longer kept.
			if res.bad.Count == 0 || in.o.SkipBad {
				if p.seq == 0 && in.o.SizeHint > 0 && p.read > 0 {
					b.presize(p, int(float64(p.rows)*float64(in.o.SizeHint)/float64(p.read)))
				}
				b.merge(p)
			}
		}
	}
	if in.o.Progress != nil {
		in.o.Progress(in.read.n)
	}
	if readErr != nil {
		return res, readErr
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if res.rows == 0 {
		switch in.o.Format {
		case "ndjson":
			return res, &BadInputError{Source: in.source, Reason: "the file has no JSON lines"}
		case "accesslog":
			return res, &BadInputError{Source: in.source, Reason: "the file has no log lines"}
		}
		return res, &BadInputError{Source: in.source, Reason: "the file has a header but no rows"}
	}
	return res, nil
}

// parseBlock parses one block; a parser's panic on input nobody foresaw
// becomes the import's error (the file is refused whole), not a crash.
func parseBlock(p blockParser, blk block) (pt *part) {
	defer func() {
		if r := recover(); r != nil {
			pt = &part{seq: blk.seq, err: fmt.Errorf("internal error parsing the lines from %d on: %v", blk.line, r)}
		}
	}()
	return p.parse(blk)
}

func (in *input) reject(bad *BadInputError, r badRow) {
	bad.Count++
	if len(bad.First) < firstBadRows {
		bad.First = append(bad.First, r.BadRow)
	}
	if in.o.SkipBad && in.o.Rejects != nil {
		fmt.Fprintf(in.o.Rejects, "%d\t%s\t%s\n", r.Line, r.Reason, strings.NewReplacer("\t", "\\t", "\n", "\\n", "\r", "\\r").Replace(r.raw))
	}
}

// readError: the input could not be read to its end (a truncated or
// damaged gzip stream, an I/O error), so the file is rejected whole.
func (in *input) readError(line int, err error) error {
	return &BadInputError{Source: in.source, Reason: fmt.Sprintf("reading failed after line %d: %v", line, err)}
}

// cut reads the input in blocks of whole records, numbered in order.
func (in *input) cut(ctx context.Context, line int, out chan<- block, stop <-chan struct{}) error {
	var carry []byte
	seq := 0
	send := func(b block) bool {
		b.seq = seq
		seq++
		select {
		case out <- b:
			return true
		case <-stop:
			return false
		}
	}
	csv := in.o.Format == "csv"
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf := make([]byte, len(carry), len(carry)+blockBytes)
		copy(buf, carry)
		n, err := io.ReadFull(in.in, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return in.readError(line, err)
		}
		cut := len(buf)
		if !eof {
			cut = lastBoundary(buf, csv, in.comma)
		}
		if cut == 0 && len(buf) > 0 {
			if len(buf) < maxRecordBytes {
				carry = buf
				continue
			}
			// One record longer than the limit: report it and skip to the
			// end of its line.
			skipped, err := in.skipLine()
			if err != nil && err != io.EOF {
				return in.readError(line, err)
			}
			if !send(block{line: line, long: true}) {
				return nil
			}
			line += 1 + bytes.Count(buf, []byte{'\n'}) + skipped
			carry = nil
			if err == io.EOF {
				return nil
			}
			continue
		}
		if cut > 0 {
			if !send(block{data: buf[:cut], line: line, read: in.read.n}) {
				return nil
			}
			line += bytes.Count(buf[:cut], []byte{'\n'})
		}
		carry = append([]byte(nil), buf[cut:]...)
		if eof {
			return nil
		}
	}
}

// skipLine discards the input to the end of the current line and returns
// the number of newlines passed (0 or 1).
func (in *input) skipLine() (int, error) {
	for {
		_, err := in.in.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return 0, err
		}
		return 1, nil
	}
}

// lastBoundary is the end of the last whole record in buf: after its last
// newline, or for CSV with quotes, after the last newline outside a quoted
// field (a quoted field may hold newlines).
func lastBoundary(buf []byte, csv bool, comma byte) int {
	last := bytes.LastIndexByte(buf, '\n') + 1
	if !csv || bytes.IndexByte(buf[:last], '"') < 0 {
		return last
	}
	cut, open := 0, false
	for p := 0; p < last; {
		e := bytes.IndexByte(buf[p:last], '\n') + p + 1
		open = inQuotes(buf[p:e], comma, open)
		if !open {
			cut = e
		}
		p = e
	}
	return cut
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

// nextLine splits the first line (with its newline) off data.
func nextLine(data []byte) (line, rest []byte) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return data, nil
	}
	return data[:i+1], data[i+1:]
}
