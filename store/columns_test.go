package store

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// Every column encoding reads back what it wrote, across chunk boundaries
// and widths, and a damaged blob is an error, not a panic.
func TestColumnEncodingsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 1000, chunkEvents + 17} {
		ts := make([]int64, n)
		t0 := int64(1_700_000_000_000)
		for i := range ts {
			switch r.IntN(4) {
			case 0:
				t0 = 1_600_000_000_000 + r.Int64N(1e12) // a new user: a big jump either way
			default:
				t0 += r.Int64N(1 << uint(r.IntN(30)))
			}
			ts[i] = t0
		}
		got, err := decodeChunked(encodeTime(ts), n, decodeTime)
		if err != nil || !slices.Equal(got, ts) {
			t.Fatalf("time, %d events: %v", n, err)
		}
		for _, distinct := range []int{1, 255, 256, 70_000, 1 << 24} {
			ids := make([]uint32, n)
			for i := range ids {
				ids[i] = uint32(r.IntN(distinct))
			}
			got, err := decodeChunked(encodeCodes(ids, distinct), n, func(b []byte, dst []uint32) error { return decodeCodes(b, dst, distinct) })
			if err != nil || !slices.Equal(got, ids) {
				t.Fatalf("codes, %d events, %d values: %v", n, distinct, err)
			}
		}
	}
	vals := []string{"", "a", "ünï", string(make([]byte, 5<<20))}
	got, err := decodeDict(encodeDict(vals), nil, len(vals))
	if err != nil || !slices.Equal(got, vals) {
		t.Fatalf("dict: %v", err)
	}
	// Damage: truncated, extended, out of range.
	b := encodeTime([]int64{1, 2, 300000})[0]
	if err := decodeTime(b[:len(b)-1], make([]int64, 3)); !errors.Is(err, errPack) {
		t.Errorf("truncated time: %v", err)
	}
	if err := decodeTime(append(b, 1), make([]int64, 3)); !errors.Is(err, errPack) {
		t.Errorf("extended time: %v", err)
	}
	c := encodeCodes([]uint32{0, 9}, 10)[0]
	if err := decodeCodes(c, make([]uint32, 2), 5); !errors.Is(err, errPack) {
		t.Errorf("id out of range: %v", err)
	}
	if _, err := decodeDict(blobs{{0xff}}, nil, 1); !errors.Is(err, errPack) {
		t.Errorf("damaged dict: %v", err)
	}
}

func BenchmarkDecodeTime(b *testing.B) {
	ts := make([]int64, chunkEvents)
	t0 := int64(1_700_000_000_000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range ts {
		t0 += r.Int64N(20 * 60 * 1000)
		ts[i] = t0
	}
	enc := encodeTime(ts)[0]
	dst := make([]int64, len(ts))
	b.SetBytes(int64(len(ts)))
	for b.Loop() {
		if err := decodeTime(enc, dst); err != nil {
			b.Fatal(err)
		}
	}
}

// decodeChunked decodes the chunks of a column held in memory, as
// readChunked does from the database.
func decodeChunked[T any](bs blobs, n int, dec func([]byte, []T) error) ([]T, error) {
	if want := max((n+chunkEvents-1)/chunkEvents, 1); len(bs) != want {
		return nil, errPack
	}
	dst := make([]T, n)
	for i, b := range bs {
		lo := i * chunkEvents
		if err := dec(b, dst[lo:min(lo+chunkEvents, n)]); err != nil {
			return nil, err
		}
	}
	return dst, nil
}
