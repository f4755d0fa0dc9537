package ingest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
)

// TestChainResumesFromSavedState: ids issued after resuming from a saved
// ChainState equal those of an uninterrupted pass, which is what lets the
// follow daemon checkpoint a file mid-way without changing its ids.
func TestChainResumesFromSavedState(t *testing.T) {
	b, err := os.ReadFile(fixCombined)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if lines[0] != lines[1] {
		t.Fatal("fixture must start with two identical lines")
	}
	ids := func(c *synthChain, state *ChainState, lines []string) []string {
		var out []string
		for _, l := range lines {
			out = append(out, string(c.appendID(nil, state, []byte(l))))
		}
		return out
	}
	var zero ChainState
	whole := ids(ptr(newSynthChain()), &zero, lines)
	if whole[0] == whole[1] {
		t.Errorf("identical lines got the same id %s", whole[0])
	}
	for k := range len(lines) + 1 {
		t.Run(fmt.Sprintf("resume after %d lines", k), func(t *testing.T) {
			var state ChainState
			first := ids(ptr(newSynthChain()), &state, lines[:k])
			saved := state // what a checkpoint keeps
			rest := ids(ptr(newSynthChain()), &saved, lines[k:])
			if got := append(first, rest...); strings.Join(got, ",") != strings.Join(whole, ",") {
				t.Errorf("ids after resuming differ:\n%v\n%v", got, whole)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestCoreLine(t *testing.T) {
	core := NewCore([]byte("k"))
	reqs, rejs := chstore.NewRequestBatch(16), chstore.NewRejectBatch(16)
	src := &Source{Name: "/logs/a.log", Format: accesslog.FormatJSONL}
	f := func(line string, tooLong bool, want Outcome, wantReason string, wantLastMs int64) {
		t.Helper()
		beforeReq, beforeRej := reqs.Len(), rejs.Len()
		got, reason := core.Line(src, Line{Bytes: []byte(line), Offset: 7, Number: 3, TooLong: tooLong}, reqs, rejs)
		if got != want || reason != wantReason {
			t.Errorf("%q: outcome %d %q, want %d %q", line, got, reason, want, wantReason)
		}
		addedReq, addedRej := reqs.Len()-beforeReq, rejs.Len()-beforeRej
		wantReq, wantRej := 0, 0
		switch want {
		case OutcomeAccess, OutcomeErrorBody:
			wantReq = 1
		case OutcomeRejected:
			wantRej = 1
		}
		if addedReq != wantReq || addedRej != wantRej {
			t.Errorf("%q: added %d request and %d reject rows, want %d and %d", line, addedReq, addedRej, wantReq, wantRej)
		}
		if src.LastTimeMs != wantLastMs {
			t.Errorf("%q: last time %d, want %d", line, src.LastTimeMs, wantLastMs)
		}
	}
	t1 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC).UnixMilli()
	t2 := t1 + 1000
	f("   ", false, OutcomeBlank, "", 0)
	f("garbage", false, OutcomeRejected, "bad_json", 0)
	f(`{"time":"2026-11-20T10:00:00Z","request_id":"r1","method":"GET","path":"/a","status":200}`, false, OutcomeAccess, "", t1)
	f(`{"time":"2026-11-20T10:00:01Z","request_id":"r1","body":{"error":{"code":"x","message":"m"}}}`, false, OutcomeErrorBody, "", t2)
	f(`{"time":"2026-11-20T09:00:00Z","request_id":"r0","body":{"error":{"code":"x","message":"m"}}}`, false, OutcomeErrorBody, "", t2) // an older body does not move the time back
	f("{", true, OutcomeRejected, ReasonTooLong, t2)
	f(`{"time":"2026-11-20T10:00:00Z","method":"GET","path":"/a","status":200}`, false, OutcomeAccess, "", t1)
	if src.Chain == (ChainState{}) {
		t.Error("an id-less line did not advance the source's chain")
	}
}

// BenchmarkCoreLine measures the per-line core (parse, normalise, append)
// on nginx-json lines of about 300 bytes.
func BenchmarkCoreLine(b *testing.B) {
	lines := make([][]byte, 1024)
	total := 0
	for i := range lines {
		lines[i] = fmt.Appendf(nil, `{"time_iso8601":"2026-11-20T10:%02d:%02d+00:00","request_id":"%032x","remote_addr":"203.0.113.%d","request_method":"GET","request_uri":"/v1/bookings/%d?page=2","status":"%d","body_bytes_sent":"%d","request_time":"0.0%02d","http_user_agent":"partner-sdk/2.1","api_key_id":"k-acme0%d"}`,
			i/60%60, i%60, i*7919, i%250, 1000+i, []int{200, 200, 201, 404, 429}[i%5], 100+i, i%100, i%3)
		total += len(lines[i])
	}
	core := NewCore([]byte("k"))
	reqs, rejs := chstore.NewRequestBatch(len(lines)), chstore.NewRejectBatch(16)
	src := &Source{Name: "/logs/bench.log", Format: accesslog.FormatNginxJSON}
	b.SetBytes(int64(total / len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		j := i % len(lines)
		if j == 0 {
			reqs.Reset()
			rejs.Reset()
		}
		if o, reason := core.Line(src, Line{Bytes: lines[j], Offset: int64(i), Number: uint64(i)}, reqs, rejs); o != OutcomeAccess {
			b.Fatalf("line %d: outcome %d %s", j, o, reason)
		}
	}
}
