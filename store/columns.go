package store

import (
	"encoding/binary"
	"errors"
	"runtime"
	"slices"
	"sync"
)

// A dataset is stored as columns, each a list of blobs in the packs table
// (see docs/ARCHITECTURE.md):
//
//	u       events per user (uvarint each), in chunks of chunkUsers users
//	t       time in ms: varint deltas from the previous event, in chunks of
//	        chunkEvents events, each chunk starting from 0
//	n       event-name id of each event (fixed width), in chunks of chunkEvents
//	du, dn  the user ids and event names, in chunks of whole values
//	c:KEY   the value id of each event for property KEY (fixed width, 0: no
//	        value), in chunks of chunkEvents
//	d:KEY   KEY's values, ids 1 and up, in chunks of whole values
//
// Events are sorted by user, then time; users, names and values are
// numbered densely. A column chunk holds a fixed number of events, so any
// one chunk of any column can be read alone (export streams that way), and
// a computation reads only the columns it needs.
const (
	chunkEvents = 1 << 20
	chunkUsers  = 1 << 20
	dictChunk   = 4 << 20 // bytes of values per dictionary chunk
)

const (
	partUsers     = "u"
	partTime      = "t"
	partName      = "n"
	partUserDict  = "du"
	partNameDict  = "dn"
	prefixCodes   = "c:"
	prefixValues  = "d:"
	noValue       = 0
	firstPropCode = 1
)

// table is a dataset's events as columns, sorted by user then time.
type table struct {
	userStart []uint32 // len users+1
	ts        []int64
	name      []uint32
	users     []string // user id by dense index
	names     []string // event name by id
	cols      map[string]*column
}

// column is one property key: a value id per event.
type column struct {
	values []string // values[0] is "", no value
	of     []uint32
	number bool  // every value is a number
	events int64 // events with a value
}

func (t *table) len() int { return len(t.ts) }

func (t *table) numUsers() int {
	if len(t.userStart) == 0 {
		return 0
	}
	return len(t.userStart) - 1
}

var errPack = errors.New("the stored columns are damaged")

// blobs is one column as stored: its chunks in order.
type blobs [][]byte

// width is the bytes per id for ids below n.
func width(n int) int {
	switch {
	case n <= 1<<8:
		return 1
	case n <= 1<<16:
		return 2
	case n <= 1<<24:
		return 3
	}
	return 4
}

// encodeCodes writes ids (each below n) in fixed width, chunkEvents a chunk.
func encodeCodes(ids []uint32, n int) blobs {
	w := width(n)
	var out blobs
	for lo := 0; lo < len(ids) || lo == 0; lo += chunkEvents {
		hi := min(lo+chunkEvents, len(ids))
		b := make([]byte, 1+w*(hi-lo))
		b[0] = byte(w)
		p := b[1:]
		switch w {
		case 1:
			for i, v := range ids[lo:hi] {
				p[i] = byte(v)
			}
		case 2:
			for i, v := range ids[lo:hi] {
				binary.LittleEndian.PutUint16(p[2*i:], uint16(v))
			}
		default:
			for i, v := range ids[lo:hi] {
				for k := 0; k < w; k++ {
					p[w*i+k] = byte(v >> (8 * k))
				}
			}
		}
		out = append(out, b)
		if hi == len(ids) {
			break
		}
	}
	return out
}

// decodeCodes reads one chunk of ids into dst, checking each is below n.
func decodeCodes(b []byte, dst []uint32, n int) error {
	if len(b) < 1 {
		return errPack
	}
	w := int(b[0])
	p := b[1:]
	if w < 1 || w > 4 || len(p) != w*len(dst) {
		return errPack
	}
	var bad uint32
	switch w {
	case 1:
		for i := range dst {
			dst[i] = uint32(p[i])
		}
	case 2:
		for i := range dst {
			dst[i] = uint32(binary.LittleEndian.Uint16(p[2*i:]))
		}
	default:
		for i := range dst {
			var v uint32
			for k := 0; k < w; k++ {
				v |= uint32(p[w*i+k]) << (8 * k)
			}
			dst[i] = v
		}
	}
	for _, v := range dst {
		if v >= uint32(n) {
			bad++
		}
	}
	if bad > 0 {
		return errPack
	}
	return nil
}

func encodeTime(ts []int64) blobs {
	var out blobs
	for lo := 0; lo < len(ts) || lo == 0; lo += chunkEvents {
		hi := min(lo+chunkEvents, len(ts))
		b := make([]byte, 0, 3*(hi-lo)+8)
		prev := int64(0)
		for _, t := range ts[lo:hi] {
			b = binary.AppendVarint(b, t-prev)
			prev = t
		}
		out = append(out, b)
		if hi == len(ts) {
			break
		}
	}
	return out
}

// decodeTime reads the varint deltas of encodeTime. It is the biggest
// column a load decodes, so the common one- to three-byte varints are
// read inline.
func decodeTime(b []byte, dst []int64) error {
	prev := int64(0)
	p := 0
	for i := range dst {
		var x uint64
		switch {
		case p < len(b) && b[p] < 0x80:
			x = uint64(b[p])
			p++
		case p+1 < len(b) && b[p+1] < 0x80:
			x = uint64(b[p]&0x7f) | uint64(b[p+1])<<7
			p += 2
		case p+2 < len(b) && b[p+2] < 0x80:
			x = uint64(b[p]&0x7f) | uint64(b[p+1]&0x7f)<<7 | uint64(b[p+2])<<14
			p += 3
		default:
			v, k := binary.Uvarint(b[p:])
			if k <= 0 {
				return errPack
			}
			x = v
			p += k
		}
		prev += int64(x>>1) ^ -int64(x&1)
		dst[i] = prev
	}
	if p != len(b) {
		return errPack
	}
	return nil
}

func encodeUsers(userStart []uint32) blobs {
	users := max(len(userStart)-1, 0)
	var out blobs
	for lo := 0; lo < users || lo == 0; lo += chunkUsers {
		hi := min(lo+chunkUsers, users)
		b := make([]byte, 0, 2*(hi-lo))
		for u := lo; u < hi; u++ {
			b = binary.AppendUvarint(b, uint64(userStart[u+1]-userStart[u]))
		}
		out = append(out, b)
		if hi == users {
			break
		}
	}
	return out
}

func decodeUsers(bs blobs, users, events int) ([]uint32, error) {
	start := make([]uint32, users+1)
	total := uint64(0)
	u := 0
	for _, b := range bs {
		for len(b) > 0 {
			v, k := binary.Uvarint(b)
			if k <= 0 || u >= users {
				return nil, errPack
			}
			b = b[k:]
			total += v
			if total > uint64(events) {
				return nil, errPack
			}
			u++
			start[u] = uint32(total)
		}
	}
	if u != users || total != uint64(events) {
		return nil, errPack
	}
	return start, nil
}

// encodeDict writes values as uvarint lengths and bytes, about dictChunk
// bytes a chunk.
func encodeDict(values []string) blobs {
	var out blobs
	size := 0
	for _, v := range values {
		size += len(v) + 2
	}
	b := make([]byte, 0, min(size, dictChunk+1<<16))
	for _, v := range values {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
		if len(b) >= dictChunk {
			out = append(out, b)
			size -= len(b)
			b = make([]byte, 0, min(size, dictChunk+1<<16))
		}
	}
	if len(b) > 0 || len(out) == 0 {
		out = append(out, b)
	}
	return out
}

// decodeDict reads want values after the ones already in dst.
func decodeDict(bs blobs, dst []string, want int) ([]string, error) {
	for _, b := range bs {
		// One string for the whole chunk, values slicing it: one allocation,
		// not one per value.
		s := string(b)
		for p := 0; p < len(s); {
			n, k := binary.Uvarint(b[p:])
			if k <= 0 || uint64(len(s)-p-k) < n {
				return nil, errPack
			}
			p += k
			dst = append(dst, s[p:p+int(n)])
			p += int(n)
		}
	}
	if len(dst) != want {
		return nil, errPack
	}
	return dst, nil
}

// encodeTable encodes every column of t, on all cores.
func encodeTable(t *table) map[string]blobs {
	type job struct {
		part string
		fn   func() blobs
	}
	jobs := []job{
		{partUsers, func() blobs { return encodeUsers(t.userStart) }},
		{partTime, func() blobs { return encodeTime(t.ts) }},
		{partName, func() blobs { return encodeCodes(t.name, len(t.names)) }},
		{partUserDict, func() blobs { return encodeDict(t.users) }},
		{partNameDict, func() blobs { return encodeDict(t.names) }},
	}
	for k, c := range t.cols {
		jobs = append(jobs,
			job{prefixCodes + k, func() blobs { return encodeCodes(c.of, len(c.values)) }},
			job{prefixValues + k, func() blobs { return encodeDict(c.values[1:]) }})
	}
	out := make(map[string]blobs, len(jobs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			b := j.fn()
			<-sem
			mu.Lock()
			out[j.part] = b
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
