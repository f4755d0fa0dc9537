package accesslog

import "encoding/binary"

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
// means: the mapping's entry, else the vocabulary's.
func (p *Parser) topKey(k []byte, i int) jsonKey {
	if i >= keyMemoSlots || len(k) > keyMemoLen || len(k) == 0 {
		return p.lookupTopKey(k)
	}
	w0, w1 := keyWords(k)
	m := &p.js.memo[i]
	if m.n == len(k) && m.w0 == w0 && m.w1 == w1 {
		return m.key
	}
	key := p.lookupTopKey(k)
	*m = keyMemo{n: len(k), w0: w0, w1: w1, key: key}
	return key
}

// lookupTopKey looks a top-level key up in the mapping, then the
// vocabulary.
func (p *Parser) lookupTopKey(k []byte) jsonKey {
	if mk, ok := p.mapped(k); ok {
		return mk
	}
	return jsonVocab(k)
}
