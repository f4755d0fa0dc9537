package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/clitest"
	"github.com/ratescope/ratescope/internal/loggen"
	"github.com/ratescope/ratescope/internal/report"
)

// TestDaemonBesideOneShotLoads runs the daemon, its analysis pass every
// 100 ms, following the demo sample's files while two one-shot loads of
// the same files run at once beside it, each with its own pass: no pass
// fails (the daemon logs none, the loads exit 0) and the summary read
// through the rollups equals the one read from the rows.
func TestDaemonBesideOneShotLoads(t *testing.T) {
	ingest := clitest.Build(t, "ingest")
	url := chtest.NewURL(t)
	dir, state := t.TempDir(), t.TempDir()
	ctx := context.Background()
	m, err := loggen.Generate(ctx, dir, loggen.Config{Seed: 13, End: time.Now().UTC().Truncate(time.Minute), Span: 30 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, filepath.Join(dir, f.Name))
	}
	plans := filepath.Join(dir, loggen.PlansName)
	d := startDaemon(t, ingest, "--clickhouse", url, "--state-dir", state, "--flush-interval", "100ms", "--poll-interval", "20ms",
		"--analysis-interval", "100ms", "--analysis-horizon", "2h", "--plans", plans, filepath.Join(dir, "*.log"), filepath.Join(dir, "*.jsonl"))
	db := openDB(t, url)
	load := func() (string, error) {
		cmd := exec.Command(ingest, append([]string{"--clickhouse", url, "--plans", plans}, paths...)...)
		cmd.Env = append(os.Environ(), "RATESCOPE_HASH_KEY=test-key")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	type result struct {
		out string
		err error
	}
	done := make(chan result, 2)
	for range 2 {
		go func() {
			out, err := load()
			done <- result{out, err}
		}()
	}
	for range 2 {
		r := <-done
		if r.err != nil || !strings.Contains(r.out, "rollups:") {
			t.Errorf("one-shot load beside the daemon: %v\n%s", r.err, r.out)
		}
	}
	// A few more daemon passes over what the loads stored.
	chtest.Eventually(t, 30*time.Second, "daemon passes after the loads", func() (bool, string) {
		return strings.Count(d.log(), `msg="analysis pass"`) >= 5, "fewer than 5 passes"
	})
	if code, _ := d.stop(syscall.SIGTERM, 10*time.Second); code != 0 {
		t.Errorf("SIGTERM: exit %d", code)
	}
	if strings.Contains(d.log(), "analysis pass failed") {
		t.Errorf("a daemon pass failed beside the loads:\n%s", d.log())
	}
	rd := chquery.New(db)
	from, to := m.Start.Add(-time.Hour), m.End.Add(time.Hour)
	kept, err := report.Summarize(ctx, rd, from, to)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := report.SummarizeRaw(ctx, rd, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, kept), mustJSON(t, raw); a != b {
		t.Errorf("summary through the rollups %s, from the rows %s", a, b)
	}
	if kept.Requests == 0 {
		t.Error("nothing loaded")
	}
}
