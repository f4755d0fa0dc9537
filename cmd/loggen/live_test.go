package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/loggen"
)

// TestLive: --live writes rounds of traffic until interrupted, then exits
// 0; its flags are checked.
func TestLive(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"--live", "--speed", "100000", "--span", "30m", "--requests", "500", "--out", dir}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "live round 1:") || !strings.Contains(out.String(), "loggen: stopped") {
		t.Errorf("output: %q", out.String())
	}
	for _, name := range []string{loggen.FileAPIGW, loggen.FileAppErrors, loggen.PlansName} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, args := range [][]string{
		{"--live", "--speed", "0", "--out", dir},
		{"--live", "--end", "2026-11-22T06:00:00Z", "--out", dir},
	} {
		errOut.Reset()
		if code := run(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, errOut.String())
		}
	}
}
