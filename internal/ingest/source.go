package ingest

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
func CheckReadable(path string) error {
	if path == "-" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
	}
	if st.IsDir() {
		return fmt.Errorf("cannot read %s: is a directory", path)
	}
	return nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// openSource opens path ("-" = stdin), transparently decompressing gzip
// (recognised by its magic bytes, whatever the file is called).
func openSource(path string, stdin io.Reader) (*source, error) {
	if path == "-" {
		return wrapSource(StdinName, stdin, func() error { return nil })
	}
	if err := CheckReadable(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
	}
	name, err := filepath.Abs(path)
	if err != nil {
		name = path
	}
	s, err := wrapSource(name, f, f.Close)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return s, nil
}

func wrapSource(name string, r io.Reader, closeFn func() error) (*source, error) {
	br := bufio.NewReaderSize(r, readBufSize)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
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
