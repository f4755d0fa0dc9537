package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
)

// customLog is an nginx log_format in JSON with key names of its own: the
// vocabulary reads only ts.
const customLog = `{"ts":"2026-12-04T10:00:00Z","client":"10.0.0.1","req":"GET /v1/orders/ord_8x7Kq2 HTTP/1.1","code":503,"dur":0.25,"rid":"r-1"}
{"ts":"2026-12-04T10:00:01Z","client":"10.0.0.1","req":"GET /v1/orders/ord_9y2Lm7 HTTP/1.1","code":200,"dur":0.05,"rid":"r-2"}
{"ts":"2026-12-04T10:00:02Z","client":"10.0.0.2","req":"POST /v1/orders HTTP/1.1","code":429,"dur":0.01,"rid":"r-3"}
`

const customConfig = `fields:
  time: ts
  request_id: rid
  request: req
  status: code
  client_ip: client
  latency: {key: dur, unit: s}
`

// TestFirstHour runs what a new user does first with the real binaries and
// a real ClickHouse: a custom JSON log (rejected and named without a
// mapping, loaded fully with one), an empty file among others, -o json,
// --version.
func TestFirstHour(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	report := clitest.Build(t, "report")
	dbURL := chtest.NewURL(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	logPath := write("custom.log", customLog)
	write("empty.log", "")
	cfg := write("ratescope.yaml", customConfig)
	run := clitest.Cmd{Env: []string{"RATESCOPE_HASH_KEY=k", "RATESCOPE_CONFIG="}}

	t.Run("unknown keys without a mapping", func(t *testing.T) {
		r := run.Run(t, ingest, "--clickhouse", dbURL, logPath)
		if r.Code != 1 {
			t.Errorf("exit %d, want 1", r.Code)
		}
		want := logPath + ": 3 of 3 lines rejected (not_a_request 3) reading it as jsonl; keys not understood: client, req, dur, rid: map them under fields: in ratescope.yaml"
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr %q, want %q", r.Stderr, want)
		}
	})

	t.Run("mapped, with an empty file in the glob", func(t *testing.T) {
		matches, _ := filepath.Glob(filepath.Join(dir, "*.log"))
		r := run.Run(t, ingest, append([]string{"--clickhouse", dbURL, "--config", cfg}, matches...)...)
		if r.Code != 0 {
			t.Fatalf("exit %d: %s", r.Code, r.Stderr)
		}
		for _, want := range []string{"skipped " + filepath.Join(dir, "empty.log") + ": empty\n", "3 access records, 0 error bodies, 0 rejected",
			"requests from 2026-12-04 10:00:00 UTC to 2026-12-04 10:00:02 UTC"} {
			if !strings.Contains(r.Stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.Stdout)
			}
		}
		var rows []struct {
			Route  string `json:"route"`
			Status int    `json:"status"`
			Count  int    `json:"count"`
		}
		out := clitest.Run(t, report, "errors", "--clickhouse", dbURL, "--by", "route,status", "--from", "2026-12-04", "--to", "2026-12-04", "-o", "json")
		if out.Code != 0 {
			t.Fatalf("report errors: %s", out.Stderr)
		}
		if err := json.Unmarshal([]byte(out.Stdout), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].Route == "" {
			t.Errorf("errors by route: %+v", rows)
		}
		for _, r := range rows {
			if r.Route != "/v1/orders/{id}" && r.Route != "/v1/orders" {
				t.Errorf("route %q: ids must be templated", r.Route)
			}
		}
	})

	t.Run("relative paths as given, -o json", func(t *testing.T) {
		r := clitest.Cmd{Env: run.Env}.Run(t, ingest, "--clickhouse", dbURL, "--config", cfg, "-o", "json", logPath)
		var got struct {
			Access uint64 `json:"access"`
			First  string `json:"first"`
			Files  []struct {
				Path string `json:"path"`
			} `json:"files"`
		}
		if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil || r.Code != 0 {
			t.Fatalf("exit %d, %v: %s %s", r.Code, err, r.Stdout, r.Stderr)
		}
		if got.Access != 3 || got.First != "2026-12-04T10:00:00Z" || len(got.Files) != 1 || got.Files[0].Path != logPath {
			t.Errorf("JSON summary %+v", got)
		}
	})

	t.Run("--version", func(t *testing.T) {
		for _, bin := range []string{ingest, report} {
			r := clitest.Run(t, bin, "--version")
			name := filepath.Base(bin)
			if r.Code != 0 || !regexp.MustCompile(`^`+name+` version \S+ \(commit \S+\)\n$`).MatchString(r.Stdout) {
				t.Errorf("%s --version: exit %d, %q", name, r.Code, r.Stdout)
			}
		}
	})
}

// TestDaemonWrongPassword: the daemon stops at once, in one line, on an
// error waiting cannot fix.
func TestDaemonWrongPassword(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	bad, err := url.Parse(chtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	bad.User = url.UserPassword("default", "wrong-password")
	bad.Path = "/x"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.log"), []byte(customLog), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := clitest.Cmd{Env: []string{"RATESCOPE_HASH_KEY=k"}}.Run(t, ingest, "--follow", filepath.Join(dir, "*.log"),
		"--state-dir", filepath.Join(dir, "state"), "--metrics-addr", "", "--log-level", "warn", "--clickhouse", bad.String())
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s to give up", took)
	}
	clitest.WantOneLineError(t, r, "ingest", 1, `rejected user "default": wrong user name or password`)

	// A database the user may not create: no retry can fix that either.
	ro := chtest.NewURL(t) + "?readonly=1"
	start = time.Now()
	r = clitest.Cmd{Env: []string{"RATESCOPE_HASH_KEY=k"}}.Run(t, ingest, "--follow", filepath.Join(dir, "*.log"),
		"--state-dir", filepath.Join(dir, "state2"), "--metrics-addr", "", "--log-level", "warn", "--clickhouse", ro)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s to give up", took)
	}
	clitest.WantOneLineError(t, r, "ingest", 1, "Cannot create database in readonly mode")
}

// TestHealthcheck runs `ingest healthcheck` against a server answering as
// the daemon's /healthz and /readyz do.
func TestHealthcheck(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			fmt.Fprintln(w, "ok")
			return
		}
		http.Error(w, "not connected to ClickHouse: connection refused", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	if r := clitest.Run(t, ingest, "healthcheck", srv.URL+"/healthz"); r.Code != 0 || r.Stdout != "ok\n" {
		t.Errorf("healthy: exit %d, %q %q", r.Code, r.Stdout, r.Stderr)
	}
	clitest.WantOneLineError(t, clitest.Run(t, ingest, "healthcheck", srv.URL+"/readyz"), "ingest", 1, "503 Service Unavailable: not connected to ClickHouse")
	clitest.WantOneLineError(t, clitest.Run(t, ingest, "healthcheck", "http://127.0.0.1:1/healthz"), "ingest", 1, "connection refused")
}

// TestUsageExitsTwo: argument errors exit 2 on every command.
func TestUsageExitsTwo(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	clitest.WantOneLineError(t, clitest.Run(t, ingest, "migrate", "extra"), "ingest", 2, `ingest migrate takes no arguments, got "extra"`)
	clitest.WantOneLineError(t, clitest.Run(t, ingest, "-o", "yaml", "x.log"), "ingest", 2, `--output "yaml": want text or json`)
	clitest.WantOneLineError(t, clitest.Run(t, ingest, "--clickhouse", "clickhouse://127.0.0.1:8123/x", os.Args[0]), "ingest", 1,
		"port 8123 is ClickHouse's HTTP port; ratescope speaks the native protocol")
}

// TestDaemonLogsProgress: the daemon says at INFO, on an interval, what it
// stored and how far behind it is.
func TestDaemonLogsProgress(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.jsonl"), []byte(customLog), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ratescope.yaml")
	if err := os.WriteFile(cfg, []byte(customConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ingest, "--follow", filepath.Join(dir, "*.jsonl"), "--state-dir", filepath.Join(dir, "state"),
		"--metrics-addr", "", "--progress-interval", "300ms", "--config", cfg, "--clickhouse", chtest.NewURL(t))
	cmd.Env = append(os.Environ(), "RATESCOPE_HASH_KEY=k")
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "rows_stored_total=3 ") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("daemon: %v\n%s", err, stderr.String())
	}
	if !regexp.MustCompile(`level=INFO msg=progress rows_stored=\d+ rows_stored_total=3 bytes_behind=\d+ rows_waiting=0 last_checkpoint=\d{4}-`).MatchString(stderr.String()) {
		t.Errorf("no progress line with the 3 rows stored:\n%s", stderr.String())
	}
}

// lockedBuffer is a bytes.Buffer a child process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
