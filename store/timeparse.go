package store

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

var errTime = errors.New("unparseable time")

// ParseTime reads the time formats real exports use and returns ms since the
// Unix epoch, UTC:
//   - RFC 3339 with or without a fraction and zone: 2019-10-01T08:30:00Z,
//     2019-10-01T08:30:00.123+02:00, 2019-10-01T08:30:00 (UTC)
//   - 2019-10-01 08:30:00[.fff] with an optional zone or " UTC"
//   - unix seconds, milliseconds or microseconds (nanoseconds too), told
//     apart by magnitude; seconds may have a fraction.
//
// It is hand-written because time.Parse with several layouts costs more than
// the rest of an import put together.
func ParseTime(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errTime
	}
	if c := s[0]; c >= '0' && c <= '9' && (len(s) < 5 || s[4] != '-') {
		return parseUnix(s)
	}
	return parseCivil(s)
}

func parseUnix(s string) (int64, error) {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || f >= 1e11 {
			return 0, errTime
		}
		return int64(math.Round(f * 1000)), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, errTime
	}
	switch {
	case n < 1e11: // seconds until the year 5138
		return n * 1000, nil
	case n < 1e14: // milliseconds
		return n, nil
	case n < 1e17: // microseconds
		return n / 1000, nil
	default: // nanoseconds
		return n / 1_000_000, nil
	}
}

func digits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// daysFromCivil is Howard Hinnant's algorithm: days since 1970-01-01.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

var monthDays = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func parseCivil(s string) (int64, error) {
	y, ok1 := digits(s, 0, 4)
	mo, ok2 := digits(s, 5, 2)
	d, ok3 := digits(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || s[4] != '-' || s[7] != '-' || mo < 1 || mo > 12 || d < 1 || d > monthDays[mo] {
		return 0, errTime
	}
	if mo == 2 && d == 29 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		return 0, errTime
	}
	ms := daysFromCivil(y, mo, d) * 86_400_000
	rest := s[10:]
	if rest == "" {
		return ms, nil
	}
	if rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ' {
		return 0, errTime
	}
	h, ok1 := digits(rest, 1, 2)
	mi, ok2 := digits(rest, 4, 2)
	if !ok1 || !ok2 || len(rest) < 6 || rest[3] != ':' || h > 23 || mi > 59 {
		return 0, errTime
	}
	rest = rest[6:]
	sec := 0
	if len(rest) > 0 && rest[0] == ':' {
		var ok bool
		if sec, ok = digits(rest, 1, 2); !ok || sec > 60 {
			return 0, errTime
		}
		rest = rest[3:]
	}
	frac := 0
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		i := 1
		scale := 100
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			frac += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return 0, errTime
		}
		rest = rest[i:]
	}
	ms += int64(h)*3_600_000 + int64(mi)*60_000 + int64(sec)*1000 + int64(frac)
	rest = strings.TrimLeft(rest, " ")
	switch rest {
	case "", "Z", "z", "UTC", "GMT", "+00", "+0000", "+00:00":
		return ms, nil
	}
	if rest[0] != '+' && rest[0] != '-' {
		return 0, errTime
	}
	oh, ok := digits(rest, 1, 2)
	if !ok {
		return 0, errTime
	}
	tail := rest[3:]
	if len(tail) > 0 && tail[0] == ':' {
		tail = tail[1:]
	}
	om := 0
	if tail != "" {
		if om, ok = digits(tail, 0, 2); !ok || len(tail) != 2 {
			return 0, errTime
		}
	}
	off := int64(oh)*3_600_000 + int64(om)*60_000
	if oh > 23 || om > 59 {
		return 0, errTime
	}
	if rest[0] == '+' {
		return ms - off, nil
	}
	return ms + off, nil
}
