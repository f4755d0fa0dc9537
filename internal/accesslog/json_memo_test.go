package accesslog

import "testing"

// TestKeyWords checks that keyWords tells apart keys of every length the
// memo holds that differ in any one byte, and that the memo gives what the
// lookup gives when the keys at a position change from line to line.
func TestKeyWords(t *testing.T) {
	base := []byte("abcdefghijklmnop")
	for n := 1; n <= keyMemoLen; n++ {
		k := base[:n]
		w0, w1 := keyWords(k)
		for i := range n {
			m := append([]byte(nil), k...)
			m[i] ^= 0x20
			if x0, x1 := keyWords(m); x0 == w0 && x1 == w1 {
				t.Errorf("keyWords(%q) = keyWords(%q)", k, m)
			}
		}
	}
	p := NewParser(FormatJSONL)
	for _, k := range []string{"status", "path", "status", "statuz", "requestTimeEpoch", "requestTimeEpocj", "x", "ip", "time_iso8601"} {
		if got, want := *p.topKey([]byte(k), 0), jsonVocab([]byte(k)); got != want {
			t.Errorf("topKey(%q) = %+v, want %+v", k, got, want)
		}
	}
}
