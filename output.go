package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// table is a listing that prints as an aligned table, JSON or CSV.
type table struct {
	header []string
	rows   [][]any // string or int64 cells: numbers print with separators in a table, plain in CSV
	json   any     // what --format json prints
	// width, when set, is what the table format must fit: the widest text
	// columns are cut with "…" until it does (CSV and JSON are never cut).
	width int
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
		rows := make([][]string, len(t.rows))
		for i, r := range t.rows {
			rows[i] = cells(r, true)
		}
		if t.width > 0 {
			fitColumns(t.header, rows, t.width)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(t.header, "\t"))
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		return tw.Flush()
	}
}

// fitColumns cuts the widest column's cells (never below 12 runes or its
// header) until the table, with two spaces between columns, fits width.
func fitColumns(header []string, rows [][]string, width int) {
	n := len(header)
	colW := make([]int, n)
	measure := func() int {
		total := 2 * (n - 1)
		for c := range colW {
			colW[c] = utf8.RuneCountInString(header[c])
			for _, r := range rows {
				colW[c] = max(colW[c], utf8.RuneCountInString(r[c]))
			}
			total += colW[c]
		}
		return total
	}
	for total := measure(); total > width; total = measure() {
		widest := 0
		for c := range colW {
			if colW[c] > colW[widest] {
				widest = c
			}
		}
		to := max(colW[widest]-(total-width), 12, utf8.RuneCountInString(header[widest]))
		if to >= colW[widest] {
			return // nothing left to cut
		}
		for _, r := range rows {
			if rs := []rune(r[widest]); len(rs) > to {
				r[widest] = string(rs[:to-1]) + "…"
			}
		}
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
