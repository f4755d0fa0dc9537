package ingest

import (
	"encoding/hex"
	"math/bits"
)

// synthChain gives lines without a request id a stable synthetic one: the
// 128-bit FNV-1a hash of the previous synthetic id's hash (the source's
// ChainState) and the line. Reloading the same file (or a rotated or
// gzipped copy of it) yields the same ids, so the load stays idempotent,
// while two identical lines in one file get different ids because their
// predecessors differ. The state is per source; the chain holds nothing.
//
// The ids are those of hash/fnv's New128a (synthid_test.go checks it):
// ids stored by earlier versions must come out the same when a file is
// loaded again. The hash is computed here in two registers instead:
// hash/fnv works through its state in memory, byte by byte, and took a
// quarter of a combined line's parse and normalise.
type synthChain struct{}

func newSynthChain() synthChain { return synthChain{} }

// FNV-1a 128: offset basis and prime (2^88 + 0x13b), as in hash/fnv.
const (
	fnv128OffsetHi = 0x6c62272e07bb0142
	fnv128OffsetLo = 0x62b821756295c58d
	fnv128PrimeLo  = 0x13b
	fnv128Shift    = 24 // the prime's 2^88 is 2^24 in the upper word
)

// fnv128a continues an FNV-1a 128 hash (hi, lo) over data.
func fnv128a(hi, lo uint64, data []byte) (uint64, uint64) {
	for _, c := range data {
		lo ^= uint64(c)
		h, l := bits.Mul64(fnv128PrimeLo, lo)
		hi = h + lo<<fnv128Shift + fnv128PrimeLo*hi
		lo = l
	}
	return hi, lo
}

// appendID appends the next id of the chain at state to dst and advances
// state. A nil state is a chain not known yet (a chunk parsed ahead,
// Parallel): a placeholder of an id's length is appended, replaced later.
func (synthChain) appendID(dst []byte, state *ChainState, line []byte) []byte {
	if state == nil {
		return append(dst, "s-00000000000000000000000000000000"...)
	}
	hi, lo := fnv128a(fnv128OffsetHi, fnv128OffsetLo, state[:])
	hi, lo = fnv128a(hi, lo, line)
	for i := range 8 {
		state[i] = byte(hi >> (56 - 8*i))
		state[8+i] = byte(lo >> (56 - 8*i))
	}
	dst = append(dst, "s-"...)
	return hex.AppendEncode(dst, state[:])
}
