package store

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	ref := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	tests := []struct {
		in   string
		want int64
	}{
		{"2019-10-01T00:00:00Z", ref("2019-10-01T00:00:00Z")},
		{"2019-10-01T08:30:15.123Z", ref("2019-10-01T08:30:15.123Z")},
		{"2019-10-01T08:30:15.123456789+02:00", ref("2019-10-01T08:30:15.123+02:00")},
		{"2019-10-01T08:30:15-05:30", ref("2019-10-01T08:30:15-05:30")},
		{"2019-10-01T08:30:15", ref("2019-10-01T08:30:15Z")},
		{"2019-10-01 00:00:00 UTC", ref("2019-10-01T00:00:00Z")},
		{"2019-10-01 12:34:56.7", ref("2019-10-01T12:34:56.7Z")},
		{"2019-10-01 12:34:56+0100", ref("2019-10-01T11:34:56Z")},
		{"2019-10-01", ref("2019-10-01T00:00:00Z")},
		{"2020-02-29T23:59:59Z", ref("2020-02-29T23:59:59Z")},
		{"1969-12-31T23:59:59Z", -1000},
		{"1569888000", 1569888000000},
		{"1569888000.25", 1569888000250},
		{"1569888000123", 1569888000123},
		{"1569888000123456", 1569888000123},
		{"1569888000123456789", 1569888000123},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTime(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2019-13-01", "2019-02-30T00:00:00Z", "2019-02-29", "2019-10-01T25:00:00Z", "2019-10-01X00:00", "2019-10-01T00:00:00 PST", "-5", "12abc", "2019-10-01T00:00:00+2"} {
		if got, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) = %d, want an error", bad, got)
		}
	}
}

// The hand-written parser agrees with the standard library on every
// RFC 3339 time it is given.
func FuzzParseTime(f *testing.F) {
	f.Add(int64(1569888000123), 0)
	f.Add(int64(-86400000), 330)
	f.Add(int64(4102444800000), -480)
	f.Fuzz(func(t *testing.T, ms int64, offMin int) {
		if ms < -62135596800000 || ms > 253402300799000 || offMin < -1439 || offMin > 1439 {
			return
		}
		tm := time.UnixMilli(ms).In(time.FixedZone("", offMin*60))
		if tm.Year() < 0 || tm.Year() > 9999 {
			return
		}
		s := tm.Format("2006-01-02T15:04:05.000Z07:00")
		got, err := ParseTime(s)
		if err != nil || got != ms {
			t.Fatalf("ParseTime(%q) = %d, %v; want %d", s, got, err, ms)
		}
	})
}
