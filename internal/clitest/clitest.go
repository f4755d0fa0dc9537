// Package clitest builds ratescope's binaries and runs them as a user
// would, for tests of exit statuses, stderr and output.
package clitest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/chtest"
)

// Build compiles the command in cmd/<name> into a temporary directory and
// returns the binary's path.
func Build(t testing.TB, name string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/"+name)
	cmd.Dir = chtest.RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/%s: %v\n%s", name, err, out)
	}
	return bin
}

// Result is what one run of a binary produced.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Cmd describes a run: extra environment (on top of the test's own) and
// standard input.
type Cmd struct {
	Env   []string
	Stdin io.Reader
}

// Run runs bin with args and returns its output and exit status. The
// default ClickHouse URL points at a closed port, so a case that forgets
// --clickhouse fails instead of touching a real database.
func (c Cmd) Run(t testing.TB, bin string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "RATESCOPE_CLICKHOUSE=clickhouse://127.0.0.1:1/unused"), c.Env...)
	cmd.Stdin = c.Stdin
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := Result{Stdout: out.String(), Stderr: errOut.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run %s %q: %v", bin, args, err)
	}
	return r
}

// Run runs bin with args, no extra environment and no input.
func Run(t testing.TB, bin string, args ...string) Result {
	t.Helper()
	return Cmd{}.Run(t, bin, args...)
}

// WantOneLineError asserts that r failed with exit status code and one
// stderr line "name: …" containing want, and printed nothing on stdout.
func WantOneLineError(t testing.TB, r Result, name string, code int, want string) {
	t.Helper()
	if r.Code != code {
		t.Errorf("exit %d, want %d (stderr %q)", r.Code, code, r.Stderr)
	}
	if !strings.HasPrefix(r.Stderr, name+": ") || strings.Count(r.Stderr, "\n") != 1 || !strings.HasSuffix(r.Stderr, "\n") {
		t.Errorf("stderr is not one line %q: %q", name+": …", r.Stderr)
	}
	if !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr %q, want it to contain %q", r.Stderr, want)
	}
	if r.Stdout != "" {
		t.Errorf("stdout %q, want nothing", r.Stdout)
	}
}
