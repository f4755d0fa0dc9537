package chstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ratescope/ratescope/internal/chstore"
	"github.com/ratescope/ratescope/internal/chtest"
	"github.com/ratescope/ratescope/internal/errbody"
)

// BenchmarkInsertRequests measures inserts of 100k-row batches, one in ten
// rows carrying an error body, into the real server. Run it with a small
// -benchtime (e.g. 5x): every iteration adds 100k rows.
func BenchmarkInsertRequests(b *testing.B) {
	const rows = 100_000
	db := chtest.MigratedDB(b)
	batch := chstore.NewRequestBatch(rows)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	env := &errbody.Envelope{
		Shape: errbody.ShapeErrorObject, Code: "rate_limited", Message: "Too many requests", RetryAfter: 30, Status: 429,
		Fields: []errbody.FieldError{{Field: "amount", Message: "must be positive"}},
		Raw:    `{"error":{"code":"rate_limited","message":"Too many requests"}}`,
	}
	var textBytes int64
	for i := range rows {
		r := absentRecord()
		r.TimeMs = start.Add(time.Duration(i) * 800 * time.Millisecond).UnixMilli() // about a day
		r.RequestID = fmt.Appendf(nil, "%032x", i)
		r.Method, r.Path, r.Route = []byte("POST"), fmt.Appendf(nil, "/v1/bookings/%d/payments", i%5000), []byte("/v1/bookings/{id}/payments")
		r.Partner, r.ClientIP = fmt.Appendf(nil, "k-%04d", i%300), fmt.Appendf(nil, "203.0.%d.%d", i%250, i%200)
		r.UserAgent = []byte("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0")
		r.LatencyMs, r.BytesSent, r.Status = float64(i%900)/3, int64(i%4096), 200
		var e *errbody.Envelope
		if i%10 == 0 {
			r.Status, r.RetryAfter, r.ErrorType = 429, 30, []byte("THROTTLED")
			e = env
		}
		batch.Append(&r, chstore.KindAccess, e, chstore.Meta{Source: "/var/log/nginx/access.log", Offset: uint64(i) * 300, Format: "nginx-json"})
		textBytes += int64(len(r.RequestID) + len(r.Method) + len(r.Path) + len(r.Route) + len(r.Partner) + len(r.ClientIP) + len(r.UserAgent))
	}
	ctx := context.Background()
	b.SetBytes(textBytes)
	b.ReportAllocs()
	for b.Loop() {
		if err := db.InsertRequests(ctx, batch, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
