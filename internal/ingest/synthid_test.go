package ingest

import (
	"bytes"
	"encoding/hex"
	"hash/fnv"
	"math/rand/v2"
	"testing"
)

// stdSynthID is the chain's definition through hash/fnv: what every
// earlier version stored.
func stdSynthID(state *ChainState, line []byte) string {
	h := fnv.New128a()
	h.Write(state[:])
	h.Write(line)
	sum := h.Sum(nil)
	copy(state[:], sum)
	return "s-" + hex.EncodeToString(sum)
}

func checkSynthChain(t *testing.T, start ChainState, lines [][]byte) {
	t.Helper()
	var c synthChain
	want, got := start, start
	for i, line := range lines {
		w := stdSynthID(&want, line)
		g := string(c.appendID(nil, &got, line))
		if g != w || got != want {
			t.Fatalf("line %d (%q): id %s, state %x; hash/fnv gives %s, %x", i, line, g, got, w, want)
		}
	}
}

// TestSynthIDsAsHashFNV: the ids are hash/fnv's, on every length from 0
// to 300 bytes, from a zero and a random chain state, and on every byte
// value (the XOR and the carry between the two words).
func TestSynthIDsAsHashFNV(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var lines [][]byte
	for n := range 301 {
		l := make([]byte, n)
		for i := range l {
			l[i] = byte(rng.UintN(256))
		}
		lines = append(lines, l)
	}
	for b := range 256 {
		lines = append(lines, bytes.Repeat([]byte{byte(b)}, 1+b%40))
	}
	var random ChainState
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	for _, start := range []ChainState{{}, random, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}} {
		checkSynthChain(t, start, lines)
	}
}

func FuzzSynthID(f *testing.F) {
	f.Add([]byte{}, []byte(`203.0.0.2 - - [20/Nov/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"`))
	f.Add(bytes.Repeat([]byte{0xff}, 16), []byte{0, 0xff, 0x80})
	f.Fuzz(func(t *testing.T, state, line []byte) {
		var start ChainState
		copy(start[:], state)
		checkSynthChain(t, start, [][]byte{line, line, append(line, '\n')})
	})
}
