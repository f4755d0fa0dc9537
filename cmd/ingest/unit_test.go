package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/cli"
)

// TestSystemdUnitUsesRealFlags reads deploy/ratescope-ingest.service and
// checks that its ExecStart runs --follow with flags this binary has and
// values they accept, so the unit cannot drift from the code.
func TestSystemdUnitUsesRealFlags(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(chtest.RepoRoot(t), "deploy", "ratescope-ingest.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := strings.ReplaceAll(string(b), "\\\n", " ")
	var exec string
	for _, line := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(line, "ExecStart="); ok {
			exec = v
		}
	}
	args := strings.Fields(strings.ReplaceAll(exec, "'", ""))
	if len(args) < 3 || args[0] != "/usr/local/bin/ingest" || args[1] != "--follow" {
		t.Fatalf("ExecStart = %q, want /usr/local/bin/ingest --follow …", exec)
	}
	cmd := newRootCmd(cli.NewFactory(&cli.IOStreams{}))
	if err := cmd.ParseFlags(args[1:]); err != nil {
		t.Fatalf("ExecStart flags: %v", err)
	}
	if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
		t.Fatalf("ExecStart arguments: %v", err)
	}
	if !strings.Contains(unit, "StateDirectory=ratescope-ingest") || !strings.Contains(exec, "/var/lib/ratescope-ingest/") {
		t.Error("the unit's state directory and the paths in ExecStart disagree")
	}
}

func TestWindowWarning(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ms := func(s string) int64 { t, _ := time.Parse(time.RFC3339, s); return t.UnixMilli() }
	f := func(first, last, want string) {
		t.Helper()
		if got := windowWarning(ms(first), ms(last), now); !strings.Contains(got, want) || (want == "" && got != "") {
			t.Errorf("windowWarning(%s, %s) = %q, want %q", first, last, got, want)
		}
	}
	f("2026-12-04T10:00:00Z", "2026-12-04T11:00:00Z", "")
	f("2026-11-03T10:00:00Z", "2026-11-03T11:00:00Z", "older than the reports' default window, the last 24h: pass --from 2026-11-03 --to 2026-11-03 (or --since 32d)")
	f("2026-11-30T10:00:00Z", "2026-12-04T11:00:00Z", "requests loaded from 2026-11-30 10:00:00 UTC on are older than the reports' default window, the last 24h: pass --since 5d")
	f("2026-12-04T10:00:00Z", "2026-12-05T11:00:00Z", "some requests are in the future")
}
