package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chtest"
)

// TestLoadCountsOversizedLastLineWhole: the summary's byte count is the
// file's size even when the last line is over the limit and unterminated
// (it used to count only the 4 KiB kept of it).
func TestLoadCountsOversizedLastLineWhole(t *testing.T) {
	db := chtest.MigratedDB(t)
	path := filepath.Join(t.TempDir(), "big.jsonl")
	content := `{"time":"2026-11-20T10:00:00Z","request_id":"r-1","method":"GET","path":"/x","status":200}` + "\n" +
		strings.Repeat("x", 10<<20) // no newline
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	st := load(t, db, Config{Format: accesslog.FormatJSONL}, path)
	if st.Total.Bytes != int64(len(content)) || st.Total.Reasons[ReasonTooLong] != 1 {
		t.Fatalf("bytes %d, reasons %v; want %d bytes and the last line rejected as too long", st.Total.Bytes, st.Total.Reasons, len(content))
	}
}
