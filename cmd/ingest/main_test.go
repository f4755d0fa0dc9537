package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
)

// TestBinary runs the real ingest binary: the errors a user will make each
// give one line on stderr and a non-zero exit; a load is idempotent and
// visible to report.
func TestBinary(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	report := clitest.Build(t, "report")
	root := chtest.RepoRoot(t)
	fixture := func(name string) string { return filepath.Join(root, "internal", "ingest", "testdata", name) }
	keyEnv := []string{"RATESCOPE_HASH_KEY=test-key"}
	dbURL := chtest.NewURL(t)

	badUser, err := url.Parse(chtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	badUser.User = url.UserPassword("nosuchuser", "pw")
	badUser.Path = "/x"
	dir := t.TempDir()
	weird := filepath.Join(dir, "weird.log")
	if err := os.WriteFile(weird, []byte("hello\nworld\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	fails := func(name string, code int, want string, args ...string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			clitest.WantOneLineError(t, clitest.Cmd{Env: keyEnv}.Run(t, ingest, args...), "ingest", code, want)
		})
	}
	fails("no files", 2, "no files given")
	fails("bad flag", 2, "unknown flag: --bogus", "--bogus", fixture("access.jsonl"))
	fails("unknown format", 2, `unknown format "xml"`, "--format", "xml", fixture("access.jsonl"))
	fails("missing file", 1, "cannot read "+filepath.Join(dir, "nope.log")+": no such file or directory",
		"--clickhouse", dbURL, filepath.Join(dir, "nope.log"))
	fails("directory", 1, "cannot read "+dir+": is a directory", "--clickhouse", dbURL, dir)
	fails("unreachable ClickHouse", 1, "cannot reach ClickHouse at 127.0.0.1:1", fixture("access.jsonl"))
	fails("wrong credentials", 1, `rejected user "nosuchuser"`, "--clickhouse", badUser.String(), fixture("access.jsonl"))
	t.Run("undetectable format is read line by line", func(t *testing.T) {
		r := clitest.Cmd{Env: keyEnv}.Run(t, ingest, "--clickhouse", dbURL, weird)
		// Read line by line (issue 9); every line rejected, the load says so
		// and exits 1 (issue 8), the dead letters stored all the same.
		if r.Code != 1 || !strings.Contains(r.Stdout, "2 rejected (unknown_format 2)") || !strings.Contains(r.Stdout, "mixed") ||
			!strings.Contains(r.Stderr, weird+": 2 of 2 lines rejected (unknown_format 2) reading it as mixed") {
			t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and 2 unknown_format dead letters in a mixed file", r.Code, r.Stdout, r.Stderr)
		}
	})
	t.Run("endless hash key file", func(t *testing.T) {
		r := clitest.Cmd{Env: []string{"RATESCOPE_HASH_KEY="}}.Run(t, ingest, "--hash-key-file", "/dev/zero", "--clickhouse", dbURL, fixture("access.jsonl"))
		clitest.WantOneLineError(t, r, "ingest", 1, "hash key file /dev/zero is larger than 4 KiB")
	})

	files := []string{fixture("access.jsonl"), fixture("errors.jsonl"), fixture("combined.log.gz")}
	summary := func(t *testing.T) map[string]any {
		t.Helper()
		r := clitest.Run(t, report, "summary", "--clickhouse", dbURL, "--from", "2026-11-20T00:00:00Z", "--to", "2026-11-21T00:00:00Z", "--format", "json")
		if r.Code != 0 {
			t.Fatalf("report summary: exit %d: %s", r.Code, r.Stderr)
		}
		var s map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &s); err != nil {
			t.Fatalf("summary JSON: %v\n%s", err, r.Stdout)
		}
		return s
	}
	var first map[string]any
	for i := range 2 {
		t.Run(fmt.Sprintf("load %d", i+1), func(t *testing.T) {
			r := clitest.Cmd{Env: keyEnv}.Run(t, ingest, append([]string{"--clickhouse", dbURL}, files...)...)
			// The fixtures are of 2026-11-20: older than the default window.
			if r.Code != 0 || !strings.HasPrefix(r.Stderr, "ingest: note: the requests loaded (2026-11-20 10:00:00 UTC to 2026-11-20 10:00:05 UTC) are older than the reports' default window, the last 24h: pass --from 2026-11-20 --to 2026-11-20") {
				t.Fatalf("exit %d, stderr %q", r.Code, r.Stderr)
			}
			if !strings.Contains(r.Stdout, "loaded 18 lines") || !strings.Contains(r.Stdout, "4 rejected") {
				t.Errorf("summary of the load:\n%s", r.Stdout)
			}
			s := summary(t)
			// 7 named request ids + 3 synthetic ones for the combined lines; the
			// orphan body's request and r-502's body are errors too.
			if s["requests"] != 10.0 || s["rejected_lines"] != 4.0 {
				t.Errorf("after load %d: summary %v, want 10 requests and 4 rejected lines", i+1, s)
			}
			if first == nil {
				first = s
			} else if fmt.Sprint(first) != fmt.Sprint(s) {
				t.Errorf("a second load changed the summary:\n%v\n%v", first, s)
			}
		})
	}

	t.Run("stdin", func(t *testing.T) {
		in, err := os.Open(fixture("combined.log"))
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		// The same lines as the gzip file already loaded: nothing new.
		r := clitest.Cmd{Env: keyEnv, Stdin: in}.Run(t, ingest, "--clickhouse", dbURL, "-")
		if r.Code != 0 {
			t.Fatalf("exit %d: %s", r.Code, r.Stderr)
		}
		if s := summary(t); s["requests"] != 10.0 {
			t.Errorf("stdin copy of a loaded file changed requests to %v", s["requests"])
		}
	})

	t.Run("newer schema is refused", func(t *testing.T) {
		ctx := context.Background()
		db, err := chstore.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		next := chstore.SchemaVersion() + 1
		if err := db.Conn.Exec(ctx, fmt.Sprintf("INSERT INTO %s (version, name, applied_at) SELECT %d, 'future', now()", db.Table("schema_migrations"), next)); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"migrate"}, {fixture("access.jsonl")}} {
			r := clitest.Cmd{Env: keyEnv}.Run(t, ingest, append([]string{"--clickhouse", dbURL}, args...)...)
			clitest.WantOneLineError(t, r, "ingest", 1, fmt.Sprintf("has schema version %d", next))
			if !strings.Contains(r.Stderr, "upgrade ratescope") {
				t.Errorf("stderr %q does not say what to do", r.Stderr)
			}
		}
	})

	t.Run("migrate", func(t *testing.T) {
		fresh := chtest.NewURL(t)
		r := clitest.Run(t, ingest, "migrate", "--clickhouse", fresh)
		if r.Code != 0 || !strings.Contains(r.Stdout, fmt.Sprintf("version %d", chstore.SchemaVersion())) {
			t.Fatalf("exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
		}
	})

	t.Run("help has examples", func(t *testing.T) {
		r := clitest.Run(t, ingest, "--help")
		if r.Code != 0 || !strings.Contains(r.Stdout, "Examples:") || !strings.Contains(r.Stdout, "--format") {
			t.Errorf("exit %d, stdout:\n%s", r.Code, r.Stdout)
		}
	})
}
