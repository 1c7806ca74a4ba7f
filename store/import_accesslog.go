package store

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// An access log (Apache or nginx, common or combined format) is one event a
// request: the user is the client address with its user agent, the event
// the URL path without its query (or the name an event map gives it), and
// the status, method, referrer and user agent are properties. Requests for
// static files and from crawlers are left out and counted.
//
//	127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.html?x=1 HTTP/1.0" 200 2326 "http://ref/" "Mozilla/5.0"

// EventMap maps URL path patterns to event names: the first pattern that
// matches a path names its event ("/downloads/*" -> download_material).
type EventMap []EventRule

// EventRule is one pattern of an EventMap; * matches any run of
// characters, slashes included.
type EventRule struct{ Pattern, Event string }

// ParseEventMap reads lines of "PATTERN EVENT" (blank lines and lines
// starting with # are skipped).
func ParseEventMap(r io.Reader) (EventMap, error) {
	var m EventMap
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 || !strings.HasPrefix(f[0], "/") {
			return nil, fmt.Errorf("event map line %d: want a path pattern starting with / and an event name, got %q", n, line)
		}
		m = append(m, EventRule{f[0], f[1]})
	}
	return m, sc.Err()
}

func (m EventMap) name(p string) string {
	for _, r := range m {
		if globMatch(r.Pattern, p) {
			return r.Event
		}
	}
	return p
}

// globMatch matches a pattern whose only wildcard is *.
func globMatch(pat, s string) bool {
	parts := strings.Split(pat, "*")
	if len(parts) == 1 {
		return pat == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

var staticExt = map[string]bool{
	".css": true, ".js": true, ".mjs": true, ".map": true, ".png": true, ".jpg": true, ".jpeg": true, ".gif": true,
	".svg": true, ".ico": true, ".webp": true, ".avif": true, ".bmp": true, ".woff": true, ".woff2": true,
	".ttf": true, ".otf": true, ".eot": true,
}

func isBot(ua string) bool {
	ua = strings.ToLower(ua)
	for _, w := range []string{"bot", "crawl", "spider", "slurp"} {
		if strings.Contains(ua, w) {
			return true
		}
	}
	return false
}

// looksLikeAccessLog: host ident user [time] "request" on the first line.
func looksLikeAccessLog(head []byte) bool {
	line, _, _ := bytes.Cut(head, []byte{'\n'})
	_, err := parseLogLine(string(trimEOL(line)))
	return err == nil
}

type logLine struct {
	host, method, target, status, referrer, agent string
	ms                                            int64
}

// parseLogLine reads one line of the common or combined log format.
func parseLogLine(s string) (logLine, error) {
	var l logLine
	next := func() (string, bool) {
		s = strings.TrimLeft(s, " ")
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			return "", false
		}
		f := s[:i]
		s = s[i:]
		return f, true
	}
	quoted := func() (string, bool) {
		s = strings.TrimLeft(s, " ")
		if !strings.HasPrefix(s, `"`) {
			return "", false
		}
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch c := s[i]; {
			case c == '\\' && i+1 < len(s):
				i++
				b.WriteByte(s[i])
			case c == '"':
				s = s[i+1:]
				return b.String(), true
			default:
				b.WriteByte(c)
			}
		}
		return "", false
	}
	var ok bool
	if l.host, ok = next(); !ok || l.host == "" {
		return l, fmt.Errorf("no client address")
	}
	if _, ok = next(); !ok { // ident
		return l, fmt.Errorf("not an access log line")
	}
	if _, ok = next(); !ok { // user
		return l, fmt.Errorf("not an access log line")
	}
	s = strings.TrimLeft(s, " ")
	if !strings.HasPrefix(s, "[") {
		return l, fmt.Errorf("no [time]")
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return l, fmt.Errorf("no [time]")
	}
	t, err := time.Parse("02/Jan/2006:15:04:05 -0700", s[1:end])
	if err != nil {
		return l, fmt.Errorf("unparseable time %q (want 10/Oct/2000:13:55:36 -0700)", s[1:end])
	}
	l.ms = t.UnixMilli()
	s = s[end+1:]
	req, ok := quoted()
	if !ok {
		return l, fmt.Errorf(`no "request"`)
	}
	parts := strings.Fields(req)
	if len(parts) < 2 {
		return l, fmt.Errorf("request %q has no method and URL", req)
	}
	l.method, l.target = parts[0], parts[1]
	if l.status, ok = next(); !ok {
		l.status = strings.TrimSpace(s)
		s = ""
	}
	if _, err := strconv.Atoi(l.status); err != nil || len(l.status) != 3 {
		return l, fmt.Errorf("status %q is not a number", l.status)
	}
	next() // bytes
	if ref, ok := quoted(); ok {
		l.referrer = ref
		if ua, ok := quoted(); ok {
			l.agent = ua
		}
	}
	return l, nil
}

// accessParser parses blocks of access log lines.
type accessParser struct {
	in   *input
	cols []string
	vals []string
	r    roles
}

func newAccessParser(in *input) *accessParser {
	return &accessParser{in: in, cols: []string{"user", "event", "time", "status", "method", "referrer", "user_agent"},
		r: roles{user: []int{0}, event: []int{1}, time: []int{2}, props: []int{3, 4, 5, 6}}}
}

func (ap *accessParser) parse(blk block) *part {
	pt := newPart(blk)
	pt.keys = ap.cols[3:]
	pt.cols = make([][]string, len(pt.keys))
	if blk.long {
		pt.rows++
		pt.bad = append(pt.bad, badRow{BadRow: BadRow{Line: blk.line, Reason: fmt.Sprintf("line longer than %d bytes", maxRecordBytes)}})
		return pt
	}
	t := &rowTarget{p: pt, copy: true}
	data, line := blk.data, blk.line-1
	for len(data) > 0 {
		var raw []byte
		raw, data = nextLine(data)
		line++
		rec := trimEOL(raw)
		if len(bytes.TrimSpace(rec)) == 0 {
			continue
		}
		pt.rows++
		if !utf8.Valid(rec) {
			pt.bad = append(pt.bad, badRow{BadRow: BadRow{Line: line, Reason: "invalid UTF-8"}, raw: string(rec)})
			continue
		}
		l, err := parseLogLine(string(rec))
		if err != nil {
			pt.bad = append(pt.bad, badRow{BadRow: BadRow{Line: line, Reason: "malformed access log line: " + err.Error()}, raw: string(rec)})
			continue
		}
		p, _, _ := strings.Cut(l.target, "?")
		p, _, _ = strings.Cut(p, "#")
		if staticExt[strings.ToLower(path.Ext(p))] {
			pt.skip("static files")
			continue
		}
		if isBot(l.agent) {
			pt.skip("bots")
			continue
		}
		user := l.host
		if l.agent != "" {
			user += " " + l.agent
		}
		ap.vals = append(ap.vals[:0], user, ap.in.o.EventMap.name(p), strconv.FormatInt(l.ms, 10), l.status, l.method, l.referrer, l.agent)
		if l.referrer == "-" {
			ap.vals[5] = ""
		}
		if why := t.row(ap.in, ap.cols, ap.vals, ap.r, func(col int) int { return col - 3 }); why != "" {
			pt.bad = append(pt.bad, badRow{BadRow: BadRow{Line: line, Reason: why}, raw: string(rec)})
		}
	}
	return pt
}
