// Package cli is the command-line plumbing the ratescope binaries share: the
// streams a command reads and writes (IOStreams), lazy constructors for what
// a command may need (Factory), running a cobra command tree with one-line
// errors and meaningful exit statuses (Main), the report window flags
// (--since, --from, --to) and the output exporters chosen by --format.
//
// Nothing here reads global state after construction: System reads the
// process's stdio and environment once; everything else is passed in.
package cli

import (
	"bytes"
	"io"
	"os"
	"strconv"
)

// IOStreams are the streams a command reads and writes, and what is known
// about the terminal behind them. Commands print only through these, never to
// os.Stdout or os.Stderr, so tests can capture everything.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdoutTTY    bool
	stderrTTY    bool
	colorEnabled bool
	width        int // fixed terminal width; 0: ask (TerminalWidth)
}

// System returns the process's standard streams. Standard output counts as a
// terminal when it is a character device; colour is enabled only then, and
// not when NO_COLOR is set or TERM is "dumb".
func System() *IOStreams {
	tty := isTerminal(os.Stdout)
	return &IOStreams{
		In:           os.Stdin,
		Out:          os.Stdout,
		ErrOut:       os.Stderr,
		stdoutTTY:    tty,
		stderrTTY:    isTerminal(os.Stderr),
		colorEnabled: tty && colorAllowed(os.Getenv),
	}
}

// Test returns streams backed by buffers — standard input, output and error,
// in that order — for tests. Output is not a terminal and colour is off
// until SetStdoutTTY or SetColorEnabled say otherwise.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = new(bytes.Buffer), new(bytes.Buffer), new(bytes.Buffer)
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// IsStdoutTTY reports whether standard output is a terminal: tables are
// then aligned for people, with human-readable numbers and times.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// SetStdoutTTY overrides terminal detection (for tests).
func (s *IOStreams) SetStdoutTTY(tty bool) { s.stdoutTTY = tty }

// ColorEnabled reports whether output may carry ANSI colour sequences. It is
// never true unless standard output is a terminal.
func (s *IOStreams) ColorEnabled() bool { return s.colorEnabled && s.stdoutTTY }

// SetColorEnabled overrides colour detection (for tests). Colour still needs
// a terminal: see ColorEnabled.
func (s *IOStreams) SetColorEnabled(on bool) { s.colorEnabled = on }

// Bold returns text wrapped in the ANSI bold sequence when colour is
// enabled, else text unchanged.
func (s *IOStreams) Bold(text string) string {
	if !s.ColorEnabled() {
		return text
	}
	return "\x1b[1m" + text + "\x1b[0m"
}

// colorAllowed applies the environment's colour conventions
// (https://no-color.org, TERM=dumb).
func colorAllowed(getenv func(string) string) bool {
	return getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// isTerminal reports whether f is a character device — a terminal, or (a
// harmless false positive) /dev/null.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// DefaultWidth is the terminal width assumed when it cannot be found.
const DefaultWidth = 80

// TerminalWidth is the width tables fit on a terminal: $COLUMNS when set,
// else the terminal's own width, else DefaultWidth.
func (s *IOStreams) TerminalWidth() int {
	if s.width > 0 {
		return s.width
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := s.Out.(*os.File); ok {
		if n := terminalWidth(f); n > 0 {
			return n
		}
	}
	return DefaultWidth
}

// SetTerminalWidth fixes the width (tests).
func (s *IOStreams) SetTerminalWidth(n int) { s.width = n }

// IsStderrTTY reports whether standard error is a terminal (progress bars
// go there).
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }
