package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// jsonParser parses blocks of NDJSON lines with fastjson (encoding/json's
// generic decoding is several times slower on wide GA4 lines). Nested
// objects flatten to dot paths: {"context":{"device":{"type":"ios"}}}
// becomes context.device.type=ios. A GA4-style list of key/value records
// ("event_params": [{"key": "page", "value": {"string_value": "/"}}])
// becomes one property per key (event_params.page=/). Other arrays stay
// JSON text; null is no value.
type jsonParser struct {
	in    *input
	jp    fastjson.Parser
	paths map[string]*pathInfo // path bytes -> what is known of the path
	path  []byte
	flat  []kv
	// roles by the row's role-candidate columns, which rarely change
	roleCache map[string]jsonRoles
	sig       []byte
	cands     []string
	cols      []string
	vals      []string
	scratch   []byte
	seq       int // the part being parsed
}

// pathInfo is one flattened key: one map lookup a field gives all of it.
type pathInfo struct {
	key  string
	role bool // may be the user, event or time column
	// envelope: with a vendor shape, a field of the shape's (user, event,
	// time, dropped) or an ignored one, not a property
	envelope bool
	// the key's id in the part numbered seq (ids are per part)
	seq, id int
}

type kv struct {
	p *pathInfo
	v string
}

type jsonRoles struct {
	r     roles    // over the candidate columns
	cands []string // sorted
	err   string
}

func newJSONParser(in *input) *jsonParser {
	return &jsonParser{in: in, paths: map[string]*pathInfo{}, roleCache: map[string]jsonRoles{}, seq: -1}
}

func (jp *jsonParser) parse(blk block) *part {
	pt := newPart(blk)
	jp.seq = blk.seq
	if blk.long {
		pt.rows++
		pt.bad = append(pt.bad, badRow{BadRow: BadRow{Line: blk.line, Reason: fmt.Sprintf("line longer than %d bytes", maxRecordBytes)}})
		return pt
	}
	// Values point into fastjson's buffer, reused line by line: the part
	// keeps copies.
	t := &rowTarget{p: pt, copy: true}
	data := blk.data
	line := blk.line - 1
	for len(data) > 0 {
		var raw []byte
		raw, data = nextLine(data)
		line++
		trimmed := bytes.TrimSpace(raw)
		if line == 1 {
			trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf"))
		}
		if len(trimmed) == 0 {
			continue
		}
		pt.rows++
		if len(trimmed) > maxRecordBytes {
			pt.bad = append(pt.bad, badRow{BadRow: BadRow{Line: line, Reason: fmt.Sprintf("line longer than %d bytes", maxRecordBytes)}})
			continue
		}
		if why := jp.row(t, trimmed); why != "" {
			pt.bad = append(pt.bad, badRow{BadRow: BadRow{Line: line, Reason: why}, raw: string(trimmed)})
		}
	}
	return pt
}

func (jp *jsonParser) row(t *rowTarget, line []byte) string {
	if !utf8.Valid(line) {
		return "invalid UTF-8"
	}
	v, err := jp.jp.ParseBytes(line)
	if err != nil {
		return "invalid JSON: " + err.Error()
	}
	obj, err := v.Object()
	if err != nil {
		return "not a JSON object"
	}
	jp.flat = jp.flat[:0]
	jp.path = jp.path[:0]
	jp.scratch = jp.scratch[:0]
	if why := jp.flatten(obj); why != "" {
		return why
	}
	if jp.in.shape != nil {
		return jp.shapedRow(t)
	}
	// The role candidates, sorted, name the row's roles.
	jp.cols, jp.vals, jp.cands = jp.cols[:0], jp.vals[:0], jp.cands[:0]
	for _, f := range jp.flat {
		jp.cols = append(jp.cols, f.p.key)
		jp.vals = append(jp.vals, f.v)
		if f.p.role {
			jp.cands = append(jp.cands, f.p.key)
		}
	}
	slices.Sort(jp.cands)
	jp.sig = jp.sig[:0]
	for _, c := range jp.cands {
		jp.sig = append(jp.sig, c...)
		jp.sig = append(jp.sig, 0)
	}
	jr, ok := jp.roleCache[string(jp.sig)]
	if !ok {
		r, err := jp.in.rolesOf(slices.Clone(jp.cands), false)
		jr = jsonRoles{r: r, cands: slices.Clone(jp.cands)}
		if err != nil {
			jr.err = err.Error()
		}
		jp.roleCache[string(jp.sig)] = jr
	}
	if jr.err != "" {
		return jr.err
	}
	// Map the roles from candidate positions to row positions.
	pos := make(map[string]int, len(jp.cands))
	for i, f := range jp.flat {
		if f.p.role {
			if _, dup := pos[f.p.key]; !dup {
				pos[f.p.key] = i
			}
		}
	}
	mapIdx := func(idx []int) []int {
		out := make([]int, len(idx))
		for i, j := range idx {
			out[i] = pos[jr.cands[j]]
		}
		return out
	}
	var r roles
	r.user, r.event, r.time = mapIdx(jr.r.user), mapIdx(jr.r.event), mapIdx(jr.r.time)
	propCand := map[string]bool{}
	for _, j := range jr.r.props {
		propCand[jr.cands[j]] = true // candidates that are properties after all
	}
	for i, f := range jp.flat {
		if f.p.role && !propCand[f.p.key] || slices.Contains(jp.in.o.Ignore, f.p.key) {
			continue
		}
		r.props = append(r.props, i)
	}
	pt := t.p
	return t.row(jp.in, jp.cols, jp.vals, r, jp.keyID(pt))
}

// key is what is known of the current path.
func (jp *jsonParser) key() (*pathInfo, string) {
	if pi, ok := jp.paths[string(jp.path)]; ok {
		return pi, ""
	}
	k := string(jp.path)
	if err := checkKey(k); err != nil {
		return nil, err.Error()
	}
	for _, part := range strings.Split(k, ".") {
		if strings.TrimSpace(part) == "" {
			return nil, fmt.Sprintf("a property key is empty or only spaces (in %q)", k)
		}
	}
	if sh := jp.in.shape; sh != nil {
		for _, pre := range sh.strip {
			if len(k) > len(pre) && strings.HasPrefix(k, pre) {
				k = k[len(pre):]
				break
			}
		}
	}
	pi := &pathInfo{key: k, role: jp.in.mayBeRole(k), seq: -1}
	if sh := jp.in.shape; sh != nil {
		pi.envelope = slices.Contains(sh.user, k) || slices.Contains(sh.event, k) || slices.Contains(sh.time, k) ||
			slices.Contains(sh.drop, k) || slices.Contains(jp.in.o.Ignore, k)
	}
	jp.paths[string(jp.path)] = pi
	return pi, ""
}

func (jp *jsonParser) flatten(obj *fastjson.Object) string {
	why := ""
	obj.Visit(func(key []byte, v *fastjson.Value) {
		if why != "" {
			return
		}
		n := len(jp.path)
		if n > 0 {
			jp.path = append(jp.path, '.')
		}
		jp.path = append(jp.path, key...)
		why = jp.value(v)
		jp.path = jp.path[:n]
	})
	return why
}

func (jp *jsonParser) value(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		return jp.flatten(o)
	case fastjson.TypeNull:
		return ""
	case fastjson.TypeArray:
		if params, ok := keyValueList(v); ok {
			n := len(jp.path)
			for _, p := range params {
				jp.path = append(jp.path[:n], '.')
				jp.path = append(jp.path, p.k...)
				if why := jp.value(p.v); why != "" {
					return why
				}
			}
			jp.path = jp.path[:n]
			return ""
		}
	}
	pi, why := jp.key()
	if why != "" {
		return why
	}
	var s string
	switch v.Type() {
	case fastjson.TypeString:
		s = unsafeString(v.GetStringBytes())
	case fastjson.TypeTrue:
		s = "true"
	case fastjson.TypeFalse:
		s = "false"
	default:
		// Numbers keep their text; arrays become compact JSON.
		start := len(jp.scratch)
		jp.scratch = v.MarshalTo(jp.scratch)
		s = unsafeString(jp.scratch[start:])
	}
	jp.flat = append(jp.flat, kv{pi, s})
	return ""
}

type keyed struct {
	k []byte
	v *fastjson.Value
}

// keyValueList reads [{"key": K, "value": V}, ...]; a V that is an object
// of typed fields ({"string_value": null, "int_value": 3}) gives its first
// non-null field.
func keyValueList(v *fastjson.Value) ([]keyed, bool) {
	list, _ := v.Array()
	if len(list) == 0 {
		return nil, false
	}
	out := make([]keyed, 0, len(list))
	for _, e := range list {
		o, err := e.Object()
		if err != nil || o.Len() != 2 {
			return nil, false
		}
		k := o.Get("key")
		val := o.Get("value")
		if k == nil || val == nil || k.Type() != fastjson.TypeString || len(k.GetStringBytes()) == 0 {
			return nil, false
		}
		if typed, err := val.Object(); err == nil {
			var one *fastjson.Value
			typed.Visit(func(_ []byte, f *fastjson.Value) {
				if one == nil && f.Type() != fastjson.TypeNull {
					one = f
				}
			})
			if one == nil {
				one = jsonNull
			}
			val = one
		}
		out = append(out, keyed{k.GetStringBytes(), val})
	}
	return out, true
}

var jsonNull = fastjson.MustParse("null")

// shapedRow takes a row of a vendor shape: its roles are the shape's
// fields, identity calls become links, and the rest is an event.
func (jp *jsonParser) shapedRow(t *rowTarget) string {
	sh := jp.in.shape
	get := func(k string) string {
		for _, f := range jp.flat {
			if f.p.key == k {
				return f.v
			}
		}
		return ""
	}
	first := func(keys []string) string {
		for _, k := range keys {
			if v := get(k); v != "" {
				return v
			}
		}
		return ""
	}
	pt := t.p
	kind := sh.call(get)
	if kind.skip != "" {
		pt.skip(kind.skip + " calls")
		return ""
	}
	user := first(sh.user)
	if !kind.identity {
		// An event that carries two ids says they are one person.
		for _, k := range sh.user {
			if v := get(k); v != "" && v != user {
				kind.links = append(kind.links, [2]string{v, user})
			}
		}
	}
	for _, l := range kind.links {
		if l[0] != "" && l[1] != "" && l[0] != l[1] {
			pt.link(t, l[0], l[1])
		}
	}
	if kind.identity {
		pt.identity++
		return ""
	}
	event := kind.event
	if event == "" {
		event = first(sh.event)
	}
	jp.cols, jp.vals = jp.cols[:0], jp.vals[:0]
	for _, f := range jp.flat {
		jp.cols = append(jp.cols, f.p.key)
		jp.vals = append(jp.vals, f.v)
	}
	// The row as the shape sees it: user, event, time first, then the
	// properties.
	n := len(jp.cols)
	jp.cols = append(jp.cols, "user", "event", "time")
	jp.vals = append(jp.vals, user, event, first(sh.time))
	r := roles{user: []int{n}, event: []int{n + 1}, time: []int{n + 2}}
	for i, f := range jp.flat {
		if !f.p.envelope {
			r.props = append(r.props, i)
		}
	}
	return t.row(jp.in, jp.cols, jp.vals, r, jp.keyID(pt))
}

// keyID gives the part's key id of a row's column, numbering the keys of
// each part afresh.
func (jp *jsonParser) keyID(pt *part) func(col int) int {
	return func(col int) int {
		pi := jp.flat[col].p
		if pi.seq != jp.seq {
			pi.seq, pi.id = jp.seq, len(pt.keys)
			pt.keys = append(pt.keys, pi.key)
			pt.cols = append(pt.cols, make([]string, 0, cap(pt.ts)))
		}
		return pi.id
	}
}
