package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
)

// ingestProc is the ingest binary run in the background.
type ingestProc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
	code   int
}

func startIngest(t *testing.T, bin string, args ...string) *ingestProc {
	t.Helper()
	p := &ingestProc{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "RATESCOPE_HASH_KEY=test-key")
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := p.cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			p.code = exit.ExitCode()
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for the process to exit and returns how long that took.
func (p *ingestProc) wait(t *testing.T, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case <-p.done:
		return time.Since(start)
	case <-time.After(within):
		t.Fatalf("ingest still running after %s; stderr:\n%s", within, p.stderr.String())
		return 0
	}
}

func mkfifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func fifoLine(i int) string {
	return fmt.Sprintf(`{"time":"2026-11-20T10:00:%02dZ","request_id":"fifo-%d","method":"GET","path":"/x","status":200}`, i%60, i)
}

// TestLoadNamedPipe feeds ingest through a named pipe the ways a shell
// does: it opens the pipe once, so nothing a writer sends is thrown away
// (it used to open it three times — checks, then the real open — and
// each early close lost what the writer sent or killed it with SIGPIPE).
func TestLoadNamedPipe(t *testing.T) {
	bin := clitest.Build(t, "ingest")
	url, db := chtest.Migrated(t)
	count := func(prefix string) uint64 {
		var n uint64
		q := "SELECT uniqExact(request_id) FROM " + db.Table("requests") + " WHERE startsWith(request_id, ?)"
		if err := db.Conn.QueryRow(context.Background(), q, prefix).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("one writer streaming", func(t *testing.T) {
		pipe := mkfifo(t)
		p := startIngest(t, bin, "--clickhouse", url, "--format", "jsonl", pipe)
		w, err := os.OpenFile(pipe, os.O_WRONLY, 0) // waits for ingest's open
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i := range 3000 {
			b.WriteString(strings.Replace(fifoLine(i), "fifo-", "one-", 1) + "\n")
		}
		if _, err := w.WriteString(b.String()); err != nil {
			t.Errorf("writing to the pipe: %v (the reader went away)", err)
		}
		_ = w.Close()
		p.wait(t, 30*time.Second)
		if p.code != 0 {
			t.Fatalf("exit %d: %s", p.code, p.stderr.String())
		}
		if n := count("one-"); n != 3000 {
			t.Errorf("%d of 3000 lines stored", n)
		}
	})

	t.Run("six writers waiting", func(t *testing.T) {
		pipe := mkfifo(t)
		var writers []*exec.Cmd
		for i := range 6 {
			w := exec.Command("sh", "-c", `printf '%s\n' "$1" > "$2"`, "sh", strings.Replace(fifoLine(i), "fifo-", "six-", 1), pipe)
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			writers = append(writers, w)
		}
		time.Sleep(300 * time.Millisecond) // all six block in open
		p := startIngest(t, bin, "--clickhouse", url, "--format", "jsonl", pipe)
		for _, w := range writers {
			if err := w.Wait(); err != nil {
				t.Errorf("writer: %v", err)
			}
		}
		p.wait(t, 30*time.Second)
		if p.code != 0 {
			t.Fatalf("exit %d: %s", p.code, p.stderr.String())
		}
		if n := count("six-"); n != 6 {
			t.Errorf("%d of 6 writers' lines stored", n)
		}
	})

	t.Run("gzip through the pipe", func(t *testing.T) {
		pipe := mkfifo(t)
		src := filepath.Join(t.TempDir(), "z.log")
		var b strings.Builder
		for i := range 500 {
			b.WriteString(strings.Replace(fifoLine(i), "fifo-", "gz-", 1) + "\n")
		}
		if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("gzip", src).CombinedOutput(); err != nil {
			t.Fatalf("gzip: %v %s", err, out)
		}
		p := startIngest(t, bin, "--clickhouse", url, "--format", "jsonl", pipe)
		if out, err := exec.Command("sh", "-c", `cat "$1" > "$2"`, "sh", src+".gz", pipe).CombinedOutput(); err != nil {
			t.Fatalf("writer: %v %s", err, out)
		}
		p.wait(t, 30*time.Second)
		if p.code != 0 {
			t.Fatalf("exit %d: %s", p.code, p.stderr.String())
		}
		if n := count("gz-"); n != 500 {
			t.Errorf("%d of 500 gzip lines stored", n)
		}
	})
}

// TestLoadNamedPipeSignals: ingest waiting on a pipe — for a writer to
// open it, or for the next bytes from a writer that holds it open — stops
// on SIGTERM and SIGINT within moments, saying it was interrupted. It used
// to sit in open() and ignore both.
func TestLoadNamedPipeSignals(t *testing.T) {
	bin := clitest.Build(t, "ingest")
	url, _ := chtest.Migrated(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run("blocked in open, "+sig.String(), func(t *testing.T) {
			pipe := mkfifo(t)
			p := startIngest(t, bin, "--clickhouse", url, "--format", "jsonl", pipe)
			time.Sleep(time.Second) // connected, migrated, waiting in open
			_ = p.cmd.Process.Signal(sig)
			if took := p.wait(t, 10*time.Second); took > 3*time.Second {
				t.Errorf("took %s to stop", took)
			}
			if p.code != 1 || !strings.Contains(p.stderr.String(), "interrupted") {
				t.Errorf("exit %d, stderr %q; want 1 and interrupted", p.code, p.stderr.String())
			}
		})
		t.Run("blocked in read, "+sig.String(), func(t *testing.T) {
			pipe := mkfifo(t)
			p := startIngest(t, bin, "--clickhouse", url, "--format", "jsonl", pipe)
			w, err := os.OpenFile(pipe, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close() // held open: ingest waits for more
			if _, err := w.WriteString(fifoLine(1) + "\n"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second)
			_ = p.cmd.Process.Signal(sig)
			if took := p.wait(t, 10*time.Second); took > 3*time.Second {
				t.Errorf("took %s to stop", took)
			}
			if p.code != 1 || !strings.Contains(p.stderr.String(), "interrupted") {
				t.Errorf("exit %d, stderr %q; want 1 and interrupted", p.code, p.stderr.String())
			}
		})
	}
}

// TestLoadStdinSignals: ingest reading standard input from a writer that
// holds it open and sends nothing stops on SIGINT at once.
func TestLoadStdinSignals(t *testing.T) {
	bin := clitest.Build(t, "ingest")
	url, _ := chtest.Migrated(t)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	p := &ingestProc{cmd: exec.Command(bin, "--clickhouse", url, "--format", "jsonl", "-"), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "RATESCOPE_HASH_KEY=test-key")
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = pr, &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = pr.Close()
	go func() {
		err := p.cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			p.code = exit.ExitCode()
		}
		close(p.done)
	}()
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-p.done })
	if _, err := pw.WriteString(fifoLine(1) + "\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	if took := p.wait(t, 10*time.Second); took > 3*time.Second {
		t.Errorf("took %s to stop", took)
	}
	if p.code != 1 || !strings.Contains(p.stderr.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q; want 1 and interrupted", p.code, p.stderr.String())
	}
}
