//go:build linux

package clitest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// RunPTY runs bin with args with its standard output and error on a
// pseudo-terminal of the given width (and $COLUMNS set to it), as a user's
// terminal: what a report prints for people. It returns what the terminal
// received (stdout and stderr interleaved, "\r\n" line ends turned into
// "\n") and the exit status.
func (c Cmd) RunPTY(t testing.TB, width int, bin string, args ...string) (string, int) {
	t.Helper()
	master, slave, err := openPTY(width)
	if err != nil {
		t.Fatalf("no pseudo-terminal: %v", err)
	}
	defer master.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "RATESCOPE_CLICKHOUSE=clickhouse://127.0.0.1:1/unused", "COLUMNS="+strconv.Itoa(width), "TERM=xterm"), c.Env...)
	cmd.Stdin = c.Stdin
	cmd.Stdout, cmd.Stderr = slave, slave
	if err := cmd.Start(); err != nil {
		slave.Close()
		t.Fatalf("start %s: %v", bin, err)
	}
	slave.Close()
	var out bytes.Buffer
	_, _ = io.Copy(&out, master) // ends with EIO once the child has exited
	code := 0
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("run %s: %v", bin, err)
		}
		code = exit.ExitCode()
	}
	return string(bytes.ReplaceAll(out.Bytes(), []byte("\r\n"), []byte("\n"))), code
}

// openPTY opens a pseudo-terminal pair of the given width.
func openPTY(width int) (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("pty number: %w", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	ws := &unix.Winsize{Row: 50, Col: uint16(width)}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, ws); err != nil {
		m.Close()
		s.Close()
		return nil, nil, fmt.Errorf("pty size: %w", err)
	}
	return m, s, nil
}
