package ingest

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// StdinName is the source name of standard input ('-' on the command line).
const StdinName = "stdin"

// source is an opened input: a buffered reader over the decompressed bytes.
type source struct {
	name   string // absolute path, or StdinName
	r      *bufio.Reader
	closer func() error
}

const readBufSize = 256 << 10

// CheckReadable reports, as one clear error, why path cannot be loaded:
// missing, unreadable, or a directory. "-" (stdin) is always readable.
// Only a regular file is opened to find out: opening a named pipe would
// pair with (and, on close, throw away) what a writer sends, so a pipe is
// only looked at; its real open says if it cannot be read.
func CheckReadable(path string) error {
	if path == "-" {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
	}
	if st.IsDir() {
		return fmt.Errorf("cannot read %s: is a directory", path)
	}
	if !st.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
	}
	return f.Close()
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// openSource opens path ("-" = stdin) once, transparently decompressing
// gzip (recognised by its magic bytes, whatever the file is called). A
// gzip stream is verified to its end — every member's checksum — before
// any of its lines is returned: a corrupt file loads nothing, rather than
// rows with mangled ids that a load of the good file could never replace
// (see verifyGzip). Opening a named pipe waits for a writer; ctx ends the
// wait, and ends a read blocked on the pipe. A read from stdin or a pipe
// that waits longer than idle calls onIdle first (nil: never), on the
// caller's goroutine: the lines read so far are then stored while the
// writer is silent.
func openSource(ctx context.Context, path string, stdin io.Reader, idle time.Duration, onIdle func()) (*source, error) {
	if path == "-" {
		r, closeFn, err := spoolGzip(ctx, &ctxReader{ctx: ctx, r: stdin, idle: idle, onIdle: onIdle}, StdinName, func() error { return nil })
		if err != nil {
			_ = closeFn()
			return nil, err
		}
		return wrapSource(StdinName, r, closeFn)
	}
	f, err := openCtx(ctx, path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
	}
	if st.IsDir() {
		_ = f.Close()
		return nil, fmt.Errorf("cannot read %s: is a directory", path)
	}
	// A read blocked on a pipe whose writer is silent ends with ctx.
	stopWatch := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Now()) })
	name, err := filepath.Abs(path)
	if err != nil {
		name = path
	}
	closeFn := func() error { stopWatch(); return f.Close() }
	var r io.Reader = f
	if st.Mode().IsRegular() {
		r, err = verifyGzipFile(f, name)
	} else {
		r, closeFn, err = spoolGzip(ctx, &ctxReader{ctx: ctx, r: f, idle: idle, onIdle: onIdle}, name, closeFn)
	}
	if err != nil {
		_ = closeFn()
		return nil, err
	}
	s, err := wrapSource(name, r, closeFn)
	if err != nil {
		_ = closeFn()
		return nil, err
	}
	return s, nil
}

// openCtx opens path for reading. A named pipe's open blocks until a
// writer opens it; when ctx ends first, openCtx unblocks it by opening the
// pipe for writing itself, and returns ctx's error.
func openCtx(ctx context.Context, path string) (*os.File, error) {
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := os.Open(path)
		done <- result{f, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		// Pair with the open blocked on a pipe, so it returns.
		if st, err := os.Stat(path); err == nil && st.Mode()&fs.ModeNamedPipe != 0 {
			if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				_ = w.Close()
			}
		}
		if res = <-done; res.err == nil {
			_ = res.f.Close()
		}
		return nil, fmt.Errorf("open %s: %w", path, context.Cause(ctx))
	}
	if res.err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, unwrapPathError(res.err))
	}
	return res.f, nil
}

func wrapSource(name string, r io.Reader, closeFn func() error) (*source, error) {
	br := bufio.NewReaderSize(r, readBufSize)
	if isGzip(br) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		return &source{name: name, r: bufio.NewReaderSize(zr, readBufSize), closer: func() error {
			return errors.Join(zr.Close(), closeFn())
		}}, nil
	}
	return &source{name: name, r: br, closer: closeFn}, nil
}

func isGzip(br *bufio.Reader) bool {
	magic, _ := br.Peek(2)
	return len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
}

// ErrCorruptGzip is wrapped by the error for a gzip stream that fails its
// checks (checksum, length, deflate data, a truncated end).
var ErrCorruptGzip = errors.New("corrupt gzip stream")

// verifyGzipFile reads f to its end through gzip when it is gzip, then
// rewinds it. It returns what to read the file from.
func verifyGzipFile(f *os.File, name string) (io.Reader, error) {
	br := bufio.NewReaderSize(f, readBufSize)
	if !isGzip(br) {
		return br, nil
	}
	if err := verifyGzip(br, name); err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read %s: rewind after checking the gzip stream: %w", name, err)
	}
	return f, nil
}

// verifyGzip decompresses r to its end, checking every member.
func verifyGzip(r io.Reader, name string) error {
	zr, err := gzip.NewReader(r)
	if err == nil {
		_, err = io.Copy(io.Discard, zr)
	}
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("read %s: %w", name, err)
		}
		return fmt.Errorf("%s: %w (%v): nothing was loaded from it", name, ErrCorruptGzip, err)
	}
	return nil
}

// spoolGzip, for a gzip stream that cannot be read twice (a pipe, stdin),
// copies the compressed bytes to an unlinked temporary file while
// verifying them, and returns that file to read from; any other stream is
// returned as it is.
func spoolGzip(ctx context.Context, f io.Reader, name string, closeFn func() error) (io.Reader, func() error, error) {
	br := bufio.NewReaderSize(f, readBufSize)
	if !isGzip(br) {
		return br, closeFn, nil
	}
	tmp, err := os.CreateTemp("", "ratescope-gzip-*")
	if err != nil {
		return nil, closeFn, fmt.Errorf("read %s: spool the gzip stream: %w", name, err)
	}
	_ = os.Remove(tmp.Name()) // unlinked: gone when closed, whatever happens
	closeBoth := func() error { return errors.Join(tmp.Close(), closeFn()) }
	if err := verifyGzip(io.TeeReader(br, tmp), name); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("read %s: %w", name, context.Cause(ctx))
		}
		return nil, closeBoth, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, closeBoth, fmt.Errorf("read %s: %w", name, err)
	}
	return tmp, closeBoth, nil
}

// ctxReader reads r until ctx is done: a read still blocked then (stdin
// from a silent writer, which cannot be given a deadline) is left behind
// and Read returns ctx's error, so an interrupt is never stuck on it.
// Reads go through its own buffer, reused only once the read that used it
// has returned: an abandoned read never writes into the caller's slice.
//
// When idle > 0 and onIdle is set, a read that has waited idle calls
// onIdle, once, and goes on waiting: a writer that pauses (a gateway's log
// piped in, quiet at night) gets what it sent so far stored, rather than
// held until it writes a batch more or closes.
type ctxReader struct {
	ctx    context.Context
	r      io.Reader
	idle   time.Duration
	onIdle func()
	buf    []byte
	done   chan readResult
	timer  *time.Timer
}

type readResult struct {
	n   int
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, context.Cause(c.ctx)
	}
	if cap(c.buf) < len(p) {
		c.buf = make([]byte, len(p))
	}
	if c.done == nil {
		c.done = make(chan readResult, 1)
	}
	buf := c.buf[:len(p)]
	go func() {
		n, err := c.r.Read(buf)
		c.done <- readResult{n, err}
	}()
	var idle <-chan time.Time
	if c.idle > 0 && c.onIdle != nil {
		if c.timer == nil {
			c.timer = time.NewTimer(c.idle)
		} else {
			c.timer.Reset(c.idle)
		}
		defer c.timer.Stop()
		idle = c.timer.C
	}
	for {
		select {
		case res := <-c.done:
			return copy(p, buf[:res.n]), res.err
		case <-c.ctx.Done():
			return 0, context.Cause(c.ctx)
		case <-idle:
			idle = nil
			c.onIdle()
		}
	}
}
