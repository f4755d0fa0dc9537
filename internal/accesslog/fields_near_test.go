package accesslog

import (
	"bytes"
	"testing"
)

// TestIndexByteNear checks indexByteNear against bytes.IndexByte at every
// position and length around the eight-byte steps, with the byte absent,
// present once and present twice, and with bytes that differ from it by
// one bit or by the borrow the word trick propagates.
func TestIndexByteNear(t *testing.T) {
	for _, c := range []byte{' ', '"', ']', 0x00, 0xff, 0x80} {
		for n := 0; n <= 20; n++ {
			for _, fill := range []byte{'a', c ^ 1, c + 1, c - 1, 0x00, 0xff} {
				if fill == c {
					continue
				}
				b := bytes.Repeat([]byte{fill}, n)
				if got, want := indexByteNear(b, c), bytes.IndexByte(b, c); got != want {
					t.Fatalf("indexByteNear(%q, %q) = %d, want %d", b, c, got, want)
				}
				for i := range n {
					b[i] = c
					for j := i + 1; j <= n; j++ {
						if j < n {
							b[j] = c
						}
						if got, want := indexByteNear(b, c), bytes.IndexByte(b, c); got != want {
							t.Fatalf("indexByteNear(%q, %q) = %d, want %d", b, c, got, want)
						}
						if j < n {
							b[j] = fill
						}
					}
					b[i] = fill
				}
			}
		}
	}
}
