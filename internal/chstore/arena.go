package chstore

import "unsafe"

// minArenaChunk is the smallest chunk an arena allocates.
const minArenaChunk = 64 << 10

// arena copies bytes into large chunks and hands out strings over the
// copies, so a batch holds its rows' text without one allocation per field.
//
// The bytes under a string handed out are never written again: a chunk is
// only ever appended to, and a full chunk is left behind (alive for as long
// as strings point into it) for a new one. reset never recycles a chunk
// either: it starts a new one. So a string from an earlier batch stays valid
// and unchanged for whoever still holds it — a copy of a column an insert
// is still sending, a log line, an error — as Go strings must; the garbage
// collector frees a chunk once no string refers to it.
type arena struct {
	buf  []byte // current chunk; buf[len(buf):cap(buf)] is free
	used int    // bytes handed out since the last reset
	next int    // size of the first chunk after a reset
}

// copyBytes returns a string holding a copy of p.
func (a *arena) copyBytes(p []byte) string {
	if len(p) == 0 {
		return ""
	}
	a.reserve(len(p))
	n := len(a.buf)
	a.buf = append(a.buf, p...)
	return unsafe.String(&a.buf[n], len(p))
}

// copyString returns a copy of s. Strings given to a batch are copied too:
// a caller's string may itself be built over a buffer it reuses.
func (a *arena) copyString(s string) string {
	if len(s) == 0 {
		return ""
	}
	a.reserve(len(s))
	n := len(a.buf)
	a.buf = append(a.buf, s...)
	return unsafe.String(&a.buf[n], len(s))
}

// reserve makes room for n more bytes in the current chunk, starting a new
// chunk when it is full.
func (a *arena) reserve(n int) {
	a.used += n
	if cap(a.buf)-len(a.buf) >= n {
		return
	}
	size := max(2*cap(a.buf), a.next, minArenaChunk, n)
	a.buf = make([]byte, 0, size)
}

// reset forgets the current chunk without touching its bytes. The next
// chunk is sized for what this batch used, so a steady stream of similar
// batches allocates one chunk per batch.
func (a *arena) reset() {
	a.next = a.used + a.used/8
	a.buf = nil
	a.used = 0
}

// lastCopy copies strings that tend to repeat from row to row (a file name,
// a format, a reason) once per run of equal values.
type lastCopy struct {
	s string // the last value, as copied into the arena
}

func (l *lastCopy) copy(a *arena, s string) string {
	if s != l.s {
		l.s = a.copyString(s)
	}
	return l.s
}
