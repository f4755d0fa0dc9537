package secret

import (
	"bytes"
	"hash/maphash"
)

// KnownClean remembers texts recently found to hold no credential, so a
// value that repeats from line to line — a user agent, a route — is
// checked once rather than on every line: a lookup costs a hash and a
// compare of the text, far less than a scan of it. It keeps at most
// knownSlots texts of up to knownMaxLen bytes each in fixed storage
// (64 KiB), a later text taking an earlier one's slot. Not safe for
// concurrent use; the zero value is not usable, use NewKnownClean.
type KnownClean struct {
	seed  maphash.Seed
	slots *[knownSlots]knownSlot
}

const (
	knownSlots  = 256
	knownMaxLen = 254
)

type knownSlot struct {
	n uint16
	b [knownMaxLen]byte
}

// NewKnownClean returns an empty KnownClean.
func NewKnownClean() *KnownClean {
	return &KnownClean{seed: maphash.MakeSeed(), slots: new([knownSlots]knownSlot)}
}

func (k *KnownClean) slot(s []byte) *knownSlot {
	return &k.slots[maphash.Bytes(k.seed, s)%knownSlots]
}

// Has reports whether s was added and not displaced since: AppendRedacted
// finds nothing in it.
func (k *KnownClean) Has(s []byte) bool {
	if len(s) == 0 || len(s) > knownMaxLen {
		return false
	}
	sl := k.slot(s)
	return int(sl.n) == len(s) && bytes.Equal(sl.b[:sl.n], s)
}

// Add remembers s, which the caller found clean (MayHold(s) is false).
// A text longer than knownMaxLen is not kept.
func (k *KnownClean) Add(s []byte) {
	if len(s) == 0 || len(s) > knownMaxLen {
		return
	}
	sl := k.slot(s)
	sl.n = uint16(copy(sl.b[:], s))
}
