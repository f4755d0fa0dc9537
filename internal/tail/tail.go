// Package tail follows growing log files line by line, as `tail -F` does,
// for the follow daemon: it returns only complete lines (a partial last
// line waits for its '\n'), bounds line length (an over-long line is
// reported cut, and reading goes on), resumes at a saved offset when the
// file is still the one that offset was saved for, and notices a file that
// was truncated or rewritten (copytruncate) or deleted.
//
// A Tailer does no waiting of its own: the caller polls it (Next until no
// line is complete, Check now and then), so one goroutine can drive many
// files and stop reading them all at once when it must (backpressure).
package tail

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// FileID identifies a file on this machine while it exists: its device and
// inode. A rotated (renamed) file keeps its FileID; its successor at the
// same path has another. An inode may be reused once a file is deleted, so
// a FileID saved across restarts is checked against a Fingerprint.
type FileID struct{ Dev, Ino uint64 }

func (id FileID) String() string { return fmt.Sprintf("%d:%d", id.Dev, id.Ino) }

// Fingerprint identifies a file's content by the FNV-1a hash of its first
// Len bytes (at most FingerprintSize).
type Fingerprint struct {
	Len int64
	Sum uint64
}

// FingerprintSize is how many leading bytes a Fingerprint covers at most:
// enough to hold a first line with its time and request id.
const FingerprintSize = 1024

// Position is a place in a file to resume at: the start of a line, the
// number of lines before it and the fingerprint of the bytes before it.
type Position struct {
	Offset      int64
	Line        uint64
	Fingerprint Fingerprint
}

// Line is one complete line. Bytes excludes the '\n' (and a '\r' before
// it) and is valid until the next call to a method of the Tailer.
type Line struct {
	Bytes   []byte
	Offset  int64  // offset of the line's first byte in the file
	Number  uint64 // 1-based
	TooLong bool   // longer than the limit: Bytes holds only its first KeepOfLong bytes
}

// KeepOfLong is how much of an over-long line is returned.
const KeepOfLong = 4096

// ErrCompressed is returned by Next for a file that starts with the gzip
// magic bytes: a compressed rotated copy, which is never tailed.
var ErrCompressed = errors.New("gzip-compressed file")

// Options tune a Tailer. Zero values take the defaults.
type Options struct {
	MaxLineBytes int // longer lines are reported TooLong; default 1 MiB
	BufferBytes  int // initial read buffer; default 128 KiB
}

const (
	defaultMaxLineBytes = 1 << 20
	defaultBufferBytes  = 128 << 10
)

// Tailer reads the lines of one open file, or of a stream (NewStream). It
// is not safe for concurrent use.
type Tailer struct {
	f      *os.File
	stream io.Reader // a stream's reader (NewStream); nil for a file
	eof    bool      // the stream ended
	path   string
	id     FileID
	max    int

	buf        []byte
	start, end int   // buf[start:end] is read and not yet returned
	bufOff     int64 // file offset of buf[start]
	lineNo     uint64
	fp         Fingerprint // of the bytes before the next unreturned line
	size       int64       // as of the last Check or Resume
	magicOK    bool        // the first bytes were checked for gzip magic

	// An over-long line being skipped: its start and its kept head.
	skipping  bool
	skipStart int64
	head      []byte
}

// Open opens path for tailing from its first byte.
func Open(path string, opts Options) (*Tailer, error) {
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = defaultMaxLineBytes
	}
	if opts.BufferBytes <= 0 {
		opts.BufferBytes = defaultBufferBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("open %s: not a regular file", path)
	}
	id, ok := fileID(fi)
	if !ok {
		_ = f.Close()
		return nil, fmt.Errorf("open %s: no device and inode on this platform", path)
	}
	return &Tailer{f: f, path: path, id: id, max: opts.MaxLineBytes, buf: make([]byte, opts.BufferBytes), size: fi.Size()}, nil
}

// NewStream reads the lines of r, a stream read once from its start to
// its end — a pipe, standard input, a decompressed file — with the same
// line splitting, line limit and over-long line handling as a file's
// Tailer: the one-shot load and the daemon share it. Next reports ok ==
// false only at the stream's end (or when Read returns nothing), where
// Rest gives the last line if it has no '\n'. A stream has no identity, no
// position to resume and no fingerprint: ID, Resume, Position and Check
// are for files. A stream is never refused as gzip (the caller decides).
func NewStream(r io.Reader, name string, opts Options) *Tailer {
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = defaultMaxLineBytes
	}
	if opts.BufferBytes <= 0 {
		opts.BufferBytes = defaultBufferBytes
	}
	return &Tailer{stream: r, path: name, max: opts.MaxLineBytes, buf: make([]byte, opts.BufferBytes), magicOK: true}
}

// Offset is the offset of the next line's first byte: the bytes returned
// in lines so far, over-long lines counted whole.
func (t *Tailer) Offset() int64 { return t.consumed() }

// ID returns the open file's identity.
func (t *Tailer) ID() FileID { return t.id }

// Path returns the path the file was opened under.
func (t *Tailer) Path() string { return t.path }

// Size returns the file's size as of the last Check (or Open, Resume).
func (t *Tailer) Size() int64 { return t.size }

// Close closes the file (a stream is closed by whoever opened it).
func (t *Tailer) Close() error {
	if t.f == nil {
		return nil
	}
	return t.f.Close()
}

// Resume moves to pos if it still describes the open file: pos.Offset is
// within the file and the file's first pos.Fingerprint.Len bytes hash to
// pos.Fingerprint. Otherwise the tailer stays at the file's start and
// Resume returns why: a saved offset beyond the file's size means the file
// was truncated; a different fingerprint means another file now has the
// saved inode, or the file was rewritten.
func (t *Tailer) Resume(pos Position) (ok bool, why string, err error) {
	fi, err := t.f.Stat()
	if err != nil {
		return false, "", err
	}
	t.size = fi.Size()
	switch {
	case pos.Offset > t.size:
		return false, fmt.Sprintf("truncated: saved offset %d is beyond its size %d", pos.Offset, t.size), nil
	case pos.Fingerprint.Len > pos.Offset || pos.Fingerprint.Len < 0:
		return false, "the saved fingerprint does not fit the saved offset", nil
	}
	fp, err := t.fingerprint(pos.Fingerprint.Len)
	if err != nil {
		return false, "", err
	}
	if fp != pos.Fingerprint {
		return false, "its first bytes changed: another file, or rewritten", nil
	}
	t.reset(pos.Offset)
	t.lineNo, t.fp = pos.Line, fp
	t.magicOK = pos.Offset > 0
	return true, "", nil
}

// reset empties the buffer and moves to off.
func (t *Tailer) reset(off int64) {
	t.start, t.end, t.bufOff = 0, 0, off
	t.skipping, t.head = false, t.head[:0]
	t.lineNo, t.fp = 0, Fingerprint{}
	t.magicOK = false
}

// fingerprint hashes the file's first n bytes; a file shorter than n gives
// a fingerprint that matches no saved one.
func (t *Tailer) fingerprint(n int64) (Fingerprint, error) {
	if n == 0 || t.f == nil {
		return Fingerprint{}, nil
	}
	b := make([]byte, n)
	got, err := t.f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return Fingerprint{}, err
	}
	if int64(got) < n {
		return Fingerprint{Len: -1}, nil
	}
	h := fnv.New64a()
	h.Write(b)
	return Fingerprint{Len: n, Sum: h.Sum64()}, nil
}

// consumed is the offset of the first byte not yet returned in a line.
func (t *Tailer) consumed() int64 {
	if t.skipping {
		return t.skipStart
	}
	return t.bufOff
}

// Position returns where the next line starts, for a checkpoint. The
// fingerprint covers the bytes before it (up to FingerprintSize).
func (t *Tailer) Position() (Position, error) {
	off := t.consumed()
	if want := min(off, FingerprintSize); t.fp.Len != want {
		fp, err := t.fingerprint(want)
		if err != nil {
			return Position{}, err
		}
		t.fp = fp
	}
	return Position{Offset: off, Line: t.lineNo, Fingerprint: t.fp}, nil
}

// Next returns the next complete line, or ok == false when none is
// complete yet: a last line without its '\n' waits for it (see Rest). An
// over-long line is returned, cut, once its end has been read. A file
// starting with the gzip magic gives ErrCompressed.
func (t *Tailer) Next() (line Line, ok bool, err error) {
	for {
		if i := bytes.IndexByte(t.buf[t.start:t.end], '\n'); i >= 0 {
			return t.take(i), true, nil
		}
		t.skipOrCompact()
		n, err := t.fill()
		if err != nil {
			return Line{}, false, err
		}
		if n == 0 {
			return Line{}, false, nil
		}
	}
}

// take returns the line ending at buf[start+i] ('\n') and consumes it.
func (t *Tailer) take(i int) Line {
	raw := t.buf[t.start : t.start+i]
	off := t.bufOff
	t.start += i + 1
	t.bufOff += int64(i) + 1
	t.lineNo++
	if t.skipping {
		t.skipping = false
		t.updateFingerprint()
		return Line{Bytes: t.head, Offset: t.skipStart, Number: t.lineNo, TooLong: true}
	}
	t.updateFingerprint()
	return t.line(raw, off)
}

// line makes the Line of raw, starting at off.
func (t *Tailer) line(raw []byte, off int64) Line {
	raw = trimCR(raw)
	if len(raw) > t.max {
		return Line{Bytes: raw[:min(len(raw), KeepOfLong)], Offset: off, Number: t.lineNo, TooLong: true}
	}
	return Line{Bytes: raw, Offset: off, Number: t.lineNo}
}

// updateFingerprint extends the fingerprint over the returned lines while
// they are within the file's first FingerprintSize bytes, so Check can tell
// a rewritten file from a grown one. The bytes were just read, so they are
// the ones the returned lines came from.
func (t *Tailer) updateFingerprint() {
	if t.f == nil {
		return // a stream has no fingerprint
	}
	if want := min(t.consumed(), FingerprintSize); t.fp.Len < want {
		if fp, err := t.fingerprint(want); err == nil && fp.Len == want {
			t.fp = fp
		}
	}
}

// skipOrCompact makes room in the buffer when it holds no complete line:
// a partial line longer than the limit is dropped but for its head (the
// tailer then skips to its end); otherwise the partial line moves to the
// buffer's front, and the buffer grows when the line fills it.
func (t *Tailer) skipOrCompact() {
	pending := t.end - t.start
	switch {
	case t.skipping:
		t.bufOff += int64(pending)
		t.start, t.end = 0, 0
	case pending > t.max+1: // +1: a '\r' before the '\n' is not part of the line
		t.skipping, t.skipStart = true, t.bufOff
		t.head = append(t.head[:0], t.buf[t.start:t.start+min(pending, KeepOfLong)]...)
		t.bufOff += int64(pending)
		t.start, t.end = 0, 0
	default:
		if t.start > 0 {
			copy(t.buf, t.buf[t.start:t.end])
			t.start, t.end = 0, pending
		}
		if t.end == len(t.buf) {
			grown := make([]byte, min(2*len(t.buf), t.max+2))
			if len(grown) <= len(t.buf) {
				grown = make([]byte, len(t.buf)+KeepOfLong)
			}
			copy(grown, t.buf[:t.end])
			t.buf = grown
		}
	}
}

// fill reads more of the file after what the buffer holds.
func (t *Tailer) fill() (int, error) {
	var n int
	var err error
	if t.stream != nil {
		n, err = t.readStream()
	} else {
		n, err = t.f.ReadAt(t.buf[t.end:], t.bufOff+int64(t.end-t.start))
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("read %s: %w", t.path, err)
	}
	t.end += n
	if !t.magicOK {
		switch {
		case t.bufOff > 0 || t.start > 0:
			t.magicOK = true
		case t.end >= 2:
			if t.buf[0] == 0x1f && t.buf[1] == 0x8b {
				t.end = 0
				return 0, ErrCompressed
			}
			t.magicOK = true
		}
	}
	return n, nil
}

// readStream reads more of a stream; it retries a read that returns
// nothing without an error, as io.Reader allows, a few times.
func (t *Tailer) readStream() (int, error) {
	if t.eof {
		return 0, io.EOF
	}
	for range 100 {
		n, err := t.stream.Read(t.buf[t.end:])
		if errors.Is(err, io.EOF) {
			t.eof = true
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.ErrNoProgress
}

// Rest returns the unterminated last line, once the file is known to be
// finished (deleted, or rotated away and quiet), and consumes it.
func (t *Tailer) Rest() (Line, bool) {
	if t.skipping {
		t.bufOff += int64(t.end - t.start)
		t.start, t.end = 0, 0
		t.skipping = false
		t.lineNo++
		return Line{Bytes: t.head, Offset: t.skipStart, Number: t.lineNo, TooLong: true}, true
	}
	if t.end == t.start {
		return Line{}, false
	}
	raw := t.buf[t.start:t.end]
	off := t.bufOff
	t.bufOff += int64(len(raw))
	t.start, t.end = 0, 0
	t.lineNo++
	return t.line(raw, off), true
}

// Sample returns up to n complete, non-blank lines from the start of what
// is unread, without consuming them, for format detection. full reports
// whether no more lines can come into the sample: n were found, the buffer
// is full, or a stream ended (its last line counts then, '\n' or not).
// The lines are valid until the next call of another method.
func (t *Tailer) Sample(n int) (lines [][]byte, full bool, err error) {
	for {
		lines = lines[:0]
		rest := t.buf[t.start:t.end]
		for len(lines) < n {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				break
			}
			if l := trimCR(rest[:i]); len(bytes.TrimSpace(l)) > 0 {
				lines = append(lines, l)
			}
			rest = rest[i+1:]
		}
		if t.eof {
			if l := trimCR(rest); len(lines) < n && len(bytes.TrimSpace(l)) > 0 {
				lines = append(lines, l)
			}
			return lines, true, nil
		}
		if len(lines) == n || (t.start == 0 && t.end == len(t.buf)) || t.skipping {
			return lines, true, nil
		}
		if t.start > 0 {
			copy(t.buf, t.buf[t.start:t.end])
			t.start, t.end = 0, t.end-t.start
		}
		got, err := t.fill()
		if err != nil {
			return lines, false, err
		}
		if got == 0 && !t.eof {
			return lines, false, nil
		}
	}
}

// Ended reports whether a stream's end was read.
func (t *Tailer) Ended() bool { return t.eof }

// Buffered returns what is read and not yet returned in a line (valid
// until the next call of another method): after a Sample that found no
// line, whether a stream holds anything at all.
func (t *Tailer) Buffered() []byte { return t.buf[t.start:t.end] }

// Change is what Check found.
type Change struct {
	Size      int64
	Truncated bool // the file shrank below what was read, or its first bytes changed: reading restarted at 0
	Deleted   bool // the file has no name left
}

// Check looks at the open file: its size, whether it was truncated or
// rewritten in place (copytruncate) — in which case the tailer drops what
// it buffered and starts over at offset 0 — and whether it was deleted.
func (t *Tailer) Check() (Change, error) {
	fi, err := t.f.Stat()
	if err != nil {
		return Change{}, fmt.Errorf("stat %s: %w", t.path, err)
	}
	c := Change{Size: fi.Size(), Deleted: links(fi) == 0}
	t.size = c.Size
	read := t.bufOff + int64(t.end-t.start)
	switch {
	case c.Size < read:
		c.Truncated = true
	case t.fp.Len > 0:
		fp, err := t.fingerprint(t.fp.Len)
		if err != nil {
			return Change{}, err
		}
		c.Truncated = fp != t.fp
	}
	if c.Truncated {
		t.reset(0)
	}
	return c, nil
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// IDOf returns the identity of the file fi describes (from os.Stat).
func IDOf(fi os.FileInfo) (FileID, bool) { return fileID(fi) }
