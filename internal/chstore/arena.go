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
	buf    []byte   // current chunk; buf[len(buf):cap(buf)] is free
	chunks [][]byte // the chunks since the last reset, for spans (add)
	used   int      // bytes handed out since the last reset
	next   int      // size of the first chunk after a reset
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
// chunk when it is full. Chunks are listed and at most maxChunk bytes
// (unless one string is bigger), so a span can name any text.
func (a *arena) reserve(n int) {
	a.used += n
	if len(a.chunks) > 0 && cap(a.buf)-len(a.buf) >= n && len(a.buf)+n <= maxChunk {
		return
	}
	size := min(max(2*cap(a.buf), a.next, minArenaChunk), maxChunk)
	a.buf = make([]byte, 0, max(size, n))
	a.chunks = append(a.chunks, a.buf[:0:cap(a.buf)])
}

// reset forgets the current chunk without touching its bytes. The next
// chunk is sized for what this batch used, so a steady stream of similar
// batches allocates one chunk per batch.
func (a *arena) reset() {
	a.next = a.used + a.used/8
	a.buf = nil
	a.chunks = nil // a new list: strings made from the old chunks keep them alive
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

// span locates text copied into an arena without a pointer: the chunk's
// index (bits 48–63), the offset in it (24–47) and the length (0–23). A
// batch's text columns are spans, 8 bytes a row that the garbage collector
// never scans; the strings the driver takes are made a block at a time at
// insert (arena.strings). The zero span is the empty string.
type span uint64

const (
	spanBits = 24
	spanMask = 1<<spanBits - 1
	// maxChunk bounds a chunk so every offset fits a span.
	maxChunk = 1 << spanBits
)

// add copies p into the arena and returns its span. Text longer than a
// span can hold (16 MiB, far above any line the reader returns) is cut.
func (a *arena) add(p []byte) span {
	if len(p) == 0 {
		return 0
	}
	p = p[:min(len(p), spanMask)]
	a.reserve(len(p))
	off := len(a.buf)
	a.buf = append(a.buf, p...)
	return span(len(a.chunks)-1)<<(2*spanBits) | span(off)<<spanBits | span(len(p))
}

// addString is add for a string.
func (a *arena) addString(s string) span {
	return a.add(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// str returns the text at sp (valid for as long as anyone holds it: chunks
// are never written again, see arena).
func (a *arena) str(sp span) string {
	n := int(sp & spanMask)
	if n == 0 {
		return ""
	}
	c := a.chunks[sp>>(2*spanBits)]
	return unsafe.String(&c[:cap(c)][int(sp>>spanBits&spanMask)], n)
}

// strings sets dst to the texts of col's rows lo to hi (of rows[lo:hi]
// when rows is not nil), reusing dst's storage, and returns it.
func (a *arena) strings(dst []string, col []span, rows []int, lo, hi int) []string {
	dst = dst[:0]
	if rows == nil {
		for _, sp := range col[lo:hi] {
			dst = append(dst, a.str(sp))
		}
		return dst
	}
	for _, r := range rows[lo:hi] {
		dst = append(dst, a.str(col[r]))
	}
	return dst
}

// lastSpan is lastCopy for spans.
type lastSpan struct {
	s  string // the last value, as copied into the arena
	sp span
}

func (l *lastSpan) add(a *arena, s string) span {
	if s != l.s || l.sp == 0 {
		l.sp = a.addString(s)
		l.s = a.str(l.sp)
	}
	return l.sp
}
