package follow

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chtest"
)

// TestBannerThenLogLines: a file whose first 26 lines are a startup banner
// was skipped for good (issue 14, point 7): 30 JSON lines appended later
// were never stored, never dead-lettered, not counted. Now the daemon
// reads it line by line: the banner lines become unknown_format dead
// letters, the log lines are stored, and lines_read counts all of them.
func TestBannerThenLogLines(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	var banner []string
	for i := range 26 {
		banner = append(banner, fmt.Sprintf("=== starting service, step %d of 26 ===", i+1))
	}
	appendLines(t, path, banner[:10]...) // fewer than a sample: detection waits
	cfg := e.config(filepath.Join(dir, "*.log"))
	r := e.start(cfg)
	time.Sleep(300 * time.Millisecond)
	appendLines(t, path, banner[10:]...)
	time.Sleep(300 * time.Millisecond)
	var lines []string
	for i := range 30 {
		lines = append(lines, jsonLine("banner", i))
	}
	appendLines(t, path, lines...)
	e.waitRequests(30, 15*time.Second)
	chtest.Eventually(t, 10*time.Second, "26 banner lines dead-lettered", func() (bool, string) {
		n := e.uint("SELECT count() FROM {rejected} WHERE reason = 'unknown_format'")
		return n == 26, fmt.Sprintf("have %d", n)
	})
	chtest.Eventually(t, 10*time.Second, "every line counted", func() (bool, string) {
		mfs := scrapeRegistry(t, r.d)
		read, _ := value(mfs, "ratescope_ingest_lines_read_total", "format", "mixed")
		parsed, _ := value(mfs, "ratescope_ingest_lines_parsed_total", "format", "mixed")
		rej, _ := value(mfs, "ratescope_ingest_lines_rejected_total", "format", "mixed", "reason", "unknown_format")
		return read == 56 && parsed == 30 && rej == 26, fmt.Sprintf("read %v parsed %v rejected %v", read, parsed, rej)
	})
	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// TestContainerLogLines: lines under /var/log/containers carry the CRI
// prefix (with P parts of a split line) or Docker's json-file wrapper; the
// daemon stores what is inside.
func TestContainerLogLines(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	cri := filepath.Join(dir, "web_default_nginx-1.log")
	appendLines(t, cri,
		"2026-11-20T10:00:00.000000001Z stdout F "+combinedLine(1),
		"2026-11-20T10:00:00.000000002Z stdout P "+combinedLine(2)[:20],
		"2026-11-20T10:00:00.000000003Z stdout F "+combinedLine(2)[20:],
		"2026-11-20T10:00:00.000000004Z stderr F 2026/11/20 10:00:00 [error] 29#29: *1 connect() failed",
	)
	docker := filepath.Join(dir, "api-json.log")
	appendLines(t, docker,
		`{"log":"`+jsonEscape(jsonLine("dock", 1))+`\n","stream":"stdout","time":"2026-11-20T10:00:01.1Z"}`,
		`{"log":"`+jsonEscape(jsonLine("dock", 2)[:15])+`","stream":"stdout","time":"2026-11-20T10:00:01.2Z"}`,
		`{"log":"`+jsonEscape(jsonLine("dock", 2)[15:])+`\n","stream":"stdout","time":"2026-11-20T10:00:01.3Z"}`,
	)
	r := e.start(e.config(filepath.Join(dir, "*.log")))
	e.waitRequests(4, 15*time.Second)
	chtest.Eventually(t, 10*time.Second, "the nginx error line dead-lettered", func() (bool, string) {
		n := e.uint("SELECT count() FROM {rejected}")
		return n == 1, fmt.Sprintf("have %d", n)
	})
	if n := e.uint("SELECT count() FROM {requests} WHERE path LIKE '/v1/%' AND method = 'GET'"); n != 4 {
		t.Errorf("%d rows with their method and path, want 4", n)
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// jsonEscape escapes the quotes of a JSON line for a JSON string.
func jsonEscape(s string) string {
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}
