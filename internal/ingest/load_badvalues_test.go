package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/chtest"
)

// TestLoadRejectsImpossibleTimesAndStatuses loads lines whose time no access
// log can have, or whose status is true, [] or {}, into the real
// ClickHouse (issue 14, points 6 and 10). Each once became a row: the time
// replaced by the ingest time (so counted as current traffic) or 1970, the
// status 0 (a network failure to retry analysis). Each must now be a dead
// letter with one reason and its original text.
func TestLoadRejectsImpossibleTimesAndStatuses(t *testing.T) {
	badTimes := []string{
		`"1900-01-01T00:00:00Z"`, `"2200-01-01T00:00:00Z"`, `"9999-12-31T23:59:59Z"`, `"0000-01-01T00:00:00Z"`,
		`"1969-12-31T23:59:59Z"`, `"2106-02-07T06:28:16Z"`, `"1970-01-01T00:00:00Z"`, `0`, `253402300800000`,
	}
	badStatuses := []string{`true`, `[]`, `{}`, `"abc"`}
	var lines []string
	for i, when := range badTimes {
		lines = append(lines, `{"time":`+when+`,"request_id":"t-`+string(rune('a'+i))+`","method":"GET","path":"/v1/x","status":200}`)
	}
	for i, st := range badStatuses {
		lines = append(lines, `{"time":"2026-11-22T05:13:47Z","request_id":"s-`+string(rune('a'+i))+`","method":"GET","path":"/v1/x","status":`+st+`}`)
	}
	// The text formats read times through the same rule.
	lines = append(lines, `{"time":"2026-11-22T05:13:47Z","request_id":"ok","method":"GET","path":"/v1/x","status":200}`)
	nginx := `203.0.113.9 - - [01/Jan/1970:00:00:00 +0000] "GET /v1/x HTTP/1.1" 200 12 "-" "curl/8"` + "\n" +
		`203.0.113.9 - - [31/Dec/2200:00:00:00 +0000] "GET /v1/x HTTP/1.1" 200 12 "-" "curl/8"` + "\n" +
		`203.0.113.9 - - [22/Nov/2026:05:13:47 +0000] "GET /v1/x HTTP/1.1" 200 12 "-" "curl/8"` + "\n"

	dir := t.TempDir()
	jsonPath, nginxPath := filepath.Join(dir, "bad.jsonl"), filepath.Join(dir, "bad.log")
	if err := os.WriteFile(jsonPath, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nginxPath, []byte(nginx), 0o644); err != nil {
		t.Fatal(err)
	}
	db := chtest.MigratedDB(t)
	// Both files are mostly bad lines: the load says so (MostlyRejectedError)
	// and stores what it can, the rest as dead letters.
	st, err := Load(context.Background(), db, []string{jsonPath, nginxPath}, Config{HashKey: []byte("test-key")})
	var mr *MostlyRejectedError
	if !errors.As(err, &mr) {
		t.Fatalf("load: %v, want a MostlyRejectedError", err)
	}

	wantRej := uint64(len(badTimes) + len(badStatuses) + 2)
	if st.Total.Rejected != wantRej || st.Total.Access != 2 {
		t.Errorf("access %d, rejected %d (%v); want 2 and %d", st.Total.Access, st.Total.Rejected, st.Total.Reasons, wantRej)
	}
	if n := st.Total.Reasons["bad_time"]; n != uint64(len(badTimes)+2) {
		t.Errorf("bad_time %d, want %d (reasons %v)", n, len(badTimes)+2, st.Total.Reasons)
	}
	if n := st.Total.Reasons["bad_status"]; n != uint64(len(badStatuses)) {
		t.Errorf("bad_status %d, want %d (reasons %v)", n, len(badStatuses), st.Total.Reasons)
	}
	req, rej := db.Table("requests"), db.Table("rejected")
	if n := queryUint(t, db, "SELECT count() FROM "+req); n != 2 {
		t.Errorf("%d rows stored, want 2 (only the lines with a real time and status)", n)
	}
	if n := queryUint(t, db, "SELECT count() FROM "+req+" WHERE toYear(time) != 2026 OR status = 0"); n != 0 {
		t.Errorf("%d stored rows carry a substituted time or status 0", n)
	}
	for _, when := range badTimes {
		if n := queryUint(t, db, "SELECT count() FROM "+rej+" WHERE reason = 'bad_time' AND position(raw, ?) > 0",
			`"time":`+when); n != 1 {
			t.Errorf("dead letter with the original time %s: %d rows, want 1", when, n)
		}
	}
	for _, when := range []string{"01/Jan/1970:00:00:00 +0000", "31/Dec/2200:00:00:00 +0000"} {
		if n := queryUint(t, db, "SELECT count() FROM "+rej+" WHERE reason = 'bad_time' AND position(raw, ?) > 0", when); n != 1 {
			t.Errorf("dead letter with the original time %s: %d rows, want 1", when, n)
		}
	}
}
