package ingest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/benchlines"
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

// benchFormats maps the benchmark line formats to the parsers' formats.
var benchFormats = map[string]accesslog.Format{
	"nginx-json": accesslog.FormatNginxJSON, "apigw": accesslog.FormatAPIGW,
	"envoy": accesslog.FormatEnvoy, "combined": accesslog.FormatNginx,
}

// benchLines returns n lines of format (internal/benchlines) and their
// mean length.
func benchLines(b *testing.B, format string, n int) ([][]byte, int) {
	lines := make([][]byte, n)
	total := 0
	for i := range lines {
		l, err := benchlines.Line(nil, format, i)
		if err != nil {
			b.Fatal(err)
		}
		lines[i] = l
		total += len(l)
	}
	return lines, total / n
}

// BenchmarkParse measures parsing alone, per format (one op is one line).
func BenchmarkParse(b *testing.B) {
	for _, format := range benchlines.Formats {
		b.Run(format, func(b *testing.B) {
			lines, size := benchLines(b, format, 1024)
			p := accesslog.NewParser(benchFormats[format])
			var r accesslog.Record
			b.SetBytes(int64(size))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := p.Parse(lines[i%len(lines)], &r); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// BenchmarkCoreLine measures the per-line core (parse, normalise, append
// to the columnar batch) per format: what one core does per line before
// the insert (one op is one line).
func BenchmarkCoreLine(b *testing.B) {
	for _, format := range benchlines.Formats {
		b.Run(format, func(b *testing.B) {
			lines, size := benchLines(b, format, 1024)
			core := NewCore([]byte("k"))
			reqs, rejs := chstore.NewRequestBatch(len(lines)), chstore.NewRejectBatch(16)
			src := &Source{Name: "/logs/bench.log", Format: benchFormats[format]}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				j := i % len(lines)
				if j == 0 {
					reqs.Reset()
					rejs.Reset()
				}
				if o, reason := core.Line(src, Line{Bytes: lines[j], Offset: int64(i), Number: uint64(i)}, reqs, rejs); o != OutcomeAccess {
					b.Fatalf("line %d: outcome %d %s", j, o, reason)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
