package chstore_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/cputime"
	"github.com/ratescope/ratescope/internal/errbody"
)

const (
	benchUA  = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0"
	benchRaw = `{"error":{"code":"rate_limited","message":"Too many requests"}}`
)

// pathOf is the path of benchBatch's row i.
func pathOf(i int) []byte { return fmt.Appendf(nil, "/v1/bookings/%d/payments", i%5000) }

// benchBatch returns a batch of rows requests, one in ten carrying an
// error body, about a day of them, and the bytes of text they hold.
func benchBatch(rows int) (*chstore.RequestBatch, int64) {
	batch := chstore.NewRequestBatch(rows)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	env := &errbody.Envelope{
		Shape: errbody.ShapeErrorObject, Code: "rate_limited", Message: "Too many requests", RetryAfter: 30, Status: 429,
		Fields: []errbody.FieldError{{Field: "amount", Message: "must be positive"}},
		Raw:    benchRaw,
	}
	var textBytes int64
	for i := range rows {
		r := absentRecord()
		r.TimeMs = start.Add(time.Duration(i) * 800 * time.Millisecond).UnixMilli() // about a day
		r.RequestID = fmt.Appendf(nil, "%032x", i)
		r.Method, r.Path, r.Route = []byte("POST"), pathOf(i), []byte("/v1/bookings/{id}/payments")
		r.Partner, r.ClientIP = fmt.Appendf(nil, "k-%04d", i%300), fmt.Appendf(nil, "203.0.%d.%d", i%250, i%200)
		r.UserAgent = []byte(benchUA)
		r.LatencyMs, r.BytesSent, r.Status = float64(i%900)/3, int64(i%4096), 200
		var e *errbody.Envelope
		if i%10 == 0 {
			r.Status, r.RetryAfter, r.ErrorType = 429, 30, []byte("THROTTLED")
			e = env
		}
		batch.Append(&r, chstore.KindAccess, e, chstore.Meta{Source: "/var/log/nginx/access.log", Offset: uint64(i) * 300, Format: "nginx-json"})
		textBytes += int64(len(r.RequestID) + len(r.Method) + len(r.Path) + len(r.Route) + len(r.Partner) + len(r.ClientIP) + len(r.UserAgent))
	}
	return batch, textBytes
}

// BenchmarkInsertRequests measures inserts of 100k-row batches into the
// real server, with each block compression (the URL's compress=) and
// block size. Run it with a small -benchtime (e.g. 5x): every iteration
// adds 100k rows. rows/cpu-s counts this process's CPU only (the
// ingester's share of an insert; the server's is not in it).
func BenchmarkInsertRequests(b *testing.B) {
	const rows = 100_000
	u, _ := chtest.Migrated(b)
	batch, textBytes := benchBatch(rows)
	ctx := context.Background()
	for _, compress := range benchCompressions {
		for _, blockRows := range benchBlockRows {
			b.Run(fmt.Sprintf("compress=%s/block=%d", compress, blockRows), func(b *testing.B) {
				cu, err := url.Parse(u)
				if err != nil {
					b.Fatal(err)
				}
				q := cu.Query()
				q.Set("compress", compress)
				cu.RawQuery = q.Encode()
				db, err := chstore.Open(ctx, cu.String())
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				db.SetInsertBlockRows(blockRows)
				b.SetBytes(textBytes)
				b.ReportAllocs()
				cpu0 := cputime.Process(b)
				for b.Loop() {
					if err := db.InsertRequests(ctx, batch, time.Now()); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(rows*b.N)/(cputime.Process(b)-cpu0).Seconds(), "rows/cpu-s")
			})
		}
	}
}

// The compressions and block sizes BenchmarkInsertRequests compares.
var (
	benchCompressions = []string{"lz4", "none", "zstd"}
	benchBlockRows    = []int{2 << 10, 4 << 10, 8 << 10, 16 << 10, 64 << 10}
)
