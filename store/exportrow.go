package store

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"time"
)

// ExportWriter writes events in Export's format, one at a time, so that
// another backend's export (chstore) is the same file.
type ExportWriter struct {
	bw     *bufio.Writer
	cw     *csv.Writer
	keys   []string
	number []bool
	cols   [3]string // user, event, time
	row    []string
	line   []byte
}

// NewExportWriter starts an export of events with the given property keys
// (number[i] is set when key i is a number property) in format "csv" or
// "ndjson"; CSV gets its header at once.
func NewExportWriter(w io.Writer, format string, keys []string, number []bool) (*ExportWriter, error) {
	if format != "csv" && format != "ndjson" {
		return nil, fmt.Errorf("export format %q: want csv or ndjson", format)
	}
	x := &ExportWriter{bw: bufio.NewWriterSize(w, 1<<16), keys: keys, number: number}
	x.cols[0], x.cols[1], x.cols[2] = ExportColumns(keys)
	if format == "csv" {
		x.cw = csv.NewWriter(x.bw)
		x.row = append([]string{x.cols[0], x.cols[1], x.cols[2]}, keys...)
		if err := x.cw.Write(x.row); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// Write writes one event; values[i] is the value of key i, "" for none.
func (x *ExportWriter) Write(user, event string, ms int64, values []string) error {
	when := time.UnixMilli(ms).UTC().Format(ExportTime)
	if x.cw != nil {
		x.row = append(x.row[:0], user, event, when)
		x.row = append(x.row, values...)
		return x.cw.Write(x.row)
	}
	x.line = append(x.line[:0], '{')
	x.line = appendJSONField(x.line, x.cols[0], user, false)
	x.line = appendJSONField(x.line, x.cols[1], event, false)
	x.line = appendJSONField(x.line, x.cols[2], when, false)
	for i, k := range x.keys {
		if v := values[i]; v != "" {
			x.line = appendJSONField(x.line, k, v, x.number[i])
		}
	}
	x.line = append(x.line, "}\n"...)
	_, err := x.bw.Write(x.line)
	return err
}

// Flush writes what is buffered.
func (x *ExportWriter) Flush() error {
	if x.cw != nil {
		x.cw.Flush()
		if err := x.cw.Error(); err != nil {
			return err
		}
	}
	return x.bw.Flush()
}
