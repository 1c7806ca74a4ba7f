package store

import (
	"bytes"
	"fmt"
	"sort"
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
	paths map[string]string // path bytes -> the interned path
	path  []byte
	flat  []kv
	// roles by the row's role-candidate columns, which rarely change
	roleCache map[string]jsonRoles
	sig       []byte
	cols      []string
	vals      []string
	scratch   []byte
	keyIdx    map[string]int // key -> key id in the current part
	keyOfRow  []int
	maybeRole map[string]bool
}

type kv struct{ k, v string }

type jsonRoles struct {
	r   roles // over the candidate columns
	err string
}

func newJSONParser(in *input, _ roles) *jsonParser {
	return &jsonParser{in: in, paths: map[string]string{}, roleCache: map[string]jsonRoles{}, maybeRole: map[string]bool{}}
}

// rolesFor exists for symmetry with CSV: NDJSON roles are found row by row.
func (in *input) rolesFor([]string) roles { return roles{} }

func (jp *jsonParser) parse(blk block) *part {
	pt := newPart(blk)
	jp.keyIdx = map[string]int{}
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
	// The role candidates, sorted, name the row's roles.
	sort.Slice(jp.flat, func(i, j int) bool { return jp.flat[i].k < jp.flat[j].k })
	jp.cols, jp.vals = jp.cols[:0], jp.vals[:0]
	jp.sig = jp.sig[:0]
	for _, f := range jp.flat {
		jp.cols = append(jp.cols, f.k)
		jp.vals = append(jp.vals, f.v)
		if jp.isRole(f.k) {
			jp.sig = append(jp.sig, f.k...)
			jp.sig = append(jp.sig, 0)
		}
	}
	jr, ok := jp.roleCache[string(jp.sig)]
	if !ok {
		var cands []string
		for _, c := range jp.cols {
			if jp.isRole(c) {
				cands = append(cands, c)
			}
		}
		r, err := jp.in.rolesOf(cands, false)
		jr = jsonRoles{r: r}
		if err != nil {
			jr.err = err.Error()
		}
		jp.roleCache[string(jp.sig)] = jr
	}
	if jr.err != "" {
		return jr.err
	}
	// Map the roles from candidate positions to row positions.
	var r roles
	pos := make([]int, 0, 8)
	for i, c := range jp.cols {
		if jp.isRole(c) {
			pos = append(pos, i)
		}
	}
	mapIdx := func(idx []int) []int {
		out := make([]int, len(idx))
		for i, j := range idx {
			out[i] = pos[j]
		}
		return out
	}
	r.user, r.event, r.time = mapIdx(jr.r.user), mapIdx(jr.r.event), mapIdx(jr.r.time)
	roleCol := map[int]bool{}
	for _, j := range jr.r.props {
		roleCol[pos[j]] = true // candidates that are properties after all
	}
	ignore := jp.in.o.Ignore
	for i, c := range jp.cols {
		if jp.isRole(c) && !roleCol[i] {
			continue
		}
		skip := false
		for _, ig := range ignore {
			if c == ig {
				skip = true
			}
		}
		if !skip {
			r.props = append(r.props, i)
		}
	}
	pt := t.p
	keyID := func(col int) int {
		k := jp.cols[col]
		id, ok := jp.keyIdx[k]
		if !ok {
			id = len(pt.keys)
			jp.keyIdx[k] = id
			pt.keys = append(pt.keys, k)
			pt.cols = append(pt.cols, make([]string, 0, cap(pt.ts)))
		}
		return id
	}
	return t.row(jp.in, jp.cols, jp.vals, r, keyID)
}

func (jp *jsonParser) isRole(c string) bool {
	m, ok := jp.maybeRole[c]
	if !ok {
		m = jp.in.mayBeRole(c)
		jp.maybeRole[c] = m
	}
	return m
}

// key interns the current path.
func (jp *jsonParser) key() (string, string) {
	if k, ok := jp.paths[string(jp.path)]; ok {
		return k, ""
	}
	k := string(jp.path)
	if err := checkKey(k); err != nil {
		return "", err.Error()
	}
	for _, part := range strings.Split(k, ".") {
		if strings.TrimSpace(part) == "" {
			return "", fmt.Sprintf("a property key is empty or only spaces (in %q)", k)
		}
	}
	jp.paths[k] = k
	return k, ""
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
	k, why := jp.key()
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
	jp.flat = append(jp.flat, kv{k, s})
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
