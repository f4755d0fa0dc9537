package ingest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
)

// mixedLines returns n physical lines of a JSON log that exercise every
// dependency between lines: access records with and without request ids
// (synthetic ids chain from line to line), garbage (dead letters filed
// under the time of the line before), error bodies (which raise that time
// only), bodies without ids, blank lines, a credential in a query string,
// and lines a container runtime split into parts (CRI and Docker), whose
// parts may fall into different chunks.
func mixedLines(n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 7))
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var out []string
	for i := 0; len(out) < n; i++ {
		ts := t0.Add(time.Duration(i) * 137 * time.Millisecond).Format(time.RFC3339Nano)
		old := t0.Add(-time.Duration(i) * time.Second).Format(time.RFC3339Nano)
		access := fmt.Sprintf(`{"time":"%s","request_id":"r-%d","method":"GET","path":"/v1/x/%d","status":%d,"client_ip":"10.0.0.%d","user_agent":"sdk/%d","latency":%d,"bytes":%d,"retry_after":%d,"ratelimit_limit":100,"ratelimit_remaining":%d}`,
			ts, i, i%17, 200+i%5*100, i%250, i%7, i%900, i*13%5000, i%3, i%100)
		switch k := r.IntN(100); {
		case k < 40:
			out = append(out, access)
		case k < 60: // no request id: a synthetic one
			out = append(out, fmt.Sprintf(`{"time":"%s","method":"POST","path":"/v1/y?api_key=sk_live_%024d","status":429}`, ts, i))
		case k < 70:
			out = append(out, fmt.Sprintf("garbage %d", r.IntN(4)))
		case k < 75: // an error body, sometimes older than the lines before it
			at := ts
			if r.IntN(2) == 0 {
				at = old
			}
			out = append(out, fmt.Sprintf(`{"time":"%s","request_id":"r-%d","body":{"error":{"code":"limit","message":"slow down","details":[{"field":"f%d","message":"bad"},{"field":"g","message":"worse"}]}}}`, at, i-1, i%3))
		case k < 78:
			out = append(out, `{"body":{"error":{"code":"x","message":"no id"}}}`)
		case k < 82:
			out = append(out, "   ")
		case k < 90: // CRI parts
			cut1, cut2 := 1+r.IntN(len(access)-2), 0
			cut2 = cut1 + r.IntN(len(access)-cut1)
			out = append(out, "2026-11-20T10:00:00.1Z stdout P "+access[:cut1])
			if r.IntN(2) == 0 {
				out = append(out, "2026-11-20T10:00:00.2Z stdout P "+access[cut1:cut2])
				cut1 = cut2
			}
			if r.IntN(10) > 0 { // now and then the last part never comes
				out = append(out, "2026-11-20T10:00:00.3Z stdout F "+access[cut1:])
			}
		case k < 95: // Docker json-file parts, one of them without an id
			line := fmt.Sprintf(`{"time":"%s","method":"GET","path":"/v1/z","status":503}`, ts)
			cut := 1 + r.IntN(len(line)-2)
			esc := func(s string) string { return strings.ReplaceAll(s, `"`, `\"`) }
			out = append(out, `{"log":"`+esc(line[:cut])+`","stream":"stdout","time":"2026-11-20T10:00:00Z"}`,
				`{"log":"`+esc(line[cut:])+`\n","stream":"stdout","time":"2026-11-20T10:00:00Z"}`)
		default:
			out = append(out, fmt.Sprintf(`{"time":"%s","method":"GET","path":"/v1/w","status":200}`, ts))
		}
	}
	return out
}

// emitted is what one line's Emit said, comparable.
type emitted struct {
	Offset  int64
	Number  uint64
	Bytes   string
	Outcome Outcome
	Reason  string
	TimeMs  int64
}

// runParallel adds lines of two sources (one resumed mid-file: a chain and
// a time already set), alternating runs of them, to a Parallel of workers
// cutting chunks of chunkLines, and returns what Emit said, the sources'
// states and the batches' sizes.
func runParallel(t *testing.T, workers, chunkLines int, lines []string) ([]emitted, [2]Source, [2]int) {
	t.Helper()
	reqs, rejs := chstore.NewRequestBatch(0), chstore.NewRejectBatch(0)
	p := NewParallel(workers, func() *Core { return NewCore([]byte("k")) }, func() (*chstore.RequestBatch, *chstore.RejectBatch) { return reqs, rejs })
	defer p.Close()
	if chunkLines > 0 {
		p.lines = chunkLines
	}
	srcs := [2]*Source{
		{Name: "a.log", Format: accesslog.FormatJSONL},
		{Name: "b.log", Format: accesslog.FormatJSONL, Chain: ChainState{1, 2, 3}, LastTimeMs: 1_700_000_000_000},
	}
	var got []emitted
	emit := func(r Result) {
		got = append(got, emitted{r.Line.Offset, r.Line.Number, string(r.Line.Bytes), r.Outcome, r.Reason, r.TimeMs})
	}
	var off [2]int64
	for i, l := range lines {
		s := (i / 300) % 2
		line := Line{Bytes: []byte(l), Offset: off[s], Number: uint64(i + 1), TooLong: i%997 == 0}
		off[s] += int64(len(l) + 1)
		p.Add(srcs[s], line, emit)
		clear(line.Bytes) // the reader reuses its buffer
	}
	for _, s := range srcs {
		p.Flush(s, emit)
	}
	return got, [2]Source{*srcs[0], *srcs[1]}, [2]int{reqs.Len(), rejs.Len()}
}

// TestParallelMatchesOneWorker: with several workers and chunks of any
// size, every line is told in order with the outcome one Core gives it,
// and the sources end in the same state (chain, time, held parts).
func TestParallelMatchesOneWorker(t *testing.T) {
	lines := mixedLines(5000, 1)
	want, wantSrc, wantRows := runParallel(t, 1, 0, lines)
	for _, workers := range []int{2, 4} {
		for _, chunk := range []int{1, 3, 7, 64, ChunkLines} {
			t.Run(fmt.Sprintf("workers=%d,chunk=%d", workers, chunk), func(t *testing.T) {
				got, gotSrc, gotRows := runParallel(t, workers, chunk, lines)
				if len(got) != len(want) {
					t.Fatalf("%d lines told, want %d", len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("line %d: got %+v, want %+v", i, got[i], want[i])
					}
				}
				for i := range wantSrc {
					g, w := gotSrc[i], wantSrc[i]
					if g.Chain != w.Chain || g.LastTimeMs != w.LastTimeMs || string(g.Partial) != string(w.Partial) || g.partialTooLong != w.partialTooLong {
						t.Errorf("source %s ends at chain %x time %d, want %x %d", w.Name, g.Chain, g.LastTimeMs, w.Chain, w.LastTimeMs)
					}
				}
				if gotRows != wantRows {
					t.Errorf("batches of %v rows, want %v", gotRows, wantRows)
				}
			})
		}
	}
}

// TestLoadWorkersStoreWhatOneStores: a mixed file with dead letters, split
// lines and synthetic ids, loaded with four workers in tiny chunks, stores
// exactly the rows and dead letters one worker stores — none lost, none
// doubled, none reordered (offsets, ids, the times of dead letters) — and
// the same per-file figures.
func TestLoadWorkersStoreWhatOneStores(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mixed.jsonl")
	lines := mixedLines(20000, 2)
	long := `{"time":"2026-11-20T10:00:00Z","path":"/` + strings.Repeat("x", 3000) + `"}`
	lines[777], lines[12345] = long, long                                                // over MaxLineBytes below
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil { // no final newline
		t.Fatal(err)
	}
	type result struct {
		stats     FileStats
		req, rejs []string
	}
	run := func(workers, chunk, inserters, batch int) result {
		db := chtest.MigratedDB(t)
		st := load(t, db, Config{Format: accesslog.FormatJSONL, Workers: workers, chunkLines: chunk, Inserters: inserters, BatchRows: batch, MaxLineBytes: 2048}, path)
		return result{st.Total, dumpTable(t, db, "requests", "source, offset, kind",
			"request_id", "kind", "synthetic", "time_ms", "method", "path", "route", "status", "partner",
			"client_ip", "latency_ms", "bytes_sent", "user_agent", "idempotency_key", "retry_after",
			"rl_limit", "rl_remaining", "rl_reset", "error_type", "response_flags", "err_shape",
			"err_code", "err_message", "err_details", "err_field_names", "err_field_messages",
			"err_retry_after", "err_status", "err_raw", "format", "source", "offset"),
			dumpTable(t, db, "rejected", "source, offset", "time", "source", "offset", "line", "format", "reason", "raw")}
	}
	want := run(1, 0, 1, 10_000)
	if want.stats.Rejected == 0 || want.stats.Access == 0 || want.stats.ErrorBodies == 0 {
		t.Fatalf("the mixed file lacks a kind of line: %+v", want.stats)
	}
	// 4 workers in 5-line chunks; then 3 inserts at once of 700-row
	// batches, stored in whatever order they finish.
	for _, c := range []struct{ workers, chunk, inserters, batch int }{{4, 5, 1, 10_000}, {2, 64, 3, 700}} {
		got := run(c.workers, c.chunk, c.inserters, c.batch)
		if fmt.Sprint(got.stats) != fmt.Sprint(want.stats) {
			t.Errorf("stats with %+v:\n%+v\nwant\n%+v", c, got.stats, want.stats)
		}
		for name, pair := range map[string][2][]string{"requests": {got.req, want.req}, "rejected": {got.rejs, want.rejs}} {
			g, w := pair[0], pair[1]
			if len(g) != len(w) {
				t.Errorf("%+v: %s: %d rows, want %d", c, name, len(g), len(w))
				continue
			}
			for i := range w {
				if g[i] != w[i] {
					t.Errorf("%+v: %s row %d:\n%s\nwant\n%s", c, name, i, g[i], w[i])
					break
				}
			}
		}
	}
}

// dumpTable returns table's rows as text, ordered by order.
func dumpTable(t *testing.T, db *chstore.DB, table, order string, cols ...string) []string {
	t.Helper()
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = "toString(" + c + ")"
	}
	q := "SELECT arrayStringConcat([" + strings.Join(parts, ", ") + "], '\t') FROM " + db.Table(table) + " ORDER BY " + order
	rows, err := db.Conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
