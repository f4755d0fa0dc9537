package ingest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/benchlines"
	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/cputime"
)

// BenchmarkLoad loads a file of 200,000 nginx-json lines end to end into
// ClickHouse: read, parse, normalise, batch, insert. One op is one load.
// lines/cpu-s counts this process's CPU (the ingester's share; the
// server's is not in it).
func BenchmarkLoad(b *testing.B) {
	const lines = 200_000
	path := filepath.Join(b.TempDir(), "bench.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	var line []byte
	size := 0
	for i := range lines {
		if line, err = benchlines.Line(line[:0], "nginx-json", i); err != nil {
			b.Fatal(err)
		}
		line = append(line, '\n')
		size += len(line)
		_, _ = w.Write(line)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	_ = f.Close()
	db := chtest.MigratedDB(b)
	for _, rows := range []int{DefaultBatchRows} {
		b.Run(fmt.Sprintf("batch=%d", rows), func(b *testing.B) {
			cfg := Config{Format: accesslog.FormatNginxJSON, HashKey: []byte("k"), BatchRows: rows}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			cpu0 := cputime.Process(b)
			b.ResetTimer()
			for range b.N {
				st, err := Load(context.Background(), db, []string{path}, cfg)
				if err != nil || st.Total.Access != lines {
					b.Fatalf("load: %v, %d stored", err, st.Total.Access)
				}
			}
			b.StopTimer()
			cpu := cputime.Process(b) - cpu0
			b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "lines/s")
			b.ReportMetric(float64(b.N*lines)/cpu.Seconds(), "lines/cpu-s")
		})
	}
}

// BenchmarkParallel measures the parse → normalise → batch stage alone
// (Parallel, no ClickHouse) per format, with GOMAXPROCS workers: run it
// with -cpu 1,2 to see parsing spread over cores. One op is one line;
// the batch is emptied every DefaultBatchRows rows, as an insert would.
func BenchmarkParallel(b *testing.B) {
	for _, format := range []string{"nginx-json", "combined"} {
		b.Run(format, func(b *testing.B) {
			lines, size := benchLines(b, format, 4096)
			reqs, rejs := chstore.NewRequestBatch(DefaultBatchRows), chstore.NewRejectBatch(256)
			p := NewParallel(0, func() *Core { return NewCore([]byte("k")) }, func() (*chstore.RequestBatch, *chstore.RejectBatch) { return reqs, rejs })
			defer p.Close()
			src := &Source{Name: "bench.log", Format: benchFormats[format]}
			emit := func(Result) {}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			cpu0 := cputime.Process(b)
			b.ResetTimer()
			var off int64
			for i := range b.N {
				l := lines[i%len(lines)]
				p.Add(src, Line{Bytes: l, Offset: off, Number: uint64(i + 1)}, emit)
				off += int64(len(l) + 1)
				if reqs.Len() >= DefaultBatchRows {
					reqs.Reset()
					rejs.Reset()
				}
			}
			p.Drain()
			b.StopTimer()
			cpu := cputime.Process(b) - cpu0
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
			b.ReportMetric(float64(b.N)/cpu.Seconds(), "lines/cpu-s")
		})
	}
}
