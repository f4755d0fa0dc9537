package follow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/report"
)

// TestRejectedLinesCopytruncate follows the README's `app.log*` pattern
// through a copytruncate rotation: the copy app.log.1 is a new file to
// the daemon, read from its start, so every line in it is read twice. Its
// requests fold by id and its rejected lines by content and position:
// 10 bad lines count 10, not 20.
func TestRejectedLinesCopytruncate(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	live := filepath.Join(dir, "app.log")
	var lines []string
	for i := range 10 {
		lines = append(lines, jsonLine("ct", i), fmt.Sprintf("garbage line %d", i))
	}
	appendLines(t, live, lines...)
	r := e.start(e.config(filepath.Join(dir, "app.log*")))
	// Budgets are generous: Eventually returns as soon as the condition
	// holds, and under load (2 cores, several test runs and a shared
	// server) an insert alone has taken seconds.
	e.waitRequests(10, time.Minute)

	data, err := os.ReadFile(live)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(live+".1", data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(live, 0); err != nil {
		t.Fatal(err)
	}
	// Distinct (source, offset): an insert retried after a timeout whose
	// rows the server had taken stores them twice until a merge folds
	// them (ReplacingMergeTree), which count() would see as more than 20.
	chtest.Eventually(t, time.Minute, "the copy read", func() (bool, string) {
		n := e.uint("SELECT count() FROM (SELECT DISTINCT source, offset FROM {rejected})")
		return n == 20, fmt.Sprintf("%d dead letters", n)
	})
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	s, err := report.Summarize(context.Background(), chquery.New(e.db), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if s.RejectedLines != 10 || s.Requests != 10 {
		t.Errorf("rejected_lines = %d, requests = %d; want 10 and 10", s.RejectedLines, s.Requests)
	}
}
