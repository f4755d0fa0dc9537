package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
)

// slowInput is standard input that outlasts progressDelay: a first batch
// of lines at once, then, after the delay, more batches a little apart, so
// the loader reports progress (every 4096 lines) both before and after the
// bar is due.
func slowInput(t *testing.T) io.Reader {
	t.Helper()
	pr, pw := io.Pipe()
	batch := func(from int) string {
		var b strings.Builder
		for i := from; i < from+4500; i++ {
			b.WriteString(fifoLine(i))
			b.WriteByte('\n')
		}
		return b.String()
	}
	go func() {
		defer pw.Close()
		if _, err := io.WriteString(pw, batch(0)); err != nil {
			return
		}
		time.Sleep(progressDelay + 300*time.Millisecond)
		for n := 1; n <= 4; n++ {
			if _, err := io.WriteString(pw, batch(n*4500)); err != nil {
				return
			}
			time.Sleep(300 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { _ = pr.Close() })
	return pr
}

// TestProgressBar: a load that runs longer than progressDelay shows a
// progress bar on a terminal's standard error, and none when standard error
// is piped; a short load on a terminal prints only its summary.
func TestProgressBar(t *testing.T) {
	bin := clitest.Build(t, "ingest")
	url, _ := chtest.Migrated(t)
	args := []string{"--clickhouse", url, "--format", "jsonl", "-"}
	env := []string{"RATESCOPE_HASH_KEY=test-key", "RATESCOPE_CONFIG="}

	t.Run("terminal", func(t *testing.T) {
		out, code := clitest.Cmd{Env: env, Stdin: slowInput(t)}.RunPTY(t, 80, bin, args...)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if !strings.Contains(out, "loading") || !strings.Contains(out, "\r") {
			t.Errorf("no progress bar on the terminal:\n%q", out)
		}
		if !strings.Contains(out, "22500") {
			t.Errorf("the summary does not count the 22500 lines:\n%s", out)
		}
	})
	t.Run("short on a terminal", func(t *testing.T) {
		var in strings.Builder
		for i := range 9000 {
			in.WriteString(fifoLine(i) + "\n")
		}
		out, code := clitest.Cmd{Env: env, Stdin: strings.NewReader(in.String())}.RunPTY(t, 80, bin, args...)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if strings.Contains(out, "loading") || !strings.Contains(out, "9000") {
			t.Errorf("want the summary of 9000 lines and no bar:\n%q", out)
		}
	})
	t.Run("piped", func(t *testing.T) {
		r := clitest.Cmd{Env: env, Stdin: slowInput(t)}.Run(t, bin, args...)
		if r.Code != 0 {
			t.Fatalf("exit %d:\n%s", r.Code, r.Stderr)
		}
		if strings.Contains(r.Stderr, "loading") || strings.Contains(r.Stderr, "\r") {
			t.Errorf("a progress bar on piped standard error:\n%q", r.Stderr)
		}
		if !strings.Contains(r.Stdout+r.Stderr, "22500") {
			t.Errorf("the summary does not count the 22500 lines:\n%s%s", r.Stdout, r.Stderr)
		}
	})
}
