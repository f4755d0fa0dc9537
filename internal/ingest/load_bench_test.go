package ingest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/accesslog"
	"github.com/ratescope/ratescope/internal/chtest"
)

// benchNginxJSONLine returns the i-th line of a synthetic nginx-json log
// of ~300-byte lines: 250 routes, five statuses, three partners.
func benchNginxJSONLine(dst []byte, i int) []byte {
	return fmt.Appendf(dst, `{"time_iso8601":"2026-11-20T%02d:%02d:%02d+00:00","request_id":"%032x","remote_addr":"203.0.113.%d","request_method":"GET","request_uri":"/v1/bookings/%d?page=2","status":"%d","body_bytes_sent":"%d","request_time":"0.0%02d","http_user_agent":"partner-sdk/2.1","api_key_id":"k-acme0%d"}`,
		i/3600%24, i/60%60, i%60, i*7919+1, i%250, 1000+i%5000, []int{200, 200, 201, 404, 429}[i%5], 100+i%900, i%100, i%3)
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

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
		line = append(benchNginxJSONLine(line[:0], i), '\n')
		size += len(line)
		_, _ = w.Write(line)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	_ = f.Close()
	db := chtest.MigratedDB(b)
	cfg := Config{Format: accesslog.FormatNginxJSON, HashKey: []byte("k")}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for range b.N {
		st, err := Load(context.Background(), db, []string{path}, cfg)
		if err != nil || st.Total.Access != lines {
			b.Fatalf("load: %v, %d stored", err, st.Total.Access)
		}
	}
	b.StopTimer()
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(b.N*lines)/cpu.Seconds(), "lines/cpu-s")
}
