package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"unicode"

	"github.com/spf13/cobra"
)

// Exit statuses returned by Main.
const (
	ExitOK      = 0 // the command succeeded
	ExitFailure = 1 // the command failed at run time (ClickHouse, files, …)
	ExitUsage   = 2 // bad flags, arguments or flag combinations
)

// UsageError is a bad flag, argument or combination of them. Main exits
// with ExitUsage for it. Commands return one through UsageErrorf when they
// validate flags themselves.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// UsageErrorf returns a *UsageError with a formatted message (%w wraps).
func UsageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// NoArgs is a cobra.PositionalArgs for commands that take no arguments; it
// reports extra arguments as a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return UsageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

// Main runs root with the process's arguments and returns the exit status:
// ExitOK, ExitUsage for usage errors (bad flags and arguments, unknown
// subcommands, *UsageError), ExitFailure for anything else. An error is
// printed as one line, "name: message", on ios.ErrOut — no usage dump, no
// stack trace. Help goes to ios.Out. SIGINT and SIGTERM cancel the
// command's context. When the command returns, Main closes what was opened
// for it through the command's context (Factory.DB), ignoring close errors.
//
// Main configures root for this: it silences cobra's own error and usage
// printing, routes flag errors to *UsageError and, when root has no Run of
// its own, makes it print help or report an unknown subcommand.
func Main(name string, root *cobra.Command, ios *IOStreams) int {
	root.SilenceErrors = true
	root.SilenceUsage = true
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	if !root.Runnable() {
		root.Args = cobra.ArbitraryArgs
		root.RunE = helpOrUnknown
	}
	usageArgs(root)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var closers closeList
	cmd, err := root.ExecuteContextC(context.WithValue(ctx, closeListKey{}, &closers))
	closers.closeAll()
	if err == nil {
		return ExitOK
	}
	code, msg := ExitFailure, err.Error()
	var ue *UsageError
	switch {
	case errors.As(err, &ue):
		code = ExitUsage
		if cmd != nil {
			msg += fmt.Sprintf(" (see '%s --help')", cmd.CommandPath())
		}
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		msg = "interrupted"
	}
	fmt.Fprintf(ios.ErrOut, "%s: %s\n", name, OneLine(msg))
	return code
}

// usageArgs makes every argument check of cmd and its subcommands report a
// *UsageError, so that wrong arguments exit with ExitUsage everywhere.
func usageArgs(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			err := check(c, args)
			var ue *UsageError
			if err != nil && !errors.As(err, &ue) {
				return &UsageError{Err: err}
			}
			return err
		}
	}
	for _, sub := range cmd.Commands() {
		usageArgs(sub)
	}
}

// closeList collects what must be closed when Main's command returns.
type closeList struct {
	mu  sync.Mutex
	fns []func() error
}

type closeListKey struct{}

// closeWhenDone arranges for fn to run when the Main call whose command ctx
// belongs to returns. It reports false, and does nothing, when ctx does not
// come from Main: the caller must then close the resource itself.
func closeWhenDone(ctx context.Context, fn func() error) bool {
	l, ok := ctx.Value(closeListKey{}).(*closeList)
	if !ok {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fns = append(l.fns, fn)
	return true
}

// closeAll runs the collected functions, newest first.
func (l *closeList) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.fns) - 1; i >= 0; i-- {
		_ = l.fns[i]()
	}
	l.fns = nil
}

// helpOrUnknown is the RunE of a root command that only groups subcommands.
func helpOrUnknown(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, applied only on its own error path
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	}
	return &UsageError{Err: errors.New(msg)}
}

// OneLine turns an error message into a single line fit for a terminal:
// line breaks and runs of (Unicode) white space become one space, other control
// characters become '?', and a server stack trace is cut off.
func OneLine(msg string) string {
	if i := strings.Index(msg, "Stack trace:"); i >= 0 {
		msg = msg[:i]
	}
	var b strings.Builder
	space := false
	for _, r := range msg {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			r = '?'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
