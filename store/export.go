package store

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// ExportColumns names the user, event and time columns of an export of a
// dataset with the given property keys: "user", "event" and "time", with
// underscores in front while a property has that name.
func ExportColumns(keys []string) (user, event, tm string) {
	taken := map[string]bool{}
	for _, k := range keys {
		taken[k] = true
	}
	name := func(n string) string {
		for taken[n] {
			n = "_" + n
		}
		taken[n] = true
		return n
	}
	return name("user"), name("event"), name("time")
}

// ExportTime is how an export writes times: RFC 3339 in UTC with
// milliseconds.
const ExportTime = "2006-01-02T15:04:05.000Z"

// Export writes every event of the dataset with every property, as
// imported, sorted by user then time: CSV (a header, then one row an event,
// an empty cell for a missing property) or NDJSON (one object an event,
// properties as top-level keys, numbers of number properties as JSON
// numbers). It reads the columns a chunk of events at a time, so its memory
// is the dictionaries (users, names, values), not the events. It returns the
// number of events written.
func (s *Store) Export(ctx context.Context, dataset, format string, w io.Writer) (int64, error) {
	if format != "csv" && format != "ndjson" {
		return 0, fmt.Errorf("export format %q: want csv or ndjson", format)
	}
	var n int64
	err := s.withMeta(ctx, dataset, func(tx *sql.Tx, m dsMeta) (err error) {
		n, err = export(ctx, tx, m, format, w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("export %s: %w", dataset, err)
	}
	return n, nil
}

func export(ctx context.Context, tx *sql.Tx, m dsMeta, format string, w io.Writer) (int64, error) {
	parts := []string{partUsers, partUserDict, partNameDict}
	for _, k := range m.keys {
		parts = append(parts, prefixValues+k.key)
	}
	ps, err := readParts(ctx, tx, m.id, m.version, parts...)
	if err != nil {
		return 0, err
	}
	n := int(m.events)
	userStart, err := decodeUsers(ps[partUsers], int(m.users), n)
	if err != nil {
		return 0, err
	}
	users, err := decodeDict(ps[partUserDict], nil, int(m.users))
	if err != nil {
		return 0, err
	}
	names, err := decodeDict(ps[partNameDict], nil, m.names)
	if err != nil {
		return 0, err
	}
	dicts := make([][]string, len(m.keys))
	keys := make([]string, len(m.keys))
	for i, k := range m.keys {
		keys[i] = k.key
		if dicts[i], err = decodeDict(ps[prefixValues+k.key], []string{""}, int(k.distinct)+1); err != nil {
			return 0, fmt.Errorf("property %s: %w", k.key, err)
		}
	}
	number := make([]bool, len(m.keys))
	for i, k := range m.keys {
		number[i] = k.number
	}
	x, err := NewExportWriter(w, format, keys, number)
	if err != nil {
		return 0, err
	}
	chunk := func(part string, seq int) ([]byte, error) {
		var b []byte
		err := tx.QueryRowContext(ctx, `SELECT data FROM packs WHERE dataset_id = ? AND part = ? AND seq = ? AND version = ?`, m.id, part, seq, m.version).Scan(&b)
		if err != nil {
			return nil, fmt.Errorf("%w: part %s chunk %d: %v", errPack, part, seq, err)
		}
		return b, nil
	}
	ts := make([]int64, 0, chunkEvents)
	name := make([]uint32, 0, chunkEvents)
	codes := make([][]uint32, len(keys))
	values := make([]string, len(keys))
	u := 0
	written := int64(0)
	for lo, seq := 0, 0; lo < n; lo, seq = lo+chunkEvents, seq+1 {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		hi := min(lo+chunkEvents, n)
		ts, name = ts[:hi-lo], name[:hi-lo]
		b, err := chunk(partTime, seq)
		if err == nil {
			err = decodeTime(b, ts)
		}
		if err != nil {
			return written, fmt.Errorf("time column: %w", err)
		}
		if b, err = chunk(partName, seq); err == nil {
			err = decodeCodes(b, name, len(names))
		}
		if err != nil {
			return written, fmt.Errorf("event column: %w", err)
		}
		for i, k := range keys {
			codes[i] = append(codes[i][:0], make([]uint32, hi-lo)...)
			if b, err = chunk(prefixCodes+k, seq); err == nil {
				err = decodeCodes(b, codes[i], len(dicts[i]))
			}
			if err != nil {
				return written, fmt.Errorf("property %s: %w", k, err)
			}
		}
		for j := 0; j < hi-lo; j++ {
			for int(userStart[u+1]) <= lo+j {
				u++
			}
			for i := range keys {
				values[i] = dicts[i][codes[i][j]]
			}
			if err := x.Write(users[u], names[name[j]], ts[j], values); err != nil {
				return written, err
			}
			written++
		}
	}
	return written, x.Flush()
}

// appendJSONField appends "key": value (with a comma before all but the
// first field); number writes a value that is a valid JSON number bare.
func appendJSONField(b []byte, key, value string, number bool) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = appendJSONString(b, key)
	b = append(b, ':')
	if number && jsonNumber(value) {
		return append(b, value...)
	}
	return appendJSONString(b, value)
}

// jsonNumber: JSON's number grammar, stricter than isNumber (no "+", no
// leading zeros, digits on both sides of the point).
func jsonNumber(s string) bool {
	if !isNumber(s) || s[0] == '+' {
		return false
	}
	d := s
	if d[0] == '-' {
		d = d[1:]
	}
	if len(d) > 1 && d[0] == '0' && d[1] >= '0' && d[1] <= '9' || d[0] == '.' {
		return false
	}
	for i := 0; i+1 < len(d); i++ {
		if d[i] == '.' && (d[i+1] < '0' || d[i+1] > '9') {
			return false
		}
	}
	return d[len(d)-1] != '.'
}

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, `\u00`...)
				b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\u2028' || r == '\u2029' {
			b = append(b, `\u`...)
			b = strconv.AppendInt(b, int64(r), 16)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
