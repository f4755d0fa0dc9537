package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/spf13/cobra"

	"github.com/ratescope/ratescope/internal/chstore"
)

// fakeConn is a driver.Conn that only counts Close calls; any other method
// panics (the embedded interface is nil), which no test here reaches.
type fakeConn struct {
	driver.Conn
	closed *int
}

func (c fakeConn) Close() error { *c.closed++; return nil }

// testFactory returns a Factory whose DB opens a fake connection, counting
// opens and closes.
func testFactory(ios *IOStreams) (f *Factory, opens, closes *int) {
	opens, closes = new(int), new(int)
	f = NewFactory(ios)
	f.open = func(ctx context.Context, url string) (*chstore.DB, error) {
		*opens++
		if strings.Contains(url, "unreachable") {
			return nil, errors.New("cannot reach ClickHouse at unreachable:9000")
		}
		return &chstore.DB{Conn: fakeConn{closed: closes}, Name: "x"}, nil
	}
	return f, opens, closes
}

// testRoot is a small command tree run by Main: "ok" prints, "fail" returns
// its argument as an error, "usage" returns a usage error, "query" opens the
// database twice.
func testRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{Use: "tool"}
	AddClickHouseFlag(root, f)
	var n int
	ok := &cobra.Command{Use: "ok", Args: NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		_, err := fmt.Fprintf(f.IOStreams.Out, "ok %d\n", n)
		return err
	}}
	ok.Flags().IntVar(&n, "n", 0, "a number")
	root.AddCommand(
		ok,
		&cobra.Command{Use: "fail", RunE: func(cmd *cobra.Command, args []string) error {
			return fmt.Errorf("query: %w", errors.New(strings.Join(args, " ")))
		}},
		&cobra.Command{Use: "usage", RunE: func(cmd *cobra.Command, _ []string) error {
			return UsageErrorf("--x and --y are mutually exclusive")
		}},
		&cobra.Command{Use: "query", RunE: func(cmd *cobra.Command, _ []string) error {
			for range 2 {
				if _, err := f.DB(cmd.Context()); err != nil {
					return err
				}
			}
			return nil
		}},
	)
	return root
}

func TestMainExitStatusAndStderr(t *testing.T) {
	f := func(args []string, wantCode int, wantOut, wantErr string) {
		t.Helper()
		ios, _, out, errOut := Test()
		fac, _, _ := testFactory(ios)
		root := testRoot(fac)
		root.SetArgs(args)
		code := Main("tool", root, ios)
		if code != wantCode {
			t.Errorf("%q: exit %d, want %d (stderr %q)", args, code, wantCode, errOut)
		}
		if wantOut != "" && !strings.Contains(out.String(), wantOut) {
			t.Errorf("%q: stdout %q, want it to contain %q", args, out, wantOut)
		}
		if wantErr == "" {
			if errOut.Len() > 0 {
				t.Errorf("%q: stderr %q, want none", args, errOut)
			}
			return
		}
		if got := errOut.String(); got != wantErr+"\n" {
			t.Errorf("%q: stderr %q, want %q", args, got, wantErr+"\n")
		}
	}
	f([]string{"ok", "--n", "3"}, ExitOK, "ok 3\n", "")
	f([]string{"ok", "--help"}, ExitOK, "Usage:", "")
	f([]string{}, ExitOK, "Available Commands:", "")
	f([]string{"fail", "boom"}, ExitFailure, "", "tool: query: boom")
	f([]string{"fail", "line one\nline two\r\n\tStack trace:\n0. DB::Exception"}, ExitFailure, "", "tool: query: line one line two")
	f([]string{"fail", "bell\x07"}, ExitFailure, "", "tool: query: bell?")
	f([]string{"usage"}, ExitUsage, "", "tool: --x and --y are mutually exclusive (see 'tool usage --help')")
	f([]string{"ok", "--bogus"}, ExitUsage, "", "tool: unknown flag: --bogus (see 'tool ok --help')")
	f([]string{"ok", "--n", "many"}, ExitUsage, "", `tool: invalid argument "many" for "--n" flag: strconv.ParseInt: parsing "many": invalid syntax (see 'tool ok --help')`)
	f([]string{"ok", "extra"}, ExitUsage, "", `tool: tool ok takes no arguments, got "extra" (see 'tool ok --help')`)
	f([]string{"--bogus"}, ExitUsage, "", "tool: unknown flag: --bogus (see 'tool --help')")
	f([]string{"nope"}, ExitUsage, "", `tool: unknown command "nope" for "tool" (see 'tool --help')`)
	f([]string{"fial"}, ExitUsage, "", `tool: unknown command "fial" for "tool"; did you mean "fail"? (see 'tool --help')`)
	f([]string{"query", "--clickhouse", "clickhouse://unreachable:9000/x"}, ExitFailure, "", "tool: cannot reach ClickHouse at unreachable:9000")
}

func TestMainLazyDBClosedAtExit(t *testing.T) {
	f := func(args []string, wantOpens, wantCloses int) {
		t.Helper()
		ios, _, _, _ := Test()
		fac, opens, closes := testFactory(ios)
		root := testRoot(fac)
		root.SetArgs(args)
		Main("tool", root, ios)
		if *opens != wantOpens || *closes != wantCloses {
			t.Errorf("%q: %d opens, %d closes; want %d, %d", args, *opens, *closes, wantOpens, wantCloses)
		}
		if err := fac.Close(); err != nil || *closes != wantCloses {
			t.Errorf("%q: Close after Main: %v, %d closes", args, err, *closes)
		}
	}
	f([]string{"ok"}, 0, 0)                                                    // never queries, never dials
	f([]string{"ok", "--clickhouse", "clickhouse://unreachable:9000/x"}, 0, 0) // not even to a bad URL
	f([]string{"ok", "--bogus"}, 0, 0)
	f([]string{"query"}, 1, 1) // opened once, closed once when the command returned
	f([]string{"query", "--clickhouse", "clickhouse://unreachable:9000/x"}, 1, 0)
}

func TestFactoryURL(t *testing.T) {
	ios, _, _, _ := Test()
	fac := NewFactory(ios)
	t.Setenv(chstore.EnvURL, "")
	if got := fac.URL(); got != chstore.DefaultURL {
		t.Errorf("URL() = %q, want the default %q", got, chstore.DefaultURL)
	}
	t.Setenv(chstore.EnvURL, "clickhouse://env:9000/db")
	if got := fac.URL(); got != "clickhouse://env:9000/db" {
		t.Errorf("URL() = %q, want the environment's", got)
	}
	fac.ClickHouseURL = "clickhouse://flag:9000/db"
	if got := fac.URL(); got != "clickhouse://flag:9000/db" {
		t.Errorf("URL() = %q, want the flag's", got)
	}
}

func TestFactoryDBOutsideMain(t *testing.T) {
	ios, _, _, _ := Test()
	fac, opens, closes := testFactory(ios)
	for range 3 {
		if _, err := fac.DB(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if *opens != 1 || *closes != 0 {
		t.Fatalf("%d opens, %d closes; want 1, 0", *opens, *closes)
	}
	for range 2 {
		if err := fac.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if *closes != 1 {
		t.Errorf("%d closes after Close twice, want 1", *closes)
	}
	// A failed open is retried.
	fac.ClickHouseURL = "clickhouse://unreachable:9000/x"
	for range 2 {
		if _, err := fac.DB(context.Background()); err == nil {
			t.Fatal("DB() on an unreachable server succeeded")
		}
	}
	if *opens != 3 {
		t.Errorf("%d opens, want 3", *opens)
	}
}

func TestOneLine(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
	f("plain", "plain")
	f("", "")
	f("  lead and trail  ", "lead and trail")
	f("a\nb", "a b")
	f("a \r\n\t b", "a b")
	f("code: 60, message: Table x doesn't exist.\nStack trace:\n0. clickhouse-server(StackTrace)", "code: 60, message: Table x doesn't exist.")
	f("esc \x1b[31mred", "esc ?[31mred")
	f("c1 \u009b", "c1 ?")
	f("ünïcode ok", "ünïcode ok")
}

func TestIOStreams(t *testing.T) {
	ios, _, _, _ := Test()
	if ios.IsStdoutTTY() || ios.ColorEnabled() {
		t.Error("Test streams start as a terminal or with colour")
	}
	ios.SetColorEnabled(true)
	if ios.ColorEnabled() || ios.Bold("x") != "x" {
		t.Error("colour without a terminal")
	}
	ios.SetStdoutTTY(true)
	if !ios.ColorEnabled() || ios.Bold("x") != "\x1b[1mx\x1b[0m" {
		t.Errorf("no colour on a terminal with colour on: %q", ios.Bold("x"))
	}

	f := func(env map[string]string, want bool) {
		t.Helper()
		if got := colorAllowed(func(k string) string { return env[k] }); got != want {
			t.Errorf("colorAllowed(%v) = %v, want %v", env, got, want)
		}
	}
	f(map[string]string{"TERM": "xterm-256color"}, true)
	f(map[string]string{}, true)
	f(map[string]string{"NO_COLOR": "1", "TERM": "xterm"}, false)
	f(map[string]string{"TERM": "dumb"}, false)

	// A regular file is not a terminal.
	file, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if isTerminal(file) {
		t.Error("a regular file counts as a terminal")
	}
}
