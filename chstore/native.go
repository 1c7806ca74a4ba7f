package chstore

import (
	"encoding/binary"
	"io"
)

// nativeBlock writes one block of ClickHouse's Native format, the format
// the server reads fastest: per block the number of columns and rows, then
// each column whole (name, type, values). Fixed-width values are
// little-endian; a String is its length as a varint, then its bytes.
type nativeBlock struct {
	b    []byte
	rows int
	cols int
}

func newNativeBlock(cols, rows int) *nativeBlock {
	nb := &nativeBlock{rows: rows, cols: cols}
	nb.b = binary.AppendUvarint(nb.b, uint64(cols))
	nb.b = binary.AppendUvarint(nb.b, uint64(rows))
	return nb
}

func (nb *nativeBlock) header(name, typ string) {
	nb.b = appendString(nb.b, name)
	nb.b = appendString(nb.b, typ)
}

// u32 adds a UInt32 column of the block's rows, v(i) for row i.
func (nb *nativeBlock) u32(name string, v func(i int) uint32) {
	nb.header(name, "UInt32")
	for i := 0; i < nb.rows; i++ {
		nb.b = binary.LittleEndian.AppendUint32(nb.b, v(i))
	}
}

func (nb *nativeBlock) i64(name string, v func(i int) int64) {
	nb.header(name, "Int64")
	for i := 0; i < nb.rows; i++ {
		nb.b = binary.LittleEndian.AppendUint64(nb.b, uint64(v(i)))
	}
}

func (nb *nativeBlock) u64(name string, v func(i int) uint64) {
	nb.header(name, "UInt64")
	for i := 0; i < nb.rows; i++ {
		nb.b = binary.LittleEndian.AppendUint64(nb.b, v(i))
	}
}

func (nb *nativeBlock) u8(name string, v func(i int) uint8) {
	nb.header(name, "UInt8")
	for i := 0; i < nb.rows; i++ {
		nb.b = append(nb.b, v(i))
	}
}

func (nb *nativeBlock) str(name string, v func(i int) string) {
	nb.header(name, "String")
	for i := 0; i < nb.rows; i++ {
		nb.b = appendString(nb.b, v(i))
	}
}

func (nb *nativeBlock) writeTo(w io.Writer) error {
	_, err := w.Write(nb.b)
	return err
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
