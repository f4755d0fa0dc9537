// Package readlimit reads a file whole with a bound on its size, for the
// small files ratescope reads in one piece (plans, configuration,
// checkpoints, the hash key): a path given by mistake — /dev/zero, a log
// file, a FIFO that never ends — gets a clear error, not all the memory.
package readlimit

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooLarge is wrapped by File's error for a file over its limit.
var ErrTooLarge = errors.New("file too large")

// File returns the contents of path, reading at most max bytes: a longer
// file is an error that names it, what it is meant to be (what: "plans
// file", "hash key file", …) and the limit. Other errors are os.Open's and
// Read's, returned unwrapped for the caller to word.
func File(path, what string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s %s is larger than %s, the most ratescope reads of one: is it the right file? (%w)", what, path, Size(max), ErrTooLarge)
	}
	return b, nil
}

// Size formats n bytes for messages: 4 KiB, 8 MiB, 100 B.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
