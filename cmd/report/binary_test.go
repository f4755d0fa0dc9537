package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
)

// TestBinary runs the real binary: exit statuses, one-line errors, and the
// JSON contract.
func TestBinary(t *testing.T) {
	bin := clitest.Build(t, "report")
	loadedURL, _ := loadedDB(t)
	emptyURL := chtest.NewURL(t) // never migrated
	badUser, err := url.Parse(chtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	badUser.User = url.UserPassword("nosuchuser", "pw")
	badUser.Path = "/x"

	run := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		r := clitest.Run(t, bin, args...)
		return r.Stdout, r.Stderr, r.Code
	}
	fails := func(name string, wantCode int, wantErr string, args ...string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			clitest.WantOneLineError(t, clitest.Run(t, bin, args...), "report", wantCode, wantErr)
		})
	}
	fails("unreachable ClickHouse", 1, "cannot reach ClickHouse at 127.0.0.1:1",
		"summary", "--clickhouse", "clickhouse://127.0.0.1:1/x")
	fails("unreachable ClickHouse from the environment", 1, "cannot reach ClickHouse at 127.0.0.1:1",
		"errors")
	fails("wrong credentials", 1, `rejected user "nosuchuser"`,
		"summary", "--clickhouse", badUser.String())
	fails("no schema", 1, "no ratescope schema",
		"errors", "--clickhouse", emptyURL)
	fails("bad flag", 2, "unknown flag: --bogus", "summary", "--bogus")
	fails("bad --by", 2, `--by: unknown key "nope"`, "errors", "--by", "nope", "--clickhouse", loadedURL)
	fails("--since with --from", 2, "mutually exclusive",
		"errors", "--since", "1h", "--from", "2026-03-01T00:00:00Z", "--clickhouse", loadedURL)
	fails("bad time", 2, `bad time "March 1st"`, "summary", "--from", "March 1st")
	fails("unknown command", 2, `unknown command "sumary" for "report"; did you mean "summary"?`, "sumary")
	fails("extra argument", 2, `report summary takes no arguments, got "x"`, "summary", "x")
	fails("bad URL", 1, `bad ClickHouse URL "ch:9000": `, "summary", "--clickhouse", "ch:9000")
	fails("bad URL has an example", 1, "e.g. clickhouse://127.0.0.1:9000/ratescope", "summary", "--clickhouse", "ch:9000")
	fails("bad --limit", 2, `bad limit "-1"`, "errors", "-L", "-1")
	fails("unknown --output", 2, `unknown format "yaml": want table, wide, json or csv`, "errors", "-o", "yaml")

	t.Run("rejected JSON", func(t *testing.T) {
		stdout, stderr, code := run("rejected", "--clickhouse", loadedURL, "--since", "100000d", "-o", "json")
		var got []map[string]any
		if code != 0 || stderr != "" || json.Unmarshal([]byte(stdout), &got) != nil {
			t.Fatalf("exit %d, stderr %q, stdout %q", code, stderr, stdout)
		}
		if len(got) == 0 {
			t.Error("no dead letters listed; the fixture has some")
		}
		for _, r := range got {
			for _, k := range []string{"time", "source", "line", "offset", "format", "reason", "raw"} {
				if _, ok := r[k]; !ok {
					t.Errorf("row %v lacks %s", r, k)
				}
			}
		}
	})
	t.Run("read-only user with a configuration", func(t *testing.T) {
		cfg := filepath.Join(t.TempDir(), "ratescope.yaml")
		if err := os.WriteFile(cfg, []byte("partners:\n  - {name: acme-corp, keys: [acme]}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, code := run("summary", "--clickhouse", loadedURL+"?readonly=1", "--config", cfg)
		if code != 0 || !strings.Contains(stdout, "requests") ||
			!strings.HasPrefix(stderr, "report: note: partners show as last synced by ingest: write the partner map:") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("completion", func(t *testing.T) {
		stdout, _, code := run("completion", "bash")
		if code != 0 || !strings.Contains(stdout, "bash completion") {
			t.Errorf("report completion bash: exit %d", code)
		}
	})

	window := []string{"--clickhouse", loadedURL, "--from", "2026-03-01T00:00:00Z", "--to", "2026-03-02T00:00:00Z", "--format", "json"}
	t.Run("summary JSON", func(t *testing.T) {
		stdout, stderr, code := run(append([]string{"summary"}, window...)...)
		if code != 0 || stderr != "" {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("stdout is not a JSON object: %v\n%s", err, stdout)
		}
		want := map[string]any{
			"requests": 5.0, "errors": 4.0, "error_rate": 0.8, "client_errors": 3.0, "server_errors": 1.0,
			"throttled": 2.0, "partners": 2.0, "rejected_lines": 1.0,
			"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z",
		}
		if len(got) != len(want) {
			t.Errorf("fields %v, want exactly %v", keys(got), keys(want))
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s = %#v, want %#v", k, got[k], w)
			}
		}
	})
	t.Run("errors JSON", func(t *testing.T) {
		stdout, stderr, code := run(append([]string{"errors", "--by", "partner,status,code,route"}, window...)...)
		if code != 0 || stderr != "" {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		var got []map[string]any
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("stdout is not a JSON array: %v\n%s", err, stdout)
		}
		want := []map[string]any{
			{"partner": "acme", "status": 429.0, "code": "THROTTLED", "route": "/v1/users", "count": 1.0, "share": 0.25},
			{"partner": "acme", "status": 429.0, "code": "rate_limit_exceeded", "route": "/v1/bookings/{id}", "count": 1.0, "share": 0.25},
			{"partner": "globex", "status": 400.0, "code": "invalid", "route": "/v1/users", "count": 1.0, "share": 0.25},
			{"partner": "globex", "status": 500.0, "code": "internal", "route": "/v1/users", "count": 1.0, "share": 0.25},
		}
		if len(got) != len(want) {
			t.Fatalf("%d rows, want %d:\n%s", len(got), len(want), stdout)
		}
		for i := range want {
			if !slices.Equal(keys(got[i]), keys(want[i])) {
				t.Errorf("row %d: fields %v, want %v", i, keys(got[i]), keys(want[i]))
			}
			for k, w := range want[i] {
				if got[i][k] != w {
					t.Errorf("row %d: %s = %#v, want %#v", i, k, got[i][k], w)
				}
			}
		}
		// Fields come in --by order, then count and share.
		if i, j := strings.Index(stdout, `"partner"`), strings.Index(stdout, `"status"`); i < 0 || j < i {
			t.Errorf("partner does not come before status:\n%s", stdout)
		}
	})
	t.Run("errors JSON, one partner, default keys", func(t *testing.T) {
		stdout, _, code := run(append([]string{"errors", "--partner", "globex"}, window...)...)
		var got []map[string]any
		if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != 0 {
			t.Fatalf("exit %d, %v:\n%s", code, err, stdout)
		}
		want := []map[string]any{
			{"code": "internal", "status": 500.0, "count": 1.0, "share": 0.5},
			{"code": "invalid", "status": 400.0, "count": 1.0, "share": 0.5},
		}
		if len(got) != len(want) {
			t.Fatalf("%d rows, want %d:\n%s", len(got), len(want), stdout)
		}
		for i := range want {
			if !slices.Equal(keys(got[i]), keys(want[i])) {
				t.Errorf("row %d: fields %v, want %v", i, keys(got[i]), keys(want[i]))
			}
			for k, w := range want[i] {
				if got[i][k] != w {
					t.Errorf("row %d: %s = %#v, want %#v", i, k, got[i][k], w)
				}
			}
		}
	})
	t.Run("help", func(t *testing.T) {
		stdout, stderr, code := run("errors", "--help")
		if code != 0 || stderr != "" || !strings.Contains(stdout, "Examples:") || !strings.Contains(stdout, "--clickhouse") {
			t.Errorf("exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
		}
	})
}

// keys returns m's keys, sorted.
func keys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
