package secret

import (
	"bytes"
	"fmt"
	"testing"
)

func TestKnownClean(t *testing.T) {
	k := NewKnownClean()
	ua := []byte("Mozilla/5.0 (X11; Linux x86_64)")
	if k.Has(ua) {
		t.Fatal("an empty KnownClean has a text")
	}
	k.Add(ua)
	if !k.Has(ua) {
		t.Fatal("an added text is not known")
	}
	// Same length, one byte apart; a prefix; a longer text; empty.
	for _, s := range []string{"Mozilla/5.0 (X11; Linux x86_65)", "Mozilla/5.0", "Mozilla/5.0 (X11; Linux x86_64) ", ""} {
		if k.Has([]byte(s)) {
			t.Errorf("Has(%q) after adding only %q", s, ua)
		}
	}
	// The caller's buffer changes after Add: the copy does not.
	buf := bytes.Clone(ua)
	k.Add(buf)
	buf[0] = 'X'
	if k.Has(buf) || !k.Has(ua) {
		t.Error("KnownClean aliases the added text")
	}
	long := bytes.Repeat([]byte("a"), knownMaxLen+1)
	k.Add(long)
	if k.Has(long) {
		t.Error("a text longer than knownMaxLen is kept")
	}
	// Many texts: each lookup answers for the text itself, never for
	// another in its slot.
	for i := range 4 * knownSlots {
		k.Add(fmt.Appendf(nil, "agent/%d", i))
	}
	hits := 0
	for i := range 4 * knownSlots {
		if k.Has(fmt.Appendf(nil, "agent/%d", i)) {
			hits++
		}
		if k.Has(fmt.Appendf(nil, "other/%d", i)) {
			t.Fatalf("Has(other/%d) without adding it", i)
		}
	}
	if hits == 0 || hits > knownSlots {
		t.Errorf("%d of %d texts known with %d slots", hits, 4*knownSlots, knownSlots)
	}
}
