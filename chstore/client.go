// Package chstore keeps events in a ClickHouse server and computes funnels
// there: the adapter behind `--db clickhouse://HOST:PORT/DATABASE`. All of
// microfunnel's ClickHouse SQL lives in this package.
//
// It speaks ClickHouse's HTTP interface (port 8123 by default) with net/http:
// the server Debian ships (18.16) predates what clickhouse-go/v2 needs of
// the native protocol (see docs/ARCHITECTURE.md).
package chstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultPort is ClickHouse's HTTP port, used when the URL names none.
const DefaultPort = "8123"

// Scheme is the --db URL scheme that selects ClickHouse.
const Scheme = "clickhouse"

// Config is a parsed clickhouse:// URL.
type Config struct {
	User, Password string
	Host, Port     string
	Database       string
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ParseURL reads clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE.
func ParseURL(s string) (Config, error) {
	var c Config
	u, err := url.Parse(s)
	if err != nil {
		return c, fmt.Errorf("%q: %v (want clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE)", s, err)
	}
	if u.Scheme != Scheme {
		return c, fmt.Errorf("%q: scheme %q: want clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE", s, u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return c, fmt.Errorf("%q: no host (want clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE)", s)
	}
	c.Host, c.Port = u.Hostname(), u.Port()
	if c.Port == "" {
		c.Port = DefaultPort
	}
	if n, err := strconv.Atoi(c.Port); err != nil || n < 1 || n > 65535 {
		return c, fmt.Errorf("%q: port %q is not a port number", s, c.Port)
	}
	if u.User != nil {
		c.User = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	c.Database = strings.Trim(u.Path, "/")
	if c.Database == "" {
		return c, fmt.Errorf("%q: no database (want clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE)", s)
	}
	if !identRe.MatchString(c.Database) {
		return c, fmt.Errorf("%q: database %q: want letters, digits and underscores", s, c.Database)
	}
	if len(u.Query()) > 0 || u.Fragment != "" {
		return c, fmt.Errorf("%q: unexpected ?query or #fragment", s)
	}
	return c, nil
}

// String is the URL without the password.
func (c Config) String() string {
	u := url.URL{Scheme: Scheme, Host: net.JoinHostPort(c.Host, c.Port), Path: "/" + c.Database}
	if c.User != "" {
		u.User = url.User(c.User)
	}
	return u.String()
}

// client runs queries over HTTP.
type client struct {
	cfg  Config
	base string
	http *http.Client
}

// dialTimeout bounds connecting, so that an unreachable server fails fast;
// pingTimeout bounds the first query, which also checks the credentials.
const (
	dialTimeout = 3 * time.Second
	pingTimeout = 4 * time.Second
)

func newClient(cfg Config) *client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: dialTimeout}).DialContext,
		MaxIdleConnsPerHost: 4,
		DisableCompression:  true,
	}
	return &client{cfg: cfg, base: "http://" + net.JoinHostPort(cfg.Host, cfg.Port) + "/", http: &http.Client{Transport: tr}}
}

// ServerError is an exception the server returned.
type ServerError struct {
	Code    int
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("ClickHouse error %d: %s", e.Code, e.Message)
}

// Server error codes microfunnel explains.
const (
	codeUnknownTable    = 60
	codeUnknownDatabase = 81
	codeUnknownIdent    = 47
	codeAuthFailed      = 516
	codeUnknownUser     = 192
	codeWrongPassword   = 193
)

var errCodeRe = regexp.MustCompile(`Code: (\d+), e\.displayText\(\) = (?:DB::Exception: )?(.*?)(?:, e\.what\(\) = .*)?$`)

func parseServerError(body string) *ServerError {
	body = strings.TrimSpace(body)
	if m := errCodeRe.FindStringSubmatch(body); m != nil {
		code, _ := strconv.Atoi(m[1])
		return &ServerError{Code: code, Message: strings.TrimSpace(m[2])}
	}
	if i := strings.Index(body, "Code: "); i >= 0 {
		rest := body[i+6:]
		j := strings.IndexByte(rest, ',')
		if j > 0 {
			if code, err := strconv.Atoi(rest[:j]); err == nil {
				return &ServerError{Code: code, Message: strings.TrimSpace(rest[j+1:])}
			}
		}
	}
	return &ServerError{Message: body}
}

// do sends one query; body, when not nil, is the data of an INSERT. The
// database is the URL's unless noDB (used to check that it exists).
func (c *client) do(ctx context.Context, query string, body io.Reader, noDB bool) (io.ReadCloser, error) {
	if os.Getenv("MICROFUNNEL_CH_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "%s QUERY %s\n", time.Now().Format("15:04:05.000"), query)
	}
	q := url.Values{}
	if !noDB {
		q.Set("database", c.cfg.Database)
	}
	method := http.MethodPost
	if body == nil {
		body = strings.NewReader(query)
	} else {
		q.Set("query", query)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"?"+q.Encode(), body)
	if err != nil {
		return nil, err
	}
	if c.cfg.User != "" {
		req.Header.Set("X-ClickHouse-User", c.cfg.User)
		req.Header.Set("X-ClickHouse-Key", c.cfg.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.netError(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if !strings.Contains(string(b), "Code: ") {
			return nil, fmt.Errorf("%s answered HTTP %s without a ClickHouse error: is it ClickHouse's HTTP port?", net.JoinHostPort(c.cfg.Host, c.cfg.Port), resp.Status)
		}
		return nil, parseServerError(string(b))
	}
	return resp.Body, nil
}

func (c *client) netError(err error) error {
	addr := net.JoinHostPort(c.cfg.Host, c.cfg.Port)
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("ClickHouse at %s did not answer in time (is the server up, and is %s its HTTP port?)", addr, c.cfg.Port)
	case strings.Contains(err.Error(), "connection refused"):
		return fmt.Errorf("ClickHouse at %s refused the connection: is the server running, with its HTTP interface on port %s?", addr, c.cfg.Port)
	case strings.Contains(err.Error(), "malformed HTTP response"), strings.Contains(err.Error(), "EOF"):
		return fmt.Errorf("%s does not answer HTTP: microfunnel speaks ClickHouse's HTTP interface (port 8123 by default), not the native protocol (9000)", addr)
	}
	return fmt.Errorf("ClickHouse at %s: %w", addr, err)
}

// exec runs a statement that returns nothing.
func (c *client) exec(ctx context.Context, query string) error {
	rc, err := c.do(ctx, query, nil, false)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, rc)
	rc.Close()
	return err
}

// rows runs a query in TabSeparated format and calls fn with each row's
// fields (unescaped).
func (c *client) rows(ctx context.Context, query string, fn func(f []string) error) error {
	rc, err := c.do(ctx, query+" FORMAT TabSeparated", nil, false)
	if err != nil {
		return err
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 1<<16), 1<<26)
	var fields []string
	for sc.Scan() {
		fields = fields[:0]
		for _, f := range strings.Split(sc.Text(), "\t") {
			fields = append(fields, unescapeTSV(f))
		}
		if err := fn(fields); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read ClickHouse's answer: %w", err)
	}
	return nil
}

// quote is a ClickHouse string literal.
func quote(s string) string {
	if !strings.ContainsAny(s, "\\'\n\t\r\x00") {
		return "'" + s + "'"
	}
	return "'" + quoter.Replace(s) + "'"
}

var quoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\t", `\t`, "\r", `\r`, "\x00", `\0`)

// ident is a back-quoted identifier.
func ident(s string) string {
	return "`" + strings.NewReplacer("\\", "\\\\", "`", "\\`").Replace(s) + "`"
}

func unescapeTSV(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
