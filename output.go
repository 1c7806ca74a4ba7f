package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// table is a listing that prints as an aligned table, JSON or CSV.
type table struct {
	header []string
	rows   [][]any // string or int64 cells: numbers print with separators in a table, plain in CSV
	json   any     // what --format json prints
}

func checkFormat(format string, allowed ...string) error {
	for _, f := range allowed {
		if format == f {
			return nil
		}
	}
	return usagef("unknown --format %q: want %s", format, strings.Join(allowed, ", "))
}

func (t table) write(w io.Writer, format string) error {
	switch format {
	case "json":
		return writeJSON(w, t.json)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(t.header)
		for _, r := range t.rows {
			cw.Write(cells(r, false))
		}
		cw.Flush()
		return cw.Error()
	default:
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(t.header, "\t"))
		for _, r := range t.rows {
			fmt.Fprintln(tw, strings.Join(cells(r, true), "\t"))
		}
		return tw.Flush()
	}
}

// cells writes a row: int64 cells with thousands separators for people,
// plain for machines.
func cells(r []any, human bool) []string {
	out := make([]string, len(r))
	for i, c := range r {
		switch v := c.(type) {
		case int64:
			if human {
				out[i] = count(v)
			} else {
				out[i] = strconv.FormatInt(v, 10)
			}
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// count formats an integer with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + count(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// plural is "1 event", "2,000 events".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return count(n) + " " + noun + "s"
}
