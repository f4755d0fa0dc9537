package ingest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chquery"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/report"
)

// TestRejectedLinesFoldAcrossCopies: a file's rejected lines count once
// however many names the same content is loaded under — the file, its
// gzip copy, a symlink to it, a rotated copy — as its accepted lines do.
// They used to be told apart by file name: 6 → 12 → 18.
func TestRejectedLinesFoldAcrossCopies(t *testing.T) {
	db := chtest.MigratedDB(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "x.log")
	var b strings.Builder
	for i, bad := range []string{"garbage", "{not json", "garbage", `{"time":"yesterday","request_id":"r"}`, "garbage", "\x00\x01"} {
		b.WriteString(`{"time":"2026-11-20T10:00:0` + string(rune('0'+i)) + `Z","request_id":"c-` + string(rune('a'+i)) + `","method":"GET","path":"/x","status":200}` + "\n")
		b.WriteString(bad + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gzip", "-k", path).CombinedOutput(); err != nil {
		t.Fatalf("gzip: %v %s", err, out)
	}
	if err := os.Symlink(path, filepath.Join(dir, "link.log")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.log.1"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	for _, name := range []string{"x.log", "x.log.gz", "link.log", "x.log.1"} {
		st := load(t, db, Config{Format: accesslog.FormatJSONL}, filepath.Join(dir, name))
		if st.Total.Rejected != 6 {
			t.Fatalf("%s: rejected %d lines, want 6", name, st.Total.Rejected)
		}
		s, err := report.Summarize(context.Background(), chquery.New(db), from, to)
		if err != nil {
			t.Fatal(err)
		}
		if s.RejectedLines != 6 || s.Requests != 6 {
			t.Errorf("after loading %s: rejected_lines = %d, requests = %d; want 6 and 6", name, s.RejectedLines, s.Requests)
		}
	}
}
