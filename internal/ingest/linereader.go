package ingest

import (
	"bufio"
	"errors"
	"io"
)

// LineReader splits a stream into lines on '\n', bounding memory: a line
// longer than max bytes is not kept whole — Next reports it as too long,
// with only its first bytes, and moves on to the next line. bufio.Scanner
// stops for good at such a line; a LineReader never does.
type LineReader struct {
	r      *bufio.Reader
	max    int
	long   []byte // assembles lines longer than the bufio buffer
	offset int64  // offset of the next line's first byte
	lineNo uint64
}

// keepOfLong is how much of an over-long line Next returns (for the
// dead-letter table, which keeps 4 KiB).
const keepOfLong = 4096

// NewLineReader reads lines of at most max bytes from r.
func NewLineReader(r *bufio.Reader, max int) *LineReader {
	return &LineReader{r: r, max: max}
}

// Offset is the offset of the next line's first byte: the bytes consumed
// so far, over-long lines counted whole.
func (lr *LineReader) Offset() int64 { return lr.offset }

// Line is one line of input. Bytes excludes the '\n' (and a '\r' before
// it) and is valid until the next call to Next.
type Line struct {
	Bytes   []byte
	Offset  int64  // byte offset of the line's start in the stream
	Number  uint64 // 1-based
	TooLong bool   // longer than the limit: Bytes holds only its beginning
}

// Next returns the next line, or io.EOF after the last one. A final line
// without a trailing newline is returned as a line.
func (lr *LineReader) Next() (Line, error) {
	start := lr.offset
	chunk, err := lr.r.ReadSlice('\n')
	n := int64(len(chunk))
	if errors.Is(err, bufio.ErrBufferFull) {
		return lr.readLong(start, chunk)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return Line{}, err
	}
	if len(chunk) == 0 && errors.Is(err, io.EOF) {
		return Line{}, io.EOF
	}
	lr.offset += n
	lr.lineNo++
	line := Line{Bytes: trimEOL(chunk), Offset: start, Number: lr.lineNo}
	if len(line.Bytes) > lr.max {
		line.TooLong, line.Bytes = true, head(line.Bytes)
	}
	return line, nil
}

// readLong assembles a line that does not fit the reader's buffer, keeping
// at most max bytes of it.
func (lr *LineReader) readLong(start int64, first []byte) (Line, error) {
	lr.long = append(lr.long[:0], first...)
	total := int64(len(first))
	tooLong := len(lr.long) > lr.max
	for {
		chunk, err := lr.r.ReadSlice('\n')
		total += int64(len(chunk))
		if !tooLong {
			lr.long = append(lr.long, chunk...)
			if len(lr.long) > lr.max+1 { // +1: the '\n' is not part of the line
				tooLong = true
				lr.long = head(lr.long)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return Line{}, err
		}
		break
	}
	lr.offset += total
	lr.lineNo++
	line := Line{Bytes: lr.long, Offset: start, Number: lr.lineNo, TooLong: tooLong}
	if !tooLong {
		line.Bytes = trimEOL(lr.long)
		if len(line.Bytes) > lr.max {
			line.TooLong, line.Bytes = true, head(line.Bytes)
		}
	}
	if cap(lr.long) > 4*lr.max { // don't pin a huge buffer after a freak line
		lr.long = nil
	}
	return line, nil
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// head returns the part of an over-long line that is kept.
func head(b []byte) []byte { return b[:min(len(b), keepOfLong)] }
