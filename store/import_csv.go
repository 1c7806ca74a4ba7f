package store

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// csvHeader is a CSV file's header line, read before the rows are cut into
// blocks.
type csvHeader struct {
	cols  []string
	roles roles
	lines int  // lines the header took
	given bool // named by --columns: the file has no header
}

func (in *input) csvHeader() (csvHeader, error) {
	var h csvHeader
	if len(in.o.Columns) > 0 {
		// A file without a header: the columns are named by --columns, and
		// the delimiter is the first line's.
		head, _ := in.in.Peek(64 << 10)
		line, _, _ := bytes.Cut(head, []byte{'\n'})
		in.comma = sniffComma(line)
		h.given = true
		return h, in.nameColumns(&h, in.o.Columns)
	}
	var rec []byte
	open := false
	for first := true; first || open; first = false {
		line, err := in.in.ReadSlice('\n')
		for err == bufio.ErrBufferFull {
			if len(rec)+len(line) > maxRecordBytes {
				return h, &BadInputError{Source: in.source, Reason: fmt.Sprintf("the header line is longer than %d bytes", maxRecordBytes)}
			}
			rec = append(rec, line...)
			line, err = in.in.ReadSlice('\n')
		}
		if err != nil && err != io.EOF {
			return h, in.readError(0, err)
		}
		rec = append(rec, line...)
		h.lines++
		open = inQuotes(line, ',', open) && err == nil
		if err == io.EOF {
			break
		}
	}
	rec = trimEOL(bytes.TrimPrefix(rec, []byte("\xef\xbb\xbf")))
	in.comma = sniffComma(rec)
	header, err := splitCSV(rec, in.comma, nil)
	if err != nil {
		return h, &BadInputError{Source: in.source, Reason: "cannot read the header line: " + err.Error()}
	}
	return h, in.nameColumns(&h, header)
}

// nameColumns checks the column names and assigns their roles.
func (in *input) nameColumns(h *csvHeader, header []string) error {
	what := "header"
	if h.given {
		what = "--columns"
	}
	seen := map[string]bool{}
	for i, c := range header {
		c = strings.Clone(strings.TrimSpace(c))
		if !utf8.ValidString(c) {
			return &BadInputError{Source: in.source, Reason: "the " + what + " line is not valid UTF-8"}
		}
		if c == "" {
			return &BadInputError{Source: in.source, Reason: fmt.Sprintf("%s column %d has no name", what, i+1)}
		}
		if seen[c] {
			return &BadInputError{Source: in.source, Reason: fmt.Sprintf("%s names column %q twice", what, c)}
		}
		seen[c] = true
		h.cols = append(h.cols, c)
	}
	var err error
	if h.roles, err = in.rolesOf(h.cols, true); err != nil {
		return &BadInputError{Source: in.source, Reason: err.Error()}
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

// csvParser parses blocks of CSV rows.
type csvParser struct {
	in     *input
	h      csvHeader
	keyOf  []int // column -> key id in a part
	fields []string
}

func newCSVParser(in *input, h csvHeader) *csvParser {
	p := &csvParser{in: in, h: h, keyOf: make([]int, len(h.cols))}
	for k, i := range h.roles.props {
		p.keyOf[i] = k
	}
	return p
}

func (cp *csvParser) newPart(blk block) *part {
	pt := newPart(blk)
	for _, i := range cp.h.roles.props {
		pt.keys = append(pt.keys, cp.h.cols[i])
		pt.cols = append(pt.cols, make([]string, 0, cap(pt.ts)))
	}
	return pt
}

func (cp *csvParser) parse(blk block) *part {
	pt := cp.newPart(blk)
	in := cp.in
	if blk.long {
		pt.rows++
		pt.bad = append(pt.bad, badRow{BadRow: BadRow{Line: blk.line, Reason: fmt.Sprintf("line longer than %d bytes", maxRecordBytes)}})
		return pt
	}
	// Fields of unquoted records point into the block, which the part
	// keeps until it is merged: no copies.
	t := &rowTarget{p: pt}
	keyID := func(col int) int { return cp.keyOf[col] }
	data := blk.data
	line := blk.line
	for len(data) > 0 {
		start := line
		rec, rest := nextLine(data)
		line++
		if bytes.IndexByte(rec, '"') >= 0 && inQuotes(rec, in.comma, false) {
			// A quoted field holds newlines: the record goes on.
			open := true
			end := len(rec)
			for open && end < len(data) {
				l, _ := nextLine(data[end:])
				open = inQuotes(l, in.comma, true)
				end += len(l)
				line++
			}
			rec, rest = data[:end], data[end:]
		}
		data = rest
		rec = trimEOL(rec)
		if len(rec) == 0 {
			continue // a blank line
		}
		pt.rows++
		bad := func(why string) {
			pt.bad = append(pt.bad, badRow{BadRow: BadRow{Line: start, Reason: why}, raw: string(rec)})
		}
		if len(rec) > maxRecordBytes {
			pt.bad = append(pt.bad, badRow{BadRow: BadRow{Line: start, Reason: fmt.Sprintf("line longer than %d bytes", maxRecordBytes)}})
			continue
		}
		if !utf8.Valid(rec) {
			bad("invalid UTF-8")
			continue
		}
		fields, err := splitCSV(rec, in.comma, cp.fields)
		if err != nil {
			bad("malformed CSV: " + err.Error())
			continue
		}
		cp.fields = fields
		if len(fields) != len(cp.h.cols) {
			if cp.h.given {
				bad(fmt.Sprintf("wrong column count: %d, --columns names %d", len(fields), len(cp.h.cols)))
			} else {
				bad(fmt.Sprintf("wrong column count: %d, the header has %d", len(fields), len(cp.h.cols)))
			}
			continue
		}
		if why := t.row(in, cp.h.cols, fields, cp.h.roles, keyID); why != "" {
			bad(why)
		}
	}
	return pt
}

// splitCSV splits a record into fields. The common record, without quotes,
// is split in place: its fields alias rec. A quoted record goes through
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
