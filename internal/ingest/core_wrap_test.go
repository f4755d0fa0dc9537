package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
)

// TestCoreJoinsContainerParts: parts of a line a container runtime split
// are held and processed as one line when the last part comes (or at the
// end of the file), bounded like any line.
func TestCoreJoinsContainerParts(t *testing.T) {
	const access = `{"time":"2026-11-20T10:00:00Z","request_id":"r-1","method":"GET","path":"/v1/x","status":200}`
	core := NewCore([]byte("k"))
	reqs, rejs := chstore.NewRequestBatch(16), chstore.NewRejectBatch(16)
	src := &Source{Name: "c.log", Format: accesslog.FormatJSONL}
	line := func(s string, n uint64) (Outcome, string) {
		return core.Line(src, Line{Bytes: []byte(s), Offset: int64(n * 100), Number: n}, reqs, rejs)
	}
	cases := []struct {
		name  string
		parts []string
		want  Outcome
	}{
		{"cri full", []string{"2026-11-20T10:00:00.1Z stdout F " + access}, OutcomeAccess},
		{"cri parts", []string{"2026-11-20T10:00:00.1Z stdout P " + access[:30], "2026-11-20T10:00:00.2Z stdout P:x " + access[30:60],
			"2026-11-20T10:00:00.3Z stdout F " + access[60:]}, OutcomeAccess},
		{"docker parts", []string{`{"log":"` + strings.ReplaceAll(access[:40], `"`, `\"`) + `","stream":"stdout","time":"2026-11-20T10:00:00Z"}`,
			`{"log":"` + strings.ReplaceAll(access[40:], `"`, `\"`) + `\n","stream":"stdout","time":"2026-11-20T10:00:00Z"}`}, OutcomeAccess},
	}
	for _, c := range cases {
		for i, p := range c.parts {
			got, reason := line(p, uint64(i+1))
			want := OutcomePartial
			if i == len(c.parts)-1 {
				want = c.want
			}
			if got != want {
				t.Fatalf("%s: part %d: outcome %v (%s), want %v", c.name, i+1, got, reason, want)
			}
		}
	}
	if reqs.Len() != 3 || rejs.Len() != 0 {
		t.Fatalf("%d rows, %d rejects; want 3 rows", reqs.Len(), rejs.Len())
	}

	// A file that ends on a part: Flush makes it a line (here a reject:
	// half a JSON object), at the last part's position.
	if got, _ := line("2026-11-20T10:00:00.1Z stdout P "+access[:30], 9); got != OutcomePartial {
		t.Fatalf("part: %v", got)
	}
	if got, reason := core.Flush(src, reqs, rejs); got != OutcomeRejected || reason != "bad_json" {
		t.Fatalf("flush: %v %q, want a bad_json reject", got, reason)
	}
	if got, _ := core.Flush(src, reqs, rejs); got != OutcomeBlank {
		t.Fatalf("second flush: %v, want nothing", got)
	}

	// Parts beyond MaxJoinedBytes: one line_too_long reject.
	big := strings.Repeat("x", 64<<10)
	for i := 0; i*len(big) <= MaxJoinedBytes; i++ {
		if got, _ := line("2026-11-20T10:00:00.1Z stdout P "+big, uint64(10+i)); got != OutcomePartial {
			t.Fatalf("part %d: %v", i, got)
		}
	}
	if got, reason := line("2026-11-20T10:00:00.1Z stdout F end", 99); got != OutcomeRejected || reason != ReasonTooLong {
		t.Fatalf("joined too long: %v %q, want %s", got, reason, ReasonTooLong)
	}
	if len(src.Partial) != 0 {
		t.Errorf("%d bytes still held after the line", len(src.Partial))
	}
}

// TestBareBodiesWithoutRequestID: a line that is only an error body and
// names no request is rejected with one reason, whatever its shape (issue
// 9: it was no_fields for some shapes, body_without_request_id for others).
func TestBareBodiesWithoutRequestID(t *testing.T) {
	core := NewCore([]byte("k"))
	reqs, rejs := chstore.NewRequestBatch(16), chstore.NewRejectBatch(16)
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "bodies", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bodies: %v", err)
	}
	n := 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		src := &Source{Name: path, Format: accesslog.FormatJSONL}
		for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			n++
			got, reason := core.Line(src, Line{Bytes: []byte(line), Number: uint64(i + 1)}, reqs, rejs)
			if got != OutcomeRejected || reason != ReasonBodyNoRequestID {
				t.Errorf("%s:%d: %v %q, want rejected %s", filepath.Base(path), i+1, got, reason, ReasonBodyNoRequestID)
			}
		}
	}
	t.Logf("%d real bare bodies, each rejected %s", n, ReasonBodyNoRequestID)
}
