package accesslog

import (
	"bytes"
	"encoding/binary"
)

// Lines of one log share their keys, mostly in the same order: the
// parser remembers what the top-level key at each position meant on the
// lines before, so that a repeated key costs a comparison of two machine
// words instead of a vocabulary and mapping lookup.

const (
	keyMemoSlots = 24 // top-level positions remembered
	keyMemoLen   = 16 // longest key remembered: two words hold it whole
)

// keyMemo is what the top-level key at one position meant last time.
type keyMemo struct {
	n      int    // length of the key; 0 = empty slot
	w0, w1 uint64 // the key's bytes (keyWords)
	key    jsonKey
}

// keyWords packs a key of 1 to keyMemoLen bytes into two words that, with
// its length, identify it: its first and last eight bytes, which overlap
// or, for a short key, are its bytes little-endian and zero.
func keyWords(k []byte) (w0, w1 uint64) {
	if len(k) >= 8 {
		return binary.LittleEndian.Uint64(k), binary.LittleEndian.Uint64(k[len(k)-8:])
	}
	for i, c := range k {
		w0 |= uint64(c) << (8 * i)
	}
	return w0, 0
}

// topKey returns what the top-level key k, the i-th member of the line,
// means: the mapping's entry, else the vocabulary's. The result lives in
// the parser until the next call. (It is a pointer because a jsonKey
// returned by value is taken apart into registers and put together again
// in memory, a store-forwarding stall that cost more than the lookup.)
func (p *Parser) topKey(k []byte, i int) *jsonKey {
	st := &p.js
	if i >= keyMemoSlots || len(k) > keyMemoLen || len(k) == 0 {
		st.key = p.lookupTopKey(k)
		return &st.key
	}
	if bytes.IndexByte(k, '"') >= 0 || bytes.IndexByte(k, '\\') >= 0 {
		// Not the raw text of any key: memoKeyAt could not find it.
		st.key = p.lookupTopKey(k)
		return &st.key
	}
	w0, w1 := keyWords(k)
	m := &st.memo[i]
	if m.n != len(k) || m.w0 != w0 || m.w1 != w1 {
		*m = keyMemo{n: len(k), w0: w0, w1: w1, key: p.lookupTopKey(k)}
	}
	return &m.key
}

// memoKeyAt reads, at line[i], the key of the i-th top-level member when it
// is the memo's key for that position, written without escapes, and the
// ':' after it: the key, its meaning and where the value starts. When the
// key is another one it returns a nil meaning; the caller then reads the
// key in full (memberKeyAt). A memo key holds no quote and no backslash,
// so the bytes after the opening quote that match it, followed by a quote,
// are that whole key.
func (p *Parser) memoKeyAt(i, member int) (k []byte, key *jsonKey, value int) {
	b := p.js.line
	if member >= keyMemoSlots {
		return nil, nil, -1
	}
	m := &p.js.memo[member]
	n := m.n
	if n == 0 || i+n+2 > len(b) || b[i] != '"' || b[i+1+n] != '"' {
		return nil, nil, -1
	}
	k = b[i+1 : i+1+n]
	var w0, w1 uint64
	if n < 8 && i+9 <= len(b) {
		// One load and a mask: the bytes after a short key are in the line.
		w0 = binary.LittleEndian.Uint64(b[i+1:]) & (1<<(8*n) - 1)
	} else {
		w0, w1 = keyWords(k)
	}
	if w0 != m.w0 || w1 != m.w1 {
		return nil, nil, -1
	}
	j := i + n + 2
	if j < len(b) && b[j] == ':' { // the usual "key":value
		return k, &m.key, skipSpaceAt(b, j+1)
	}
	if j = skipSpaceAt(b, j); j >= len(b) || b[j] != ':' {
		return nil, nil, -1
	}
	return k, &m.key, skipSpaceAt(b, j+1)
}

// lookupTopKey looks a top-level key up in the mapping, then the
// vocabulary.
func (p *Parser) lookupTopKey(k []byte) jsonKey {
	if mk, ok := p.mapped(k); ok {
		return mk
	}
	return jsonVocab(k)
}
