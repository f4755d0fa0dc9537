package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
